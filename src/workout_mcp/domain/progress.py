"""An exercise's progress period by period, and the records board (one line per trained exercise).

Inputs are kilograms and UTC times; results are in the caller's unit, rounded to 0.1. Warm-up sets
never count, as in `analytics.personal_records`.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any, Literal

from pydantic import Field

from workout_mcp.domain.analytics import (
    EstimatedMaxRecord,
    Period,
    PersonalRecords,
    RecordSet,
    RepRecord,
    estimated_1rm,
    next_period,
    period_label,
    period_start,
    record_set,
    set_volume_kg,
    utc_day,
)
from workout_mcp.domain.base import Model
from workout_mcp.domain.models import Exercise, SetRecord, Unit
from workout_mcp.domain.units import display_weight

_UNIT = "unit of every weight and volume in this result: kg or lb"


# --- progress ------------------------------------------------------------------------------------


class ProgressPeriod(Model):
    label: str = Field(description="ISO week such as 2026-W07, or month such as 2026-02")
    start: date
    end: date = Field(description="last day of the period (inclusive)")
    sessions: int = Field(description="workouts with this exercise in the period")
    working_sets: int
    reps: int = Field(description="reps over working sets")
    volume: float = Field(description="reps x weight over working sets, in the result's unit")
    top_set: RecordSet | None = Field(description="heaviest working set of the period (ties: more reps)")
    best_estimated_1rm: EstimatedMaxRecord | None = Field(
        description="highest Epley estimated 1RM of the period (sets of 1-12 reps)"
    )


class ExerciseProgress(Model):
    """One exercise per week or month, oldest period first, empty periods included."""

    exercise_id: str
    exercise_name: str
    by: Period
    unit: Unit = Field(description=_UNIT)
    periods: list[ProgressPeriod]
    first_estimated_1rm: float | None = Field(description="best e1RM of the first period that has one")
    latest_estimated_1rm: float | None = Field(description="best e1RM of the latest period that has one")
    estimated_1rm_change: float | None = Field(description="latest minus first; positive means stronger")


def _best(sets: list[SetRecord], unit: Unit) -> tuple[RecordSet | None, EstimatedMaxRecord | None]:
    loaded = sorted(
        (s for s in sets if s.weight_kg is not None and s.reps is not None and s.reps >= 1),
        key=lambda s: s.performed_at,
    )
    top = max(loaded, key=lambda s: (s.weight_kg or 0.0, s.reps or 0), default=None)
    best: EstimatedMaxRecord | None = None
    best_value = -math.inf
    for s in loaded:
        e1rm = estimated_1rm(s.weight_kg or 0.0, s.reps or 0)
        if e1rm is not None and e1rm > best_value:
            best_value = e1rm
            best = EstimatedMaxRecord(
                **record_set(s, unit).model_dump(), estimated_1rm=display_weight(e1rm, unit)
            )
    return (None if top is None else record_set(top, unit)), best


def exercise_progress(
    exercise: Exercise, sets: Iterable[SetRecord], *, by: Period, start: date, end: date, unit: Unit = "kg"
) -> ExerciseProgress:
    """Per period from `start` to `end` (inclusive days): sessions, working sets, reps, volume, top set
    and best estimated 1RM of `exercise`; sets outside the range or of other exercises are ignored."""
    buckets: dict[date, list[SetRecord]] = {}
    for s in sets:
        day = utc_day(s.performed_at)
        if s.exercise_id != exercise.id or s.is_warmup or not start <= day <= end:
            continue
        buckets.setdefault(period_start(day, by), []).append(s)
    periods: list[ProgressPeriod] = []
    cursor, last = period_start(start, by), period_start(end, by)
    while cursor <= last:
        following = next_period(cursor, by)
        chosen = buckets.get(cursor, [])
        top, best = _best(chosen, unit)
        periods.append(
            ProgressPeriod(
                label=period_label(cursor, by),
                start=cursor,
                end=following - timedelta(days=1),
                sessions=len({s.workout_id for s in chosen}),
                working_sets=len(chosen),
                reps=sum(s.reps or 0 for s in chosen),
                volume=display_weight(math.fsum(set_volume_kg(s) for s in chosen), unit),
                top_set=top,
                best_estimated_1rm=best,
            )
        )
        cursor = following
    e1rms = [p.best_estimated_1rm.estimated_1rm for p in periods if p.best_estimated_1rm is not None]
    first, latest = (e1rms[0], e1rms[-1]) if e1rms else (None, None)
    return ExerciseProgress(
        exercise_id=exercise.id,
        exercise_name=exercise.name,
        by=by,
        unit=unit,
        periods=periods,
        first_estimated_1rm=first,
        latest_estimated_1rm=latest,
        estimated_1rm_change=None if first is None or latest is None else round(latest - first, 1),
    )


# --- records board -------------------------------------------------------------------------------


class BoardRow(Model):
    """One trained exercise's records as a store computes them: kilograms, UTC.

    The same choices as `personal_records`: working sets with at least one rep, heaviest by weight then
    reps, best Epley e1RM over 1-12 reps, the earliest set wins a tie.
    """

    exercise_id: str
    exercise_name: str
    sessions: int
    working_sets: int
    last_performed_at: datetime
    heaviest_weight_kg: float | None = None
    heaviest_reps: int | None = None
    heaviest_at: datetime | None = None
    heaviest_workout_id: str | None = None
    e1rm_kg: float | None = None
    e1rm_weight_kg: float | None = None
    e1rm_reps: int | None = None
    e1rm_at: datetime | None = None
    e1rm_workout_id: str | None = None


class BoardLine(Model):
    exercise_id: str
    exercise_name: str
    heaviest_set: RecordSet | None
    best_estimated_1rm: EstimatedMaxRecord | None
    record_at: datetime = Field(
        description="when the newer of the two records was set (the last session when there is none)"
    )
    last_performed_at: datetime
    sessions: int
    working_sets: int

    @classmethod
    def of(cls, row: BoardRow, unit: Unit) -> BoardLine:
        heaviest = None
        if row.heaviest_at is not None and row.heaviest_workout_id is not None:
            heaviest = RecordSet(
                weight=None
                if row.heaviest_weight_kg is None
                else display_weight(row.heaviest_weight_kg, unit),
                reps=row.heaviest_reps,
                performed_at=row.heaviest_at,
                workout_id=row.heaviest_workout_id,
            )
        best = None
        if row.e1rm_kg is not None and row.e1rm_at is not None and row.e1rm_workout_id is not None:
            best = EstimatedMaxRecord(
                weight=None if row.e1rm_weight_kg is None else display_weight(row.e1rm_weight_kg, unit),
                reps=row.e1rm_reps,
                performed_at=row.e1rm_at,
                workout_id=row.e1rm_workout_id,
                estimated_1rm=display_weight(row.e1rm_kg, unit),
            )
        dates = [d for d in (row.heaviest_at, row.e1rm_at) if d is not None]
        return cls(
            exercise_id=row.exercise_id,
            exercise_name=row.exercise_name,
            heaviest_set=heaviest,
            best_estimated_1rm=best,
            record_at=max(dates, default=row.last_performed_at),
            last_performed_at=row.last_performed_at,
            sessions=row.sessions,
            working_sets=row.working_sets,
        )


class RecordsBoard(Model):
    """Every exercise the user has trained, the most recent record first."""

    unit: Unit = Field(description=_UNIT)
    total: int = Field(description="exercises on the board")
    records: list[BoardLine]
    next_cursor: str | None = Field(None, description="pass as `cursor` for the next page; null at the end")


def _of_records(name: str) -> Any:
    return Field(None, description=PersonalRecords.model_fields[name].description)


class RecordsAnswer(Model):
    """`personal_records` answers both views under one output schema: with an exercise, the fields of
    `PersonalRecords` (view=exercise); without, those of `RecordsBoard` (view=board)."""

    view: Literal["exercise", "board"] = Field(description="exercise: one lift's records; board: every lift")
    unit: Unit = Field(description=_UNIT)
    # view=exercise: the fields of PersonalRecords, with their descriptions
    exercise_id: str | None = _of_records("exercise_id")
    exercise_name: str | None = _of_records("exercise_name")
    heaviest_set: RecordSet | None = _of_records("heaviest_set")
    best_estimated_1rm: EstimatedMaxRecord | None = _of_records("best_estimated_1rm")
    most_reps: RecordSet | None = _of_records("most_reps")
    longest_duration_s: int | None = _of_records("longest_duration_s")
    longest_distance_m: float | None = _of_records("longest_distance_m")
    rep_records: list[RepRecord] | None = _of_records("rep_records")
    rep_record_weights: int | None = _of_records("rep_record_weights")
    working_sets: int | None = _of_records("working_sets")
    warmup_sets: int | None = _of_records("warmup_sets")
    sessions: int | None = _of_records("sessions")
    first_performed_at: datetime | None = _of_records("first_performed_at")
    last_performed_at: datetime | None = _of_records("last_performed_at")
    # view=board
    total: int | None = Field(None, description="exercises on the board")
    records: list[BoardLine] | None = Field(None, description="the most recent record first")
    next_cursor: str | None = Field(None, description="pass as `cursor` for the next page; null at the end")

    @classmethod
    def of_exercise(cls, records: PersonalRecords) -> RecordsAnswer:
        return cls(view="exercise", **records.model_dump())
