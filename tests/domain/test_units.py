from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workout_mcp.domain.units import KG_PER_LB, display_weight, from_kg, to_kg

weights = st.floats(min_value=0, max_value=1500, allow_nan=False, allow_infinity=False)


def test_pound_is_exactly_the_international_definition() -> None:
    assert to_kg(1, "lb") == 0.45359237
    assert to_kg(225, "lb") == pytest.approx(102.05828325)


def test_display_rounds_to_a_tenth_in_the_requested_unit() -> None:
    assert display_weight(100, "lb") == 220.5  # 220.462...
    assert display_weight(102.04, "kg") == 102.0
    assert display_weight(102.06, "kg") == 102.1


def test_kilograms_pass_through_unchanged() -> None:
    assert to_kg(82.5, "kg") == 82.5
    assert from_kg(82.5, "kg") == 82.5


def test_unknown_unit_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown unit"):
        to_kg(1, "stone")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown unit"):
        from_kg(1, "st")  # type: ignore[arg-type]


@given(weights)
def test_kg_to_lb_and_back_is_the_same_weight(kg: float) -> None:
    assert math.isclose(to_kg(from_kg(kg, "lb"), "lb"), kg, rel_tol=1e-12, abs_tol=1e-12)


@given(weights)
def test_a_pound_figure_is_larger_than_the_kilogram_figure(kg: float) -> None:
    assert from_kg(kg, "lb") >= kg
    assert math.isclose(from_kg(kg, "lb") * KG_PER_LB, kg, rel_tol=1e-12, abs_tol=1e-12)


@given(weights)
def test_display_is_within_half_a_tenth(kg: float) -> None:
    for unit in ("kg", "lb"):
        assert abs(display_weight(kg, unit) - from_kg(kg, unit)) <= 0.05 + 1e-9
