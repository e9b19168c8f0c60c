"""What the tools return: pydantic models that become each tool's outputSchema and structured content.

Weights are shown in the unit the caller asked for, and every result says which unit that is.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from workout_mcp.domain.base import Model
from workout_mcp.domain.models import Exercise, SetRecord, Unit, Workout, WorkoutListItem
from workout_mcp.domain.units import from_kg


def _weight(kg: float | None, unit: Unit) -> float | None:
    return None if kg is None else from_kg(kg, unit)


class SetView(Model):
    position: int
    exercise_id: str
    exercise: str
    reps: int | None = None
    weight: float | None = Field(None, description="in `unit`")
    duration_s: int | None = None
    distance_m: float | None = None
    rpe: float | None = None
    is_warmup: bool = False


class WorkoutView(Model):
    id: str
    title: str | None = None
    started_at: datetime
    ended_at: datetime | None = None
    notes: str | None = None
    rpe: float | None = None
    unit: Unit
    volume: float = Field(description="sum of reps x weight over working sets, in `unit`")
    sets: list[SetView]
    plan_id: str | None = Field(None, description="the plan this workout follows (get_plan), if any")
    plan_session: str | None = Field(None, description="the session of that plan")

    @classmethod
    def of(cls, workout: Workout, unit: Unit) -> WorkoutView:
        working = [(s.reps, s.weight_kg) for s in workout.sets if not s.is_warmup]
        return cls(
            id=workout.id,
            title=workout.title,
            started_at=workout.started_at,
            ended_at=workout.ended_at,
            notes=workout.notes,
            rpe=workout.rpe,
            plan_id=workout.plan_id,
            plan_session=workout.plan_session,
            unit=unit,
            volume=from_kg(sum((r or 0) * (w or 0.0) for r, w in working), unit),
            sets=[
                SetView(
                    position=s.position,
                    exercise_id=s.exercise_id,
                    exercise=s.exercise_name,
                    reps=s.reps,
                    weight=_weight(s.weight_kg, unit),
                    duration_s=s.duration_s,
                    distance_m=s.distance_m,
                    rpe=s.rpe,
                    is_warmup=s.is_warmup,
                )
                for s in workout.sets
            ],
        )


class WorkoutListEntry(Model):
    id: str
    title: str | None = None
    started_at: datetime
    ended_at: datetime | None = None
    set_count: int
    exercises: list[str]
    volume: float = Field(description="working-set volume in `unit`")

    @classmethod
    def of(cls, item: WorkoutListItem, unit: Unit) -> WorkoutListEntry:
        return cls(
            id=item.id,
            title=item.title,
            started_at=item.started_at,
            ended_at=item.ended_at,
            set_count=item.set_count,
            exercises=item.exercise_names,
            volume=from_kg(item.volume_kg, unit),
        )


class WorkoutList(Model):
    unit: Unit
    total: int | None = Field(None, description="workouts matching the filters")
    workouts: list[WorkoutListEntry]
    next_cursor: str | None = Field(None, description="pass as `cursor` for the next page; null at the end")


class HistoryEntry(Model):
    workout_id: str
    performed_at: datetime
    reps: int | None = None
    weight: float | None = None
    duration_s: int | None = None
    distance_m: float | None = None
    rpe: float | None = None
    is_warmup: bool = False

    @classmethod
    def of(cls, record: SetRecord, unit: Unit) -> HistoryEntry:
        return cls(
            workout_id=record.workout_id,
            performed_at=record.performed_at,
            reps=record.reps,
            weight=_weight(record.weight_kg, unit),
            duration_s=record.duration_s,
            distance_m=record.distance_m,
            rpe=record.rpe,
            is_warmup=record.is_warmup,
        )


class ExerciseHistory(Model):
    exercise: Exercise
    unit: Unit
    total: int | None = None
    sets: list[HistoryEntry] = Field(description="newest first")
    next_cursor: str | None = None


class ExerciseList(Model):
    total: int | None = None
    exercises: list[Exercise]
    next_cursor: str | None = None


__all__ = [
    "ExerciseHistory",
    "ExerciseList",
    "HistoryEntry",
    "SetView",
    "WorkoutList",
    "WorkoutListEntry",
    "WorkoutView",
]
