"""Exports: the JSON round-trips exactly on both stores (and across them); the CSV is one row per set."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime

from tests.imports.conftest import FIXTURES, StoreFactory
from workout_mcp.domain.models import NewExercise, NewSet, NewWorkout
from workout_mcp.store.base import WorkoutStore
from workout_mcp.store.everything import export_everything, import_everything
from workout_mcp.store.local import LocalStore
from workout_mcp.transfer import export_csv, native, parse_file

T = datetime(2026, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)


async def fill(store: WorkoutStore) -> None:
    for name in ("strong_comma.csv", "strong_semicolon.csv", "hevy_kg.csv", "hevy_lbs.csv"):
        await store.import_batch(parse_file((FIXTURES / name).read_bytes()).batch)
    await store.add_exercise(
        NewExercise(name="Band Pull-Apart", muscle_groups=["shoulders"], equipment="band")
    )
    for notes in ("@SUM(1+1)", "-2+3"):  # two with the same start and title
        await store.log_workout(
            NewWorkout(
                title="=cmd|' /C calc'!A0",
                started_at=T,
                ended_at=T.replace(hour=6),
                notes=notes,
                rpe=7.5,
                sets=[
                    NewSet(exercise="Deadlift", reps=1, weight_kg=200.25, rpe=9.5),
                    NewSet(exercise="Plank", duration_s=45),
                ],
            )
        )


async def test_json_export_imports_into_an_empty_log_and_exports_the_same_bytes(
    new_store: StoreFactory,
) -> None:
    source = new_store()
    await fill(source)
    first = native.dumps(await export_everything(source, since=None, until=None))
    doc = json.loads(first)
    assert doc["format"] == "workout-mcp-export" and len(doc["workouts"]) == 11
    assert [e["name"] for e in doc["exercises"]] == [
        "Band Pull-Apart",
        "Sissy Squat",
        "Zercher Squat (Barbell)",
    ]

    empty = new_store()
    parsed = parse_file(first.encode())
    assert parsed.preview.source == "workout-mcp" and parsed.preview.workouts == 11
    await import_everything(empty, parsed.batch)
    assert native.dumps(await export_everything(empty, since=None, until=None)) == first
    again = await import_everything(empty, parse_file(first.encode()).batch)
    assert again.workouts_added == 0 and again.exercises_created == []
    assert native.dumps(await export_everything(empty, since=None, until=None)) == first


async def test_json_export_moves_between_the_local_log_and_supabase(
    new_store: StoreFactory, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    local = LocalStore(tmp_path / "elsewhere.db")
    await fill(local)
    exported = native.dumps(await export_everything(local, since=None, until=None))
    other = new_store()
    await import_everything(other, parse_file(exported.encode()).batch)
    assert native.dumps(await export_everything(other, since=None, until=None)) == exported


async def test_export_takes_a_date_range(new_store: StoreFactory) -> None:
    store = new_store()
    await fill(store)
    part = await store.export_log(
        since=datetime(2023, 1, 16, tzinfo=UTC), until=datetime(2023, 1, 19, tzinfo=UTC)
    )
    assert [w.title for w in part.workouts] == ["Run", "Push", "Legs"]


async def test_csv_export_is_one_row_per_set_and_never_a_formula(new_store: StoreFactory) -> None:
    store = new_store()
    await fill(store)
    log = await store.export_log(since=None, until=None)
    text = export_csv.dumps(log)
    rows = list(csv.reader(io.StringIO(text)))
    assert tuple(rows[0]) == export_csv.COLUMNS
    assert len(rows) - 1 == sum(len(w.sets) for w in log.workouts)
    for row in rows[1:]:
        assert not row[1].startswith(("=", "+", "-", "@")) and not row[10].startswith(("=", "+", "-", "@"))
    danger = [r for r in rows if r[1].startswith("'=")]
    assert danger[0][1] == "'=cmd|' /C calc'!A0"
    assert {r[10] for r in danger} == {"'@SUM(1+1)", "'-2+3"}
    squat = next(r for r in rows if r[3] == "Squat" and r[5] == "102.5")
    assert squat[:9] == ["2023-01-15T17:30:00Z", "Leg Day", "1h 5m", "Squat", "2", "102.5", "5", "", ""]
    warm = next(r for r in rows if r[3] == "Squat" and r[5] == "40")
    assert warm[4] == "W"
    run = next(r for r in rows if r[3] == "Running" and r[1] == "Run")
    assert (run[7], run[8]) == ("5200", "1860")


async def test_csv_export_reads_back_as_our_own_csv(new_store: StoreFactory) -> None:
    store = new_store()
    await store.import_batch(parse_file((FIXTURES / "hevy_kg.csv").read_bytes()).batch)
    text = export_csv.dumps(await store.export_log(since=None, until=None))
    parsed = parse_file(text.encode())
    assert (parsed.preview.source, parsed.preview.layout) == ("workout-mcp", "workout-mcp csv")
    assert parsed.preview.sets == 11 and parsed.preview.unmatched_exercises == ["Sissy Squat"]
    assert parsed.batch.workouts[1].sets[0].distance_m == 5200.0


def test_neutralise_covers_every_formula_start() -> None:
    for cell in ("=1+1", "+1", "-1", "@A1", "\tx", "\rx"):
        assert export_csv.neutralise(cell) == "'" + cell
    assert export_csv.neutralise("Squat") == "Squat"
