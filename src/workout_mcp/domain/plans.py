"""Training plans: named sessions of exercises with targets, and which session comes next.

"Next" is judged from the workouts logged against the plan: the session after the one logged most
recently, wrapping round to the first; the first session when nothing was logged yet.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import ConfigDict, Field, model_validator

from workout_mcp.domain.base import Model
from workout_mcp.domain.models import Name, Text, Unit
from workout_mcp.domain.units import display_weight

MAX_SESSIONS = 14
MAX_EXERCISES_PER_SESSION = 30


def session_key(name: str) -> str:
    """How session names are compared: case-insensitive, spacing ignored."""
    return " ".join(name.split()).lower()


class PlanTarget(Model):
    """One exercise of a session with its target: sets x reps x weight, or an RPE to work up to."""

    model_config = ConfigDict(str_strip_whitespace=True)

    exercise: Name = Field(min_length=1, max_length=80, description="exercise name or id")
    sets: int = Field(1, ge=1, le=100, description="target number of working sets")
    reps: int | None = Field(None, ge=0, le=1000, description="target reps per set")
    weight_kg: float | None = Field(
        None, ge=0, le=1500, allow_inf_nan=False, description="target weight per set, in the call's unit"
    )
    rpe: float | None = Field(None, ge=1, le=10, allow_inf_nan=False, description="target RPE, 1-10")
    notes: Text | None = Field(None, max_length=500)


class NewPlanSession(Model):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: Name = Field(min_length=1, max_length=40, description="e.g. 'Day A' or 'Upper'")
    exercises: list[PlanTarget] = Field(min_length=1, max_length=MAX_EXERCISES_PER_SESSION)


class NewPlan(Model):
    model_config = ConfigDict(str_strip_whitespace=True)

    name: Name = Field(min_length=1, max_length=120)
    notes: Text | None = Field(None, max_length=2000)
    sessions: list[NewPlanSession] = Field(min_length=1, max_length=MAX_SESSIONS)

    @model_validator(mode="after")
    def _distinct_sessions(self) -> NewPlan:
        keys = [session_key(s.name) for s in self.sessions]
        repeated = sorted({k for k in keys if keys.count(k) > 1})
        if repeated:
            raise ValueError(f"session names must differ; repeated: {', '.join(repeated)}")
        return self


class PlanExercise(Model):
    exercise_id: str
    exercise_name: str
    target_sets: int
    target_reps: int | None = None
    target_weight_kg: float | None = None
    target_rpe: float | None = None
    notes: str | None = None


class PlanSession(Model):
    name: str
    exercises: list[PlanExercise]
    times_logged: int = 0
    last_logged_at: datetime | None = None


class StoredPlan(Model):
    """A plan as stored, with how often each session was logged (deleted workouts never count)."""

    id: str
    name: str
    notes: str | None = None
    updated_at: datetime
    sessions: list[PlanSession]


def next_session(plan: StoredPlan) -> str:
    """The session after the most recently logged one (ties: the later session), else the first."""
    logged = [(s.last_logged_at, i) for i, s in enumerate(plan.sessions) if s.last_logged_at is not None]
    if not logged:
        return plan.sessions[0].name
    _, latest = max(logged)
    return plan.sessions[(latest + 1) % len(plan.sessions)].name


# --- what the tools answer -------------------------------------------------------------------------


class PlanExerciseView(Model):
    exercise_id: str
    exercise: str
    sets: int
    reps: int | None = None
    weight: float | None = Field(None, description="target weight in the plan's `unit`")
    rpe: float | None = None
    notes: str | None = None


class PlanSessionView(Model):
    name: str
    exercises: list[PlanExerciseView]
    times_logged: int = Field(description="workouts logged against this session (deleted ones excluded)")
    last_logged_at: datetime | None = Field(description="start of the latest such workout, UTC")


class PlanView(Model):
    id: str
    name: str
    notes: str | None = None
    unit: Unit
    updated_at: datetime
    next_session: str = Field(
        description="the session to do next: the one after the session logged most recently, "
        "wrapping round; the first one when nothing was logged yet"
    )
    sessions: list[PlanSessionView]

    @classmethod
    def of(cls, plan: StoredPlan, unit: Unit) -> PlanView:
        return cls(
            id=plan.id,
            name=plan.name,
            notes=plan.notes,
            unit=unit,
            updated_at=plan.updated_at,
            next_session=next_session(plan),
            sessions=[
                PlanSessionView(
                    name=s.name,
                    times_logged=s.times_logged,
                    last_logged_at=s.last_logged_at,
                    exercises=[
                        PlanExerciseView(
                            exercise_id=e.exercise_id,
                            exercise=e.exercise_name,
                            sets=e.target_sets,
                            reps=e.target_reps,
                            weight=None
                            if e.target_weight_kg is None
                            else display_weight(e.target_weight_kg, unit),
                            rpe=e.target_rpe,
                            notes=e.notes,
                        )
                        for e in s.exercises
                    ],
                )
                for s in plan.sessions
            ],
        )


class PlanListEntry(Model):
    id: str
    name: str
    sessions: list[str]
    next_session: str
    updated_at: datetime
    last_logged_at: datetime | None = None

    @classmethod
    def of(cls, plan: StoredPlan) -> PlanListEntry:
        times = [s.last_logged_at for s in plan.sessions if s.last_logged_at is not None]
        return cls(
            id=plan.id,
            name=plan.name,
            sessions=[s.name for s in plan.sessions],
            next_session=next_session(plan),
            updated_at=plan.updated_at,
            last_logged_at=max(times, default=None),
        )
