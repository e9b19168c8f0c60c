"""The workout domain's records. Weights are kilograms, durations seconds, distances metres, times UTC.

These models are the store's currency and, where a tool returns them, the MCP structured output, so
their field descriptions are what Claude reads.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Literal

from pydantic import AfterValidator, ConfigDict, Field, field_validator, model_validator

from workout_mcp.domain.base import Model

ExerciseKind = Literal["strength", "cardio", "mobility"]
Unit = Literal["kg", "lb"]

EARLIEST_YEAR = 1900
FUTURE_ALLOWANCE = timedelta(days=1)


def _utc_now() -> datetime:
    return datetime.now(UTC)


# The clock the time rules read; tests may swap it for a fixed one.
clock: Callable[[], datetime] = _utc_now


def _check_year(year: int) -> None:
    latest = clock().year + 1
    if not EARLIEST_YEAR <= year <= latest:
        raise ValueError(f"year {year} is outside {EARLIEST_YEAR} to {latest}; check the date")


def utc_timestamp(value: datetime) -> datetime:
    """An instant with an offset, in a sane year (1900 to next year), normalised to UTC."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("needs a timezone offset, e.g. 2026-05-01T18:00:00Z")
    _check_year(value.year)  # before converting: year 9999 with an offset overflows
    utc = value.astimezone(UTC)
    _check_year(utc.year)
    return utc


def not_far_future(value: datetime) -> datetime:
    """Training is logged after it happens: at most a day ahead (clock skew, time zones)."""
    if value > clock() + FUTURE_ALLOWANCE:
        raise ValueError("is more than a day in the future; log training that has happened (times are UTC)")
    return value


def sane_day(value: date) -> date:
    _check_year(value.year)
    return value


# Invisible or reordering characters that make a name look like another one, or break storage.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_TEXT_WHITESPACE = frozenset("\t\n\r")


def _refuse_characters(value: str, bad: Callable[[str], bool]) -> str:
    for index, char in enumerate(value):
        if bad(char):
            raise ValueError(
                f"contains an invisible or control character (U+{ord(char):04X} at position {index + 1}); "
                "remove it"
            )
    return value


def plain_name(value: str) -> str:
    """Names refuse every control, format (zero-width, bidi) and line-separator character."""
    return _refuse_characters(value, lambda c: unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp"))


def plain_text(value: str) -> str:
    """Free text (titles, notes) keeps tabs, line breaks and emoji joiners, refuses other controls."""
    return _refuse_characters(
        value,
        lambda c: (
            (unicodedata.category(c) in ("Cc", "Cs") and c not in _TEXT_WHITESPACE) or c in _BIDI_CONTROLS
        ),
    )


# Reusable argument types: every timestamp, day and name a tool accepts goes through one of these.
UtcTimestamp = Annotated[datetime, AfterValidator(utc_timestamp)]
"""Any instant: offset required, year 1900 to next year, normalised to UTC."""
PastTimestamp = Annotated[datetime, AfterValidator(utc_timestamp), AfterValidator(not_far_future)]
"""An instant training happened at: a `UtcTimestamp` at most a day in the future."""
CalendarDay = Annotated[date, AfterValidator(sane_day)]
"""A calendar day (YYYY-MM-DD) in a sane year."""
Name = Annotated[str, AfterValidator(plain_name)]
"""An exercise name or reference, a query: no control or invisible characters."""
Text = Annotated[str, AfterValidator(plain_text)]
"""Titles and notes: no control characters except tabs and line breaks, no bidi overrides."""

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


class Exercise(Model):
    id: str
    name: str
    muscle_groups: list[str] = Field(default_factory=list)
    equipment: str | None = None
    kind: ExerciseKind = "strength"
    custom: bool = Field(
        False, description="true for the user's own exercise, false for the shared catalogue"
    )


class NewExercise(Model):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: Name = Field(min_length=1, max_length=80)
    muscle_groups: list[str] = Field(default_factory=list, max_length=6)
    equipment: Name | None = Field(None, max_length=40)
    kind: ExerciseKind = "strength"

    @field_validator("muscle_groups")
    @classmethod
    def _known_groups(cls, groups: list[str]) -> list[str]:
        cleaned = [g.strip().lower().replace(" ", "_") for g in groups]
        unknown = [g for g in cleaned if g not in MUSCLE_GROUPS]
        if unknown:
            raise ValueError(f"unknown muscle group(s) {unknown}; use any of {list(MUSCLE_GROUPS)}")
        return list(dict.fromkeys(cleaned))


class WorkoutSet(Model):
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


class Workout(Model):
    id: str
    title: str | None = None
    started_at: datetime
    ended_at: datetime | None = None
    notes: str | None = None
    rpe: float | None = Field(None, description="session RPE, 1-10")
    sets: list[WorkoutSet] = Field(default_factory=list)
    plan_id: str | None = Field(None, description="the plan this workout follows, if any")
    plan_session: str | None = Field(None, description="the session of that plan")


class WorkoutListItem(Model):
    id: str
    title: str | None = None
    started_at: datetime
    ended_at: datetime | None = None
    set_count: int
    exercise_names: list[str]
    volume_kg: float = Field(description="sum of reps x weight over working (non-warm-up) sets, kg")


class NewSet(Model):
    """One set as logged; `exercise` is an exercise id or its name (case-insensitive)."""

    model_config = ConfigDict(str_strip_whitespace=True)

    exercise: Name = Field(min_length=1, max_length=80)
    reps: int | None = Field(None, ge=0, le=1000)
    weight_kg: float | None = Field(None, ge=0, le=1500, allow_inf_nan=False)
    duration_s: int | None = Field(None, ge=0, le=86_400)
    distance_m: float | None = Field(None, ge=0, le=1_000_000, allow_inf_nan=False)
    rpe: float | None = Field(None, ge=1, le=10, allow_inf_nan=False)
    is_warmup: bool = False

    @model_validator(mode="after")
    def _has_a_measure(self) -> NewSet:
        if self.reps is None and self.duration_s is None and self.distance_m is None:
            raise ValueError("a set needs reps, duration_s or distance_m")
        return self


class NewWorkout(Model):
    model_config = ConfigDict(str_strip_whitespace=True)

    title: Text | None = Field(None, max_length=120)
    started_at: PastTimestamp
    ended_at: PastTimestamp | None = None
    notes: Text | None = Field(None, max_length=2000)
    rpe: float | None = Field(None, ge=1, le=10, allow_inf_nan=False)
    sets: list[NewSet] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _ends_after_start(self) -> NewWorkout:
        if self.ended_at is not None and self.ended_at < self.started_at:
            raise ValueError("ended_at must not be before started_at")
        return self


class SetRecord(Model):
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
