"""Per-user reads on the local store cost the same however much other users have logged.

Measured in SQLite virtual-machine steps (a progress handler), not in time, so the test is exact on a
busy machine: one user's reads must not step through other users' rows.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from workout_mcp.domain.models import NewSet, NewWorkout
from workout_mcp.store.local import MIGRATIONS, LocalStore, migrate

ME = "00000000-0000-0000-0000-00000000000a"
T0 = datetime(2026, 6, 1, 18, tzinfo=UTC)


def _workout(day: int) -> NewWorkout:
    sets = [NewSet(exercise="Squat", reps=5, weight_kg=100 + i) for i in range(5)]
    sets += [NewSet(exercise="Bench Press", reps=5, weight_kg=70)]
    return NewWorkout(started_at=T0 - timedelta(days=day), sets=sets)


async def _fill(store: LocalStore, who: dict[str, str], users: int, workouts_each: int) -> None:
    for n in range(users):
        who["user"] = f"00000000-0000-0000-0000-{n + 1:012d}"
        for day in range(workouts_each):
            await store.log_workout(_workout(day))
    who["user"] = ME


async def _file(path: Path, others: int) -> Path:
    who = {"user": ME}
    store = LocalStore(path, user_id=lambda: who["user"])
    try:
        await _fill(store, who, users=others, workouts_each=10)
        for day in range(10):
            await store.log_workout(_workout(day))
    finally:
        await store.aclose()
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The same user's log beside 2 and beside 40 other users (twenty times the others' data)."""
    base = tmp_path_factory.mktemp("per-user")
    return [asyncio.run(_file(base / f"{n}.db", n)) for n in (2, 40)]


async def _steps(path: Path, read: Callable[[LocalStore], Awaitable[Any]]) -> int:
    store = LocalStore(path, user_id=lambda: ME)
    counter = {"steps": 0}

    def tick() -> int:
        counter["steps"] += 1
        return 0

    try:
        await read(store)  # opens the file and warms the catalogue seed check
        store._connection().set_progress_handler(tick, 1)
        await read(store)
    finally:
        await store.aclose()
    return counter["steps"]


READS: dict[str, Callable[[LocalStore], Awaitable[Any]]] = {
    "exercise_history": lambda s: s.exercise_history("Squat", since=None, limit=50, offset=0),
    "exercise_sets": lambda s: s.exercise_sets("Squat"),
    "list_workouts": lambda s: s.list_workouts(since=None, until=None, limit=10, offset=0),
    "sets_between": lambda s: s.sets_between(T0 - timedelta(days=30), T0 + timedelta(days=1)),
    "search_exercises": lambda s: s.search_exercises(
        query="squat", muscle_group=None, kind=None, limit=25, offset=0
    ),
}


@pytest.mark.parametrize("read", sorted(READS))
async def test_a_users_reads_do_not_step_through_other_users_sets(files: list[Path], read: str) -> None:
    costs = [await _steps(path, READS[read]) for path in files]
    # Twenty times the other users' data; the user's own read stays within noise of its cost.
    assert costs[1] <= costs[0] * 1.2, costs


async def test_a_file_of_the_first_schema_gains_the_per_user_indexes(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, MIGRATIONS[:1]) == 1
    conn.close()
    store = LocalStore(path, user_id=lambda: ME)
    try:
        await store.log_workout(_workout(0))
        _, sets = await store.exercise_sets("Squat")
        assert len(sets) == 5
    finally:
        await store.aclose()
    conn = sqlite3.connect(path)
    indexes = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    assert version == len(MIGRATIONS)
    assert {"workout_sets_user_exercise_workout", "exercises_owner_name"} <= indexes
