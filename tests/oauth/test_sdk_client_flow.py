"""The SDK's own OAuth client (`OAuthClientProvider`, what real MCP clients run) against our facade and
the Supabase stand-in: discovery -> registration (DCR, or a client-id metadata document) ->
authorization -> token -> tool call -> refresh -> tool call, in legacy and 2026-07-28 modes."""

from __future__ import annotations

import logging
import time
from typing import Any

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientMetadata,
)
from pydantic import AnyUrl

from tests.oauth.browser import BrowserRun, authorize_in_browser
from tests.oauth.cimd_server import serve_metadata_document
from tests.oauth.conftest import World
from workout_mcp.login.flow import MemoryTokenStorage as MemoryStorage

log = logging.getLogger("tests.oauth.flow")

REDIRECT_URI = "http://127.0.0.1:33418/callback"


async def run_flow(world: World, *, mode: str, client_metadata_url: str | None = None) -> dict[str, Any]:
    """One full connection; returns the request log, the provider and the storage for assertions."""
    requests: list[str] = []
    browser_runs: list[BrowserRun] = []
    upstream_seen = len(world.oauth.requests)

    def upstream_calls() -> list[str]:
        nonlocal upstream_seen
        new = world.oauth.requests[upstream_seen:]
        upstream_seen = len(world.oauth.requests)
        return [f"      supabase {method} {path} -> {status}" for method, path, status in new]

    async def on_response(response: httpx2.Response) -> None:
        requests.append(f"{response.request.method} {response.request.url.path} -> {response.status_code}")
        requests.extend(upstream_calls())

    storage = MemoryStorage()
    async with httpx.AsyncClient(follow_redirects=False, timeout=10) as browser:

        async def redirect_handler(url: str) -> None:
            run = await authorize_in_browser(browser, world, url)
            browser_runs.append(run)
            for method, where, status in run.steps:
                requests.append(f"  browser {method} {where} -> {status}")
            requests.extend(upstream_calls())

        async def callback_handler() -> AuthorizationCodeResult:
            params = browser_runs[-1].params
            return AuthorizationCodeResult(
                code=params["code"], state=params.get("state"), iss=params.get("iss")
            )

        provider = OAuthClientProvider(
            server_url=world.mcp_url,
            client_metadata=OAuthClientMetadata(
                client_name="SDK test client",
                redirect_uris=[AnyUrl(REDIRECT_URI)],
                grant_types=["authorization_code", "refresh_token"],
                response_types=["code"],
                token_endpoint_auth_method="none",
            ),
            storage=storage,
            redirect_handler=redirect_handler,
            callback_handler=callback_handler,
            client_metadata_url=client_metadata_url,
        )
        async with httpx2.AsyncClient(
            auth=provider, timeout=30, event_hooks={"response": [on_response]}
        ) as h:
            async with Client(streamable_http_client(world.mcp_url, http_client=h), mode=mode) as client:
                first = await client.call_tool("list_workouts", {})
                assert not first.is_error, first
                first_tokens = storage.tokens
                requests.append("-- access token treated as expired: the provider refreshes --")
                provider.context.token_expiry_time = time.time() - 1
                second = await client.call_tool("list_workouts", {})
                assert not second.is_error, second
    return {"requests": requests, "storage": storage, "first_tokens": first_tokens, "runs": browser_runs}


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_sdk_client_connects_with_dcr_and_refreshes(world: World, mode: str) -> None:
    result = await run_flow(world, mode=mode)
    requests: list[str] = result["requests"]
    log.info("request log (%s, DCR):\n%s", mode, "\n".join(requests))
    print(f"\n== full flow, mode={mode}, DCR ==\n" + "\n".join(requests))

    assert any(r.startswith("POST /oauth/register -> 201") for r in requests)
    assert sum(r.startswith("POST /oauth/token -> 200") for r in requests) == 2  # code, then refresh
    assert world.store.callers == [world.user.id, world.user.id]
    storage: MemoryStorage = result["storage"]
    assert storage.tokens is not None and result["first_tokens"] is not None
    assert storage.tokens.refresh_token != result["first_tokens"].refresh_token  # rotation passed through
    params = result["runs"][0].params
    assert params["iss"] == world.url
    # Supabase saw our client, our callback, no resource and only scopes it accepts.
    assert ("POST", "/auth/v1/oauth/token", 200) in world.oauth.requests


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_sdk_client_connects_with_client_id_metadata_document(world_factory: Any, mode: str) -> None:
    with serve_metadata_document(redirect_uris=[REDIRECT_URI], client_name="CIMD test client") as doc:
        with world_factory(cimd_allow_private_networks=True, http_client=doc.trusting_client()) as world:
            result = await run_flow(world, mode=mode, client_metadata_url=doc.url)
    requests: list[str] = result["requests"]
    print(f"\n== full flow, mode={mode}, CIMD ==\n" + "\n".join(requests))
    assert not any("/oauth/register" in r for r in requests)
    assert sum(r.startswith("POST /oauth/token -> 200") for r in requests) == 2
    assert world.store.callers == [world.user.id, world.user.id]
    assert doc.hits >= 1
