"""The HTTP app on real uvicorn (127.0.0.1), auth off (AUTH_MODE=none on loopback)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp import Client

from tests.live_server import LiveServer, free_port, serve
from workout_mcp.app import create_app
from workout_mcp.config import load_settings

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "0"},
    },
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    port = free_port()
    settings = load_settings(
        _env_file=None,
        mcp_transport="http",
        auth_mode="none",
        port=port,
        workout_db_path=Path(tmp_path_factory.mktemp("db")) / "w.db",
        allowed_origins="https://claude.ai,http://localhost:6274",
    )
    with serve(create_app(settings), port=port) as server:
        yield server


def post(live: LiveServer, path: str, body: Any, **headers: str) -> httpx.Response:
    return httpx.post(f"{live.url}{path}", content=json.dumps(body), headers={**MCP_HEADERS, **headers})


@pytest.mark.parametrize("path", ["/mcp", "/mcp/"])
def test_both_paths_answer_without_redirect(live: LiveServer, path: str) -> None:
    response = post(live, path, INIT)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["result"]["serverInfo"]["name"] == "workout-mcp"
    assert "mcp-session-id" not in response.headers  # stateless


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_get_and_delete_are_405(live: LiveServer, method: str) -> None:
    response = httpx.request(method, f"{live.url}/mcp", headers={"Accept": "text/event-stream"})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


def test_health_is_fast_and_local(live: LiveServer) -> None:
    response = httpx.get(f"{live.url}/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok" and body["version"]
    assert body["components"]["store"]["kind"] == "LocalStore"
    assert response.headers["x-request-id"]
    assert response.headers["x-content-type-options"] == "nosniff"


def test_index_describes_the_server(live: LiveServer) -> None:
    body = httpx.get(f"{live.url}/").json()
    assert body["mcp_endpoint"].endswith("/mcp")


def test_cors_preflight_exposes_mcp_headers(live: LiveServer) -> None:
    response = httpx.options(
        f"{live.url}/mcp",
        headers={
            "Origin": "http://localhost:6274",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, mcp-protocol-version",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "http://localhost:6274"
    assert "mcp-protocol-version" in response.headers["access-control-allow-headers"].lower()
    actual = post(live, "/mcp", INIT, Origin="http://localhost:6274")
    exposed = actual.headers["access-control-expose-headers"].lower()
    assert "www-authenticate" in exposed and "mcp-session-id" in exposed


def test_cors_refuses_unknown_origins(live: LiveServer) -> None:
    response = httpx.options(
        f"{live.url}/mcp", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
    )
    assert response.status_code == 400
    assert post(live, "/mcp", INIT, Origin="https://evil.example").status_code == 403


def test_dns_rebinding_host_is_refused(live: LiveServer) -> None:
    assert post(live, "/mcp", INIT, Host="attacker.example").status_code == 421


def test_malformed_and_oversized_bodies(live: LiveServer) -> None:
    bad = httpx.post(f"{live.url}/mcp", content=b"{not json", headers=MCP_HEADERS)
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == -32700
    huge = httpx.post(f"{live.url}/mcp", content=b" " * 2_000_000, headers=MCP_HEADERS)
    assert huge.status_code == 413
    assert httpx.get(f"{live.url}/health").status_code == 200


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_sdk_client_calls_tools_over_http(live: LiveServer, mode: str) -> None:
    async with Client(f"{live.url}/mcp", mode=mode) as client:  # type: ignore[arg-type]
        tools = {t.name for t in (await client.list_tools()).tools}
        assert "training_summary" in tools
        logged = await client.call_tool(
            "log_workout",
            {
                "started_at": "2026-11-18T17:00:00Z",
                "sets": [{"exercise": "Squat", "reps": 5, "weight_kg": 100}],
            },
        )
        assert not logged.is_error
        records = await client.call_tool("personal_records", {"exercise": "Squat"})
        assert records.structured_content is not None
        assert records.structured_content["heaviest_set"]["weight"] == 100


def test_discovery_preflight_is_open_to_any_origin(live: LiveServer) -> None:
    response = httpx.options(
        f"{live.url}/.well-known/oauth-protected-resource/mcp",
        headers={
            "Origin": "https://some-browser-client.example",
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "mcp-protocol-version",
        },
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert response.headers["access-control-allow-headers"] == "mcp-protocol-version"


async def test_a_tool_call_writes_one_line_with_its_audit_fields(
    live: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    async with Client(f"{live.url}/mcp", mode="legacy") as client:  # type: ignore[arg-type]
        await client.call_tool("search_exercises", {"query": "squat"})
    lines = [r for r in caplog.records if r.name == "workout_mcp.access" and getattr(r, "tool", None)]
    assert len(lines) == 1
    line = lines[0]
    assert line.tool == "search_exercises" and line.outcome == "ok"
    assert line.status == 200 and line.arguments_bytes > 0 and line.result_bytes > 0
    assert not [r for r in caplog.records if r.name == "workout_mcp.audit"]
