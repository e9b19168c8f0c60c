"""Progress over time, one value per week or month: what a progress chart plots.

Per period: the best estimated 1RM or the heaviest working set of one exercise, or the working-set
volume (of one exercise or of everything); and the volume per muscle group over a whole window. Built
on `analytics` (same Epley estimate, same volume rules, same ISO-week and month periods).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, Field

from workout_mcp.domain.analytics import (
    Period,
    _label,
    _period_start,
    estimated_1rm,
    training_summary,
    utc_day,
)
from workout_mcp.domain.models import SetRecord, Unit
from workout_mcp.domain.units import display_weight

SetMetric = Literal["estimated_1rm", "top_set", "volume"]


class ProgressPoint(BaseModel):
    """One period's value; periods without a qualifying set have no point."""

    label: str = Field(description="ISO week such as 2026-W07, or month such as 2026-02")
    start: date = Field(description="first day of the period")
    value: float = Field(description="the metric's value in the result's unit")
    reps: int | None = Field(None, description="top_set and estimated_1rm: reps of the set behind the value")
    weight: float | None = Field(
        None, description="estimated_1rm: weight of the set behind the value, result's unit"
    )


def window_start(today: date, by: Period, periods: int) -> date:
    """First day of the `periods` most recent weeks (Monday) or months, the current one included."""
    if by == "week":
        return today - timedelta(days=today.weekday()) - timedelta(weeks=periods - 1)
    month = today.year * 12 + today.month - 1 - (periods - 1)
    return date(month // 12, month % 12 + 1, 1)


def progress_points(
    sets: Iterable[SetRecord], *, metric: SetMetric, by: Period, start: date, end: date, unit: Unit
) -> list[ProgressPoint]:
    """The metric per period from `start` to `end` (inclusive), oldest first; warm-ups never count."""
    if metric == "volume":
        summary = training_summary(
            [s for s in sets if start <= utc_day(s.performed_at) <= end],
            by=by,
            today=end,
            unit=unit,
            start=start,
            end=end,
        )
        return [
            ProgressPoint(label=p.label, start=p.start, value=p.volume)
            for p in summary.periods
            if p.working_sets
        ]

    best: dict[date, tuple[float, SetRecord]] = {}
    for s in sets:
        day = utc_day(s.performed_at)
        if s.is_warmup or s.weight_kg is None or not s.reps or not start <= day <= end:
            continue
        value = s.weight_kg if metric == "top_set" else estimated_1rm(s.weight_kg, s.reps)
        if value is None:
            continue
        period = _period_start(day, by)
        held = best.get(period)
        # Ties go to more reps, then to the earlier set.
        if (
            held is None
            or (value, s.reps) > (held[0], held[1].reps or 0)
            or ((value, s.reps) == (held[0], held[1].reps) and s.performed_at < held[1].performed_at)
        ):
            best[period] = (value, s)
    return [
        ProgressPoint(
            label=_label(period, by),
            start=period,
            value=display_weight(value, unit),
            reps=s.reps,
            weight=None if metric == "top_set" or s.weight_kg is None else display_weight(s.weight_kg, unit),
        )
        for period, (value, s) in sorted(best.items())
    ]
