"""Records that move a whole log in or out: an import batch, what it did, and a full export.

Kilograms, metres, seconds and UTC throughout, like the rest of the domain. A workout is "already in
the log" when the log holds one that started at the same instant under the same title (compared like
exercise names): that is what makes importing the same file twice, or a newer export of the same app,
add only what is new without touching what is there.
"""

from __future__ import annotations

from datetime import UTC, datetime

from pydantic import Field

from workout_mcp.domain.base import Model
from workout_mcp.domain.body_weight import NewBodyWeight
from workout_mcp.domain.models import ExerciseKind, NewSet
from workout_mcp.domain.plans import NewPlan

MAX_IMPORT_WORKOUTS = 20_000
MAX_IMPORT_SETS = 400_000
MAX_SETS_PER_WORKOUT = 1_000


def title_key(title: str | None) -> str:
    """How titles are compared for "the same workout": case and repeated spaces ignored."""
    return " ".join((title or "").split()).lower()


def workout_key(started_at: datetime, title: str | None) -> tuple[str, str]:
    """The identity of a workout across imports: its start instant (UTC, to the second) and title."""
    return started_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), title_key(title)


class ImportedWorkout(Model):
    """One workout of a file; its sets name exercises as they will be logged (catalogue or own)."""

    title: str | None = Field(None, max_length=120)
    started_at: datetime
    ended_at: datetime | None = None
    notes: str | None = Field(None, max_length=2000)
    rpe: float | None = Field(None, ge=1, le=10)
    sets: list[NewSet] = Field(min_length=1, max_length=MAX_SETS_PER_WORKOUT)


class ImportedExercise(Model):
    """An exercise the file uses that is not in the catalogue: created as the person's own if missing."""

    name: str = Field(min_length=1, max_length=80)
    muscle_groups: list[str] = Field(default_factory=list, max_length=6)
    equipment: str | None = Field(None, max_length=40)
    kind: ExerciseKind = "strength"


class ImportBatch(Model):
    """Everything one file holds, already mapped and converted; the store saves all of it or nothing."""

    workouts: list[ImportedWorkout] = Field(max_length=MAX_IMPORT_WORKOUTS)
    exercises: list[ImportedExercise] = Field(default_factory=list)
    plans: list[NewPlan] = Field(default_factory=list, max_length=1000)
    body_weights: list[NewBodyWeight] = Field(default_factory=list, max_length=100_000)


class ImportOutcome(Model):
    """What the store did with a batch."""

    workouts_added: int
    sets_added: int
    workouts_skipped: int = Field(description="workouts already in the log (same start and title)")
    exercises_created: list[str] = Field(default_factory=list)
    plans_saved: int = Field(0, description="plans saved (a plan of the same name is replaced)")
    body_weights_saved: int = Field(0, description="measurements saved (the same time is replaced)")


class ExportedWorkout(Model):
    title: str | None = None
    started_at: datetime
    ended_at: datetime | None = None
    notes: str | None = None
    rpe: float | None = None
    sets: list[NewSet] = Field(default_factory=list)


class LogExport(Model):
    """The person's whole log (or a date range of it): own exercises and workouts, oldest first."""

    exercises: list[ImportedExercise] = Field(default_factory=list)
    workouts: list[ExportedWorkout] = Field(default_factory=list)
    plans: list[NewPlan] = Field(default_factory=list)
    body_weights: list[NewBodyWeight] = Field(default_factory=list)
