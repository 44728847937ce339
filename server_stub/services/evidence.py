"""Evidence (截图取证): a photo, usually a video wall snapshot, attached to an existing case with the
camera it came from and the stream's own time of the frame.

Not a workflow transition (the state stays), but a logged change of the case: the version goes up,
an `attach_evidence` entry joins the log and the photo is listed in the detail under stage
"evidence". Who may do it is the workflow's CaseOp.ATTACH_EVIDENCE (a city's workflow file may
change it like an action's roles).
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.domain.workflow import OPEN_STATES, CaseOp, WrongState

from ..db.models import Camera, CasePhoto, Photo, User
from . import cases as case_svc
from . import photos as photo_svc

STAGE = "evidence"


def check_camera(s: Session, camera_id: str | None, field_name: str = "camera_id") -> str | None:
    """A camera id must name a camera of this city (or be absent)."""
    if camera_id is None:
        return None
    if s.get(Camera, camera_id) is None:
        raise case_svc.CaseInputError(field_name, f"unknown camera {camera_id!r}")
    return camera_id


def attach(s: Session, ctx: Any, case_id: int, actor: User, *, sha256: str, camera_id: str | None = None,
           stream_time: datetime | None = None, expected_version: int | None = None,
           at: datetime | None = None) -> tuple[Any, dict]:
    """Links the uploaded photo to the case; returns (case, the photo as CasePhotoOut). The caller commits."""
    now = at or case_svc.utcnow()
    ctx.workflow.check_op(CaseOp.ATTACH_EVIDENCE, actor.role)
    case = case_svc.get_visible(s, actor, case_id, for_update=True)
    if expected_version is not None and expected_version != case.version:
        raise case_svc.StaleVersion(f"case {case.number} has changed since you saw it (version {expected_version}, "
                                    f"now {case.version}: '{case.state}'); nothing was done — look at it again")
    if case.state not in OPEN_STATES:
        raise WrongState(f"case {case.number} is '{case.state}': evidence goes to open cases only")
    photo = s.get(Photo, sha256)
    if photo is None:
        raise case_svc.CaseInputError("sha256", f"unknown photo {sha256}: upload it first (POST /api/photos)")
    check_camera(s, camera_id)
    if s.scalar(select(CasePhoto.id).where(CasePhoto.case_id == case.id, CasePhoto.sha256 == sha256,
                                           CasePhoto.stage == STAGE).limit(1)) is not None:
        raise case_svc.CaseConflict(f"this photo is already evidence of case {case.number}")
    case.version += 1
    case.updated_at = now
    data = {"sha256": sha256, "camera_id": camera_id,
            "stream_time": stream_time.isoformat() if stream_time else None}
    ev = case_svc._event(s, case, CaseOp.ATTACH_EVIDENCE.value, case.state, actor, now, None,
                         {k: v for k, v in data.items() if v is not None})
    photo_svc.link(s, case.id, [sha256], STAGE, ev.id, camera_id, stream_time)
    s.flush()
    return case, {"sha256": sha256, "url": photo_svc.url_of(sha256), "size": photo.size,
                  "content_type": photo.content_type, "event_id": ev.id, "camera_id": camera_id,
                  "stream_time": stream_time.isoformat() if stream_time else None}


def run_attach(ctx: Any, case_id: int, actor: User, *, answer: case_svc.Answer | None = None, **kw: Any) -> Any:
    with ctx.db.transaction() as s:
        case, photo = attach(s, ctx, case_id, actor, **kw)
        out = case_svc.case_out(ctx, case)
        shown = {"case": case_svc.case_view(actor.role, out), "photo": photo}
        result = answer(s, shown) if answer else shown
    case_svc._publish(ctx, out)
    return result
