"""The demo generator: plausible numbers at every length, weeks validated, and all or nothing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from workout_mcp.cli import main
from workout_mcp.domain.models import NewWorkout
from workout_mcp.store.base import StoreError
from workout_mcp.store.demo import MAX_WEEKS, demo_workouts, fill_demo
from workout_mcp.store.local import LocalStore

TODAY = date(2026, 11, 22)
# What a dedicated amateur reaches in two years, with margin (kg for one working set).
PLAUSIBLE_TOP_KG = {
    "Squat": 200,
    "Bench Press": 140,
    "Deadlift": 240,
    "Overhead Press": 95,
    "Barbell Row": 120,
    "Romanian Deadlift": 140,
    "Front Squat": 150,
    "Leg Press": 300,
    "Lat Pulldown": 100,
    "Incline Dumbbell Press": 45,
}
# (fastest, slowest) plausible seconds per km for an amateur.
PACE_S_PER_KM = {"Running": (210, 480), "Cycling": (90, 240), "Rowing Erg": (200, 300)}


def _sets(workouts: list[NewWorkout], exercise: str) -> list[tuple[int, float]]:
    return [
        (week, s.weight_kg or 0.0)
        for week, w in enumerate(workouts)
        for s in w.sets
        if s.exercise == exercise and not s.is_warmup
    ]


@pytest.mark.parametrize("weeks", [1, 12, 52, MAX_WEEKS])
def test_every_number_in_the_demo_is_humanly_possible(weeks: int) -> None:
    workouts = demo_workouts(weeks=weeks, today=TODAY)
    assert len(workouts) >= weeks * 3
    for workout in workouts:
        assert workout.started_at.date() < TODAY and workout.ended_at is not None
        assert 30 * 60 <= (workout.ended_at - workout.started_at).total_seconds() <= 2 * 3600
        for s in workout.sets:
            if s.weight_kg is not None and s.exercise in PLAUSIBLE_TOP_KG:
                assert s.weight_kg <= PLAUSIBLE_TOP_KG[s.exercise], (weeks, s)
            if s.distance_m:
                fastest, slowest = PACE_S_PER_KM[s.exercise]
                assert s.duration_s is not None
                assert fastest <= s.duration_s / (s.distance_m / 1000) <= slowest, (weeks, s)
            if s.reps is not None:
                assert 1 <= s.reps <= 20, (weeks, s)


def test_lifts_progress_and_then_level_off() -> None:
    workouts = demo_workouts(weeks=MAX_WEEKS, today=TODAY)
    tops = [w for _, w in _sets(workouts, "Squat")]
    quarter = len(tops) // 4
    first, second, last = max(tops[:quarter]), max(tops[quarter : 2 * quarter]), max(tops[-quarter:])
    assert first < second < last
    # The first half-year brings more than the last one.
    assert second - first > last - max(tops[2 * quarter : 3 * quarter])


@pytest.mark.parametrize("weeks", [0, -3, MAX_WEEKS + 1, 156])
def test_weeks_outside_1_to_104_are_refused_before_anything_is_written(tmp_path: Path, weeks: int) -> None:
    with pytest.raises(ValueError, match="between 1 and 104"):
        demo_workouts(weeks=weeks, today=TODAY)


@pytest.mark.parametrize("weeks", ["0", "105", "156", "twelve", "-1"])
def test_the_demo_command_refuses_bad_weeks_with_a_message(
    weeks: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("WORKOUT_DB_PATH", str(tmp_path / "demo.db"))
    with pytest.raises(SystemExit) as stopped:
        main(["demo", "--weeks", weeks])
    assert stopped.value.code == 2
    assert "weeks must be" in capsys.readouterr().err
    assert not (tmp_path / "demo.db").exists()


class FailingAfter(LocalStore):
    """A real SQLite store whose n-th write fails, as a full disk or a lost connection would."""

    def __init__(self, path: Path, fail_at: int) -> None:
        super().__init__(path)
        self.writes = 0
        self.fail_at = fail_at

    async def log_workout(self, workout: NewWorkout):  # type: ignore[no-untyped-def]
        self.writes += 1
        if self.writes == self.fail_at:
            raise StoreError("disk full")
        return await super().log_workout(workout)


async def test_a_demo_that_fails_half_way_leaves_nothing_behind(tmp_path: Path) -> None:
    store = FailingAfter(tmp_path / "demo.db", fail_at=20)
    try:
        with pytest.raises(StoreError):
            await fill_demo(store, weeks=12, today=TODAY)
        assert store.writes == 20
        page = await store.list_workouts(since=None, until=None, limit=1, offset=0)
        assert page.total == 0
        assert await fill_demo(store, weeks=2, today=TODAY) > 0
    finally:
        await store.aclose()
