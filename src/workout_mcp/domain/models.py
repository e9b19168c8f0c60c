"""The workout domain's records. Weights are kilograms, durations seconds, distances metres, times UTC.

These models are the store's currency and, where a tool returns them, the MCP structured output, so
their field descriptions are what Claude reads.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ExerciseKind = Literal["strength", "cardio", "mobility"]
Unit = Literal["kg", "lb"]

MUSCLE_GROUPS = (
    "chest",
    "back",
    "shoulders",
    "biceps",
    "triceps",
    "forearms",
    "core",
    "quads",
    "hamstrings",
    "glutes",
    "calves",
    "full_body",
    "cardio",
)


class Exercise(BaseModel):
    id: str
    name: str
    muscle_groups: list[str] = Field(default_factory=list)
    equipment: str | None = None
    kind: ExerciseKind = "strength"
    custom: bool = Field(
        False, description="true for the user's own exercise, false for the shared catalogue"
    )


class NewExercise(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=80)
    muscle_groups: list[str] = Field(default_factory=list, max_length=6)
    equipment: str | None = Field(None, max_length=40)
    kind: ExerciseKind = "strength"

    @field_validator("muscle_groups")
    @classmethod
    def _known_groups(cls, groups: list[str]) -> list[str]:
        cleaned = [g.strip().lower().replace(" ", "_") for g in groups]
        unknown = [g for g in cleaned if g not in MUSCLE_GROUPS]
        if unknown:
            raise ValueError(f"unknown muscle group(s) {unknown}; use any of {list(MUSCLE_GROUPS)}")
        return list(dict.fromkeys(cleaned))


class WorkoutSet(BaseModel):
    id: str
    exercise_id: str
    exercise_name: str
    position: int = Field(description="1-based order of the set within the workout")
    reps: int | None = None
    weight_kg: float | None = None
    duration_s: int | None = None
    distance_m: float | None = None
    rpe: float | None = None
    is_warmup: bool = False


class Workout(BaseModel):
    id: str
    title: str | None = None
    started_at: datetime
    ended_at: datetime | None = None
    notes: str | None = None
    rpe: float | None = Field(None, description="session RPE, 1-10")
    sets: list[WorkoutSet] = Field(default_factory=list)
    plan_id: str | None = Field(None, description="the plan this workout follows, if any")
    plan_session: str | None = Field(None, description="the session of that plan")


class WorkoutListItem(BaseModel):
    id: str
    title: str | None = None
    started_at: datetime
    ended_at: datetime | None = None
    set_count: int
    exercise_names: list[str]
    volume_kg: float = Field(description="sum of reps x weight over working (non-warm-up) sets, kg")


class NewSet(BaseModel):
    """One set as logged; `exercise` is an exercise id or its name (case-insensitive)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    exercise: str = Field(min_length=1, max_length=80)
    reps: int | None = Field(None, ge=0, le=1000)
    weight_kg: float | None = Field(None, ge=0, le=1500)
    duration_s: int | None = Field(None, ge=0, le=86_400)
    distance_m: float | None = Field(None, ge=0, le=1_000_000)
    rpe: float | None = Field(None, ge=1, le=10)
    is_warmup: bool = False

    @model_validator(mode="after")
    def _has_a_measure(self) -> NewSet:
        if self.reps is None and self.duration_s is None and self.distance_m is None:
            raise ValueError("a set needs reps, duration_s or distance_m")
        return self


class NewWorkout(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)

    title: str | None = Field(None, max_length=120)
    started_at: datetime
    ended_at: datetime | None = None
    notes: str | None = Field(None, max_length=2000)
    rpe: float | None = Field(None, ge=1, le=10)
    sets: list[NewSet] = Field(min_length=1, max_length=200)

    @field_validator("started_at", "ended_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("timestamps need a timezone offset, e.g. 2026-05-01T18:00:00Z")
        return value

    @model_validator(mode="after")
    def _ends_after_start(self) -> NewWorkout:
        if self.ended_at is not None and self.ended_at < self.started_at:
            raise ValueError("ended_at must not be before started_at")
        return self


class SetRecord(BaseModel):
    """A set joined with its workout's time and its exercise: the unit the analytics work on."""

    workout_id: str
    performed_at: datetime
    exercise_id: str
    exercise_name: str
    muscle_groups: list[str] = Field(default_factory=list)
    reps: int | None = None
    weight_kg: float | None = None
    duration_s: int | None = None
    distance_m: float | None = None
    rpe: float | None = None
    is_warmup: bool = False


class PlanItem(BaseModel):
    id: str
    exercise_id: str
    position: int
    target_sets: int | None = None
    target_reps: int | None = None
    target_weight_kg: float | None = None
    notes: str | None = None


class Plan(BaseModel):
    id: str
    title: str
    scheduled_for: datetime | None = None
    notes: str | None = None
    items: list[PlanItem] = Field(default_factory=list)
