"""Monthly evaluation (综合评价, shared/domain §7): rates and composite scores from counts.

Pure functions over counts; the server counts, this module divides and weighs.

Decisions:
- A rate whose denominator is 0 is None ("nothing to measure"), never an error and never 0 or 1.
- A composite is only given when every weighted part could be measured. With a part missing
  (say an inspector with no verify or check task this month) the score and grade are None and
  the score is *incomplete*: giving the missing parts' weight to the others would rank an
  inspector measured on 2 of 4 indicators at 100 / A, and counting them as 0 would punish a
  month without tasks. What was measured is still shown honestly: `partial` = 100 × Σ wᵢ·vᵢ / Σ wᵢ
  over the measured parts, with `coverage` = their share of the total weight (0.6 = 60 %), so a
  reader sees "incomplete: 90 over 60 % of the weight" and never a grade for it.
- For "lower is better" rates (漏报率, 返工率, 超期待处置率, 延期率) a composite uses 1 − rate.
- Weights are data: any positive numbers (percentages or points), normalised by their sum.
- Scores are rounded to 2 decimals before grading, so the grade matches the displayed score.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Hashable, Mapping, TypeVar

# English key -> Chinese name, for every indicator this module computes.
NAMES_ZH: dict[str, str] = {
    "valid_report_rate": "有效上报率",
    "on_time_verify_rate": "按时核实率",
    "on_time_check_rate": "按时核查率",
    "missed_report_rate": "漏报率",
    "accept_count_score": "受理数分值",
    "on_time_verify_dispatch_rate": "核实按时派发率",
    "on_time_check_dispatch_rate": "核查按时派发率",
    "on_time_filing_rate": "按时立案率",
    "accurate_filing_rate": "准确立案率",
    "on_time_closing_rate": "按时结案率",
    "dispatch_count_score": "派遣数分值",
    "on_time_dispatch_rate": "按时派遣率",
    "accurate_dispatch_rate": "准确派遣率",
    "handling_rate": "处置率",
    "on_schedule_handling_rate": "按期处置率",
    "closing_rate": "结案率",
    "on_schedule_closing_rate": "按期结案率",
    "rework_rate": "返工率",
    "overdue_unhandled_rate": "超期待处置率",
    "extension_rate": "延期率",
}
LOWER_IS_BETTER = frozenset({"missed_report_rate", "rework_rate", "overdue_unhandled_rate", "extension_rate"})

# Published defaults (one national platform; the department rule from one district). Configurable.
DEFAULT_WEIGHTS: dict[str, dict[str, float]] = {
    "inspector": {"valid_report_rate": 40, "missed_report_rate": 20, "on_time_verify_rate": 20,
                  "on_time_check_rate": 20},
    "acceptor": {"accept_count_score": 25, "on_time_verify_dispatch_rate": 40,
                 "on_time_check_dispatch_rate": 35},
    "shift_leader": {"on_time_filing_rate": 25, "accurate_filing_rate": 40, "on_time_closing_rate": 35},
    "dispatcher": {"dispatch_count_score": 20, "on_time_dispatch_rate": 40, "accurate_dispatch_rate": 40},
    "department": {"handling_rate": 30, "on_schedule_handling_rate": 20, "rework_rate": 20,
                   "overdue_unhandled_rate": 20, "extension_rate": 10},
}
GRADE_THRESHOLDS: tuple[tuple[float, str], ...] = ((90, "A"), (75, "B"), (60, "C"), (40, "D"))


class _Counts:
    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            v = getattr(self, f.name)
            if v is not None and v < 0:
                raise ValueError(f"{type(self).__name__}.{f.name} cannot be negative: {v}")


@dataclass(frozen=True)
class InspectorCounts(_Counts):
    reports: int = 0  # 上报数
    valid_reports: int = 0  # 有效上报数 (reports that were filed)
    public_valid_reports_in_grid: int = 0  # valid public reports in the inspector's grid (missed)
    verify_tasks: int = 0
    verify_on_time: int = 0
    check_tasks: int = 0
    check_on_time: int = 0
    filed_in_grid: int | None = None  # all filed cases in the grid; None: valid_reports + public ones


@dataclass(frozen=True)
class AcceptorCounts(_Counts):
    accepted: int = 0  # 受理数 (scored relative to peers)
    verify_dispatches: int = 0  # verification tasks to send
    verify_dispatches_on_time: int = 0
    check_dispatches: int = 0
    check_dispatches_on_time: int = 0


@dataclass(frozen=True)
class ShiftLeaderCounts(_Counts):
    filed: int = 0  # 立案数
    filed_on_time: int = 0
    voided_after_filing: int = 0  # filed, then voided: filed wrongly
    closed: int = 0  # 结案数 (closings done)
    closed_on_time: int = 0  # closings done within the step limit


@dataclass(frozen=True)
class DispatcherCounts(_Counts):
    dispatched: int = 0  # 派遣数 (scored relative to peers)
    dispatched_on_time: int = 0
    reworked: int = 0  # dispatches that had to be redone (returned by the department, re-dispatched)


@dataclass(frozen=True)
class DepartmentCounts(_Counts):
    """Also usable for a region: sum its departments' counts. Suspended cases are left out."""
    to_handle: int = 0  # 应处置数
    handled: int = 0  # 处置数
    handled_on_time: int = 0  # 按期处置数
    reworked: int = 0  # 返工数
    to_close: int | None = None  # 应结案数; None: handled + overdue_unhandled (§7)
    overdue_unhandled: int = 0  # 超期未处置数
    extended: int = 0  # 延期数
    closed: int = 0  # 结案数
    closed_on_time: int = 0  # 按期结案数

    @property
    def to_close_count(self) -> int:
        return self.handled + self.overdue_unhandled if self.to_close is None else self.to_close


@dataclass(frozen=True)
class Indicator:
    key: str
    name_zh: str
    value: float | None  # None: zero denominator


@dataclass(frozen=True)
class Score:
    value: float | None  # 0-100, None unless every part is measurable (incomplete)
    grade: str | None  # None with value
    parts: tuple[Indicator, ...]
    partial: float | None = None  # 0-100 over the measured parts only; None when none is
    coverage: float = 0.0  # share of the weight that was measured (1.0: complete)

    @property
    def complete(self) -> bool:
        return self.value is not None


def ratio(numerator: float, denominator: float) -> float | None:
    return None if denominator == 0 else numerator / denominator


# -- inspector
def valid_report_rate(c: InspectorCounts) -> float | None:
    return ratio(c.valid_reports, c.reports)


def on_time_verify_rate(c: InspectorCounts) -> float | None:
    return ratio(c.verify_on_time, c.verify_tasks)


def on_time_check_rate(c: InspectorCounts) -> float | None:
    return ratio(c.check_on_time, c.check_tasks)


def missed_report_rate(c: InspectorCounts) -> float | None:
    filed = c.valid_reports + c.public_valid_reports_in_grid if c.filed_in_grid is None else c.filed_in_grid
    return ratio(c.public_valid_reports_in_grid, filed)


# -- acceptor
def on_time_verify_dispatch_rate(c: AcceptorCounts) -> float | None:
    return ratio(c.verify_dispatches_on_time, c.verify_dispatches)


def on_time_check_dispatch_rate(c: AcceptorCounts) -> float | None:
    return ratio(c.check_dispatches_on_time, c.check_dispatches)


# -- shift leader
def on_time_filing_rate(c: ShiftLeaderCounts) -> float | None:
    return ratio(c.filed_on_time, c.filed)


def accurate_filing_rate(c: ShiftLeaderCounts) -> float | None:
    return ratio(c.filed - c.voided_after_filing, c.filed)


def on_time_closing_rate(c: ShiftLeaderCounts) -> float | None:
    return ratio(c.closed_on_time, c.closed)


# -- dispatcher
def on_time_dispatch_rate(c: DispatcherCounts) -> float | None:
    return ratio(c.dispatched_on_time, c.dispatched)


def accurate_dispatch_rate(c: DispatcherCounts) -> float | None:
    return ratio(c.dispatched - c.reworked, c.dispatched)


# -- department (or region)
def handling_rate(c: DepartmentCounts) -> float | None:
    return ratio(c.handled, c.to_handle)


def on_schedule_handling_rate(c: DepartmentCounts) -> float | None:
    return ratio(c.handled_on_time, c.to_handle)


def closing_rate(c: DepartmentCounts) -> float | None:
    return ratio(c.closed, c.to_close_count)


def on_schedule_closing_rate(c: DepartmentCounts) -> float | None:
    return ratio(c.closed_on_time, c.to_close_count)


def rework_rate(c: DepartmentCounts) -> float | None:
    return ratio(c.reworked, c.to_close_count)


def overdue_unhandled_rate(c: DepartmentCounts) -> float | None:
    return ratio(c.overdue_unhandled, c.to_handle)


def extension_rate(c: DepartmentCounts) -> float | None:
    return ratio(c.extended, c.to_handle)


# -- relative count scores (受理数分值, 派遣数分值)
K = TypeVar("K", bound=Hashable)


def count_score(count: int, max_count: int) -> float | None:
    """A count relative to the month's best peer: count / max; None when no peer did any."""
    return ratio(count, max_count)


def count_scores(counts: Mapping[K, int]) -> dict[K, float | None]:
    """Each peer's count / the largest count among them."""
    top = max(counts.values(), default=0)
    return {k: count_score(v, top) for k, v in counts.items()}


# -- composites
def composite(values: Mapping[str, float | None], weights: Mapping[str, float]) -> Score:
    """Weighted score 0-100 over the weighted keys of `values` (see the module docstring)."""
    parts = tuple(Indicator(k, NAMES_ZH.get(k, k), values.get(k)) for k in weights)
    got = [(weights[p.key], 1 - p.value if p.key in LOWER_IS_BETTER else p.value)
           for p in parts if p.value is not None]
    total = sum(w for w, _ in got)
    if not got or total <= 0:
        return Score(None, None, parts)
    partial = round(100 * sum(w * v for w, v in got) / total, 2)
    coverage = round(total / sum(weights[p.key] for p in parts), 4)
    if len(got) < len(parts):  # incomplete: no score, no grade (module docstring)
        return Score(None, None, parts, partial, coverage)
    return Score(partial, grade(partial), parts, partial, 1.0)


def grade(score: float, thresholds: tuple[tuple[float, str], ...] = GRADE_THRESHOLDS) -> str:
    """A >= 90, B 75-<90, C 60-<75, D 40-<60, E < 40 (by default)."""
    for bound, letter in thresholds:
        if score >= bound:
            return letter
    return "E"


def inspector_rates(c: InspectorCounts) -> dict[str, float | None]:
    return {"valid_report_rate": valid_report_rate(c), "missed_report_rate": missed_report_rate(c),
            "on_time_verify_rate": on_time_verify_rate(c), "on_time_check_rate": on_time_check_rate(c)}


def acceptor_rates(c: AcceptorCounts, max_accepted: int) -> dict[str, float | None]:
    return {"accept_count_score": count_score(c.accepted, max_accepted),
            "on_time_verify_dispatch_rate": on_time_verify_dispatch_rate(c),
            "on_time_check_dispatch_rate": on_time_check_dispatch_rate(c)}


def shift_leader_rates(c: ShiftLeaderCounts) -> dict[str, float | None]:
    return {"on_time_filing_rate": on_time_filing_rate(c), "accurate_filing_rate": accurate_filing_rate(c),
            "on_time_closing_rate": on_time_closing_rate(c)}


def dispatcher_rates(c: DispatcherCounts, max_dispatched: int) -> dict[str, float | None]:
    return {"dispatch_count_score": count_score(c.dispatched, max_dispatched),
            "on_time_dispatch_rate": on_time_dispatch_rate(c),
            "accurate_dispatch_rate": accurate_dispatch_rate(c)}


def department_rates(c: DepartmentCounts) -> dict[str, float | None]:
    return {"handling_rate": handling_rate(c), "on_schedule_handling_rate": on_schedule_handling_rate(c),
            "closing_rate": closing_rate(c), "on_schedule_closing_rate": on_schedule_closing_rate(c),
            "rework_rate": rework_rate(c), "overdue_unhandled_rate": overdue_unhandled_rate(c),
            "extension_rate": extension_rate(c)}


def _w(subject: str, weights: Mapping[str, float] | None) -> Mapping[str, float]:
    return DEFAULT_WEIGHTS[subject] if weights is None else weights


def inspector_score(c: InspectorCounts, weights: Mapping[str, float] | None = None) -> Score:
    return composite(inspector_rates(c), _w("inspector", weights))


def acceptor_score(c: AcceptorCounts, max_accepted: int, weights: Mapping[str, float] | None = None) -> Score:
    return composite(acceptor_rates(c, max_accepted), _w("acceptor", weights))


def shift_leader_score(c: ShiftLeaderCounts, weights: Mapping[str, float] | None = None) -> Score:
    return composite(shift_leader_rates(c), _w("shift_leader", weights))


def dispatcher_score(c: DispatcherCounts, max_dispatched: int,
                     weights: Mapping[str, float] | None = None) -> Score:
    return composite(dispatcher_rates(c, max_dispatched), _w("dispatcher", weights))


def department_score(c: DepartmentCounts, weights: Mapping[str, float] | None = None) -> Score:
    return composite(department_rates(c), _w("department", weights))
