"""Constrained types shared by every schema and router: what a value must be before it reaches a
service or the database (each refusal is a 422 naming the field).

Strings in JSON and form bodies, query and path are checked for NUL and lone surrogates once, at
the edge (server_stub/api/edge.py); non-finite numbers and integers beyond 64 bits in JSON bodies
too. These types add the ranges the databases and the clocks can hold.
"""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from annotated_types import Ge, Le
from pydantic import AfterValidator, AwareDatetime, Field

INT64_MAX = 2**63 - 1  # SQLite INTEGER and PostgreSQL BIGINT: no larger integer can be bound at all
INT32_MAX = 2**31 - 1  # PostgreSQL integer: the tables' keys

# A row id (path, query or body): the keys are PostgreSQL `integer`; a larger number can name no
# row, and comparing the column with it is an error there ("integer out of range").
Id = Annotated[int, Ge(1), Le(INT32_MAX)]
# A count or offset that goes into SQL.
Count = Annotated[int, Ge(0), Le(INT32_MAX)]

# Degrees in CGCS2000 ≈ WGS84; NaN and ±inf fail the bounds.
Lon = Annotated[float, Field(ge=-180, le=180, allow_inf_nan=False)]
Lat = Annotated[float, Field(ge=-90, le=90, allow_inf_nan=False)]

# Instants the clocks and the databases can hold whatever the offset: 0001-01-01T00:00+08:00 is
# before year 1 in UTC (Python cannot represent it), and the holiday calendars know no year 9999.
EARLIEST = datetime(1900, 1, 1, tzinfo=timezone.utc)
LATEST = datetime(2200, 1, 1, tzinfo=timezone.utc)


def check_instant(dt: datetime) -> datetime:
    try:
        utc = dt.astimezone(timezone.utc)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise ValueError(f"must be between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d} (UTC)")
    return dt


# An instant with its time zone (ISO 8601 with an offset or Z), within [EARLIEST, LATEST).
Instant = Annotated[AwareDatetime, AfterValidator(check_instant)]
