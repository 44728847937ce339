"""The mark an urged case carries in every list (督×N), and the labels of urge kinds and levels."""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor

URGE_COLOUR = QColor(198, 40, 40)  # the mark's colour: the same red as the alarm banner


def _t(text: str) -> str:
    return QCoreApplication.translate("Supervision", text)


def urge_mark(case: dict) -> str:
    """'督×2' for a case urged twice, '' for one never urged."""
    n = int(case.get("urge_count") or 0)
    return _t("urged ×%1").replace("%1", str(n)) if n else ""


def with_mark(text: str, case: dict) -> str:
    """A list cell's text followed by the case's urge mark."""
    mark = urge_mark(case)
    return f"{text} · {mark}" if mark and text else mark or text


def kind_label(kind: str | None) -> str:
    return {"urge": _t("Urge"), "supervise": _t("Supervise")}.get(kind or "", kind or "")


def level_label(level: int | None) -> str:
    return _t("level %1").replace("%1", str(level or 1))
