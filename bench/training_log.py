"""Cost of the training-log reads on the local store as one user's log grows.

    .venv/bin/python bench/training_log.py [--sets 1000 100000] [--rounds 30]

For each size, fills a fresh SQLite log with workouts of 100 sets over 12 exercises (one per day), then
prints the median time of the records board (first page), exercise progress (Squat, 12 weeks, including
the store read), add_sets + delete_set on the latest workout, and a restore after a delete.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from workout_mcp.domain.analytics import window_start
from workout_mcp.domain.models import NewSet, NewWorkout
from workout_mcp.domain.progress import exercise_progress
from workout_mcp.store.local import LocalStore

LIFTS = (
    "Squat",
    "Bench Press",
    "Deadlift",
    "Overhead Press",
    "Barbell Row",
    "Pull-Up",
    "Dip",
    "Leg Press",
    "Lat Pulldown",
    "Hip Thrust",
    "Lateral Raise",
    "Barbell Curl",
)
PER_WORKOUT = 100


async def _median_ms(make: Callable[[], Awaitable[Any]], rounds: int) -> float:
    await make()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        await make()
        samples.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(samples), 2)


async def measure(total_sets: int, rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        store = LocalStore(Path(tmp) / "bench.db")
        try:
            day0 = datetime(2026, 1, 1, 18, tzinfo=UTC)
            workouts = max(1, total_sets // PER_WORKOUT)
            last_id = ""
            for w in range(workouts):
                sets = [
                    NewSet(
                        exercise=LIFTS[i % len(LIFTS)],
                        reps=1 + (i + w) % 10,
                        weight_kg=40 + (i * 7 + w) % 120,
                    )
                    for i in range(PER_WORKOUT)
                ]
                at = day0 - timedelta(days=workouts - w)
                last_id = (await store.log_workout(NewWorkout(started_at=at, sets=sets))).id
            today = (day0 - timedelta(days=1)).date()

            async def progress() -> None:
                found, sets = await store.exercise_sets("Squat")
                exercise_progress(found, sets, by="week", start=window_start(today, "week", 12), end=today)

            async def add_and_delete() -> None:
                await store.add_sets(last_id, [NewSet(exercise="Squat", reps=1, weight_kg=100)])
                await store.delete_set(last_id, 1)

            async def delete_and_restore() -> None:
                await store.delete_workout(last_id)
                await store.restore_workout(last_id)

            return {
                "records_board_ms": await _median_ms(lambda: store.records_board(limit=25, offset=0), rounds),
                "exercise_progress_ms": await _median_ms(progress, rounds),
                "add_sets+delete_set_ms": await _median_ms(add_and_delete, rounds),
                "delete+restore_ms": await _median_ms(delete_and_restore, rounds),
            }
        finally:
            await store.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sets", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    for size in args.sets:
        figures = asyncio.run(measure(size, args.rounds))
        print(f"{size:>7} sets: " + "  ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
