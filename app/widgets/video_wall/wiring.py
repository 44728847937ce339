"""How the video wall joins the main window (kept here so main_window.py only calls `attach`):
cameras and their changes, the map (drag a camera from it, locate a tile's camera on it), the case
selected in the detail panel and cases turning red (linkage), evidence refreshing the detail."""
from __future__ import annotations

from typing import TYPE_CHECKING

from app.api.city_config import current_workflow

from .map_drag import MapCameraDrag
from .wall import VideoWall

if TYPE_CHECKING:
    from ..main_window import MainWindow

REPORT_ROLES = frozenset({"acceptor", "admin"})  # who takes reports (视频巡查上报)
EVIDENCE_DEFAULT_ROLES = frozenset({"acceptor", "shift_leader", "dispatcher", "leader", "admin"})


def evidence_roles() -> frozenset[str]:
    """The city's workflow decides who attaches evidence (attach_evidence), else the default."""
    try:
        return frozenset(str(r) for r in current_workflow().roles_for("attach_evidence"))
    except (KeyError, ValueError, AttributeError):
        return EVIDENCE_DEFAULT_ROLES


def make(win: "MainWindow") -> VideoWall:
    wall = VideoWall(win.client)
    wall.data = win.data
    role = win.session.role
    for t in wall.tiles:
        t.report_enabled = role in REPORT_ROLES
        t.evidence_enabled = role in evidence_roles()
    wall.locate = lambda cam: win.canvas.center_on(cam["lon"], cam["lat"], crs="EPSG:4490", scale=1000)
    win.video_drag = MapCameraDrag(win.canvas)
    wall.message.connect(lambda text: win.status.showMessage(text, 8000))
    wall.load()
    return wall


def attach(win: "MainWindow", wall: VideoWall) -> None:
    """After every panel exists: case selection, live events, evidence → detail."""
    detail = win.panels.get("detail")
    if detail is not None:
        detail.caseLoaded.connect(lambda case: wall.set_case(case))

        def attached(res: dict) -> None:
            if (res.get("case") or {}).get("id") == getattr(detail, "case_id", None):
                detail.reload()
        wall.evidenceAttached.connect(attached)

    def on_event(msg: dict) -> None:
        kind, data = msg.get("type"), msg.get("data") or {}
        if kind == "camera.changed":
            wall.camera_changed(data)
        elif kind == "case.band" and data.get("band") == "red" and wall.linkage.isChecked():
            case = win.data.case_props.get(data.get("id")) or data
            wall.set_case(case, red=True)
    win.events.event.connect(on_event)
    win.events.resync.connect(wall.load)
