"""Local (SQLite) store speed for one user while other users' data grows: calls per second.

    python -m bench.local_store [--sets 1000 100000] [--users 500] [--seconds 2]

Fills a throwaway file with `--users` users and about `--sets` sets in all (one user, the one
measured, always has the same 40 workouts and 400 sets, half of them squats: every user trains the
shared catalogue's Squat, and has two exercises of their own), then times the store's per-user
reads for that user in a loop. Per-user reads should cost the same at 1k and at 100k sets: the
figures show whether they do. Single calls, one after another, on one connection (the store
serialises its SQLite work anyway).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from workout_mcp.store.catalogue import catalogue_id
from workout_mcp.store.local import LocalStore

SETS_PER_WORKOUT = 10
MEASURED_WORKOUTS = 40
EXERCISES = [catalogue_id(n) for n in ("Squat", "Bench Press", "Deadlift", "Barbell Row")]
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _fill(path: Path, users: list[str], total_sets: int, rng: random.Random) -> None:
    """Rows written straight in SQL (the store's own schema), so 100k sets take seconds, not minutes."""
    measured, others = users[0], users[1:]
    plan = [(measured, MEASURED_WORKOUTS)]
    rest = max(0, total_sets // SETS_PER_WORKOUT - MEASURED_WORKOUTS)
    plan += [(u, rest // len(others) + (1 if i < rest % len(others) else 0)) for i, u in enumerate(others)]
    workouts, sets = [], []
    for user, count in plan:
        for n in range(count):
            workout_id = str(uuid.uuid4())
            started = NOW - timedelta(days=2 * n + rng.random())
            workouts.append((workout_id, user, "bench", _ts(started), _ts(NOW)))
            for position in range(1, SETS_PER_WORKOUT + 1):
                exercise = EXERCISES[0] if position % 2 else rng.choice(EXERCISES[1:])
                sets.append(
                    (str(uuid.uuid4()), workout_id, user, exercise, position, 5, 60.0 + rng.randint(0, 80))
                )
    custom = [
        (str(uuid.uuid4()), user, f"Own Lift {user[-4:]} {n}", f"own lift {user[-4:]} {n}")
        for user in users
        for n in (1, 2)
    ]
    with sqlite3.connect(path) as conn:
        conn.executemany("INSERT INTO exercises (id, owner_id, name, name_key) VALUES (?, ?, ?, ?)", custom)
        conn.executemany(
            "INSERT INTO workouts (id, user_id, title, started_at, created_at) VALUES (?, ?, ?, ?, ?)",
            workouts,
        )
        conn.executemany(
            "INSERT INTO workout_sets (id, workout_id, user_id, exercise_id, position, reps, weight_kg) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            sets,
        )


async def _rate(call: Callable[[], Awaitable[Any]], seconds: float) -> float:
    await call()
    done, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        await call()
        done += 1
    return done / elapsed


async def measure(total_sets: int, users: int, seconds: float) -> dict[str, float]:
    rng = random.Random(12)
    ids = [str(uuid.UUID(int=i + 1)) for i in range(users)]
    current = {"user": ids[0]}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        store = LocalStore(path, user_id=lambda: current["user"])
        await store.search_exercises(query=None, muscle_group=None, kind=None, limit=1, offset=0)  # create
        _fill(path, ids, total_sets, rng)
        since = NOW - timedelta(weeks=4)
        calls: dict[str, Callable[[], Awaitable[Any]]] = {
            "exercise_history": lambda: store.exercise_history("Squat", since=None, limit=50, offset=0),
            "exercise_sets (records)": lambda: store.exercise_sets("Squat"),
            "list_workouts": lambda: store.list_workouts(since=None, until=None, limit=10, offset=0),
            "sets_between (summary)": lambda: store.sets_between(since, NOW),
            "search_exercises": lambda: store.search_exercises(
                query="lift", muscle_group=None, kind=None, limit=25, offset=0
            ),
        }
        try:
            rates = {name: await _rate(call, seconds) for name, call in calls.items()}
            with sqlite3.connect(path) as conn:
                stored = conn.execute("SELECT count(*) FROM workout_sets").fetchone()[0]
            rates["sets in file"] = stored
            rates["measured user's squat sets"] = len((await store.exercise_sets("Squat"))[1])
        finally:
            await store.aclose()
    return rates


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sets", type=int, nargs="+", default=[1_000, 100_000])
    parser.add_argument("--users", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=2.0, help="timing per call kind")
    args = parser.parse_args()
    results = {n: asyncio.run(measure(n, args.users, args.seconds)) for n in args.sets}
    names = list(next(iter(results.values())))
    rounded = {n: {k: round(v, 1) for k, v in r.items()} for n, r in results.items()}
    print(json.dumps({"users": args.users, "calls_per_second": rounded}))
    width = max(len(n) for n in names)
    print(f"{'':{width}}  " + "  ".join(f"{n:>10,} sets" for n in args.sets))
    for name in names:
        print(f"{name:{width}}  " + "  ".join(f"{results[n][name]:>15,.0f}" for n in args.sets))


if __name__ == "__main__":
    main()
