"""Row Level Security of the training-log migration (body weights, plans of sessions, the workout ->
plan link, the new functions), with two real users on real PostgreSQL, the way PostgREST runs requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.standin.pg import acting_as, create_user, supabase_db  # noqa: F401  (session fixture)
from tests.supabase.test_rls import SQUAT, _log

pytestmark = pytest.mark.postgres

NEW_TABLES = ("body_weights",)
PLAN = {
    "name": "Upper Lower",
    "sessions": [
        {"name": "Upper", "exercises": [{"exercise": "Bench Press", "sets": 3, "reps": 5}]},
        {"name": "Lower", "exercises": [{"exercise": "Squat", "sets": 3, "reps": 5}]},
    ],
}


@pytest.fixture
def conn(supabase_db: str) -> Iterator[psycopg.Connection[Any]]:  # noqa: F811
    with psycopg.connect(supabase_db, autocommit=True) as c:
        yield c


@pytest.fixture
def two_users(conn: psycopg.Connection[Any]) -> tuple[str, str]:
    return create_user(conn), create_user(conn)


def _one(conn: psycopg.Connection[Any], statement: str, *args: Any) -> Any:
    row = conn.execute(statement, args).fetchone()  # type: ignore[call-overload]
    assert row is not None
    return row[0]


def _weigh(conn: psycopg.Connection[Any], user: str, kg: float = 80) -> dict[str, Any]:
    with acting_as(conn, user):
        payload = json.dumps({"weight_kg": kg, "measured_at": "2026-11-01T07:00:00Z"})
        return dict(_one(conn, "select public.log_body_weight(%s::jsonb)", payload))


def _plan(conn: psycopg.Connection[Any], user: str) -> dict[str, Any]:
    with acting_as(conn, user):
        return dict(_one(conn, "select public.save_plan(%s::jsonb)", json.dumps(PLAN)))


def test_new_tables_have_rls_enabled_forced_and_one_policy_per_operation(
    conn: psycopg.Connection[Any],
) -> None:
    for table in NEW_TABLES:
        row = conn.execute(
            "select relrowsecurity, relforcerowsecurity from pg_class "
            "where relnamespace = 'public'::regnamespace and relname = %s",
            (table,),
        ).fetchone()
        assert row == (True, True), table
        commands = sorted(
            r[0] for r in conn.execute("select cmd from pg_policies where tablename = %s", (table,))
        )
        assert commands == ["DELETE", "INSERT", "SELECT", "UPDATE"], table
        default = _one(
            conn,
            "select column_default from information_schema.columns "
            "where table_schema = 'public' and table_name = %s and column_name = 'user_id'",
            table,
        )
        assert default == "auth.uid()"


def test_body_weights_are_private_both_ways(
    conn: psycopg.Connection[Any], two_users: tuple[str, str]
) -> None:
    alice, bob = two_users
    a, b = _weigh(conn, alice, 80), _weigh(conn, bob, 95)  # the same moment: per-user uniqueness
    for me, mine, theirs in ((alice, a, b), (bob, b, a)):
        with acting_as(conn, me):
            seen = conn.execute("select id::text from public.body_weights").fetchall()
            between = _one(conn, "select public.body_weights_between('2026-01-01', '2027-01-01')")
            assert (
                conn.execute(
                    "update public.body_weights set weight_kg = 20 where id = %s", (theirs["id"],)
                ).rowcount
                == 0
            )
            assert (
                conn.execute("delete from public.body_weights where id = %s", (theirs["id"],)).rowcount == 0
            )
        assert seen == [(mine["id"],)] and [e["id"] for e in between] == [mine["id"]]
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(conn, bob):
        conn.execute(
            "insert into public.body_weights (user_id, weight_kg, measured_at) values (%s, 80, now())",
            (alice,),
        )
    with pytest.raises(psycopg.errors.CheckViolation, match="weight_range"), acting_as(conn, alice):
        conn.execute("insert into public.body_weights (weight_kg, measured_at) values (5, now())")
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(conn, None, role="anon"):
        conn.execute("select * from public.body_weights")


def test_plans_of_sessions_are_private_and_cannot_be_linked_by_others(
    conn: psycopg.Connection[Any], two_users: tuple[str, str]
) -> None:
    alice, bob = two_users
    plan = _plan(conn, alice)
    assert [s["name"] for s in plan["sessions"]] == ["Upper", "Lower"]
    bobs = _plan(conn, bob)  # the same name is fine for another user
    assert bobs["id"] != plan["id"]
    with acting_as(conn, bob):
        assert _one(conn, "select public.get_plan(%s)", plan["id"]) is None
        assert _one(conn, "select public.delete_plan(%s)", plan["id"]) is None
        assert [p["id"] for p in _one(conn, "select public.list_plans()")["items"]] == [bobs["id"]]
        assert (
            conn.execute(
                "update public.plan_items set target_sets = 9 where plan_id = %s", (plan["id"],)
            ).rowcount
            == 0
        )
    # Bob may not point his workout at Alice's plan, through the function or straight at the table.
    payload = json.dumps(
        {
            "started_at": "2026-06-01T10:00:00Z",
            "plan_id": plan["id"],
            "plan_session": "Upper",
            "sets": [{"exercise": "Squat", "reps": 5}],
        }
    )
    with pytest.raises(psycopg.Error, match="no plan"), acting_as(conn, bob):
        conn.execute("select public.log_workout(%s::jsonb)", (payload,))
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(conn, bob):
        conn.execute("insert into public.workouts (started_at, plan_id) values (now(), %s)", (plan["id"],))
    bob_workout = _log(conn, bob)
    with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(conn, bob):
        conn.execute("update public.workouts set plan_id = %s where id = %s", (plan["id"], bob_workout["id"]))
    with acting_as(conn, alice):
        assert _one(conn, "select public.get_plan('upper lower')")["id"] == plan["id"]
        with conn.transaction():
            conn.execute(
                "insert into public.plan_items (plan_id, exercise_id, position, target_sets, session_name) "
                "values (%s, %s, 99, 1, 'Extra')",
                (plan["id"], SQUAT),
            )


def test_edits_and_undo_reach_only_own_workouts(
    conn: psycopg.Connection[Any], two_users: tuple[str, str]
) -> None:
    alice, bob = two_users
    a = _log(conn, alice)
    calls = [
        (
            "select public.add_sets(%s::jsonb)",
            {"workout_id": a["id"], "sets": [{"exercise": "Squat", "reps": 1}]},
        ),
        (
            "select public.update_set(%s::jsonb)",
            {"workout_id": a["id"], "position": 1, "changes": {"reps": 1}},
        ),
        ("select public.update_workout(%s::jsonb)", {"workout_id": a["id"], "changes": {"title": "x"}}),
    ]
    for statement, payload in calls:
        with pytest.raises(psycopg.Error, match="no workout"), acting_as(conn, bob):
            conn.execute(statement, (json.dumps(payload),))
    with acting_as(conn, bob):
        assert _one(conn, "select public.delete_workout(%s)", a["id"]) is None
        assert _one(conn, "select public.restore_workout(%s)", a["id"]) is None
        assert _one(conn, "select public.records_board()")["total"] == 0
    with acting_as(conn, alice):
        assert _one(conn, "select public.get_workout(%s)", a["id"])["title"] == "legs"
        assert _one(conn, "select public.delete_workout(%s)", a["id"])["already_deleted"] is False
    # Bob's purge never reaches Alice's deleted rows, however old.
    conn.execute(
        "update public.workouts set deleted_at = now() - interval '90 days' where id = %s", (a["id"],)
    )
    with acting_as(conn, bob):
        assert _one(conn, "select public.purge_deleted_workouts()") == 0
    assert _one(conn, "select count(*) from public.workouts where id = %s", a["id"]) == 1
    with acting_as(conn, alice):
        assert _one(conn, "select public.purge_deleted_workouts()") == 1


def test_anon_runs_none_of_the_new_functions(conn: psycopg.Connection[Any]) -> None:
    for call in (
        "select public.records_board()",
        "select public.list_plans()",
        "select public.save_plan('{}'::jsonb)",
        "select public.log_body_weight('{}'::jsonb)",
        "select public.delete_workout('x')",
        "select public.purge_deleted_workouts()",
    ):
        with pytest.raises(psycopg.errors.InsufficientPrivilege), acting_as(conn, None, role="anon"):
            conn.execute(call)
