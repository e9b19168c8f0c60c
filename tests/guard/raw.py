"""The real HTTP app over a given store, spoken to in raw JSON-RPC: arguments go on the wire as a
careless client would write them (NaN and Infinity literals included), nothing re-validated on the way."""

from __future__ import annotations

import itertools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from workout_mcp.app import create_app
from workout_mcp.config import load_settings
from workout_mcp.store.base import WorkoutStore

HEADERS = {
    "content-type": "application/json",
    "accept": "application/json, text/event-stream",
    "mcp-protocol-version": "2025-06-18",
}


@dataclass
class RawMCP:
    client: httpx.AsyncClient
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    async def request(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        document = {"jsonrpc": "2.0", "id": next(self.ids), "method": method, "params": params}
        body = json.dumps(document, allow_nan=True).encode()
        response = await self.client.post("/mcp", content=body, headers=HEADERS)
        assert response.status_code == 200, (response.status_code, response.text[:500])
        answer: dict[str, Any] = response.json()
        return answer

    async def tools(self) -> list[dict[str, Any]]:
        answer = await self.request("tools/list", {})
        tools: list[dict[str, Any]] = answer["result"]["tools"]
        return tools

    async def call(self, tool: str, arguments: Any) -> dict[str, Any]:
        """The `CallToolResult` as JSON; a JSON-RPC error fails the caller's test."""
        answer = await self.request("tools/call", {"name": tool, "arguments": arguments})
        assert "result" in answer, answer
        result: dict[str, Any] = answer["result"]
        return result


def text_of(result: dict[str, Any]) -> str:
    return " ".join(str(c.get("text", "")) for c in result.get("content", []))


@asynccontextmanager
async def raw_mcp(store: WorkoutStore, tmp_path: Path) -> AsyncIterator[RawMCP]:
    settings = load_settings(
        _env_file=None,
        mcp_transport="http",
        auth_mode="none",
        rate_limit_enabled=False,
        workout_db_path=tmp_path / "unused.db",
    )
    app = create_app(settings, store=store)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000", timeout=30) as client,
    ):
        yield RawMCP(client)
