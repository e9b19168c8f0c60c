"""SupabaseStore against the Supabase stand-in (Auth + PostgREST) on real PostgreSQL over loopback."""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.standin.pg import supabase_db  # noqa: F401  (session fixture)
from tests.standin.rest import SupabaseStandin, serve_supabase
from tests.standin.state import User
from workout_mcp.domain.models import NewExercise, NewSet, NewWorkout
from workout_mcp.store.base import (
    AuthExpired,
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
    UpstreamUnavailable,
    WorkoutStore,
)
from workout_mcp.store.catalogue import catalogue_id
from workout_mcp.store.supabase import SupabaseStore

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 5, 1, 18, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def supa(supabase_db: str) -> Iterator[SupabaseStandin]:  # noqa: F811
    with serve_supabase(supabase_db) as running:
        yield running


@pytest.fixture(autouse=True)
def _clean_faults(supa: SupabaseStandin) -> Iterator[None]:
    supa.faults.reset()
    yield
    supa.faults.reset()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as c:
        yield c


class Harness:
    def __init__(self, supa: SupabaseStandin, client: httpx.AsyncClient) -> None:
        self.supa, self.client = supa, client

    def store(self, user: User | None = None, *, token: str | None = None, **kw: Any) -> SupabaseStore:
        user = user or self.supa.add_user()
        tok = token or self.supa.mint(user)

        async def source() -> str:
            return tok

        kw.setdefault("retry_backoff", 0.0)
        return SupabaseStore(self.client, self.supa.url, self.supa.anon_key, token=source, **kw)


@pytest.fixture
def h(supa: SupabaseStandin, client: httpx.AsyncClient) -> Harness:
    return Harness(supa, client)


def workout(start: datetime = T0, *sets: NewSet, title: str = "legs") -> NewWorkout:
    chosen = list(sets) or [
        NewSet(exercise="Squat", reps=5, weight_kg=100),
        NewSet(exercise="squat", reps=5, weight_kg=105),
        NewSet(exercise="Bench Press", reps=8, weight_kg=60, is_warmup=True),
    ]
    return NewWorkout(title=title, started_at=start, ended_at=start + timedelta(hours=1), sets=chosen)


def test_store_satisfies_the_protocol(h: Harness) -> None:
    assert isinstance(h.store(), WorkoutStore)


async def test_log_then_get_list_and_delete_round_trip(h: Harness) -> None:
    store = h.store()
    saved = await store.log_workout(workout())
    assert [s.exercise_name for s in saved.sets] == ["Squat", "Squat", "Bench Press"]
    assert [s.position for s in saved.sets] == [1, 2, 3]
    assert saved.sets[0].exercise_id == catalogue_id("Squat")
    assert saved.started_at == T0

    got = await store.get_workout(saved.id)
    assert got == saved

    page = await store.list_workouts(since=None, until=None, limit=10, offset=0)
    assert page.total == 1
    item = page.items[0]
    assert (item.id, item.set_count, item.exercise_names) == (saved.id, 3, ["Squat", "Bench Press"])
    assert item.volume_kg == 1025.0  # warm-up excluded

    first = await store.delete_workout(saved.id)
    with pytest.raises(NotFound):
        await store.get_workout(saved.id)
    again = await store.delete_workout(saved.id)
    assert (first.already_deleted, again.already_deleted) == (False, True)
    assert again.deleted_at == first.deleted_at
    assert await store.restore_workout(saved.id) == saved


async def test_list_workouts_filters_orders_and_pages(h: Harness) -> None:
    store = h.store()
    ids = [(await store.log_workout(workout(T0 + timedelta(days=d)))).id for d in range(5)]
    page = await store.list_workouts(
        since=T0 + timedelta(days=1), until=T0 + timedelta(days=4), limit=2, offset=0
    )
    assert page.total == 3
    assert [i.id for i in page.items] == [ids[3], ids[2]]
    assert page.next_offset == 2
    rest = await store.list_workouts(
        since=T0 + timedelta(days=1), until=T0 + timedelta(days=4), limit=2, offset=2
    )
    assert [i.id for i in rest.items] == [ids[1]]
    assert rest.next_offset is None
    with pytest.raises(InvalidInput):
        await store.list_workouts(since=None, until=None, limit=0, offset=0)


async def test_unknown_or_malformed_workout_id_is_not_found(h: Harness) -> None:
    store = h.store()
    with pytest.raises(NotFound):
        await store.get_workout("00000000-0000-4000-8000-000000000000")
    with pytest.raises(NotFound):
        await store.get_workout("not-a-uuid")
    with pytest.raises(NotFound):
        await store.delete_workout("not-a-uuid")


async def test_exercise_history_newest_first_with_paging_and_since(h: Harness) -> None:
    store = h.store()
    for d in range(3):
        await store.log_workout(workout(T0 + timedelta(days=d)))
    ex, page = await store.exercise_history("SQUAT", since=None, limit=4, offset=0)
    assert ex.id == catalogue_id("Squat") and not ex.custom
    assert page.total == 6
    assert [(r.performed_at, r.weight_kg) for r in page.items] == [
        (T0 + timedelta(days=2), 100),
        (T0 + timedelta(days=2), 105),
        (T0 + timedelta(days=1), 100),
        (T0 + timedelta(days=1), 105),
    ]
    _, since = await store.exercise_history(
        catalogue_id("Squat"), since=T0 + timedelta(days=2), limit=10, offset=0
    )
    assert since.total == 2
    with pytest.raises(NotFound, match="no exercise called 'Zumba Squat'"):
        await store.exercise_history("Zumba Squat", since=None, limit=10, offset=0)


async def test_exercise_sets_and_sets_between_oldest_first(h: Harness) -> None:
    store = h.store()
    for d in (2, 0, 1):
        await store.log_workout(workout(T0 + timedelta(days=d)))
    ex, sets = await store.exercise_sets("bench press")
    assert ex.name == "Bench Press"
    assert [s.performed_at for s in sets] == [T0, T0 + timedelta(days=1), T0 + timedelta(days=2)]
    assert sets[0].muscle_groups == ["chest", "triceps", "shoulders"] and sets[0].is_warmup
    window = await store.sets_between(T0, T0 + timedelta(days=2))
    assert len(window) == 6
    assert window[0].performed_at == T0 and window[-1].performed_at == T0 + timedelta(days=1)
    with pytest.raises(NotFound):
        await store.exercise_sets("Nope")


async def test_search_exercises_ranks_exact_then_prefix_and_filters(h: Harness) -> None:
    store = h.store()
    mine = await store.add_exercise(NewExercise(name="Squat Jump", muscle_groups=["quads"], kind="cardio"))
    assert mine.custom
    page = await store.search_exercises(query="squat", muscle_group=None, kind=None, limit=3, offset=0)
    assert [e.name for e in page.items] == ["Squat", "Squat Jump", "Bulgarian Split Squat"]
    assert page.total == 5
    cardio = await store.search_exercises(
        query="squat", muscle_group="quads", kind="cardio", limit=10, offset=0
    )
    assert [e.name for e in cardio.items] == ["Squat Jump"]
    words = await store.search_exercises(
        query="press bench", muscle_group=None, kind=None, limit=10, offset=0
    )
    assert {e.name for e in words.items} >= {"Bench Press", "Incline Bench Press", "Dumbbell Bench Press"}
    everything = await store.search_exercises(query=None, muscle_group=None, kind=None, limit=1000, offset=0)
    assert everything.total == len(everything.items) > 40
    with pytest.raises(InvalidInput, match="unknown muscle group"):
        await store.search_exercises(query=None, muscle_group="wings", kind=None, limit=5, offset=0)


async def test_add_exercise_conflicts_with_catalogue_and_own_names(h: Harness) -> None:
    store = h.store()
    created = await store.add_exercise(NewExercise(name="Sled Push", muscle_groups=["quads", "glutes"]))
    assert created.custom and created.muscle_groups == ["quads", "glutes"]
    with pytest.raises(Conflict, match="your exercises"):
        await store.add_exercise(NewExercise(name="  sled   PUSH "))
    with pytest.raises(Conflict, match="the catalogue"):
        await store.add_exercise(NewExercise(name="bench press"))
    saved = await store.log_workout(workout(T0, NewSet(exercise="sled push", distance_m=20)))
    assert saved.sets[0].exercise_id == created.id


async def test_history_of_more_than_1000_sets_comes_back_whole(h: Harness) -> None:
    store = h.store()
    per_workout = 200
    for d in range(6):
        sets = [NewSet(exercise="Deadlift", reps=1 + i % 10, weight_kg=100 + i) for i in range(per_workout)]
        await store.log_workout(workout(T0 + timedelta(days=d), *sets))
    h.supa.faults.requests.clear()
    _, every = await store.exercise_sets("Deadlift")
    window = await store.sets_between(T0, T0 + timedelta(days=30))
    assert len(every) == len(window) == 6 * per_workout
    _, page = await store.exercise_history("Deadlift", since=None, limit=1000, offset=1000)
    assert page.total == 1200 and len(page.items) == 200
    assert h.supa.faults.count() == 3  # one round trip each, no client-side paging


async def test_two_users_interleaving_never_see_each_other(h: Harness) -> None:
    alice, bob = h.store(), h.store()

    async def session(store: SupabaseStore, tag: str) -> list[str]:
        ids = []
        for d in range(5):
            saved = await store.log_workout(workout(T0 + timedelta(days=d), title=tag))
            ids.append(saved.id)
            await store.list_workouts(since=None, until=None, limit=50, offset=0)
        return ids

    a_ids, b_ids = await asyncio.gather(session(alice, "alice"), session(bob, "bob"))
    for store, mine, theirs, tag in ((alice, a_ids, b_ids, "alice"), (bob, b_ids, a_ids, "bob")):
        page = await store.list_workouts(since=None, until=None, limit=50, offset=0)
        assert sorted(i.id for i in page.items) == sorted(mine)
        assert {i.title for i in page.items} == {tag}
        assert len(await store.sets_between(T0, T0 + timedelta(days=10))) == 15
        with pytest.raises(NotFound):
            await store.get_workout(theirs[0])
        with pytest.raises(NotFound):
            await store.delete_workout(theirs[0])
    assert (await bob.get_workout(b_ids[0])).title == "bob"  # alice's delete attempt changed nothing


async def test_private_exercise_of_another_user_is_unknown(h: Harness) -> None:
    alice, bob = h.store(), h.store()
    secret = await bob.add_exercise(NewExercise(name="Bob Press"))
    with pytest.raises(InvalidInput, match="set 1: unknown exercise"):
        await alice.log_workout(workout(T0, NewSet(exercise=secret.id, reps=5)))
    with pytest.raises(NotFound):
        await alice.exercise_sets(secret.id)
    # and alice may create her own exercise with that name
    assert (await alice.add_exercise(NewExercise(name="Bob Press"))).id != secret.id


async def test_unknown_exercises_are_all_named_and_nothing_is_saved(h: Harness) -> None:
    store = h.store()
    bad = workout(
        T0,
        NewSet(exercise="Squat", reps=5),
        NewSet(exercise="Moon Walk", reps=5),
        NewSet(exercise="Zog", reps=1),
    )
    with pytest.raises(InvalidInput) as caught:
        await store.log_workout(bad)
    assert "set 2: unknown exercise 'Moon Walk'; set 3: unknown exercise 'Zog'" in str(caught.value)
    assert "Nothing was saved" in str(caught.value)
    assert (await store.list_workouts(since=None, until=None, limit=5, offset=0)).total == 0


async def test_constraint_violation_is_invalid_input_naming_the_set_and_saves_nothing(h: Harness) -> None:
    store = h.store()
    good = NewSet(exercise="Squat", reps=5)
    negative = NewSet.model_construct(exercise="Squat", reps=-3, is_warmup=False)
    with pytest.raises(InvalidInput, match=r"set 2: reps must be between 0 and 1000\. Nothing was saved"):
        await store.log_workout(NewWorkout.model_construct(title=None, started_at=T0, sets=[good, negative]))
    backwards = NewWorkout.model_construct(started_at=T0, ended_at=T0 - timedelta(hours=1), sets=[good])
    with pytest.raises(InvalidInput, match="ended_at must not be before started_at"):
        await store.log_workout(backwards)
    assert (await store.list_workouts(since=None, until=None, limit=5, offset=0)).total == 0


async def test_expired_token_is_auth_expired_and_never_leaks_the_token(h: Harness) -> None:
    user = h.supa.add_user()
    token = h.supa.mint(user, exp=int(time.time()) - 3600, iat=int(time.time()) - 7200)
    store = h.store(user, token=token)
    with pytest.raises(AuthExpired) as caught:
        await store.list_workouts(since=None, until=None, limit=5, offset=0)
    assert token not in str(caught.value) and "PGRST" not in str(caught.value)


async def test_a_refused_session_token_is_refreshed_once_and_the_call_retried(h: Harness) -> None:
    user = h.supa.add_user()
    stale = h.supa.mint(user, exp=int(time.time()) - 3600, iat=int(time.time()) - 7200)
    tokens = [stale]
    refreshed: list[bool] = []

    async def token() -> str:
        return tokens[-1]

    def on_rejected() -> None:
        refreshed.append(True)
        tokens.append(h.supa.mint(user))

    store = SupabaseStore(h.client, h.supa.url, h.supa.anon_key, token=token, on_auth_rejected=on_rejected)
    saved = await store.add_exercise(NewExercise(name="Landmine Press"))
    assert saved.custom and refreshed == [True]
    store_always_stale = SupabaseStore(
        h.client, h.supa.url, h.supa.anon_key, token=lambda: _const(stale), on_auth_rejected=lambda: None
    )
    with pytest.raises(AuthExpired):
        await store_always_stale.list_workouts(since=None, until=None, limit=5, offset=0)


async def _const(value: str) -> str:
    return value


async def test_token_signed_by_an_unknown_key_is_auth_expired(h: Harness) -> None:
    from tests.standin.keys import SigningKey

    user = h.supa.add_user()
    store = h.store(user, token=h.supa.mint(user, key=SigningKey.es256()))
    with pytest.raises(AuthExpired):
        await store.get_workout("00000000-0000-4000-8000-000000000000")


async def test_rls_refusal_is_permission_denied(h: Harness) -> None:
    # a signed token without `sub`: auth.uid() is null, so the insert policy's WITH CHECK refuses
    user = h.supa.add_user()
    store = h.store(user, token=h.supa.mint(user, sub=None))
    with pytest.raises(PermissionDenied) as caught:
        await store.add_exercise(NewExercise(name="Ghost Lift"))
    assert "violates" not in str(caught.value)


async def test_timeout_is_upstream_unavailable_without_retry(h: Harness) -> None:
    store = h.store(timeout=0.2)
    h.supa.faults.hang = True
    try:
        with pytest.raises(UpstreamUnavailable, match="in time"):
            await store.list_workouts(since=None, until=None, limit=5, offset=0)
    finally:
        h.supa.faults.hang = False
    assert h.supa.faults.count() == 1


async def test_one_5xx_on_a_read_is_retried_once(h: Harness) -> None:
    store = h.store()
    h.supa.faults.fail_next(1, status=503)
    page = await store.list_workouts(since=None, until=None, limit=5, offset=0)
    assert page.total == 0
    assert h.supa.faults.count() == 2


async def test_persistent_5xx_on_a_read_is_upstream_unavailable_after_two_tries(h: Harness) -> None:
    store = h.store()
    h.supa.faults.fail_next(5, status=502)
    with pytest.raises(UpstreamUnavailable):
        await store.search_exercises(query="squat", muscle_group=None, kind=None, limit=5, offset=0)
    assert h.supa.faults.count() == 2


async def test_5xx_on_a_write_is_not_retried_and_saves_nothing(h: Harness) -> None:
    store = h.store()
    h.supa.faults.fail_next(1, status=503)
    with pytest.raises(UpstreamUnavailable):
        await store.log_workout(workout())
    assert h.supa.faults.count() == 1
    assert (await store.list_workouts(since=None, until=None, limit=5, offset=0)).total == 0


async def test_malformed_body_is_upstream_unavailable(h: Harness) -> None:
    store = h.store()
    h.supa.faults.malformed_next(1)
    with pytest.raises(UpstreamUnavailable, match="unreadable"):
        await store.get_workout("00000000-0000-4000-8000-000000000000")


async def test_connection_refused_is_retried_then_upstream_unavailable(client: httpx.AsyncClient) -> None:
    from tests.standin.fixtures import bound_socket

    with bound_socket() as sock:  # bound but not listening: connections are refused
        host, port = sock.getsockname()[:2]
        calls = 0

        async def token() -> str:
            return "x.y.z"

        async def no_sleep(_: float) -> None:
            nonlocal calls
            calls += 1

        store = SupabaseStore(client, f"http://{host}:{port}", "anon", token=token, sleep=no_sleep)
        with pytest.raises(UpstreamUnavailable, match="could not reach"):
            await store.list_workouts(since=None, until=None, limit=5, offset=0)
    assert calls == 1  # one backoff between the two attempts


async def test_missing_schema_says_apply_the_migration(h: Harness) -> None:
    store = h.store()

    async def fake(*_: Any, **__: Any) -> Any:
        return await store._request("POST", "rpc/not_there", what="probe", read=True, json={})

    with pytest.raises(UpstreamUnavailable, match="apply supabase/migrations"):
        await fake()


async def test_every_method_is_one_round_trip(h: Harness) -> None:
    store = h.store()
    counts: dict[str, int] = {}

    async def counted(name: str, call: Any) -> Any:
        h.supa.faults.requests.clear()
        result = await call
        counts[name] = h.supa.faults.count()
        return result

    saved = await counted("log_workout", store.log_workout(workout()))
    await counted("get_workout", store.get_workout(saved.id))
    await counted("list_workouts", store.list_workouts(since=None, until=None, limit=10, offset=0))
    await counted("exercise_history", store.exercise_history("Squat", since=None, limit=10, offset=0))
    await counted("exercise_sets", store.exercise_sets("Squat"))
    await counted("sets_between", store.sets_between(T0, T0 + timedelta(days=1)))
    await counted(
        "search_exercises",
        store.search_exercises(query="row", muscle_group=None, kind=None, limit=5, offset=0),
    )
    await counted("add_exercise", store.add_exercise(NewExercise(name="Counted Lift")))
    await counted("delete_workout", store.delete_workout(saved.id))
    assert counts == dict.fromkeys(counts, 1), counts
    _artifact("supabase_round_trips.json", counts)


async def test_p50_latency_over_the_stand_in(h: Harness, tmp_path: Path) -> None:
    """Not a pass/fail bar: records p50 per method (stand-in vs LocalStore) for the closing note."""
    from workout_mcp.store.local import LocalStore

    supa = h.store()
    local = LocalStore(tmp_path / "bench.db")
    rounds = 30
    figures: dict[str, dict[str, float]] = {}
    try:
        for name, store in (("supabase", supa), ("local", local)):
            saved = await store.log_workout(workout())
            calls = {
                "list_workouts": lambda s=store: s.list_workouts(since=None, until=None, limit=20, offset=0),
                "get_workout": lambda s=store, i=saved.id: s.get_workout(i),
                "exercise_sets": lambda s=store: s.exercise_sets("Squat"),
                "search_exercises": lambda s=store: s.search_exercises(
                    query="press", muscle_group=None, kind=None, limit=10, offset=0
                ),
                "log_workout": lambda s=store: s.log_workout(workout()),
            }
            for method, make in calls.items():
                await make()  # warm up (connections, caches)
                samples = []
                for _ in range(rounds):
                    start = time.perf_counter()
                    await make()
                    samples.append((time.perf_counter() - start) * 1000)
                figures.setdefault(method, {})[name] = round(statistics.median(samples), 2)
    finally:
        await local.aclose()
    for row in figures.values():
        row["added_ms"] = round(row["supabase"] - row["local"], 2)
        assert row["supabase"] > 0
    _artifact("supabase_latency_p50_ms.json", figures)


def _artifact(name: str, data: Any) -> None:
    out = Path(os.environ.get("TEST_ARTIFACTS", Path(__file__).resolve().parents[2] / "test-artifacts"))
    out.mkdir(parents=True, exist_ok=True)
    (out / name).write_text(json.dumps(data, indent=2) + "\n")
    print(name, json.dumps(data))


# --- the training log -------------------------------------------------------------------------------


def _sql(dsn: str, statement: str, *args: Any) -> None:
    import psycopg

    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(statement, args)  # type: ignore[call-overload]


async def test_workouts_deleted_over_30_days_ago_are_purged(h: Harness, supabase_db: str) -> None:  # noqa: F811
    store = h.store()
    old, recent = (
        await store.log_workout(workout(T0)),
        await store.log_workout(workout(T0 + timedelta(days=1))),
    )
    for saved in (old, recent):
        await store.delete_workout(saved.id)
    _sql(
        supabase_db,
        "update public.workouts set deleted_at = now() - interval '31 days' where id = %s",
        old.id,
    )
    with pytest.raises(NotFound, match="30 days"):
        await store.restore_workout(old.id)
    assert (await store.restore_workout(recent.id)).id == recent.id
    import psycopg

    with psycopg.connect(supabase_db) as conn:
        rows = conn.execute(
            "select count(*) from public.workout_sets where workout_id = any(%s::uuid[])",
            ([old.id, recent.id],),
        ).fetchone()
    assert rows == (len(recent.sets),)


async def test_an_identical_log_after_the_retry_window_is_a_new_workout(
    h: Harness,
    supabase_db: str,  # noqa: F811
) -> None:
    store = h.store()
    first = await store.log_workout(workout())
    assert (await store.log_workout(workout())).id == first.id
    _sql(
        supabase_db,
        "update public.workouts set created_at = now() - interval '11 minutes' where id = %s",
        first.id,
    )
    assert (await store.log_workout(workout())).id != first.id


async def test_concurrent_retries_save_one_workout(h: Harness) -> None:
    store = h.store()
    saved = await asyncio.gather(*(store.log_workout(workout()) for _ in range(6)))
    assert len({w.id for w in saved}) == 1
    keyed = await asyncio.gather(
        *(store.log_workout(workout(title="k"), idempotency_key="k-1") for _ in range(6))
    )
    assert len({w.id for w in keyed}) == 1
    assert (await store.list_workouts(since=None, until=None, limit=10, offset=0)).total == 2


async def test_every_training_log_method_is_one_round_trip(h: Harness) -> None:
    from workout_mcp.domain.body_weight import NewBodyWeight
    from workout_mcp.domain.edits import PlanLink, SetChanges, WorkoutChanges
    from workout_mcp.domain.plans import NewPlan, NewPlanSession, PlanTarget

    store = h.store()
    counts: dict[str, int] = {}

    async def counted(name: str, call: Any) -> Any:
        h.supa.faults.requests.clear()
        result = await call
        counts[name] = h.supa.faults.count()
        return result

    plan = await counted(
        "save_plan",
        store.save_plan(
            NewPlan(name="P", sessions=[NewPlanSession(name="A", exercises=[PlanTarget(exercise="Squat")])])
        ),
    )
    saved = await counted(
        "log_workout", store.log_workout(workout(), link=PlanLink(plan_id=plan.id, session="a"))
    )
    assert saved.plan_id == plan.id and saved.plan_session == "A"
    await counted("add_sets", store.add_sets(saved.id, [NewSet(exercise="Squat", reps=3, weight_kg=120)]))
    await counted("update_set", store.update_set(saved.id, 1, SetChanges(reps=6)))
    await counted("delete_set", store.delete_set(saved.id, 1))
    await counted("update_workout", store.update_workout(saved.id, WorkoutChanges(title="t")))
    await counted("records_board", store.records_board(limit=10, offset=0))
    await counted("list_plans", store.list_plans(limit=10, offset=0))
    await counted("get_plan", store.get_plan("p"))
    await counted("delete_workout", store.delete_workout(saved.id))
    await counted("restore_workout", store.restore_workout(saved.id))
    await counted("delete_plan", store.delete_plan(plan.id))
    entry = NewBodyWeight(weight_kg=80, measured_at=T0)
    await counted("log_body_weight", store.log_body_weight(entry))
    await counted("body_weights_between", store.body_weights_between(T0, T0 + timedelta(days=1)))
    assert counts == dict.fromkeys(counts, 1), counts


async def test_body_weights_past_the_row_cap_are_never_truncated(h: Harness, supabase_db: str) -> None:  # noqa: F811
    from workout_mcp.domain.body_weight import NewBodyWeight

    store = h.store()
    first = await store.log_body_weight(NewBodyWeight(weight_kg=80, measured_at=T0))
    # 1200 rows of that user, inserted directly: the RPC must answer all of them in one value.
    _sql(
        supabase_db,
        "insert into public.body_weights (user_id, weight_kg, measured_at) "
        "select b.user_id, 80 + g %% 5, b.measured_at + g * interval '1 hour' "
        "from public.body_weights b, generate_series(1, 1199) g where b.id = %s",
        first.id,
    )
    got = await store.body_weights_between(T0, T0 + timedelta(days=60))
    assert len(got) == 1200 and got == sorted(got, key=lambda b: b.measured_at)
