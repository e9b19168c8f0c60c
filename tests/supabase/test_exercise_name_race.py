"""Two concurrent inserts of the same exercise name (as the app compares names) cannot both commit.

The trigger's check cannot see another transaction's uncommitted row, so only a unique index on the
normalised key (`public.name_key`) closes the race; this runs the race on the real PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.standin.pg import (
    acting_as,
    create_user,
    prepare_supabase_database,
    supabase_database,
)

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def race_db() -> Iterator[str]:
    with supabase_database() as dsn:
        yield dsn


def _insert_in_thread(dsn: str, user: str, name: str, outcome: dict[str, Any]) -> threading.Thread:
    def run() -> None:
        with psycopg.connect(dsn, autocommit=True) as conn:
            try:
                with acting_as(conn, user):
                    conn.execute("set local lock_timeout = '10s'")
                    conn.execute("insert into public.exercises (name) values (%s)", (name,))
                outcome["result"] = "committed"
            except psycopg.Error as exc:
                outcome["result"] = exc.sqlstate

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _names(dsn: str, user: str) -> list[str]:
    with psycopg.connect(dsn, autocommit=True) as conn:
        return [r[0] for r in conn.execute("select name from public.exercises where owner_id = %s", (user,))]


@pytest.mark.parametrize("second", ["race   lift", "RACE LIFT", " Race\tLift "])
def test_concurrent_inserts_of_one_normalised_name_commit_once(race_db: str, second: str) -> None:
    with psycopg.connect(race_db, autocommit=True) as conn:
        user = create_user(conn)
        outcome: dict[str, Any] = {}
        with acting_as(conn, user):
            conn.execute("insert into public.exercises (name) values ('Race Lift')")
            # The first transaction is open and uncommitted while the second inserts.
            thread = _insert_in_thread(race_db, user, second, outcome)
            thread.join(timeout=1.0)
        thread.join(timeout=15)
    assert not thread.is_alive()
    assert outcome["result"] == "23505"
    assert _names(race_db, user) == ["Race Lift"]


def test_two_users_may_still_share_a_name(race_db: str) -> None:
    with psycopg.connect(race_db, autocommit=True) as conn:
        first, second = create_user(conn), create_user(conn)
        for user in (first, second):
            with acting_as(conn, user):
                conn.execute("insert into public.exercises (name) values ('Shared  Lift')")
    assert _names(race_db, first) == ["Shared  Lift"] and _names(race_db, second) == ["Shared  Lift"]


def test_the_migration_renames_rows_that_already_collide_and_stays_idempotent(race_db: str) -> None:
    with psycopg.connect(race_db, autocommit=True) as conn:
        user = create_user(conn)
        # What the race left behind before the fix: two rows, one key (the index is dropped to let it in).
        conn.execute("drop index if exists public.exercises_owner_name_key_norm")
        conn.execute("alter table public.exercises disable trigger exercises_name_unique")
        try:
            for name in ("Old Lift", "Old   Lift", "Old \tLift"):
                conn.execute("insert into public.exercises (owner_id, name) values (%s, %s)", (user, name))
        finally:
            conn.execute("alter table public.exercises enable trigger exercises_name_unique")
    prepare_supabase_database(race_db)
    prepare_supabase_database(race_db)
    assert sorted(_names(race_db, user)) == sorted(["Old Lift", "Old   Lift (2)", "Old \tLift (3)"])
