"""A throwaway PostgreSQL database that looks like a Supabase project to our migrations.

Recreates what Supabase provides before user migrations run (roles `anon`, `authenticated`,
`service_role`; schema `auth` with `auth.users`, `auth.uid()`, `auth.role()`, `auth.jwt()` defined as
Supabase defines them; Supabase's default grants on `public`), then applies the real files under
`supabase/migrations/` and `supabase/seed.sql`.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from tests.conftest import service_missing
from tests.standin.keys import access_token_claims

REPO = Path(__file__).resolve().parents[2]
MIGRATIONS_DIR = REPO / "supabase" / "migrations"
SEED_FILE = REPO / "supabase" / "seed.sql"
DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"

# What a Supabase database already holds when `supabase db push` runs our migrations. The auth
# functions are copied from supabase/auth migrations 20211202183645_update_auth_uid and
# 20220531120530_add_auth_jwt_function (contract §4.5).
SUPABASE_BOOTSTRAP_SQL = """
do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'anon') then
        create role anon nologin noinherit;
    end if;
    if not exists (select 1 from pg_roles where rolname = 'authenticated') then
        create role authenticated nologin noinherit;
    end if;
    if not exists (select 1 from pg_roles where rolname = 'service_role') then
        create role service_role nologin noinherit bypassrls;
    end if;
end
$$;

create schema if not exists auth;
create table if not exists auth.users (
    id uuid primary key,
    email text,
    created_at timestamptz not null default now()
);

create or replace function auth.uid() returns uuid language sql stable as $$
    select nullif(
        coalesce(
            current_setting('request.jwt.claim.sub', true),
            (current_setting('request.jwt.claims', true)::jsonb ->> 'sub')
        ),
        ''
    )::uuid
$$;

create or replace function auth.role() returns text language sql stable as $$
    select nullif(
        coalesce(
            current_setting('request.jwt.claim.role', true),
            (current_setting('request.jwt.claims', true)::jsonb ->> 'role')
        ),
        ''
    )::text
$$;

create or replace function auth.jwt() returns jsonb language sql stable as $$
    select coalesce(
        nullif(current_setting('request.jwt.claim', true), ''),
        nullif(current_setting('request.jwt.claims', true), '')
    )::jsonb
$$;

grant usage on schema auth to anon, authenticated, service_role;
grant execute on function auth.uid(), auth.role(), auth.jwt() to anon, authenticated, service_role;
grant usage on schema public to anon, authenticated, service_role;

-- Supabase's defaults: everything new in public is granted to all three API roles, so a migration
-- that forgets to revoke from anon really leaks to anon here too.
alter default privileges in schema public grant all on tables to anon, authenticated, service_role;
alter default privileges in schema public grant all on functions to anon, authenticated, service_role;
alter default privileges in schema public grant all on sequences to anon, authenticated, service_role;
"""


def server_dsn() -> str:
    return os.environ.get("DATABASE_URL") or DEFAULT_DSN


def dsn_for(database: str, base: str | None = None) -> str:
    params = conninfo_to_dict(base or server_dsn())
    params["dbname"] = database
    return make_conninfo(**{k: v for k, v in params.items() if v is not None})


def migration_files() -> list[Path]:
    return sorted(MIGRATIONS_DIR.glob("*.sql"))


def apply_migrations(conn: psycopg.Connection[Any]) -> None:
    for path in migration_files():
        conn.execute(path.read_text())  # type: ignore[call-overload]


def apply_seed(conn: psycopg.Connection[Any]) -> None:
    if SEED_FILE.exists():
        conn.execute(SEED_FILE.read_text())  # type: ignore[call-overload]


def prepare_supabase_database(dsn: str) -> None:
    """Bootstrap the Supabase pieces, then apply the real migrations and seed."""
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(SUPABASE_BOOTSTRAP_SQL)  # type: ignore[call-overload]
        apply_migrations(conn)
        apply_seed(conn)


@contextmanager
def throwaway_database(prefix: str = "wm_test") -> Iterator[str]:
    """Create an empty database on the server of DATABASE_URL; drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(server_dsn(), autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        service_missing(f"PostgreSQL not reachable at DATABASE_URL: {exc.__class__.__name__}")
        raise  # unreachable: service_missing skips or fails
    with admin:
        admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
        try:
            yield dsn_for(name)
        finally:
            admin.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


@contextmanager
def supabase_database() -> Iterator[str]:
    """A throwaway database with the Supabase bootstrap, our migrations and the seed applied."""
    with throwaway_database() as dsn:
        prepare_supabase_database(dsn)
        yield dsn


@pytest.fixture(scope="session")
def supabase_db() -> Iterator[str]:
    """DSN of a session-wide throwaway Supabase-like database (dropped at the end of the session)."""
    with supabase_database() as dsn:
        yield dsn


def create_user(conn: psycopg.Connection[Any], email: str | None = None) -> str:
    """Insert a row in auth.users (what signing up does on Supabase) and return its id."""
    user_id = str(uuid.uuid4())
    conn.execute(
        "insert into auth.users (id, email) values (%s, %s)",
        (user_id, email or f"{user_id[:8]}@example.test"),
    )
    return user_id


def claims_for(user_id: str, *, issuer: str = "http://127.0.0.1/auth/v1") -> dict[str, Any]:
    return access_token_claims(issuer=issuer, sub=user_id)


@contextmanager
def acting_as(
    conn: psycopg.Connection[Any],
    user_id: str | None,
    *,
    role: str = "authenticated",
    claims: dict[str, Any] | None = None,
    commit: bool = True,
) -> Iterator[psycopg.Connection[Any]]:
    """A transaction run the way PostgREST runs a request: `SET LOCAL ROLE` + `request.jwt.claims`.

    `user_id=None` with `role="anon"` is an anonymous request. With `commit=False` the transaction is
    rolled back at the end (the test's changes vanish).
    """
    if claims is None:
        claims = claims_for(user_id) if user_id is not None else {"role": role}
    with conn.transaction(force_rollback=not commit):
        conn.execute(sql.SQL("set local role {}").format(sql.Identifier(role)))
        conn.execute("select set_config('request.jwt.claims', %s, true)", (json.dumps(claims),))
        yield conn
