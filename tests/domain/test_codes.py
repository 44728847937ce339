"""Property tests for unit-grid codes and component IDs (app/domain/codes.py)."""
from __future__ import annotations

import pytest
from hypothesis import assume, given, settings, strategies as st

from app.domain.codes import (CodeError, ComponentId, GridCode, is_component_id, is_grid_code,
                              normalize_grid_code)

PROPS = settings(max_examples=200, deadline=None)
ASCII_DIGITS = "0123456789"


def digits(n: int, lo: int = 0) -> st.SearchStrategy[str]:
    return st.integers(lo, 10 ** n - 1).map(lambda v: f"{v:0{n}d}")


admins = st.tuples(st.integers(1, 8), digits(5)).map(lambda t: f"{t[0]}{t[1]}")
streets = digits(3, lo=1)
communities = digits(3, lo=1)


@PROPS
@given(admins, streets, communities, st.integers(1, 999))
def test_grid_code_round_trip(admin: str, street: str, community: str, seq: int) -> None:
    text = f"{admin}{street}{community}{seq:03d}"
    g = GridCode.parse(text)
    assert (g.admin, g.street, g.community, g.sequence) == (admin, street, community, seq)
    assert str(g) == text == normalize_grid_code(f"  {text}\n")
    assert GridCode.parse(str(g)) == g and is_grid_code(text)
    assert g.community_code == text[:12] and g.street_code == text[:9]


@PROPS
@given(admins, streets, communities, st.integers(1, 99))
def test_legacy_14_digit_code_becomes_canonical_15(admin: str, street: str, community: str, seq: int) -> None:
    legacy = f"{admin}{street}{community}{seq:02d}"
    assert len(legacy) == 14
    assert normalize_grid_code(legacy) == f"{admin}{street}{community}{seq:03d}"
    assert GridCode.parse(legacy) == GridCode.parse(normalize_grid_code(legacy))


def test_grid_example_from_the_domain_notes() -> None:
    g = GridCode.parse("320582110152102")
    assert (g.admin, g.street, g.community, g.sequence) == ("320582", "110", "152", 102)


@PROPS
@given(admins, digits(2, lo=1), digits(2, lo=1), st.integers(0, 999_999))
def test_component_id_round_trip(admin: str, major: str, minor: str, serial: int) -> None:
    text = f"{admin}{major}{minor}{serial:06d}"
    c = ComponentId.parse(text)
    assert (c.admin, c.major, c.minor, c.serial) == (admin, major, minor, serial)
    assert str(c) == text and ComponentId.parse(str(c)) == c and is_component_id(text)
    assert c.class_code == major + minor


def test_component_example_from_the_domain_notes() -> None:
    c = ComponentId.parse("3205820102048188")
    assert (c.admin, c.class_code, c.serial) == ("320582", "0102", 48188)


@PROPS
@given(st.text(alphabet=ASCII_DIGITS + "abc -_.", max_size=20))
def test_malformed_grid_codes_are_refused(text: str) -> None:
    s = text.strip()
    assume(not (s.isdigit() and len(s) in (14, 15)))
    with pytest.raises(CodeError):
        GridCode.parse(text)
    assert not is_grid_code(text)


@PROPS
@given(st.text(alphabet=ASCII_DIGITS + "abc -_.", max_size=20))
def test_malformed_component_ids_are_refused(text: str) -> None:
    assume(not (text.strip().isdigit() and len(text.strip()) == 16))
    with pytest.raises(CodeError):
        ComponentId.parse(text)
    assert not is_component_id(text)


@pytest.mark.parametrize("text", [
    "020582110152102",  # admin code must start with a province digit 1-8
    "920582110152102",
    "320582000152102",  # street 000
    "320582110000102",  # community 000
    "320582110152000",  # sequence 000
    "32058211015200",  # legacy sequence 00
    "3205821101521020",  # 16 digits
    "32058211015210",  # 14 digits with sequence 10 is fine: see below
])
def test_grid_code_parts_are_checked(text: str) -> None:
    if text == "32058211015210":
        assert normalize_grid_code(text) == "320582110152010"
        return
    with pytest.raises(CodeError):
        GridCode.parse(text)


@pytest.mark.parametrize("text", ["0205820102048188", "3205820002048188", "3205820100048188",
                                  "320582010204818", "32058201020481888", "32058201020481x8"])
def test_component_id_parts_are_checked(text: str) -> None:
    with pytest.raises(CodeError):
        ComponentId.parse(text)


def test_constructed_values_are_range_checked() -> None:
    with pytest.raises(CodeError):
        GridCode("320582", "110", "152", 1000)
    with pytest.raises(CodeError):
        ComponentId("320582", "01", "02", 1_000_000)


def test_full_width_digits_are_refused_or_normalised() -> None:
    try:
        g = GridCode.parse("320582110１52102")
    except CodeError:
        return
    assert str(g) == "320582110152102"
