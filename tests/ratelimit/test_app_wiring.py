"""The limiter as `create_app` wires it: after auth, before the SDK, visible in `/health`."""

from __future__ import annotations

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


async def test_create_app_limits_tool_calls_and_reports_health(tmp_path: Path) -> None:
    settings = load_settings(
        mcp_transport="http", auth_mode="none", rate_limit_per_hour=2, workout_db_path=tmp_path / "w.db"
    )
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client,
    ):
        answers = [await client.post("/mcp", content=tool_call(i), headers=HEADERS) for i in range(3)]
        health = (await client.get("/health")).json()
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].json()["id"] == 0
    assert answers[0].headers["ratelimit"] == '"hour";r=1;t=3600'
    assert answers[2].json()["id"] == 2
    assert answers[2].headers["retry-after"] == "3600"
    assert health["components"]["rate_limit"]["mcp"]["backend"] == "memory"
