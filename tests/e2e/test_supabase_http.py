"""The remote set-up end to end: the real app over HTTP with auth on, its data in the Supabase stand-in
(PostgREST + Row Level Security on real PostgreSQL), driven by the SDK client with a user's token."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from tests.e2e.conversation import conversation
from tests.live_server import LiveServer, free_port, serve
from tests.standin.pg import supabase_db  # noqa: F401  (session fixture)
from tests.standin.rest import SupabaseStandin, serve_supabase
from workout_mcp.app import create_app
from workout_mcp.config import load_settings

pytestmark = pytest.mark.postgres

CLIENT_ID = "5f0c7c52-0c5e-4b8e-9d0e-7a1f4c2b9e31"


@pytest.fixture(scope="module")
def remote(supabase_db: str) -> Iterator[tuple[LiveServer, SupabaseStandin]]:  # noqa: F811
    with serve_supabase(supabase_db) as supa:
        port = free_port()
        settings = load_settings(
            _env_file=None,
            mcp_transport="http",
            host="127.0.0.1",
            port=port,
            supabase_url=supa.url,
            supabase_anon_key=supa.anon_key,
            oauth_client_id=CLIENT_ID,
            oauth_client_secret="e2e-secret",
            secret_key="Zt3nV8qL1pR6wX9yB2cD5fG7hJ0kM4sA8uE1iO3aQ6xW",
            log_level="WARNING",
        )
        with serve(create_app(settings), port=port) as server:
            yield server, supa


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_the_training_log_conversation_on_supabase_over_http(
    remote: tuple[LiveServer, SupabaseStandin], mode: str
) -> None:
    server, supa = remote
    user, other = supa.add_user(), supa.add_user()
    async with httpx2.AsyncClient(
        headers={"Authorization": f"Bearer {supa.mint(user, client_id=CLIENT_ID)}"}, timeout=30
    ) as http:
        async with Client(streamable_http_client(f"{server.url}/mcp", http_client=http), mode=mode) as client:  # type: ignore[arg-type]
            steps = await conversation(client)
    assert len(steps) == 13
    async with httpx2.AsyncClient(
        headers={"Authorization": f"Bearer {supa.mint(other, client_id=CLIENT_ID)}"}, timeout=30
    ) as http:
        async with Client(streamable_http_client(f"{server.url}/mcp", http_client=http), mode=mode) as client:  # type: ignore[arg-type]
            board = await client.call_tool("personal_records", {})
            plans = await client.call_tool("list_plans", {})
    assert board.structured_content is not None and board.structured_content["total"] == 0
    assert plans.structured_content is not None and plans.structured_content["total"] == 0
