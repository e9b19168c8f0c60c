"""Weight units. Everything is stored in kilograms; pounds exist only at the edges (input and display)."""

from __future__ import annotations

from typing import get_args

from workout_mcp.domain.models import Unit

# The international avoirdupois pound, exact by definition (1959).
KG_PER_LB = 0.45359237
UNITS: tuple[Unit, ...] = get_args(Unit)


def to_kg(value: float, unit: Unit) -> float:
    """A weight given in `unit`, in kilograms (unrounded)."""
    if unit == "kg":
        return value
    if unit == "lb":
        return value * KG_PER_LB
    raise ValueError(f"unknown unit {unit!r}; use one of {list(UNITS)}")


def from_kg(kg: float, unit: Unit) -> float:
    """A weight in kilograms, expressed in `unit` (unrounded)."""
    if unit == "kg":
        return kg
    if unit == "lb":
        return kg / KG_PER_LB
    raise ValueError(f"unknown unit {unit!r}; use one of {list(UNITS)}")


def display_weight(kg: float, unit: Unit) -> float:
    """A weight in kilograms as shown to a person: in `unit`, rounded to 0.1."""
    return round(from_kg(kg, unit), 1)
