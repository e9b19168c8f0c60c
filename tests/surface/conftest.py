"""The tool suite runs against every store (`store_kind`), so local and Supabase answer alike.

The Supabase variant goes through the real `SupabaseStore`, the PostgREST stand-in and the migration's
Row Level Security on the real PostgreSQL; the two users are two real Supabase users with their own
tokens.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from tests.standin.pg import supabase_db  # noqa: F401  (session fixture)
from tests.standin.rest import SupabaseStandin, serve_supabase
from workout_mcp.config import load_settings
from workout_mcp.store.base import LOCAL_USER_ID, WorkoutStore
from workout_mcp.store.local import LocalStore
from workout_mcp.store.supabase import SupabaseStore
from workout_mcp.surface.server import build_mcp_server

TODAY = date(2026, 11, 20)


@dataclass
class Who:
    """Which of two users the store acts for; tests switch it to interleave the two."""

    a: str
    b: str
    current: str = ""

    def __post_init__(self) -> None:
        self.current = self.a

    def use(self, which: str) -> None:
        self.current = self.a if which == "a" else self.b

    def __call__(self) -> str:
        return self.current


@pytest.fixture(params=["local", "supabase"])
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="module")
def supa(request: pytest.FixtureRequest) -> Iterator[SupabaseStandin]:
    dsn = request.getfixturevalue("supabase_db")
    with serve_supabase(dsn) as running:
        yield running


@pytest.fixture
async def store_and_who(
    store_kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[WorkoutStore, Who]]:
    if store_kind == "local":
        who = Who(LOCAL_USER_ID, "00000000-0000-0000-0000-0000000000b2")
        local = LocalStore(tmp_path / "w.db", user_id=who)
        try:
            yield local, who
        finally:
            await local.aclose()
        return

    supa: SupabaseStandin = request.getfixturevalue("supa")
    users = {u.id: u for u in (supa.add_user(), supa.add_user())}
    who = Who(*users)

    async def token() -> str:
        return supa.mint(users[who()])

    async with httpx.AsyncClient() as client:
        store = SupabaseStore(client, supa.url, supa.anon_key, token=token)
        yield store, who


@asynccontextmanager
async def connect(store: WorkoutStore, **settings: Any) -> AsyncIterator[Client]:
    mcp = build_mcp_server(load_settings(_env_file=None, **settings), store, today=lambda: TODAY)
    async with Client(mcp) as client:
        yield client
