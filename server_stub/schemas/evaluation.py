"""Monthly evaluation (综合评价) answers: per subject the counts, every indicator with its numerator
and denominator, the composite score and grade."""
from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class CountOut(BaseModel):
    key: str
    name_zh: str
    value: int


class IndicatorOut(BaseModel):
    key: str
    name_zh: str
    value: float | None  # None: nothing to measure (zero denominator)
    numerator: float
    denominator: float
    lower_is_better: bool = False  # the composite uses 1 - value
    weight: float | None = None  # its weight in the composite, None when not part of it


class SubjectOut(BaseModel):
    key: str  # department code, user id, or region code
    name: str
    role: str | None = None  # posts: inspector | acceptor | shift_leader | dispatcher
    level: str | None = None  # regions: district | street
    counts: list[CountOut]
    indicators: list[IndicatorOut]
    score: float | None  # 0-100; None when a weighted part could not be measured (incomplete)
    grade: str | None  # A-E, None with score
    partial_score: float | None = None  # 0-100 over the measured parts only
    coverage: float = 0.0  # share of the composite's weight that was measured (1.0: complete)


class EvaluationOut(BaseModel):
    month: str  # YYYY-MM, a calendar month in the city's time zone
    subject: str  # departments | posts | regions
    start: datetime
    end: datetime
    as_of: datetime  # facts after the month (later filing, feedback, closing) are counted up to here
    rows: list[SubjectOut]


class GridCountOut(BaseModel):
    code: str  # 15-digit unit grid code
    count: int


class GridCountsOut(BaseModel):
    """Cases reported in the period (not voided) per unit grid, for the choropleth."""
    period: str
    start: datetime
    end: datetime
    kind: str | None = None
    class_code: str | None = None
    total: int
    grids: list[GridCountOut]


class ClassCountOut(BaseModel):
    kind: str
    class_code: str
    name: str
    name_en: str
    major_name: str
    count: int


class ClassCountsOut(BaseModel):
    period: str
    start: datetime
    end: datetime
    total: int
    classes: list[ClassCountOut]


class TrendMonthOut(BaseModel):
    month: str
    reported: int
    closed: int
    closed_on_time: int
    overdue: int  # ever overdue in handling
    on_time_closing_rate: float | None


class TrendOut(BaseModel):
    months: list[TrendMonthOut]


class LateCaseOut(BaseModel):
    id: int
    number: str
    kind: str
    class_code: str
    class_name: str
    state: str
    address: str | None
    description: str | None
    grid_code: str | None
    street_code: str | None
    created_at: str | None
    deadline_at: str | None
    closed_at: str | None
    close_type: str | None
    rework_count: int
    urge_count: int
    lon: float
    lat: float


class LateCasesOut(BaseModel):
    """A department's assignments of the period handled late or overdue unhandled."""
    period: str
    department: str
    department_name: str
    as_of: datetime
    count: int
    items: list[LateCaseOut]
