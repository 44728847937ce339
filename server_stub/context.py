"""What every request needs, built once at start: settings, database, classification, workflow,
clock and event bus. Stored on `app.state.ctx`."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import time

from app.domain.classification import Classification
from app.domain.clocks import Shift, WorkClock
from app.domain.holiday_calendar import HolidayCalendar
from app.domain.workflow import Workflow

from .db.session import Database
from .services.event_bus import EventBus
from .settings import Settings

log = logging.getLogger("occ.server")


def parse_shifts(text: str) -> tuple[Shift, ...]:
    shifts = []
    for part in text.split(","):
        a, b = part.strip().split("-")
        shifts.append(Shift(time.fromisoformat(a), time.fromisoformat(b)))
    return tuple(shifts)


@dataclass
class ServerContext:
    settings: Settings
    db: Database
    classification: Classification
    workflow: Workflow
    clock: WorkClock
    bus: EventBus
    extras: dict = field(default_factory=dict)  # per-service state (band watcher, renderers, ...)

    @classmethod
    def build(cls, settings: Settings) -> "ServerContext":
        db = Database(settings.db)
        classification = Classification.load(settings.classification_dir)
        overrides = None
        if settings.workflow_roles_file:
            overrides = json.loads(settings.workflow_roles_file.read_text(encoding="utf-8"))
        calendar = HolidayCalendar(settings.holiday_override_file)
        clock = WorkClock(parse_shifts(settings.work_shifts), calendar, tz=settings.time_zone)
        return cls(settings, db, classification, Workflow.from_config(overrides), clock, EventBus(db))
