"""Bulk import on both stores: every fixture imports, all or nothing, idempotent, and exports back."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.imports.conftest import FIXTURES, StoreFactory
from workout_mcp.domain.models import NewSet, NewWorkout
from workout_mcp.domain.transfer import ImportBatch, ImportedWorkout
from workout_mcp.store import supabase as supabase_module
from workout_mcp.store.base import InvalidInput, WorkoutStore
from workout_mcp.transfer import parse_file
from workout_mcp.transfer.native import dumps

ALL_FIXTURES = ["strong_comma.csv", "strong_semicolon.csv", "hevy_kg.csv", "hevy_lbs.csv"]


async def total(store: WorkoutStore) -> int:
    page = await store.list_workouts(since=None, until=None, limit=1, offset=0)
    return page.total or 0


async def snapshot(store: WorkoutStore) -> str:
    return dumps(await store.export_log(since=None, until=None))


@pytest.mark.parametrize("fixture", ALL_FIXTURES)
async def test_each_fixture_imports_whole_and_a_second_import_adds_nothing(
    new_store: StoreFactory, fixture: str
) -> None:
    store = new_store()
    parsed = parse_file((FIXTURES / fixture).read_bytes())
    first = await store.import_batch(parsed.batch)
    assert (first.workouts_added, first.sets_added, first.workouts_skipped) == (
        parsed.preview.workouts,
        parsed.preview.sets,
        0,
    )
    assert sorted(first.exercises_created) == parsed.preview.unmatched_exercises
    assert await total(store) == parsed.preview.workouts
    before = await snapshot(store)

    again = await store.import_batch(parse_file((FIXTURES / fixture).read_bytes()).batch)
    assert (again.workouts_added, again.sets_added, again.exercises_created) == (0, 0, [])
    assert again.workouts_skipped == parsed.preview.workouts
    assert await snapshot(store) == before


async def test_imported_sets_read_back_through_the_normal_tools(new_store: StoreFactory) -> None:
    store = new_store()
    await store.import_batch(parse_file((FIXTURES / "strong_comma.csv").read_bytes()).batch)
    page = await store.list_workouts(since=None, until=None, limit=10, offset=0)
    leg = page.items[-1]
    assert leg.title == "Leg Day" and leg.set_count == 6
    full = await store.get_workout(leg.id)
    assert [(s.exercise_name, s.reps, s.weight_kg, s.is_warmup) for s in full.sets[:3]] == [
        ("Squat", 10, 40.0, True),
        ("Squat", 5, 100.0, False),
        ("Squat", 5, 102.5, False),
    ]
    found = await store.search_exercises(query="zercher", muscle_group=None, kind=None, limit=5, offset=0)
    assert [(e.name, e.custom) for e in found.items] == [("Zercher Squat (Barbell)", True)]


async def test_a_newer_export_adds_only_the_new_sessions_and_changes_nothing_else(
    new_store: StoreFactory,
) -> None:
    store = new_store()
    logged = await store.log_workout(
        NewWorkout(
            title="Leg Day",
            started_at=datetime(2023, 1, 15, 9, 0, tzinfo=UTC),
            sets=[NewSet(exercise="Squat", reps=3, weight_kg=90)],
        )
    )
    await store.import_batch(parse_file((FIXTURES / "strong_comma.csv").read_bytes()).batch)
    before = await store.export_log(since=None, until=None)
    newer = await store.import_batch(parse_file((FIXTURES / "strong_comma_newer.csv").read_bytes()).batch)
    assert (newer.workouts_added, newer.sets_added, newer.workouts_skipped) == (1, 2, 3)
    after = await store.export_log(since=None, until=None)
    assert after.workouts[: len(before.workouts)] == before.workouts
    assert after.workouts[-1].started_at == datetime(2023, 1, 22, 18, tzinfo=UTC)
    assert await store.get_workout(logged.id) == logged


async def test_a_batch_that_breaks_a_rule_saves_nothing_not_even_its_exercises(
    new_store: StoreFactory,
) -> None:
    store = new_store()
    await store.import_batch(parse_file((FIXTURES / "hevy_lbs.csv").read_bytes()).batch)
    before = await snapshot(store)
    good = parse_file((FIXTURES / "strong_comma.csv").read_bytes()).batch
    # Past the parser's checks (model_construct), so only the store stands between it and the log.
    bad_set = NewSet.model_construct(
        exercise="Squat",
        reps=-1,
        weight_kg=1.0,
        duration_s=None,
        distance_m=None,
        rpe=None,
        is_warmup=False,
    )
    bad = ImportedWorkout(
        title="bad", started_at=datetime(2024, 6, 1, tzinfo=UTC), sets=[NewSet(exercise="Squat", reps=1)]
    )
    bad.sets.append(bad_set)
    batch = ImportBatch(workouts=[*good.workouts, bad], exercises=good.exercises)
    with pytest.raises(InvalidInput, match="reps"):
        await store.import_batch(batch)
    assert await snapshot(store) == before


@pytest.mark.postgres
async def test_supabase_import_of_ten_chunks_is_all_or_nothing_in_chunks_plus_one_round_trips(
    supabase_store: StoreFactory, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    store = supabase_store()
    supa = request.getfixturevalue("supa")
    monkeypatch.setattr(supabase_module, "IMPORT_CHUNK_BYTES", 100)
    start = datetime(2024, 1, 1, 18, tzinfo=UTC)
    workouts = [
        ImportedWorkout(
            title=f"day {i}",
            started_at=start + timedelta(days=i),
            sets=[NewSet(exercise="Squat", reps=5, weight_kg=100)],
        )
        for i in range(10)
    ]
    bad_set = NewSet.model_construct(
        exercise="Squat",
        reps=1,
        weight_kg=99_999.0,
        duration_s=None,
        distance_m=None,
        rpe=None,
        is_warmup=False,
    )
    workouts[-1].sets.append(bad_set)
    supa.faults.reset()
    with pytest.raises(InvalidInput, match="weight_kg must be between 0 and 1500"):
        await store.import_batch(ImportBatch(workouts=workouts))
    assert await total(store) == 0
    steps: list[tuple[int, int]] = []
    workouts[-1].sets.pop()
    supa.faults.reset()
    outcome = await store.import_batch(
        ImportBatch(workouts=workouts), progress=lambda d, t: steps.append((d, t))
    )
    assert outcome.workouts_added == 10
    chunks = supa.faults.count("/rest/v1/rpc/import_stage")
    assert chunks == 10
    assert supa.faults.count() == chunks + 1
    assert steps[-1] == (chunks + 1, chunks + 1)
    assert await total(store) == 10


@pytest.mark.postgres
async def test_supabase_imports_stay_with_their_owner(supabase_store: StoreFactory) -> None:
    alice, bob = supabase_store(), supabase_store()
    await alice.import_batch(parse_file((FIXTURES / "hevy_kg.csv").read_bytes()).batch)
    assert await total(bob) == 0
    assert (await bob.export_log(since=None, until=None)).exercises == []
    outcome = await bob.import_batch(parse_file((FIXTURES / "hevy_kg.csv").read_bytes()).batch)
    assert outcome.workouts_added == 3 and outcome.exercises_created == ["Sissy Squat"]


async def test_deleted_workouts_are_not_exported_and_not_imported_again(new_store: StoreFactory) -> None:
    store = new_store()
    await store.import_batch(parse_file((FIXTURES / "hevy_kg.csv").read_bytes()).batch)
    page = await store.list_workouts(since=None, until=None, limit=10, offset=0)
    run = next(w for w in page.items if w.title == "Run")
    await store.delete_workout(run.id)
    exported = await store.export_log(since=None, until=None)
    assert [w.title for w in exported.workouts] == ["Morning Upper", "Legs"]
    again = await store.import_batch(parse_file((FIXTURES / "hevy_kg.csv").read_bytes()).batch)
    assert (again.workouts_added, again.workouts_skipped) == (0, 3)
    restored = await store.restore_workout(run.id)
    assert restored.title == "Run" and await total(store) == 3
