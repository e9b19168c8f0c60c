"""`resources/read` reaches the store, so it spends the per-user budget exactly as a tool call does."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.ratelimit.support import tool_call
from workout_mcp.app import create_app
from workout_mcp.config import load_settings

HEADERS = {
    "content-type": "application/json",
    "accept": "application/json, text/event-stream",
    "mcp-protocol-version": "2025-06-18",
}


def resource_read(request_id: int, uri: str = "workout://exercises/catalogue") -> bytes:
    document = {"jsonrpc": "2.0", "id": request_id, "method": "resources/read", "params": {"uri": uri}}
    return json.dumps(document).encode()


def _app(tmp_path: Path, per_hour: int):  # type: ignore[no-untyped-def]
    settings = load_settings(
        mcp_transport="http",
        auth_mode="none",
        rate_limit_per_hour=per_hour,
        workout_db_path=tmp_path / "w.db",
    )
    return create_app(settings)


async def test_resource_reads_are_refused_once_tool_calls_spent_the_budget(tmp_path: Path) -> None:
    app = _app(tmp_path, per_hour=3)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000") as client,
    ):
        calls = [await client.post("/mcp", content=tool_call(i), headers=HEADERS) for i in range(4)]
        reads = [await client.post("/mcp", content=resource_read(10 + i), headers=HEADERS) for i in range(60)]
    assert [c.status_code for c in calls] == [200, 200, 200, 429]
    assert {r.status_code for r in reads} == {429}
    assert reads[0].json()["id"] == 10


async def test_resource_reads_spend_the_budget_and_carry_ratelimit_headers(tmp_path: Path) -> None:
    app = _app(tmp_path, per_hour=2)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000") as client,
    ):
        first = await client.post("/mcp", content=resource_read(1), headers=HEADERS)
        second = await client.post("/mcp", content=resource_read(2), headers=HEADERS)
        call = await client.post("/mcp", content=tool_call(3), headers=HEADERS)
        listing = await client.post(
            "/mcp", content=b'{"jsonrpc":"2.0","id":4,"method":"resources/list"}', headers=HEADERS
        )
    assert first.status_code == 200 and "Squat" in first.json()["result"]["contents"][0]["text"]
    assert first.headers["ratelimit"] == '"hour";r=1;t=3600'
    assert second.status_code == 200
    assert call.status_code == 429
    # Listing what exists never touches the store, so it is not counted.
    assert listing.status_code == 200


async def test_a_mislabelled_mcp_method_header_does_not_skip_the_count_of_a_read(tmp_path: Path) -> None:
    app = _app(tmp_path, per_hour=1)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000") as client,
    ):
        lying = {**HEADERS, "mcp-method": "ping"}
        answers = [await client.post("/mcp", content=resource_read(i), headers=lying) for i in range(2)]
    assert [a.status_code for a in answers][1] == 429
