"""Ten years of training (3,000 workouts, 60,000 sets) imported on both stores: time and round trips.

    .venv/bin/python bench/import_scale.py [--workouts 3000] [--sets-per-workout 20]

SQLite: a fresh file, one transaction. Supabase: the stand-in's PostgREST on the real PostgreSQL of
DATABASE_URL (a throwaway database with the real migrations), counting every REST request. Each store
is also asked to import the same batch again (idempotent: nothing added) and to export it all.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.standin.pg import supabase_database
from tests.standin.rest import serve_supabase

from workout_mcp.domain.models import NewSet
from workout_mcp.domain.transfer import ImportBatch, ImportedWorkout
from workout_mcp.store.base import WorkoutStore
from workout_mcp.store.local import LocalStore
from workout_mcp.store.supabase import SupabaseStore
from workout_mcp.transfer import native

LIFTS = ("Squat", "Bench Press", "Deadlift", "Overhead Press", "Barbell Row", "Pull-Up", "Zercher Squat")


def ten_years(workouts: int, per_workout: int) -> ImportBatch:
    start = datetime(2016, 1, 4, 18, tzinfo=UTC)
    out = []
    for i in range(workouts):
        sets = [
            NewSet(
                exercise=LIFTS[(i + j // 5) % len(LIFTS)],
                reps=5 + j % 4,
                weight_kg=40 + (i % 100) + j * 2.5,
                rpe=7 + (j % 3),
                is_warmup=j == 0,
            )
            for j in range(per_workout)
        ]
        out.append(
            ImportedWorkout(
                title=f"Session {i % 3 + 1}",
                started_at=start + timedelta(days=i * 365 * 10 // workouts, minutes=i % 60),
                ended_at=start + timedelta(days=i * 365 * 10 // workouts, minutes=i % 60 + 70),
                sets=sets,
            )
        )
    return ImportBatch(workouts=out)


async def measure(name: str, store: WorkoutStore, batch: ImportBatch, requests: callable | None) -> None:  # type: ignore[valid-type]
    t0 = time.perf_counter()
    first = await store.import_batch(batch)
    t1 = time.perf_counter()
    trips = requests() if requests else None
    again = await store.import_batch(batch)
    t2 = time.perf_counter()
    exported = await store.export_log(since=None, until=None)
    t3 = time.perf_counter()
    size = len(native.dumps(exported))
    print(
        f"{name:9} import {first.workouts_added} workouts / {first.sets_added} sets: {t1 - t0:6.2f} s"
        + (f", {trips} round trips" if trips is not None else "")
        + f" | again: {again.workouts_added} added in {t2 - t1:5.2f} s"
        + f" | export: {len(exported.workouts)} workouts, {size / 1e6:.1f} MB JSON in {t3 - t2:5.2f} s"
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workouts", type=int, default=3000)
    parser.add_argument("--sets-per-workout", type=int, default=20)
    args = parser.parse_args()
    batch = ten_years(args.workouts, args.sets_per_workout)
    with tempfile.TemporaryDirectory() as tmp:
        local = LocalStore(Path(tmp) / "bench.db")
        await measure("sqlite", local, batch, None)
        await local.aclose()
    with supabase_database() as dsn, serve_supabase(dsn) as supa:
        token = supa.mint(supa.add_user())

        async def source() -> str:
            return token

        async with httpx.AsyncClient(timeout=120) as client:
            store = SupabaseStore(client, supa.url, supa.anon_key, token=source, timeout=120)
            supa.faults.reset()
            await measure("supabase", store, batch, lambda: supa.faults.count())


if __name__ == "__main__":
    asyncio.run(main())
