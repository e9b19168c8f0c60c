from __future__ import annotations

import sqlite3
import uuid
from collections.abc import AsyncIterator
from contextvars import ContextVar
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import anyio
import pytest

from workout_mcp.domain.analytics import personal_records
from workout_mcp.domain.models import MUSCLE_GROUPS, NewExercise, NewSet, NewWorkout, WorkoutListItem
from workout_mcp.store.base import (
    LOCAL_USER_ID,
    Conflict,
    InvalidInput,
    NotFound,
    Page,
    StoreError,
    WorkoutStore,
)
from workout_mcp.store.catalogue import CATALOGUE, CATALOGUE_NAMESPACE, catalogue_exercises, catalogue_id
from workout_mcp.store.demo import fill_demo
from workout_mcp.store.local import MIGRATIONS, LocalStore, migrate

ALICE = "11111111-1111-1111-1111-111111111111"
BOB = "22222222-2222-2222-2222-222222222222"
T0 = datetime(2026, 5, 4, 18, 0, tzinfo=UTC)

current_user: ContextVar[str] = ContextVar("current_user", default=ALICE)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "nested" / "log.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[LocalStore]:
    s = LocalStore(db_path, user_id=current_user.get)
    yield s
    await s.aclose()


def workout(at: datetime = T0, *sets: NewSet, title: str | None = "Lower") -> NewWorkout:
    return NewWorkout(
        title=title,
        started_at=at,
        ended_at=at + timedelta(hours=1),
        sets=list(sets) or [NewSet(exercise="Squat", reps=5, weight_kg=100)],
    )


def raw(db_path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(sql).fetchall()


# --- catalogue -------------------------------------------------------------------------------------


def test_catalogue_ids_are_stable_uuid5_of_the_lowercase_name() -> None:
    # A literal, so that a changed namespace or key fails here rather than orphaning every logged set.
    assert catalogue_id("Squat") == "46dd8187-e94c-507a-83b8-2b68a6019e29"
    assert catalogue_id("  BENCH press") == str(uuid.uuid5(CATALOGUE_NAMESPACE, "bench press"))


def test_catalogue_is_complete_and_consistent() -> None:
    exercises = catalogue_exercises()
    names = {e.name for e in exercises}
    assert len(exercises) >= 40
    assert {"Squat", "Bench Press", "Deadlift", "Overhead Press", "Barbell Row", "Pull-Up"} <= names
    assert {"Running", "Cycling", "Rowing Erg", "Plank"} <= names
    assert len({e.id for e in exercises}) == len(exercises) == len(CATALOGUE)
    assert all(set(e.muscle_groups) <= set(MUSCLE_GROUPS) and e.muscle_groups for e in exercises)
    assert all(not e.custom for e in exercises)
    assert {e.kind for e in exercises} == {"strength", "cardio", "mobility"}


# --- schema and files ------------------------------------------------------------------------------


async def test_first_use_creates_the_file_schema_and_catalogue(store: LocalStore, db_path: Path) -> None:
    assert not db_path.exists()
    page = await store.search_exercises(query=None, muscle_group=None, kind=None, limit=100, offset=0)
    assert page.total == len(CATALOGUE)
    assert raw(db_path, "PRAGMA user_version") == [(len(MIGRATIONS),)]
    assert raw(db_path, "PRAGMA journal_mode") == [("wal",)]


async def test_an_empty_existing_file_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    s = LocalStore(path)
    try:
        saved = await s.log_workout(workout())
        assert (await s.get_workout(saved.id)).sets[0].exercise_name == "Squat"
    finally:
        await s.aclose()
    assert raw(path, "PRAGMA user_version") == [(len(MIGRATIONS),)]


async def test_reopening_keeps_the_log_and_does_not_duplicate_the_catalogue(db_path: Path) -> None:
    first = LocalStore(db_path)
    saved = await first.log_workout(workout())
    await first.add_exercise(NewExercise(name="Zercher Squat", muscle_groups=["quads"]))
    await first.aclose()

    again = LocalStore(db_path)
    try:
        assert (await again.get_workout(saved.id)).id == saved.id
        everything = await again.search_exercises(
            query=None, muscle_group=None, kind=None, limit=200, offset=0
        )
        assert everything.total == len(CATALOGUE) + 1
    finally:
        await again.aclose()


async def test_a_file_from_a_newer_release_is_refused(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    raw(db_path, f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    s = LocalStore(db_path)
    with pytest.raises(StoreError, match="newer workout-mcp"):
        await s.list_workouts(since=None, until=None, limit=10, offset=0)
    await s.aclose()


def test_migrations_apply_only_the_missing_steps(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    assert migrate(conn) == len(MIGRATIONS)
    conn.execute("INSERT INTO workouts (id, user_id, started_at, created_at) VALUES ('w', 'u', 'x', 'x')")
    later = (*MIGRATIONS, ("ALTER TABLE workouts ADD COLUMN mood TEXT",))
    assert migrate(conn, later) == len(MIGRATIONS) + 1
    assert migrate(conn, later) == len(MIGRATIONS) + 1  # a second run is a no-op, not a duplicate column
    assert conn.execute("SELECT id, mood FROM workouts").fetchall() == [("w", None)]
    conn.close()


def test_a_failing_migration_leaves_the_previous_version(tmp_path: Path) -> None:
    conn = sqlite3.connect(tmp_path / "m.db", isolation_level=None)
    migrate(conn)
    broken = (*MIGRATIONS, ("CREATE TABLE half_done (x)", "THIS IS NOT SQL"))
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, broken)
    assert conn.execute("PRAGMA user_version").fetchone() == (len(MIGRATIONS),)
    assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'half_done'").fetchall() == []
    conn.close()


async def test_a_closed_store_refuses_work(store: LocalStore) -> None:
    await store.aclose()
    with pytest.raises(StoreError, match="closed"):
        await store.list_workouts(since=None, until=None, limit=1, offset=0)


# --- log_workout and get_workout -------------------------------------------------------------------


async def test_log_workout_returns_the_saved_workout_with_resolved_exercises(store: LocalStore) -> None:
    bench = catalogue_id("Bench Press")
    saved = await store.log_workout(
        NewWorkout(
            title="Push",
            started_at=datetime(2026, 5, 4, 20, 0, tzinfo=timezone(timedelta(hours=2))),
            notes="felt good",
            rpe=8,
            sets=[
                NewSet(exercise="  bench PRESS ", reps=5, weight_kg=60, is_warmup=True),
                NewSet(exercise=bench, reps=5, weight_kg=80, rpe=8.5),
                NewSet(exercise="plank", duration_s=60),
            ],
        )
    )
    uuid.UUID(saved.id, version=4)
    assert saved.started_at == T0
    assert saved.started_at.tzinfo is not None
    assert saved.started_at.utcoffset() == timedelta(0)
    assert (saved.title, saved.notes, saved.rpe, saved.ended_at) == ("Push", "felt good", 8, None)
    assert [(s.position, s.exercise_name, s.reps, s.weight_kg, s.is_warmup) for s in saved.sets] == [
        (1, "Bench Press", 5, 60, True),
        (2, "Bench Press", 5, 80, False),
        (3, "Plank", None, None, False),
    ]
    assert saved.sets[1].exercise_id == bench
    assert saved.sets[1].rpe == 8.5
    assert saved.sets[2].duration_s == 60
    assert await store.get_workout(saved.id) == saved


async def test_an_unknown_exercise_in_the_fifth_set_saves_nothing(store: LocalStore, db_path: Path) -> None:
    sets = [NewSet(exercise="Squat", reps=5, weight_kg=100 + i) for i in range(4)]
    sets += [NewSet(exercise="Zercher Squatt", reps=5, weight_kg=80), NewSet(exercise="Deadlift", reps=5)]
    with pytest.raises(InvalidInput) as caught:
        await store.log_workout(workout(T0, *sets))
    message = str(caught.value)
    assert "set 5" in message
    assert "Zercher Squatt" in message
    assert "search_exercises" in message
    assert "set 6" not in message
    assert (await store.list_workouts(since=None, until=None, limit=10, offset=0)).total == 0
    assert raw(db_path, "SELECT count(*) FROM workouts") == [(0,)]
    assert raw(db_path, "SELECT count(*) FROM workout_sets") == [(0,)]


async def test_a_set_breaking_a_constraint_rolls_back_and_names_the_set(
    store: LocalStore, db_path: Path
) -> None:
    # model_construct skips pydantic, as a buggy caller would; the table's CHECKs still hold the line.
    bad = NewSet.model_construct(exercise="Squat", reps=-3, weight_kg=100, is_warmup=False)
    good = NewSet(exercise="Squat", reps=5, weight_kg=100)
    with pytest.raises(InvalidInput, match=r"set 2 \(Squat\): reps must not be negative"):
        await store.log_workout(workout(T0, good, bad, good))
    assert raw(db_path, "SELECT count(*) FROM workouts") == [(0,)]
    assert raw(db_path, "SELECT count(*) FROM workout_sets") == [(0,)]


async def test_a_workout_ending_before_it_starts_is_refused(store: LocalStore) -> None:
    backwards = NewWorkout.model_construct(
        title=None, started_at=T0, ended_at=T0 - timedelta(hours=1), notes=None, rpe=None,
        sets=[NewSet(exercise="Squat", reps=5)],
    )  # fmt: skip
    with pytest.raises(InvalidInput, match="ended_at must not be before started_at"):
        await store.log_workout(backwards)


async def test_get_workout_of_an_unknown_id_is_not_found(store: LocalStore) -> None:
    with pytest.raises(NotFound):
        await store.get_workout(str(uuid.uuid4()))


# --- list_workouts ---------------------------------------------------------------------------------


async def test_list_workouts_newest_first_with_counts_volume_and_pages(store: LocalStore) -> None:
    for n in range(5):
        await store.log_workout(
            workout(
                T0 + timedelta(days=n),
                NewSet(exercise="Squat", reps=5, weight_kg=60, is_warmup=True),
                NewSet(exercise="Squat", reps=5, weight_kg=100 + n),
                NewSet(exercise="Bench Press", reps=3, weight_kg=80),
                NewSet(exercise="Squat", reps=5, weight_kg=100 + n),
                title=f"day {n}",
            )
        )
    first = await store.list_workouts(since=None, until=None, limit=2, offset=0)
    assert first.total == 5
    assert [w.title for w in first.items] == ["day 4", "day 3"]
    assert first.next_offset == 2
    top = first.items[0]
    assert (top.set_count, top.exercise_names) == (4, ["Squat", "Bench Press"])
    assert top.volume_kg == 2 * 5 * 104 + 3 * 80
    last = await store.list_workouts(since=None, until=None, limit=2, offset=4)
    assert [w.title for w in last.items] == ["day 0"]
    assert last.next_offset is None


async def test_list_workouts_window_is_half_open(store: LocalStore) -> None:
    for n in range(4):
        await store.log_workout(workout(T0 + timedelta(days=n), title=f"day {n}"))
    page = await store.list_workouts(
        since=T0 + timedelta(days=1), until=T0 + timedelta(days=3), limit=10, offset=0
    )
    assert [w.title for w in page.items] == ["day 2", "day 1"]
    assert page.total == 2


async def test_bad_paging_is_invalid_input(store: LocalStore) -> None:
    with pytest.raises(InvalidInput):
        await store.list_workouts(since=None, until=None, limit=0, offset=0)
    with pytest.raises(InvalidInput):
        await store.search_exercises(query=None, muscle_group=None, kind=None, limit=5, offset=-1)


# --- exercise history, sets and ranges -------------------------------------------------------------


async def test_exercise_history_newest_first_with_since_and_total(store: LocalStore) -> None:
    for n in range(3):
        await store.log_workout(
            workout(
                T0 + timedelta(days=7 * n),
                NewSet(exercise="Deadlift", reps=5, weight_kg=140 + 10 * n),
                NewSet(exercise="Deadlift", reps=3, weight_kg=150 + 10 * n),
                NewSet(exercise="Squat", reps=5, weight_kg=100),
            )
        )
    exercise, page = await store.exercise_history("deadlift", since=None, limit=3, offset=0)
    assert exercise.id == catalogue_id("Deadlift")
    assert page.total == 6
    assert [(s.weight_kg, s.performed_at) for s in page.items] == [
        (160, T0 + timedelta(days=14)),
        (170, T0 + timedelta(days=14)),
        (150, T0 + timedelta(days=7)),
    ]
    assert page.items[0].muscle_groups == next(
        e.muscle_groups for e in catalogue_exercises() if e.name == "Deadlift"
    )
    _, recent = await store.exercise_history("Deadlift", since=T0 + timedelta(days=7), limit=10, offset=0)
    assert recent.total == 4
    with pytest.raises(NotFound, match="search_exercises"):
        await store.exercise_history("Zercher Squatt", since=None, limit=10, offset=0)


async def test_exercise_sets_are_never_truncated(store: LocalStore) -> None:
    # More than PostgREST's default 1000-row page, the cap the Supabase store must also get past.
    for n in range(6):
        sets = [NewSet(exercise="Squat", reps=1 + i % 5, weight_kg=60 + i % 50) for i in range(200)]
        await store.log_workout(workout(T0 + timedelta(days=n), *sets))
    exercise, sets_ = await store.exercise_sets("SQUAT")
    assert len(sets_) == 1200
    assert sets_[0].performed_at == T0
    assert sets_[-1].performed_at == T0 + timedelta(days=5)
    records = personal_records(exercise, sets_)
    assert records.heaviest_set is not None
    assert records.heaviest_set.weight == 109


async def test_sets_between_is_half_open_and_spans_exercises(store: LocalStore) -> None:
    await store.log_workout(workout(T0 - timedelta(seconds=1)))
    await store.log_workout(
        workout(
            T0, NewSet(exercise="Squat", reps=5, weight_kg=100), NewSet(exercise="Running", distance_m=5000)
        )
    )
    await store.log_workout(workout(T0 + timedelta(days=1)))
    sets = await store.sets_between(T0, T0 + timedelta(days=1))
    assert [s.exercise_name for s in sets] == ["Squat", "Running"]
    assert sets[1].distance_m == 5000
    assert "cardio" in sets[1].muscle_groups


# --- exercises -------------------------------------------------------------------------------------


async def test_search_puts_exact_then_prefix_matches_first(store: LocalStore) -> None:
    page = await store.search_exercises(query="squat", muscle_group=None, kind=None, limit=3, offset=0)
    assert page.items[0].name == "Squat"
    assert page.total == len([e for e in CATALOGUE if "squat" in e.name.lower()])
    words = await store.search_exercises(
        query="press bench", muscle_group=None, kind=None, limit=10, offset=0
    )
    assert {e.name for e in words.items} == {"Bench Press", "Incline Bench Press", "Dumbbell Bench Press"}


async def test_search_filters_by_muscle_group_and_kind_and_pages(store: LocalStore) -> None:
    cardio = await store.search_exercises(query=None, muscle_group=None, kind="cardio", limit=50, offset=0)
    assert cardio.total == len([e for e in CATALOGUE if e.kind == "cardio"])
    calves = await store.search_exercises(query=None, muscle_group="Calves", kind=None, limit=50, offset=0)
    assert {e.name for e in calves.items} == {e.name for e in CATALOGUE if "calves" in e.muscle_groups}
    one = await store.search_exercises(query=None, muscle_group=None, kind=None, limit=5, offset=0)
    two = await store.search_exercises(query=None, muscle_group=None, kind=None, limit=5, offset=5)
    assert not {e.id for e in one.items} & {e.id for e in two.items}
    assert one.next_offset == 5
    with pytest.raises(InvalidInput, match="unknown muscle group"):
        await store.search_exercises(query=None, muscle_group="wings", kind=None, limit=5, offset=0)


async def test_search_treats_like_wildcards_literally(store: LocalStore) -> None:
    page = await store.search_exercises(query="%", muscle_group=None, kind=None, limit=5, offset=0)
    assert page.total == 0


async def test_add_exercise_then_log_against_it(store: LocalStore) -> None:
    added = await store.add_exercise(
        NewExercise(name="Zercher Squat", muscle_groups=["quads", "core"], equipment="barbell")
    )
    assert added.custom
    assert (added.name, added.muscle_groups, added.equipment, added.kind) == (
        "Zercher Squat",
        ["quads", "core"],
        "barbell",
        "strength",
    )
    saved = await store.log_workout(workout(T0, NewSet(exercise="zercher squat", reps=5, weight_kg=80)))
    assert saved.sets[0].exercise_id == added.id
    found = await store.search_exercises(query="zercher", muscle_group="core", kind=None, limit=5, offset=0)
    assert [e.id for e in found.items] == [added.id]


async def test_add_exercise_conflicts_with_own_and_catalogue_names(store: LocalStore) -> None:
    await store.add_exercise(NewExercise(name="Zercher Squat"))
    with pytest.raises(Conflict, match="your exercises"):
        await store.add_exercise(NewExercise(name="ZERCHER  squat"))
    with pytest.raises(Conflict, match="catalogue"):
        await store.add_exercise(NewExercise(name="bench press"))


async def test_own_exercise_wins_over_a_catalogue_one_of_the_same_name(
    store: LocalStore, db_path: Path
) -> None:
    own = await store.add_exercise(NewExercise(name="Sled Push"))
    # A later release could add the same name to the catalogue.
    raw(
        db_path,
        "INSERT INTO exercises (id, owner_id, name, name_key, kind) "
        "VALUES ('cat-sled', NULL, 'Sled Push', 'sled push', 'strength')",
    )
    saved = await store.log_workout(workout(T0, NewSet(exercise="sled push", reps=10)))
    assert saved.sets[0].exercise_id == own.id


# --- delete ----------------------------------------------------------------------------------------


async def test_delete_workout_keeps_it_restorable_then_the_purge_removes_it(db_path: Path) -> None:
    moments = [T0]
    store = LocalStore(db_path, user_id=current_user.get, clock=lambda: moments[-1])
    try:
        saved = await store.log_workout(workout())
        done = await store.delete_workout(saved.id)
        assert done.already_deleted is False and done.restorable_until == T0 + timedelta(days=30)
        with pytest.raises(NotFound):
            await store.get_workout(saved.id)
        assert raw(db_path, "SELECT count(*) FROM workout_sets") == [(1,)]
        again = await store.delete_workout(saved.id)
        assert again.already_deleted is True and again.deleted_at == done.deleted_at
        restored = await store.restore_workout(saved.id)
        assert restored.sets == saved.sets

        await store.delete_workout(saved.id)
        moments.append(T0 + timedelta(days=30, seconds=1))
        with pytest.raises(NotFound, match="30 days"):
            await store.restore_workout(saved.id)
        assert raw(db_path, "SELECT count(*) FROM workout_sets") == [(0,)]
        assert raw(db_path, "SELECT count(*) FROM workouts") == [(0,)]
        with pytest.raises(NotFound):
            await store.delete_workout(saved.id)
    finally:
        await store.aclose()


# --- two users -------------------------------------------------------------------------------------


async def test_users_never_see_each_others_data(store: LocalStore) -> None:
    mine = await store.add_exercise(NewExercise(name="Zercher Squat", muscle_groups=["quads"]))
    saved = await store.log_workout(workout(T0, NewSet(exercise="Zercher Squat", reps=5, weight_kg=80)))

    token = current_user.set(BOB)
    try:
        assert (await store.list_workouts(since=None, until=None, limit=10, offset=0)).total == 0
        assert await store.sets_between(T0 - timedelta(days=1), T0 + timedelta(days=1)) == []
        with pytest.raises(NotFound) as theirs:
            await store.get_workout(saved.id)
        with pytest.raises(NotFound) as nobody:
            await store.get_workout("no-such-id")
        # The same answer as for an id that does not exist: nothing reveals that it does.
        assert str(theirs.value).replace(saved.id, "X") == str(nobody.value).replace("no-such-id", "X")
        with pytest.raises(NotFound):
            await store.delete_workout(saved.id)
        for ref in (mine.id, "Zercher Squat"):
            with pytest.raises(NotFound):
                await store.exercise_sets(ref)
            with pytest.raises(InvalidInput, match="set 1"):
                await store.log_workout(workout(T0, NewSet(exercise=ref, reps=5)))
        search = await store.search_exercises(
            query="zercher", muscle_group=None, kind=None, limit=5, offset=0
        )
        assert search.total == 0
        # Bob may have his own exercise of the same name, and the catalogue is his as much as Alice's.
        bobs = await store.add_exercise(NewExercise(name="Zercher Squat"))
        assert bobs.id != mine.id
        bob_saved = await store.log_workout(workout(T0, NewSet(exercise="Squat", reps=3, weight_kg=60)))
        _, squats = await store.exercise_sets("Squat")
        assert [s.workout_id for s in squats] == [bob_saved.id]
    finally:
        current_user.reset(token)

    assert (await store.get_workout(saved.id)).sets[0].exercise_id == mine.id
    _, alices = await store.exercise_sets("Squat")
    assert alices == []
    assert (await store.list_workouts(since=None, until=None, limit=10, offset=0)).total == 1


async def test_default_user_is_the_local_user(db_path: Path) -> None:
    s = LocalStore(db_path)
    try:
        await s.log_workout(workout())
    finally:
        await s.aclose()
    assert raw(db_path, "SELECT DISTINCT user_id FROM workouts") == [(LOCAL_USER_ID,)]


# --- concurrency -----------------------------------------------------------------------------------


async def test_many_concurrent_calls_from_two_users_all_land_intact(store: LocalStore) -> None:
    results: dict[str, list[str]] = {ALICE: [], BOB: []}

    async def one(user: str, n: int) -> None:
        current_user.set(user)  # each task runs in its own copy of the context
        sets = [NewSet(exercise="Squat", reps=5, weight_kg=float(n)) for _ in range(10)]
        saved = await store.log_workout(workout(T0 + timedelta(minutes=n), *sets))
        results[user].append(saved.id)
        await store.list_workouts(since=None, until=None, limit=5, offset=0)
        await store.search_exercises(query="press", muscle_group=None, kind=None, limit=5, offset=0)

    async with anyio.create_task_group() as tg:
        for n in range(60):
            tg.start_soon(one, ALICE if n % 2 else BOB, n)

    for user in (ALICE, BOB):
        token = current_user.set(user)
        try:
            page = await store.list_workouts(since=None, until=None, limit=100, offset=0)
            _, sets = await store.exercise_sets("Squat")
        finally:
            current_user.reset(token)
        assert page.total == 30
        assert {w.id for w in page.items} == set(results[user])
        assert all(w.set_count == 10 for w in page.items)
        assert len(sets) == 300


async def test_the_protocol_is_implemented() -> None:
    assert isinstance(LocalStore(":memory:"), WorkoutStore)


# --- demo data -------------------------------------------------------------------------------------


async def test_demo_fills_months_of_training_deterministically(tmp_path: Path) -> None:
    today = date(2026, 11, 22)
    a, b, c = (LocalStore(tmp_path / f"{name}.db") for name in "abc")
    try:
        count = await fill_demo(a, today=today)
        assert count == await fill_demo(b, today=today)
        assert count != 0
        await fill_demo(c, today=today, seed=8)
        pages = [await s.list_workouts(since=None, until=None, limit=200, offset=0) for s in (a, b, c)]
        assert pages[0].total == count
        assert 12 * 3 <= count <= 12 * 6

        def shape(page: Page[WorkoutListItem]) -> list[tuple[object, ...]]:
            return [(w.title, w.started_at, w.set_count, w.volume_kg) for w in page.items]

        assert shape(pages[0]) == shape(pages[1])
        assert shape(pages[0]) != shape(pages[2])
        assert all(w.started_at.date() < today for w in pages[0].items)
        assert pages[0].items[-1].started_at.date() >= today - timedelta(weeks=12)

        squat, sets = await a.exercise_sets("Squat")
        records = personal_records(squat, sets)
        assert records.warmup_sets > 0
        assert records.heaviest_set is not None
        assert records.first_performed_at is not None
        assert records.heaviest_set.performed_at > records.first_performed_at
        cardio = await a.sets_between(datetime.combine(today - timedelta(weeks=12), datetime.min.time(), UTC),
                                      datetime.combine(today, datetime.min.time(), UTC))  # fmt: skip
        assert any(s.distance_m for s in cardio)
    finally:
        for s in (a, b, c):
            await s.aclose()


# --- the training log -------------------------------------------------------------------------------


async def test_an_identical_log_after_the_retry_window_is_a_new_workout(db_path: Path) -> None:
    moments = [T0]
    store = LocalStore(db_path, user_id=current_user.get, clock=lambda: moments[-1])
    try:
        first = await store.log_workout(workout())
        moments.append(T0 + timedelta(minutes=9))
        assert (await store.log_workout(workout())).id == first.id
        moments.append(T0 + timedelta(minutes=11))
        assert (await store.log_workout(workout())).id != first.id
        keyed = await store.log_workout(workout(title="k"), idempotency_key="key")
        moments.append(T0 + timedelta(days=400))
        assert (await store.log_workout(workout(title="k"), idempotency_key="key")).id == keyed.id
        with pytest.raises(Conflict, match="idempotency_key"):
            await store.log_workout(workout(title="other"), idempotency_key="key")
    finally:
        await store.aclose()


async def test_a_version_1_log_upgrades_and_keeps_its_workouts(db_path: Path) -> None:
    db_path.parent.mkdir(parents=True)
    with sqlite3.connect(db_path, isolation_level=None) as conn:
        assert migrate(conn, MIGRATIONS[:1]) == 1
    v1 = LocalStore(db_path, user_id=current_user.get)
    try:
        assert (await v1.log_workout(workout())).plan_id is None
    finally:
        await v1.aclose()
    assert raw(db_path, "PRAGMA user_version") == [(len(MIGRATIONS),)]
    store = LocalStore(db_path, user_id=current_user.get)
    try:
        page = await store.list_workouts(since=None, until=None, limit=10, offset=0)
        assert page.total == 1
        assert (await store.delete_workout(page.items[0].id)).already_deleted is False
    finally:
        await store.aclose()
