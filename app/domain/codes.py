"""Unit-grid codes (15 digits, legacy 14) and component IDs (16 digits).

Grid:      6 admin (GB/T 2260) + 3 street + 3 community + 3 sequence (001-999)
Legacy:    6 admin + 3 street + 3 community + 2 sequence (01-99)
Component: 6 admin + 2 major class + 2 minor class + 6 serial
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_GRID_RE = re.compile(r"^[0-9]{14,15}$")
_COMPONENT_RE = re.compile(r"^[0-9]{16}$")
_ADMIN_RE = re.compile(r"^[1-8][0-9]{5}$")  # GB/T 2260 codes start with a province digit 1-8


class CodeError(ValueError):
    """A code that is not well-formed; the message says which part is wrong."""


@dataclass(frozen=True, order=True)
class GridCode:
    admin: str
    street: str
    community: str
    sequence: int

    @classmethod
    def parse(cls, text: str) -> "GridCode":
        """Parse a 15-digit code, or a legacy 14-digit one (2-digit sequence)."""
        s = str(text).strip()
        if not _GRID_RE.match(s):
            raise CodeError(f"unit-grid code must be 15 digits (or legacy 14), got {text!r}")
        admin, street, community, seq = s[:6], s[6:9], s[9:12], s[12:]
        if not _ADMIN_RE.match(admin):
            raise CodeError(f"unit-grid code {s}: admin code {admin} is not a GB/T 2260 county code")
        if street == "000":
            raise CodeError(f"unit-grid code {s}: street part must not be 000")
        if community == "000":
            raise CodeError(f"unit-grid code {s}: community part must not be 000")
        n = int(seq)
        if n == 0:
            raise CodeError(f"unit-grid code {s}: sequence must start at 1")
        return cls(admin, street, community, n)

    def __post_init__(self) -> None:
        if not (1 <= self.sequence <= 999):
            raise CodeError(f"unit-grid sequence {self.sequence} outside 001-999")

    @property
    def community_code(self) -> str:
        """The 12-digit community prefix (admin + street + community)."""
        return f"{self.admin}{self.street}{self.community}"

    @property
    def street_code(self) -> str:
        return f"{self.admin}{self.street}"

    def __str__(self) -> str:
        return f"{self.admin}{self.street}{self.community}{self.sequence:03d}"


def normalize_grid_code(text: str) -> str:
    """Any accepted form (15 or legacy 14 digits) to the canonical 15-digit form."""
    return str(GridCode.parse(text))


def is_grid_code(text: str) -> bool:
    try:
        GridCode.parse(text)
        return True
    except CodeError:
        return False


@dataclass(frozen=True, order=True)
class ComponentId:
    admin: str
    major: str
    minor: str
    serial: int

    @classmethod
    def parse(cls, text: str) -> "ComponentId":
        s = str(text).strip()
        if not _COMPONENT_RE.match(s):
            raise CodeError(f"component ID must be 16 digits, got {text!r}")
        admin, major, minor, serial = s[:6], s[6:8], s[8:10], s[10:]
        if not _ADMIN_RE.match(admin):
            raise CodeError(f"component ID {s}: admin code {admin} is not a GB/T 2260 county code")
        if major == "00" or minor == "00":
            raise CodeError(f"component ID {s}: class {major}{minor} is not a component class")
        return cls(admin, major, minor, int(serial))

    def __post_init__(self) -> None:
        if not (0 <= self.serial <= 999_999):
            raise CodeError(f"component serial {self.serial} outside 000000-999999")

    @property
    def class_code(self) -> str:
        """The 4-digit minor class code (major + minor), as in the classification tables."""
        return f"{self.major}{self.minor}"

    def __str__(self) -> str:
        return f"{self.admin}{self.major}{self.minor}{self.serial:06d}"


def is_component_id(text: str) -> bool:
    try:
        ComponentId.parse(text)
        return True
    except CodeError:
        return False
