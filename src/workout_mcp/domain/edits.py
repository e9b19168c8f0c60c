"""Changes to what is already logged: one set, or a workout's own fields, and the idempotency rule.

A change names only what it touches; `clear` empties optional fields. Stores apply a change as a map
of column -> new value (None clears), so both stores read the same intent.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator, model_validator

from workout_mcp.domain import models
from workout_mcp.domain.base import Model
from workout_mcp.domain.models import EARLIEST_YEAR, NewWorkout

# A retried log_workout without an idempotency key is recognised by an identical payload (same start
# time, same sets, same fields) saved this recently; see `fingerprint`.
RETRY_WINDOW_SECONDS = 600
IDEMPOTENCY_KEY_MAX = 100
RESTORE_DAYS = 30


def utc_instant(value: datetime, *, field: str) -> datetime:
    """An aware moment in UTC within years 1900 to next year; a ValueError that says why otherwise."""
    if value.tzinfo is None:
        raise ValueError(f"{field} needs a timezone offset, e.g. 2026-05-01T18:00:00Z")
    try:
        moment = value.astimezone(UTC)
    except OverflowError:
        raise ValueError(f"{field} is out of range; use a year from {EARLIEST_YEAR} to next year") from None
    if not EARLIEST_YEAR <= moment.year <= models.clock().year + 1:
        raise ValueError(f"{field} is out of range; use a year from {EARLIEST_YEAR} to next year")
    return moment


SetField = Literal["reps", "weight_kg", "duration_s", "distance_m", "rpe"]
WorkoutField = Literal["title", "notes", "ended_at", "rpe"]


class PlanLink(Model):
    """The plan session a workout follows."""

    plan_id: str = Field(min_length=1, max_length=64)
    session: str = Field(min_length=1, max_length=40)


class SetChanges(Model):
    """What to change in one set; `exercise` is an id or a name, like in `NewSet`."""

    model_config = ConfigDict(str_strip_whitespace=True)

    exercise: str | None = Field(None, min_length=1, max_length=80)
    reps: int | None = Field(None, ge=0, le=1000)
    weight_kg: float | None = Field(None, ge=0, le=1500, allow_inf_nan=False)
    duration_s: int | None = Field(None, ge=0, le=86_400)
    distance_m: float | None = Field(None, ge=0, le=1_000_000, allow_inf_nan=False)
    rpe: float | None = Field(None, ge=1, le=10, allow_inf_nan=False)
    is_warmup: bool | None = None
    clear: list[SetField] = Field(default_factory=list, max_length=5)

    @model_validator(mode="after")
    def _one_meaning_each(self) -> SetChanges:
        both = [f for f in self.clear if getattr(self, f) is not None]
        if both:
            raise ValueError(f"{', '.join(both)}: either give a new value or clear it, not both")
        if not self.columns() and self.exercise is None:
            raise ValueError("nothing to change: give at least one field, or list fields in `clear`")
        return self

    def columns(self) -> dict[str, Any]:
        """Column -> new value (None clears); the exercise is resolved by the store."""
        changed: dict[str, Any] = {
            name: getattr(self, name)
            for name in ("reps", "weight_kg", "duration_s", "distance_m", "rpe", "is_warmup")
            if getattr(self, name) is not None
        }
        changed.update(dict.fromkeys(self.clear))
        return changed


class WorkoutChanges(Model):
    """What to change in a workout's own fields (its sets have their own tools)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    title: str | None = Field(None, max_length=120)
    notes: str | None = Field(None, max_length=2000)
    started_at: datetime | None = None
    ended_at: datetime | None = None
    rpe: float | None = Field(None, ge=1, le=10, allow_inf_nan=False)
    clear: list[WorkoutField] = Field(default_factory=list, max_length=4)

    @field_validator("started_at", "ended_at")
    @classmethod
    def _aware(cls, value: datetime | None, info: ValidationInfo) -> datetime | None:
        return None if value is None else utc_instant(value, field=str(info.field_name))

    @model_validator(mode="after")
    def _something(self) -> WorkoutChanges:
        both = [f for f in self.clear if getattr(self, f) is not None]
        if both:
            raise ValueError(f"{', '.join(both)}: either give a new value or clear it, not both")
        if not self.columns():
            raise ValueError("nothing to change: give at least one field, or list fields in `clear`")
        if self.started_at and self.ended_at and self.ended_at < self.started_at:
            raise ValueError("ended_at must not be before started_at")
        if self.started_at and self.started_at > datetime.now(UTC) + timedelta(days=1):
            raise ValueError("started_at is more than a day in the future; give the time the workout began")
        return self

    def columns(self) -> dict[str, Any]:
        changed: dict[str, Any] = {
            name: getattr(self, name)
            for name in ("title", "notes", "started_at", "ended_at", "rpe")
            if getattr(self, name) is not None
        }
        changed.update(dict.fromkeys(self.clear))
        return changed


def fingerprint(workout: NewWorkout, link: PlanLink | None) -> str:
    """What makes two log_workout calls "the same workout": every field, instants compared in UTC,
    exercise references compared the way names are (case and spacing ignored)."""
    data = workout.model_dump(mode="json")
    for moment in ("started_at", "ended_at"):
        value = getattr(workout, moment)
        data[moment] = None if value is None else value.astimezone(UTC).isoformat()
    for s in data["sets"]:
        s["exercise"] = " ".join(str(s["exercise"]).split()).lower()
    data["plan"] = None if link is None else [link.plan_id.strip().lower(), link.session.strip().lower()]
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class WorkoutDeletion(Model):
    """What `delete_workout` did: it marks the workout deleted; `restore_workout` undoes that."""

    workout_id: str
    deleted_at: datetime
    restorable_until: datetime
    already_deleted: bool = Field(
        description="true when the workout had been deleted before this call (nothing changed now)"
    )
