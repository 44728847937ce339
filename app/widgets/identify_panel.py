"""What the identify tool found: one section per feature with its properties, under the names a
dispatcher reads (class_code → 类别代码), in a fixed order; internal fields stay hidden."""
from __future__ import annotations

import logging

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem, QWidget

from app.api.worker import run_async
from app.layers import Feature

log = logging.getLogger("occ.identify")

# property -> label, in the order shown; a property not named here is internal (ids, versions, geometry)
FIELDS = {
    "number": "Case number", "code": "Code", "id": "ID", "name": "Name", "display_name": "Name",
    "class_code": "Class code", "minor_code": "Class code", "class_name": "Class", "kind": "Kind",
    "state": "State", "band": "Deadline band", "source": "Source", "description": "Description",
    "address": "Address", "grid_code": "Unit grid", "street_code": "Street code", "community_code": "Community code",
    "responsibility_grid": "Responsibility grid", "responsibility_grid_code": "Responsibility grid",
    "sequence": "Sequence", "area_m2": "Area (m²)", "authority": "Authority", "owner": "Owner",
    "maintainer": "Maintainer", "currency": "Data currency", "data_source": "Data source",
    "survey_date": "Survey date", "deadline_at": "Deadline", "remaining_seconds": "Remaining (s)",
    "urge_count": "Urges", "ownership": "Ownership", "direction": "Direction (°)", "online": "Online",
    "speed_kn": "Speed (kn)", "phone": "Phone", "distance_m": "Distance (m)", "cell_count": "Unit grids",
    "inspector": "Inspector", "fix_at": "Last position",
}
VALUES = {
    "band": {"green": "Green", "yellow": "Yellow", "red": "Red", "paused": "Paused"},
    "kind": {"event": "Event", "component": "Component", "fixed": "Fixed camera", "ptz": "PTZ camera"},
    "data_source": {"measured": "Measured", "synthesized": "Synthesized", "osm": "OpenStreetMap"},
    "online": {"True": "Yes", "False": "No", "1": "Yes", "0": "No"},
    "state": {"reported": "Reported", "verifying": "Verifying", "pending_filing": "Pending filing",
              "pending_dispatch": "Pending dispatch", "handling": "Handling", "postponed": "Postponed",
              "suspended": "Suspended", "pending_check": "Pending check", "checking": "Checking", "closed": "Closed", "void": "Void",
              "intact": "Intact", "damaged": "Damaged", "missing": "Missing", "occupied": "Occupied"},
    "currency": {"in_use": "In use", "planned": "Planned", "abandoned": "Abandoned", "removed": "Removed"},
    "ownership": {"own": "Own", "shared": "Shared"},
    "source": {"inspector": "Inspector", "hotline": "Hotline", "citizen": "Citizen app", "open311": "Open311",
               "video": "Video patrol", "leader": "Leader", "media": "Media"},
}


def _t(context: str, text: str) -> str:
    return QCoreApplication.translate(context, text)


def field_label(key: str) -> str | None:
    return _t("IdentifyField", FIELDS[key]) if key in FIELDS else None


def value_text(key: str, value: object) -> str:
    if isinstance(value, float) and key not in ("area_m2", "distance_m", "direction"):
        value = f"{value:g}"
    elif isinstance(value, float):
        value = f"{value:.0f}"
    text = str(value)
    names = VALUES.get(key)
    return _t("IdentifyField", names[text]) if names and text in names else text


DEPARTMENT_FIELDS = ("authority", "owner", "maintainer")  # department codes in the city package


class IdentifyPanel(QTreeWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.department_names: dict[str, str] = {}  # code -> name, from the server after login
        self.setColumnCount(2)
        self.setHeaderLabels([self.tr("Field"), self.tr("Value")])
        self.setAlternatingRowColors(True)

    def load_departments(self, client) -> None:  # noqa: ANN001
        """Department names for the codes components carry, fetched off the UI thread."""
        run_async(client.departments, self.set_departments,
                  lambda e: log.warning("departments for the identify panel: %s", e), owner=self)

    def set_departments(self, departments: list[dict]) -> None:
        self.department_names = {str(d["code"]): str(d["name"]) for d in departments if d.get("code")}

    def show_features(self, features: list[Feature]) -> None:
        self.clear()
        if not features:
            QTreeWidgetItem(self, [self.tr("Nothing here"), ""])
            return
        for f in features:
            top = QTreeWidgetItem(self, [f.layer, str(f.id)])
            props = f.properties or {}
            shown: set[str] = set()
            for k in FIELDS:
                v = props.get(k)
                label = field_label(k)
                if v is None or v == "" or isinstance(v, (dict, list)) or label in shown:
                    continue
                shown.add(label)
                text = value_text(k, v)
                if k in DEPARTMENT_FIELDS and text in self.department_names:
                    text = self.department_names[text]  # a dispatcher reads names, not codes
                QTreeWidgetItem(top, [label, text])
            top.setExpanded(True)
        self.resizeColumnToContents(0)
