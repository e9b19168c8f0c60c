"""Row Level Security of the real migration, on real PostgreSQL, the way PostgREST runs requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.standin.pg import (
    SEED_FILE,
    acting_as,
    create_user,
    prepare_supabase_database,
    supabase_db,  # noqa: F401  (session fixture)
)
from tests.supabase.seed_sql import render_seed
from workout_mcp.store.catalogue import CATALOGUE, catalogue_id

pytestmark = pytest.mark.postgres

TABLES = ("exercises", "workouts", "workout_sets", "plans", "plan_items")
SQUAT = catalogue_id("Squat")


def _workout(started: str = "2026-05-01T18:00:00Z", exercise: str = "Squat") -> str:
    return json.dumps(
        {
            "started_at": started,
            "title": "legs",
            "sets": [{"exercise": exercise, "reps": 5, "weight_kg": 100}],
        }
    )


@pytest.fixture
def conn(supabase_db: str) -> Iterator[psycopg.Connection[Any]]:  # noqa: F811
    with psycopg.connect(supabase_db, autocommit=True) as c:
        yield c


@pytest.fixture
def two_users(conn: psycopg.Connection[Any]) -> tuple[str, str]:
    return create_user(conn), create_user(conn)


def _log(conn: psycopg.Connection[Any], user: str, **kw: Any) -> dict[str, Any]:
    with acting_as(conn, user):
        row = conn.execute("select public.log_workout(%s::jsonb)", (_workout(**kw),)).fetchone()
    assert row is not None
    return dict(row[0])


def _private_exercise(conn: psycopg.Connection[Any], user: str, name: str) -> str:
    with acting_as(conn, user):
        row = conn.execute("insert into public.exercises (name) values (%s) returning id", (name,)).fetchone()
    assert row is not None
    return str(row[0])


def test_every_table_has_rls_enabled_and_forced(conn: psycopg.Connection[Any]) -> None:
    rows = conn.execute(
        "select relname, relrowsecurity, relforcerowsecurity from pg_class "
        "where relnamespace = 'public'::regnamespace and relname = any(%s)",
        (list(TABLES),),
    ).fetchall()
    assert sorted(r[0] for r in rows) == sorted(TABLES)
    assert all(r[1] and r[2] for r in rows), rows


def test_migration_applies_twice_on_top_of_itself(supabase_db: str) -> None:  # noqa: F811
    prepare_supabase_database(supabase_db)
    prepare_supabase_database(supabase_db)
    with psycopg.connect(supabase_db) as c:
        row = c.execute("select count(*) from public.exercises where owner_id is null").fetchone()
    assert row == (len(CATALOGUE),)


def test_seed_sql_matches_the_catalogue_module() -> None:
    assert SEED_FILE.read_text() == render_seed(), "regenerate: python -m tests.supabase.seed_sql"


def test_seeded_catalogue_ids_are_the_stable_uuid5_ids(
    conn: psycopg.Connection[Any], two_users: tuple[str, str]
) -> None:
    with acting_as(conn, two_users[0]):
        rows = dict(
            conn.execute("select name, id::text from public.exercises where owner_id is null").fetchall()
        )
    assert rows == {e.name: catalogue_id(e.name) for e in CATALOGUE}


def test_each_user_sees_only_their_own_workouts_and_sets(
    conn: psycopg.Connection[Any], two_users: tuple[str, str]
) -> None:
    alice, bob = two_users
    a = _log(conn, alice)
    b = _log(conn, bob)
    for me, mine, theirs in ((alice, a, b), (bob, b, a)):
        with acting_as(conn, me):
            workouts = {str(r[0]) for r in conn.execute("select id from public.workouts")}
            sets = {str(r[0]) for r in conn.execute("select workout_id from public.workout_sets")}
            other = conn.execute("select public.get_workout(%s)", (theirs["id"],)).fetchone()
        assert workouts == {mine["id"]}
        assert sets == {mine["id"]}
        assert other == (None,)


def test_user_cannot_update_or_delete_another_users_workout(
    conn: psycopg.Connection[Any], two_users: tuple[str, str]
) -> None:
    alice, bob = two_users
    a = _log(conn, alice)
    with acting_as(conn, bob):
        updated = conn.execute(
            "update public.workouts set title = 'pwned' where id = %s", (a["id"],)
        ).rowcount
        deleted = conn.execute("delete from public.workouts where id = %s", (a["id"],)).rowcount
        deleted_sets = conn.execute(
            "delete from public.workout_sets where workout_id = %s", (a["id"],)
        ).rowcount
    assert (updated, deleted, deleted_sets) == (0, 0, 0)
    with acting_as(conn, alice):
        row = conn.execute("select title from public.workouts where id = %s", (a["id"],)).fetchone()
        n_sets = conn.execute(
            "select count(*) from public.workout_sets where workout_id = %s", (a["id"],)
        ).fetchone()
    assert row == ("legs",)
    assert n_sets == (1,)


def test_user_cannot_move_own_workout_to_another_user(
    conn: psycopg.Connection[Any], two_users: tuple[str, str]
) -> None:
    alice, bob = two_users
    a = _log(conn, alice)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(conn, alice):
        conn.execute("update public.workouts set user_id = %s where id = %s", (bob, a["id"]))


def test_insert_with_spoofed_user_id_is_refused(
    conn: psycopg.Connection[Any], two_users: tuple[str, str]
) -> None:
    alice, bob = two_users
    with (
        pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"),
        acting_as(conn, alice),
    ):
        conn.execute(
            "insert into public.workouts (user_id, started_at) values (%s, now())",
            (bob,),
        )


def test_set_under_another_users_workout_is_refused(
    conn: psycopg.Connection[Any], two_users: tuple[str, str]
) -> None:
    alice, bob = two_users
    b = _log(conn, bob)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(conn, alice):
        conn.execute(
            "insert into public.workout_sets (workout_id, exercise_id, position, reps) values (%s, %s, 9, 5)",
            (b["id"], SQUAT),
        )


def test_set_referencing_another_users_private_exercise_is_refused(
    conn: psycopg.Connection[Any], two_users: tuple[str, str]
) -> None:
    alice, bob = two_users
    secret = _private_exercise(conn, bob, "Bob's Secret Lift")
    a = _log(conn, alice)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(conn, alice):
        conn.execute(
            "insert into public.workout_sets (workout_id, exercise_id, position, reps) values (%s, %s, 9, 5)",
            (a["id"], secret),
        )
    # and through the RPC, by id or by name, it is simply unknown to alice
    for ref in (secret, "Bob's Secret Lift"):
        with pytest.raises(psycopg.errors.RaiseException, match="unknown exercise"), acting_as(conn, alice):
            conn.execute("select public.log_workout(%s::jsonb)", (_workout(exercise=ref),))


def test_private_exercises_are_invisible_to_others(
    conn: psycopg.Connection[Any], two_users: tuple[str, str]
) -> None:
    alice, bob = two_users
    _private_exercise(conn, bob, "Zercher Squat")
    with acting_as(conn, alice):
        seen = conn.execute("select count(*) from public.exercises where name = 'Zercher Squat'").fetchone()
        visible = conn.execute("select count(*) from public.exercises").fetchone()
    assert seen == (0,)
    assert visible == (len(CATALOGUE),)


def test_catalogue_cannot_be_modified_or_deleted(
    conn: psycopg.Connection[Any], two_users: tuple[str, str]
) -> None:
    alice, _ = two_users
    with acting_as(conn, alice):
        updated = conn.execute("update public.exercises set name = 'Squatz' where id = %s", (SQUAT,)).rowcount
        deleted = conn.execute("delete from public.exercises where id = %s", (SQUAT,)).rowcount
    assert (updated, deleted) == (0, 0)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(conn, alice):
        conn.execute("insert into public.exercises (owner_id, name) values (null, 'Fake Catalogue Entry')")
    _private_exercise(conn, alice, "Mine To Publish")
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(conn, alice):
        conn.execute("update public.exercises set owner_id = null where name = 'Mine To Publish'")


def test_exercise_names_are_unique_against_catalogue_and_own(
    conn: psycopg.Connection[Any], two_users: tuple[str, str]
) -> None:
    alice, bob = two_users
    _private_exercise(conn, alice, "Sled Push")
    _private_exercise(conn, bob, "Sled Push")  # another user's name is no conflict
    with pytest.raises(psycopg.errors.UniqueViolation), acting_as(conn, alice):
        conn.execute("insert into public.exercises (name) values ('sled push')")
    with pytest.raises(psycopg.errors.UniqueViolation), acting_as(conn, alice):
        conn.execute("insert into public.exercises (name) values ('SQUAT')")


def test_anon_sees_nothing_and_writes_nothing(
    conn: psycopg.Connection[Any], two_users: tuple[str, str]
) -> None:
    _log(conn, two_users[0])
    for table in TABLES:
        with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(conn, None, role="anon"):
            conn.execute(f"select * from public.{table}")
    for call in ("select public.list_workouts()", "select public.log_workout('{}'::jsonb)"):
        with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(conn, None, role="anon"):
            conn.execute(call)


def test_failed_log_workout_leaves_nothing_behind(
    conn: psycopg.Connection[Any], two_users: tuple[str, str]
) -> None:
    alice, _ = two_users
    payload = json.dumps(
        {
            "started_at": "2026-06-01T10:00:00Z",
            "sets": [{"exercise": "Squat", "reps": 5}, {"exercise": "Squat", "reps": -1}],
        }
    )
    with pytest.raises(psycopg.errors.CheckViolation, match="set 2"), acting_as(conn, alice):
        conn.execute("select public.log_workout(%s::jsonb)", (payload,))
    with acting_as(conn, alice):
        row = conn.execute(
            "select count(*) from public.workouts where started_at = '2026-06-01T10:00:00Z'"
        ).fetchone()
    assert row == (0,)


def test_plans_and_items_are_owned_like_workouts(
    conn: psycopg.Connection[Any], two_users: tuple[str, str]
) -> None:
    alice, bob = two_users
    with acting_as(conn, alice):
        row = conn.execute("insert into public.plans (title) values ('Push day') returning id").fetchone()
        assert row is not None
        plan_id = row[0]
        conn.execute(
            "insert into public.plan_items (plan_id, exercise_id, position, target_sets) "
            "values (%s, %s, 1, 3)",
            (plan_id, SQUAT),
        )
    with acting_as(conn, bob):
        assert conn.execute("select count(*) from public.plans where id = %s", (plan_id,)).fetchone() == (0,)
        assert conn.execute(
            "select count(*) from public.plan_items where plan_id = %s", (plan_id,)
        ).fetchone() == (0,)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(conn, bob):
        conn.execute(
            "insert into public.plan_items (plan_id, exercise_id, position) values (%s, %s, 2)",
            (plan_id, SQUAT),
        )


def test_deleting_a_workout_cascades_to_its_sets(
    conn: psycopg.Connection[Any], two_users: tuple[str, str]
) -> None:
    alice, _ = two_users
    a = _log(conn, alice)
    with acting_as(conn, alice):
        assert conn.execute("delete from public.workouts where id = %s", (a["id"],)).rowcount == 1
        left = conn.execute(
            "select count(*) from public.workout_sets where workout_id = %s", (a["id"],)
        ).fetchone()
    assert left == (0,)


def test_constraints_reject_bad_values(conn: psycopg.Connection[Any], two_users: tuple[str, str]) -> None:
    alice, _ = two_users
    with pytest.raises(psycopg.errors.CheckViolation, match="ended_after_started"), acting_as(conn, alice):
        conn.execute(
            "insert into public.workouts (started_at, ended_at) values (now(), now() - interval '1 hour')"
        )
    with pytest.raises(psycopg.errors.CheckViolation, match="rpe"), acting_as(conn, alice):
        conn.execute("insert into public.workouts (started_at, rpe) values (now(), 11)")
    with pytest.raises(psycopg.errors.CheckViolation, match="kind"), acting_as(conn, alice):
        conn.execute("insert into public.exercises (name, kind) values ('Odd', 'dance')")
