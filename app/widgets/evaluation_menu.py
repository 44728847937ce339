"""The main window's way into the evaluation (综合评价): a menu entry for leaders and administrators
that opens the evaluation window, opens a drilled-down case in the main window, and puts the
choropleth on the main map when asked. Kept here so main_window.py only calls install()."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QKeySequence

from app.domain.workflow import Role

EVALUATION_ROLES = frozenset({Role.LEADER.value, Role.ADMIN.value})


def _t(text: str) -> str:
    return QCoreApplication.translate("EvaluationMenu", text)


def install(win) -> None:  # noqa: ANN001 - the MainWindow
    if win.session.role not in EVALUATION_ROLES:
        return
    menu = win.menuBar().addMenu(_t("&Evaluation"))
    win.evaluation_action = menu.addAction(_t("Evaluation (综合评价)…"))
    win.evaluation_action.setShortcut(QKeySequence("Ctrl+E"))
    win.evaluation_action.triggered.connect(lambda: open_evaluation(win))
    win.evaluation_window = None
    win.data.cityLoaded.connect(lambda city: win.evaluation_window is not None
                                and win.evaluation_window.set_grids(city.grids))


def open_evaluation(win):  # noqa: ANN001, ANN201 - the MainWindow; returns the EvaluationWindow
    from .evaluation_window import EvaluationWindow
    if win.evaluation_window is None:
        ew = EvaluationWindow(win.client, win.canvas.crs, win.data.city.grids, parent=win)
        ew.setWindowFlag(Qt.Window, True)  # its own window, closed with the main one
        ew.caseRequested.connect(lambda cid: (win.show_case(cid), win.raise_(), win.activateWindow()))
        ew.mainMapCounts.connect(lambda counts: _main_map(win, counts))
        win.evaluation_window = ew
        ew.reload()
    win.evaluation_window.show()
    win.evaluation_window.raise_()
    return win.evaluation_window


def _main_map(win, counts) -> None:  # noqa: ANN001
    """The choropleth as a layer of the main map (above the grids, under the live layers)."""
    from app.layers.choropleth import ChoroplethLayer
    layer = getattr(win, "choropleth_layer", None)
    if counts is None:
        if layer is not None:
            win.canvas.remove_layer(layer)
            win.choropleth_layer = None
        return
    grids = win.data.city.grids
    if grids is None:
        return
    if layer is None:
        layer = ChoroplethLayer.from_grids(grids, name=_t("Cases per unit grid (evaluation)"))
        layers = win.canvas.layers()
        index = layers.index(grids) + 1 if grids in layers else None
        win.canvas.add_layer(layer, index=index, zoom=False)
        win.choropleth_layer = layer
    layer.set_counts(counts)
