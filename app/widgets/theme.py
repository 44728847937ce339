"""Day and night themes for the whole window (View → Night): the Fusion style with a light or a dark
palette, and the deadline-band colours of the lists switched to match (dark tints with light text at
night, so a red row stays red without glaring in a dark hall). Message and hint texts take their
colour from the theme too (`set_ink(label, "error")`): a fixed dark red or grey would vanish on the
night palette."""
from __future__ import annotations

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from .timing_panel import BAND_BG, BAND_FG

DAY_BANDS = ({k: QColor(v) for k, v in BAND_BG.items()}, {k: QColor(v) for k, v in BAND_FG.items()})
NIGHT_BANDS = ({"green": QColor("#1e3a24"), "yellow": QColor("#4a3d0c"), "red": QColor("#5c1a1a"),
                "paused": QColor("#2e3439")},
               {"green": QColor("#8fd19e"), "yellow": QColor("#ffd54f"), "red": QColor("#ff8a80"),
                "paused": QColor("#b0bec5")})


# text colours by meaning, (day, night): readable on the light and on the dark palette
INKS: dict[str, tuple[str, str]] = {"error": ("#b71c1c", "#ff8a80"), "ok": ("#1b5e20", "#81c995"),
                                    "warn": ("#b26a00", "#ffb74d"), "muted": ("#546e7a", "#9aa5b1")}
_state = {"night": False, "sheet": None}


def ink_sheet(night: bool) -> str:
    return "".join(f'*[ink="{k}"] {{ color: {v[1 if night else 0]}; }}' for k, v in INKS.items())


def _install_sheet(app: QApplication, night: bool) -> None:
    sheet = ink_sheet(night)
    if app.styleSheet() != sheet:
        app.setStyleSheet(sheet)
    _state.update(night=night, sheet=sheet)


def set_ink(widget, kind: str | None) -> None:  # noqa: ANN001 - any QWidget
    """Colours `widget`'s text by meaning (error, ok, warn, muted; None: the palette's own)."""
    app = QApplication.instance()
    if app is not None and _state["sheet"] is None:
        _install_sheet(app, _state["night"])
    widget.setProperty("ink", kind or "")
    widget.style().unpolish(widget)
    widget.style().polish(widget)


def night_palette() -> QPalette:
    p = QPalette()
    base, window, text = QColor("#1e2227"), QColor("#262b31"), QColor("#e3e6ea")
    for group in (QPalette.Active, QPalette.Inactive):
        p.setColor(group, QPalette.Window, window)
        p.setColor(group, QPalette.WindowText, text)
        p.setColor(group, QPalette.Base, base)
        p.setColor(group, QPalette.AlternateBase, QColor("#2a3037"))
        p.setColor(group, QPalette.ToolTipBase, QColor("#30363d"))
        p.setColor(group, QPalette.ToolTipText, text)
        p.setColor(group, QPalette.PlaceholderText, QColor("#8b949e"))
        p.setColor(group, QPalette.Text, text)
        p.setColor(group, QPalette.Button, QColor("#30363d"))
        p.setColor(group, QPalette.ButtonText, text)
        p.setColor(group, QPalette.BrightText, QColor("#ff6e6e"))
        p.setColor(group, QPalette.Highlight, QColor("#2f6fbf"))
        p.setColor(group, QPalette.HighlightedText, QColor("#ffffff"))
        p.setColor(group, QPalette.Link, QColor("#79b8ff"))
        p.setColor(group, QPalette.Light, QColor("#3a4149"))
        p.setColor(group, QPalette.Midlight, QColor("#323840"))
        p.setColor(group, QPalette.Mid, QColor("#1a1e22"))
        p.setColor(group, QPalette.Dark, QColor("#15181b"))
        p.setColor(group, QPalette.Shadow, QColor("#000000"))
    # disabled: dimmer than the rest, still readable (3:1 on the button) — a greyed button is read too
    for role, c in ((QPalette.WindowText, "#8b949e"), (QPalette.Text, "#8b949e"), (QPalette.ButtonText, "#8b949e"),
                    (QPalette.Base, "#22272d"), (QPalette.Button, "#2a2f35")):
        p.setColor(QPalette.Disabled, role, QColor(c))
    return p


def apply_theme(night: bool, app: QApplication | None = None) -> None:
    app = app or QApplication.instance()
    if app is None:
        return
    app.setStyle("Fusion")  # the same look on every desktop, and a palette it fully honours
    app.setPalette(night_palette() if night else app.style().standardPalette())
    _install_sheet(app, night)
    bg, fg = NIGHT_BANDS if night else DAY_BANDS
    BAND_BG.update(bg)
    BAND_FG.update(fg)
    for w in app.topLevelWidgets():
        w.update()
