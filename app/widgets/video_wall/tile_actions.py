"""What a tile's menu does: locate the camera on the map, snapshot to the selected case (截图取证),
video patrol report (视频巡查上报), save a snapshot to a file, close the tile."""
from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from app.api.worker import run_async
from app.video import evidence

if TYPE_CHECKING:
    from .wall import VideoWall


def run(wall: "VideoWall", index: int, action: str) -> None:
    tile = wall.tiles[index]
    cam = tile.camera
    if cam is None:
        return
    if action == "close":
        wall.put(index, None)
    elif action == "locate":
        if wall.locate is not None:
            wall.locate(cam)
    elif action == "snapshot":
        snapshot_to_case(wall, index)
    elif action == "report":
        report(wall, index)
    elif action == "save":
        save(wall, index)


def snapshot_to_case(wall: "VideoWall", index: int) -> None:
    cam, stream = wall.tiles[index].camera, wall.tiles[index].stream
    case = wall.case
    if case is None or case.get("id") is None:
        wall.message.emit(wall.tr("Select a case first: the snapshot is attached to the selected case."))
        return
    number = case.get("number") or str(case["id"])
    wall.message.emit(wall.tr("Attaching a snapshot of %1 to %2…").replace("%1", cam.get("name", "")).replace("%2", number))
    run_async(lambda: evidence.attach_to_case(wall.client, stream, cam["id"], int(case["id"])),
              lambda res: (wall.message.emit(wall.tr("Snapshot of %1 attached to %2 as evidence")
                                             .replace("%1", cam.get("name", "")).replace("%2", number)),
                           wall.evidenceAttached.emit(res)),
              lambda e: wall.message.emit(wall.tr("Snapshot not attached: %1").replace("%1", str(e))), owner=wall)


def report(wall: "VideoWall", index: int) -> None:
    cam, stream = wall.tiles[index].camera, wall.tiles[index].stream

    def show(snap: evidence.Snapshot) -> None:
        from .report_dialog import VideoReportDialog
        dlg = VideoReportDialog(wall.client, cam, snap, data=wall.data, parent=wall)
        wall.report_dialog = dlg  # tests reach it here
        dlg.accepted.connect(lambda: wall.message.emit(wall.tr("Reported as %1")
                                                       .replace("%1", (dlg.case or {}).get("number", ""))))
        dlg.open()

    run_async(lambda: evidence.take_snapshot(stream, cam["id"]), show,
              lambda e: wall.message.emit(str(e)), owner=wall)


def save(wall: "VideoWall", index: int) -> None:
    cam, stream = wall.tiles[index].camera, wall.tiles[index].stream

    def ask(snap: evidence.Snapshot) -> None:
        path, _ = QFileDialog.getSaveFileName(wall, wall.tr("Save snapshot"), snap.filename, "JPEG (*.jpg)")
        if path:
            run_async(lambda: open(path, "wb").write(snap.jpeg), lambda _n: None,
                      lambda e: wall.message.emit(str(e)), owner=wall)

    run_async(lambda: evidence.take_snapshot(stream, cam["id"]), ask, lambda e: wall.message.emit(str(e)), owner=wall)
