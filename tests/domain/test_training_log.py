"""Pure pieces of the training log: retry fingerprints, changes, next session, moving averages, progress."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from workout_mcp.domain.body_weight import BodyWeight, moving_averages
from workout_mcp.domain.edits import PlanLink, SetChanges, WorkoutChanges, fingerprint
from workout_mcp.domain.models import Exercise, NewSet, NewWorkout, SetRecord
from workout_mcp.domain.plans import PlanSession, StoredPlan, next_session
from workout_mcp.domain.progress import exercise_progress

T0 = datetime(2026, 5, 4, 18, 0, tzinfo=UTC)


def _workout(at: datetime = T0, exercise: str = "Squat", title: str | None = "Lower") -> NewWorkout:
    return NewWorkout(title=title, started_at=at, sets=[NewSet(exercise=exercise, reps=5, weight_kg=100)])


def test_fingerprint_is_the_same_for_the_same_workout_however_written() -> None:
    same = _workout(T0.astimezone(timezone(timedelta(hours=2))), exercise="  squat ")
    assert fingerprint(_workout(), None) == fingerprint(same, None)
    assert fingerprint(_workout(), None) != fingerprint(_workout(title="Upper"), None)
    assert fingerprint(_workout(), None) != fingerprint(_workout(T0 + timedelta(seconds=1)), None)
    assert fingerprint(_workout(), None) != fingerprint(_workout(), PlanLink(plan_id="p", session="A"))


def test_changes_name_what_they_touch() -> None:
    assert SetChanges(weight_kg=100, clear=["rpe"]).columns() == {"weight_kg": 100, "rpe": None}
    assert SetChanges(exercise="Squat").columns() == {}
    assert WorkoutChanges(title="x", clear=["notes"]).columns() == {"title": "x", "notes": None}
    for bad in ({}, {"rpe": 8, "clear": ["rpe"]}, {"weight_kg": float("nan")}):
        with pytest.raises(ValidationError):
            SetChanges(**bad)
    with pytest.raises(ValidationError, match="ended_at must not be before started_at"):
        WorkoutChanges(started_at=T0, ended_at=T0 - timedelta(minutes=1))


def _plan(*last: datetime | None) -> StoredPlan:
    sessions = [
        PlanSession(name=n, exercises=[], last_logged_at=t) for n, t in zip("ABC", last, strict=False)
    ]
    return StoredPlan(id="p", name="P", updated_at=T0, sessions=sessions)


def test_next_session_follows_the_latest_logged_and_wraps() -> None:
    assert next_session(_plan(None, None, None)) == "A"
    assert next_session(_plan(T0, None, None)) == "B"
    assert next_session(_plan(T0, T0 + timedelta(days=2), T0 + timedelta(days=1))) == "C"
    assert next_session(_plan(T0, T0, T0 + timedelta(days=3))) == "A"


def test_moving_average_covers_the_window_up_to_each_entry() -> None:
    entries = [
        BodyWeight(id=str(i), weight_kg=kg, measured_at=T0 + timedelta(days=d))
        for i, (d, kg) in enumerate(((0, 80.0), (3, 82.0), (7, 84.0), (20, 90.0)))
    ]
    assert moving_averages(entries, 7) == [80.0, 81.0, 83.0, 90.0]
    assert moving_averages(entries, 1) == [80.0, 82.0, 84.0, 90.0]


def test_progress_ignores_warmups_other_lifts_and_days_outside_the_range() -> None:
    squat = Exercise(id="sq", name="Squat")

    def s(day: int, kg: float, reps: int = 5, *, warm: bool = False, ex: str = "sq") -> SetRecord:
        return SetRecord(
            workout_id=f"w{day}",
            performed_at=T0 + timedelta(days=day),
            exercise_id=ex,
            exercise_name="x",
            reps=reps,
            weight_kg=kg,
            is_warmup=warm,
        )

    sets = [s(0, 100), s(0, 140, warm=True), s(0, 200, ex="dl"), s(7, 105, 3), s(40, 300)]
    got = exercise_progress(squat, sets, by="week", start=date(2026, 5, 4), end=date(2026, 5, 17))
    assert [p.working_sets for p in got.periods] == [1, 1]
    assert got.periods[0].top_set is not None and got.periods[0].top_set.weight == 100
    assert got.estimated_1rm_change == pytest.approx(round(105 * 1.1 - 100 * (1 + 5 / 30), 1))
