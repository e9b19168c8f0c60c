"""Body weight: one measurement per moment, and a trailing moving average over a window of days."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from pydantic import ConfigDict, Field, field_validator

from workout_mcp.domain.base import Model
from workout_mcp.domain.edits import utc_instant
from workout_mcp.domain.models import Unit
from workout_mcp.domain.units import display_weight

MIN_KG, MAX_KG = 20.0, 400.0


class NewBodyWeight(Model):
    model_config = ConfigDict(str_strip_whitespace=True)

    weight_kg: float = Field(ge=MIN_KG, le=MAX_KG, allow_inf_nan=False)
    measured_at: datetime
    note: str | None = Field(None, max_length=200)

    @field_validator("measured_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        return utc_instant(value, field="measured_at")


class BodyWeight(Model):
    id: str
    weight_kg: float
    measured_at: datetime
    note: str | None = None


class BodyWeightEntry(Model):
    measured_at: datetime
    weight: float = Field(description="in the result's unit")
    moving_average: float = Field(
        description="mean of the measurements in the `window_days` days up to and including this one"
    )
    note: str | None = None


class BodyWeightHistory(Model):
    unit: Unit
    window_days: int
    total: int = Field(description="measurements in the range")
    entries: list[BodyWeightEntry] = Field(description="oldest first")
    change: float | None = Field(
        description="moving average of the last entry minus the first's, whole range"
    )
    next_cursor: str | None = None


class BodyWeightSaved(Model):
    id: str
    measured_at: datetime
    weight: float
    unit: Unit
    note: str | None = None


def moving_averages(entries: Sequence[BodyWeight], window_days: int) -> list[float]:
    """For each entry (sorted by time), the mean weight in kg over (t - window_days, t]."""
    window = timedelta(days=window_days)
    out: list[float] = []
    lo, total = 0, 0.0
    for hi, entry in enumerate(entries):
        total += entry.weight_kg
        while entries[lo].measured_at <= entry.measured_at - window:
            total -= entries[lo].weight_kg
            lo += 1
        out.append(total / (hi - lo + 1))
    return out


def history(
    entries: Sequence[BodyWeight], *, since: datetime, window_days: int, unit: Unit
) -> list[BodyWeightEntry]:
    """Entries from `since` on with their moving averages; earlier entries only feed the averages."""
    averages = moving_averages(entries, window_days)
    return [
        BodyWeightEntry(
            measured_at=e.measured_at,
            weight=display_weight(e.weight_kg, unit),
            moving_average=display_weight(avg, unit),
            note=e.note,
        )
        for e, avg in zip(entries, averages, strict=True)
        if e.measured_at >= since
    ]
