"""The city's rules as the server has them: the workflow (roles per action, close_requires_check)
and the clock (time zone, shifts, band threshold, holiday overrides). The client counts deadlines
and offers actions with these, never with its own defaults, once `load` has run (at login).

    load(client)            # GET /api/ref/workflow and /api/ref/clock-config (a worker thread)
    current_workflow()      # app.domain.workflow.Workflow
    current_clock()         # app.domain.clocks.WorkClock
    yellow_fraction()       # the band threshold
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

from app.domain.clocks import DEFAULT_YELLOW_FRACTION, WorkClock, clock_from_config
from app.domain.workflow import DEFAULT_WORKFLOW, Workflow


@dataclass
class CityConfig:
    workflow: Workflow = field(default_factory=lambda: DEFAULT_WORKFLOW)
    clock: WorkClock = field(default_factory=WorkClock)
    yellow_fraction: float = DEFAULT_YELLOW_FRACTION
    loaded: bool = False


_CURRENT = CityConfig()


def fetch(client) -> CityConfig:  # noqa: ANN001 - app.api.client.ApiClient
    """Blocking: the server's workflow and clock."""
    wf = Workflow.from_config(client.workflow_config())
    clock, yellow = clock_from_config(client.clock_config())
    return CityConfig(wf, clock, yellow, True)


def install(config: CityConfig) -> None:
    global _CURRENT
    _CURRENT = config


def load(client) -> CityConfig:  # noqa: ANN001
    cfg = fetch(client)
    install(cfg)
    return cfg


def current() -> CityConfig:
    return _CURRENT


def current_workflow() -> Workflow:
    return _CURRENT.workflow


def current_clock() -> WorkClock:
    return _CURRENT.clock


def yellow_fraction() -> float:
    return _CURRENT.yellow_fraction


def city_tz() -> ZoneInfo:
    return _CURRENT.clock.tz


def city_time(iso: str | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """An ISO instant from the server as the city's wall-clock time (never the workstation's)."""
    if not iso:
        return ""
    dt = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(city_tz()).strftime(fmt)
