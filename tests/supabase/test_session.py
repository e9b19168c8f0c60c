"""SupabaseSession (stdio sign-in + refresh with rotation) against the stand-in's Auth half."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.standin.pg import supabase_db  # noqa: F401  (session fixture)
from tests.standin.rest import SupabaseStandin, serve_supabase
from tests.standin.state import StandinState
from workout_mcp.config import Settings
from workout_mcp.store.base import AuthExpired, UpstreamUnavailable
from workout_mcp.store.session import SupabaseSession
from workout_mcp.store.supabase import SupabaseStore

PASSWORD = "correct horse battery staple"


@pytest.fixture
def supa(supabase_db: str) -> Iterator[SupabaseStandin]:  # noqa: F811
    state = StandinState()
    state.clock.freeze()
    with serve_supabase(supabase_db, state) as running:
        yield running


class Recorder:
    def __init__(self) -> None:
        self.grants: list[str] = []

    async def __call__(self, request: httpx.Request) -> None:
        if request.url.path.endswith("/auth/v1/token"):
            self.grants.append(request.url.params["grant_type"])


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
async def client(recorder: Recorder) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(event_hooks={"request": [recorder]}) as c:
        yield c


def password_session(
    supa: SupabaseStandin, client: httpx.AsyncClient, email: str, **kw: object
) -> SupabaseSession:
    return SupabaseSession(
        client,
        supa.url,
        supa.anon_key,
        email=email,
        password=PASSWORD,
        clock=supa.state.clock,
        **kw,  # type: ignore[arg-type]
    )


async def test_password_sign_in_then_reuses_the_token_until_near_expiry(
    supa: SupabaseStandin, client: httpx.AsyncClient, recorder: Recorder
) -> None:
    user = supa.add_user("lifter@example.test")
    session = password_session(supa, client, user.email)
    first = await session.access_token()
    assert await session.access_token() == first
    assert recorder.grants == ["password"]
    assert session.user_id == user.id

    supa.state.clock.advance(3600 - 120)  # still outside the 60 s margin
    assert await session.access_token() == first
    supa.state.clock.advance(70)  # now inside it: refresh before expiry
    second = await session.access_token()
    assert second != first
    assert recorder.grants == ["password", "refresh_token"]


async def test_session_token_works_as_the_stores_token_source(
    supa: SupabaseStandin, client: httpx.AsyncClient
) -> None:
    user = supa.add_user("store@example.test")
    session = password_session(supa, client, user.email)
    store = SupabaseStore(client, supa.url, supa.anon_key, token=session.access_token)
    page = await store.list_workouts(since=None, until=None, limit=5, offset=0)
    assert page.total == 0


async def test_rotation_keeps_only_the_newest_refresh_token(
    supa: SupabaseStandin, client: httpx.AsyncClient
) -> None:
    user = supa.add_user("rotate@example.test")
    _, _, initial = supa.state.start_session(user)
    seen: list[str] = []
    session = SupabaseSession(
        client,
        supa.url,
        supa.anon_key,
        refresh_token=initial,
        clock=supa.state.clock,
        on_refresh_token=seen.append,
    )
    await session.access_token()
    for _ in range(3):
        supa.state.clock.advance(3600)
        await session.access_token()
    assert len(set(seen)) == 4 and initial not in seen
    assert session.refresh_token == seen[-1]
    spent = [t for t in [initial, *seen[:-1]] if supa.state.refresh_tokens[t].used_at is not None]
    assert spent == [initial, *seen[:-1]]  # every older token was spent exactly once, never replayed
    assert supa.state.refresh_tokens[seen[-1]].used_at is None


async def test_concurrent_callers_share_one_refresh(
    supa: SupabaseStandin, client: httpx.AsyncClient, recorder: Recorder
) -> None:
    user = supa.add_user("crowd@example.test")
    session = password_session(supa, client, user.email)
    await session.access_token()
    supa.state.clock.advance(3600)
    tokens = await asyncio.gather(*(session.access_token() for _ in range(10)))
    assert len(set(tokens)) == 1
    assert recorder.grants == ["password", "refresh_token"]


async def test_revoked_refresh_token_without_password_is_auth_expired(
    supa: SupabaseStandin, client: httpx.AsyncClient
) -> None:
    user = supa.add_user("revoked@example.test")
    session_row, _, refresh = supa.state.start_session(user)
    supa.state.revoke_session(session_row.id)
    session = SupabaseSession(client, supa.url, supa.anon_key, refresh_token=refresh, clock=supa.state.clock)
    with pytest.raises(AuthExpired, match="sign in again") as caught:
        await session.access_token()
    assert refresh not in str(caught.value)
    assert session.refresh_token is None  # never presented again


async def test_dead_refresh_token_falls_back_to_the_password(
    supa: SupabaseStandin, client: httpx.AsyncClient, recorder: Recorder
) -> None:
    user = supa.add_user("fallback@example.test")
    session = SupabaseSession(
        client,
        supa.url,
        supa.anon_key,
        email=user.email,
        password=PASSWORD,
        refresh_token="not-a-real-refresh-token",
        clock=supa.state.clock,
    )
    assert await session.access_token()
    assert recorder.grants == ["refresh_token", "password"]


async def test_wrong_password_is_auth_expired_without_the_password(
    supa: SupabaseStandin, client: httpx.AsyncClient
) -> None:
    user = supa.add_user("typo@example.test")
    session = SupabaseSession(
        client, supa.url, supa.anon_key, email=user.email, password="hunter2-wrong", clock=supa.state.clock
    )
    with pytest.raises(AuthExpired, match="SUPABASE_PASSWORD") as caught:
        await session.access_token()
    assert "hunter2-wrong" not in str(caught.value)


async def test_auth_outage_is_upstream_unavailable_and_keeps_the_refresh_token(
    supa: SupabaseStandin, client: httpx.AsyncClient
) -> None:
    user = supa.add_user("outage@example.test")
    _, _, refresh = supa.state.start_session(user)
    session = SupabaseSession(client, supa.url, supa.anon_key, refresh_token=refresh, clock=supa.state.clock)
    supa.state.faults.token_down = True
    with pytest.raises(UpstreamUnavailable):
        await session.access_token()
    assert session.refresh_token == refresh
    supa.state.faults.token_down = False
    assert await session.access_token()


def test_from_settings_reads_the_stdio_credentials() -> None:
    settings = Settings(
        supabase_url="https://abc.supabase.co",
        supabase_anon_key="anon",
        supabase_refresh_token="r" * 20,
        upstream_timeout_seconds=3,
    )
    session = SupabaseSession.from_settings(settings, httpx.AsyncClient())
    assert session.refresh_token == "r" * 20


def test_a_session_needs_credentials() -> None:
    with pytest.raises(ValueError, match="email and password, or a refresh token"):
        SupabaseSession(httpx.AsyncClient(), "https://abc.supabase.co", "anon")
