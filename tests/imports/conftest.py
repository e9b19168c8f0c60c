"""Both stores behind one fixture: every import and export test runs on SQLite and on Supabase."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.standin.pg import supabase_db  # noqa: F401  (session fixture)
from tests.standin.rest import SupabaseStandin, serve_supabase
from workout_mcp.store.base import WorkoutStore
from workout_mcp.store.local import LocalStore
from workout_mcp.store.supabase import SupabaseStore

FIXTURES = Path(__file__).parent / "fixtures"
StoreFactory = Callable[[], WorkoutStore]


@pytest.fixture(scope="module")
def supa(supabase_db: str) -> Iterator[SupabaseStandin]:  # noqa: F811
    with serve_supabase(supabase_db) as running:
        yield running


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=30) as client:
        yield client


@pytest.fixture(params=["local", pytest.param("supabase", marks=pytest.mark.postgres)])
def new_store(request: pytest.FixtureRequest, tmp_path: Path) -> StoreFactory:
    """Makes the log of a brand-new person on the store under test (call it again for another)."""
    if request.param == "local":
        counter = iter(range(1000))
        return lambda: LocalStore(tmp_path / f"log{next(counter)}.db")
    factory: StoreFactory = request.getfixturevalue("supabase_store")
    return factory


@pytest.fixture
def supabase_store(request: pytest.FixtureRequest) -> StoreFactory:
    """`new_store` on Supabase only, for what only the Supabase store does (chunks, RLS)."""
    supa: SupabaseStandin = request.getfixturevalue("supa")
    client: httpx.AsyncClient = request.getfixturevalue("http")
    supa.faults.reset()

    def make() -> WorkoutStore:
        token = supa.mint(supa.add_user())

        async def source() -> str:
            return token

        return SupabaseStore(client, supa.url, supa.anon_key, token=source, timeout=30)

    return make
