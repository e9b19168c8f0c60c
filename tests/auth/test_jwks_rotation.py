"""JWKS cache behaviour through the real app: refetch on unknown kid, cooldown, rotation, revocation, outages."""

from __future__ import annotations

import asyncio
import logging

import httpx
import pytest

from tests.auth.conftest import CLIENT_ID, AuthServer, run_auth_server
from tests.auth.test_bearer_challenges import post_mcp
from tests.standin.fixtures import Standin
from tests.standin.keys import SigningKey, sign
from workout_mcp.auth.jwks import DEFAULT_REFETCH_COOLDOWN


def bogus_kid_token(server: AuthServer) -> str:
    return sign(server.standin.state.claims(server.user, client_id=CLIENT_ID), SigningKey.es256())


async def ok(server: AuthServer, token: str) -> bool:
    status = (await post_mcp(server, f"Bearer {token}")).status_code
    assert status in (200, 401), status
    return status == 200


async def test_start_up_fetches_nothing(server: AuthServer) -> None:
    async with httpx.AsyncClient() as http:
        health = (await http.get(f"{server.url}/health")).json()
    assert server.standin.state.jwks_fetches == 0
    assert health["components"]["jwks"]["keys"] == 0
    assert health["status"] == "ok"


async def test_unknown_kid_refetches_once_then_401(server: AuthServer) -> None:
    assert await ok(server, server.token())
    assert server.standin.state.jwks_fetches == 1
    assert not await ok(server, bogus_kid_token(server))
    assert server.standin.state.jwks_fetches == 2


async def test_flood_of_unknown_kids_costs_at_most_one_fetch_per_cooldown(server: AuthServer) -> None:
    state = server.standin.state
    assert await ok(server, server.token())
    before = state.jwks_fetches
    results = await asyncio.gather(
        *(post_mcp(server, f"Bearer {bogus_kid_token(server)}") for _ in range(25))
    )
    results += [await post_mcp(server, f"Bearer {bogus_kid_token(server)}") for _ in range(10)]
    assert {r.status_code for r in results} == {401}
    assert state.jwks_fetches - before == 1
    state.clock.advance(DEFAULT_REFETCH_COOLDOWN / 2)
    for _ in range(5):
        assert not await ok(server, bogus_kid_token(server))
    assert state.jwks_fetches - before == 1
    state.clock.advance(DEFAULT_REFETCH_COOLDOWN / 2 + 1)
    for _ in range(5):
        assert not await ok(server, bogus_kid_token(server))
    assert state.jwks_fetches - before == 2


async def test_concurrent_misses_share_one_fetch_and_all_pass_after_rotation(server: AuthServer) -> None:
    state = server.standin.state
    assert await ok(server, server.token())
    state.keys.rotate(SigningKey.es256())
    tokens = [server.token(server.standin.add_user(f"u{i}@example.com")) for i in range(10)]
    results = await asyncio.gather(*(post_mcp(server, f"Bearer {t}") for t in tokens))
    assert [r.status_code for r in results] == [200] * 10
    assert state.jwks_fetches == 2


async def test_token_from_newly_published_key_passes_after_one_refetch(server: AuthServer) -> None:
    state = server.standin.state
    old_token = server.token()
    assert await ok(server, old_token)
    state.keys.rotate(SigningKey.rs256())
    assert await ok(server, server.token())
    assert state.jwks_fetches == 2
    assert await ok(server, old_token), "the previous key stays trusted after a rotation"


async def test_key_removed_from_jwks_is_rejected_once_the_cache_expires(server: AuthServer) -> None:
    state = server.standin.state
    old_key = state.keys.signing
    token = server.token()
    assert await ok(server, token)
    state.keys.rotate(SigningKey.es256())
    state.keys.revoke(old_key.kid)
    fresh_token_old_key = server.token(key=old_key)
    assert await ok(server, token), "within max-age the cached keys (and verdicts) still hold"
    assert await ok(server, fresh_token_old_key)
    state.clock.advance(601)
    assert not await ok(server, token)
    assert not await ok(server, fresh_token_old_key)
    assert await ok(server, server.token())


async def test_cache_control_max_age_is_honoured_and_capped(server: AuthServer) -> None:
    state = server.standin.state
    state.faults.jwks_max_age = 60
    assert await ok(server, server.token())
    state.clock.advance(61)
    assert await ok(server, server.token())
    assert state.jwks_fetches == 2
    state.faults.jwks_max_age = 86_400
    state.clock.advance(61)
    assert await ok(server, server.token())
    assert state.jwks_fetches == 3
    state.clock.advance(601)
    assert await ok(server, server.token())
    assert state.jwks_fetches == 4, "max-age is capped at 600 s"


async def test_jwks_down_at_start_no_crash_clear_log_then_recovery(
    standin: Standin, caplog: pytest.LogCaptureFixture
) -> None:
    standin.state.faults.jwks_down = True
    caplog.set_level(logging.WARNING, logger="workout_mcp.auth.jwks")
    with run_auth_server(standin) as server:
        async with httpx.AsyncClient() as http:
            assert (await http.get(f"{server.url}/health")).status_code == 200
        assert not await ok(server, server.token())
        assert not await ok(server, server.token())
        assert standin.state.jwks_fetches == 1, "a down JWKS is retried at most once per cooldown"
        assert any("jwks fetch failed" in r.getMessage() for r in caplog.records)
        record = next(r for r in caplog.records if "jwks fetch failed" in r.getMessage())
        assert record.reason == "HTTP 502"  # type: ignore[attr-defined]
        async with httpx.AsyncClient() as http:
            health = (await http.get(f"{server.url}/health")).json()
        assert health["components"]["jwks"]["status"] == "degraded"
        assert health["components"]["jwks"]["last_error"] == "HTTP 502"
        standin.state.faults.jwks_down = False
        standin.state.clock.advance(DEFAULT_REFETCH_COOLDOWN)
        assert await ok(server, server.token())


async def test_jwks_down_during_operation_keeps_cached_keys(
    server: AuthServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="workout_mcp.auth.jwks")
    state = server.standin.state
    assert await ok(server, server.token())
    state.faults.jwks_down = True
    state.clock.advance(601)
    assert await ok(server, server.token()), "stale keys are used when the refetch fails"
    assert state.jwks_fetches == 2
    assert any("jwks fetch failed" in r.getMessage() for r in caplog.records)
    assert await ok(server, server.token())
    assert state.jwks_fetches == 2, "no refetch storm while the JWKS is down"
    assert not await ok(server, bogus_kid_token(server))


async def test_jwks_unreachable_host_does_not_crash(standin: Standin) -> None:
    with run_auth_server(standin, supabase_url="http://127.0.0.1:9") as server:
        assert not await ok(server, server.token())
        assert server.verifier.jwks.health()["last_error"] == "ConnectError"
