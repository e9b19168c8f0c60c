"""The database refuses absurd workout times from any Data API client, not only from this server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from tests.standin.pg import (
    acting_as,
    create_user,
    prepare_supabase_database,
    supabase_db,  # noqa: F401  (session fixture)
)

pytestmark = pytest.mark.postgres


@pytest.fixture
def conn(supabase_db: str) -> Iterator[psycopg.Connection[Any]]:  # noqa: F811
    with psycopg.connect(supabase_db, autocommit=True) as c:
        yield c


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("started_at", "9999-12-31T23:59:59-05:00"),
        ("started_at", "0001-01-01T00:00:00Z"),
        ("ended_at", "2400-01-01T00:00:00Z"),
    ],
)
def test_a_direct_insert_of_an_absurd_time_is_refused(
    conn: psycopg.Connection[Any], column: str, value: str
) -> None:
    user = create_user(conn)
    row = {"started_at": "2026-05-01T18:00:00Z", "ended_at": None, column: value}
    with pytest.raises(psycopg.errors.CheckViolation, match=f"workouts_{column}_range"):
        with acting_as(conn, user):
            conn.execute(
                "insert into public.workouts (started_at, ended_at) values (%s, %s)",
                (row["started_at"], row["ended_at"]),
            )


def test_rows_stored_before_the_check_stay_and_the_migration_reapplies(
    conn: psycopg.Connection[Any],
    supabase_db: str,  # noqa: F811
) -> None:
    user = create_user(conn)
    conn.execute("alter table public.workouts drop constraint workouts_started_at_range")
    conn.execute(
        "insert into public.workouts (user_id, started_at) values (%s, '9999-12-31T23:59:59-05:00')", (user,)
    )
    prepare_supabase_database(supabase_db)
    prepare_supabase_database(supabase_db)
    count = conn.execute("select count(*) from public.workouts where user_id = %s", (user,)).fetchone()
    assert count == (1,)
    # It can be put right with an update; a sane time passes the check.
    conn.execute("update public.workouts set started_at = '2026-05-01T18:00:00Z' where user_id = %s", (user,))
