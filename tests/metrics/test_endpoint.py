"""`python -m workout_mcp.server` over HTTP with METRICS_PORT: scrape `/metrics` on loopback, see counters move.

Two real processes: one on the embedded store (tool calls, the per-user rate limit), one in front of the
Supabase stand-in (bearer challenges, the JWKS fetch, Supabase call latency, OAuth facade outcomes).
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.clients.support import ServerProcess, server_process
from tests.live_server import free_port
from tests.standin.fixtures import Standin, run_standin

CLIENT_ID = "6f1f8f0e-2b7c-4d5e-9a41-metrics00001"
SECRET_KEY = "p7Hq2Zr9Lm4Tx8Vb1Nc6Jd3Kf5Wg0Ys2Ue7Ia4Ob9Qh"
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
MCP_HEADERS = {"content-type": "application/json", "accept": "application/json, text/event-stream"}


def scrape(port: int) -> Samples:
    response = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
    assert response.status_code == 200
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def rpc(method: str, params: dict[str, object] | None = None, request_id: int = 1) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params or {}})


def tool_call(name: str, arguments: dict[str, object], request_id: int) -> str:
    return rpc("tools/call", {"name": name, "arguments": arguments}, request_id)


@pytest.fixture
def local_server(tmp_path: Path) -> Iterator[tuple[ServerProcess, int]]:
    metrics_port = free_port()
    with server_process(
        tmp_path / "local", METRICS_PORT=str(metrics_port), RATE_LIMIT_PER_HOUR="3"
    ) as server:
        yield server, metrics_port


def test_tool_calls_requests_and_rate_limit_refusals_are_counted(
    local_server: tuple[ServerProcess, int],
) -> None:
    server, metrics_port = local_server
    before = scrape(metrics_port)
    with httpx.Client(timeout=10) as client:
        ok = client.post(
            server.mcp_url, content=tool_call("search_exercises", {"query": "squat"}, 1), headers=MCP_HEADERS
        )
        assert ok.status_code == 200 and not ok.json()["result"].get("isError"), ok.text
        bad = client.post(
            server.mcp_url, content=tool_call("get_workout", {"workout_id": "nope"}, 2), headers=MCP_HEADERS
        )
        assert bad.json()["result"]["isError"] is True
        client.post(
            server.mcp_url, content=tool_call("search_exercises", {"query": "row"}, 3), headers=MCP_HEADERS
        )
        refused = client.post(
            server.mcp_url, content=tool_call("search_exercises", {}, 4), headers=MCP_HEADERS
        )
        assert refused.status_code == 429
        assert client.get(f"{server.url}/health").status_code == 200
        assert client.get(f"{server.url}/no/such/page").status_code == 404
        # Never on the public port.
        assert client.get(f"{server.url}/metrics").status_code == 404
    after = scrape(metrics_port)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("workout_mcp_tool_calls_total", tool="search_exercises", outcome="ok") == 2
    assert moved("workout_mcp_tool_calls_total", tool="get_workout", outcome="tool_error") == 1
    assert moved("workout_mcp_tool_call_duration_seconds_count", tool="search_exercises") == 2
    assert moved("workout_mcp_http_requests_total", route="/mcp", status="2xx") == 3
    assert moved("workout_mcp_http_requests_total", route="/mcp", status="4xx") == 1
    assert moved("workout_mcp_rate_limited_total", limit="user") == 1
    assert moved("workout_mcp_http_requests_total", route="/health", status="2xx") == 1
    # An unknown path is `other`, never itself a label.
    assert moved("workout_mcp_http_requests_total", route="other", status="4xx") == 2
    assert not any("/no/such/page" in str(labels) for _, labels in after)
    assert value(after, "process_resident_memory_bytes") > 0
    assert value(after, "workout_mcp_build_info", version=_version()) == 1


def _version() -> str:
    from workout_mcp import __version__

    return __version__


@pytest.fixture
def standin() -> Iterator[Standin]:
    with run_standin() as sb:
        yield sb


@pytest.fixture
def supabase_server(tmp_path: Path, standin: Standin) -> Iterator[tuple[ServerProcess, int]]:
    metrics_port = free_port()
    with server_process(
        tmp_path / "remote",
        METRICS_PORT=str(metrics_port),
        AUTH_MODE="supabase",
        SUPABASE_URL=standin.url,
        SUPABASE_ANON_KEY=standin.anon_key,
        OAUTH_CLIENT_ID=CLIENT_ID,
        OAUTH_CLIENT_SECRET="metrics-test-client-secret",
        SECRET_KEY=SECRET_KEY,
    ) as server:
        yield server, metrics_port


def test_auth_jwks_supabase_and_oauth_outcomes_are_counted(
    supabase_server: tuple[ServerProcess, int], standin: Standin
) -> None:
    server, metrics_port = supabase_server
    token = standin.mint(standin.add_user("metrics@example.com"), client_id=CLIENT_ID)
    with httpx.Client(timeout=10) as client:
        assert client.post(server.mcp_url, content=rpc("tools/list"), headers=MCP_HEADERS).status_code == 401
        listed = client.post(
            server.mcp_url,
            content=rpc("tools/list"),
            headers={**MCP_HEADERS, "authorization": f"Bearer {token}"},
        )
        assert listed.status_code == 200, listed.text
        registered = client.post(
            f"{server.url}/oauth/register",
            json={"redirect_uris": ["http://127.0.0.1:9/callback"], "client_name": "metrics test"},
        )
        assert registered.status_code == 201, registered.text
        refused = client.post(f"{server.url}/oauth/token", data={"grant_type": "password"})
        assert refused.status_code == 400
        page = client.get(f"{server.url}/oauth/authorize", params={"client_id": "forged"})
        assert page.status_code == 400
    samples = scrape(metrics_port)
    assert value(samples, "workout_mcp_http_requests_total", route="/mcp", status="4xx") == 1
    assert value(samples, "workout_mcp_http_requests_total", route="/mcp", status="2xx") == 1
    assert value(samples, "workout_mcp_jwks_fetches_total", outcome="ok") == 1
    assert value(samples, "workout_mcp_supabase_requests_total", endpoint="auth/jwks.json", outcome="ok") == 1
    assert (
        value(samples, "workout_mcp_supabase_request_duration_seconds_count", endpoint="auth/jwks.json") == 1
    )
    assert (
        value(
            samples, "workout_mcp_oauth_outcomes_total", endpoint="register", outcome="registered", reason=""
        )
        == 1
    )
    assert (
        value(
            samples,
            "workout_mcp_oauth_outcomes_total",
            endpoint="token",
            outcome="refused",
            reason="unsupported_grant_type",
        )
        == 1
    )
    assert (
        value(
            samples,
            "workout_mcp_oauth_outcomes_total",
            endpoint="authorize",
            outcome="refused",
            reason="error_page",
        )
        == 1
    )
    # No client id, user id or token anywhere in the exposition.
    text = httpx.get(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).text
    assert CLIENT_ID not in text and token not in text and "metrics@example.com" not in text


def test_a_taken_metrics_port_leaves_the_server_answering_without_metrics(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with server_process(tmp_path / "clash", METRICS_PORT=str(port), LOG_LEVEL="INFO") as server:
            answer = httpx.post(
                server.mcp_url, content=tool_call("search_exercises", {}, 1), headers=MCP_HEADERS
            )
            assert answer.status_code == 200, answer.text
            assert "serving without metrics" in server.log.read_text()
