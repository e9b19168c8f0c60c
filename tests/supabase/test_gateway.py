"""The Supabase gateway: one parser of every error shape, one timeout and retry policy, its layer."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import httpx
import pytest

from workout_mcp.supabase import SupabaseError, SupabaseGateway, parse_error

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "workout_mcp" / "supabase"


@pytest.mark.parametrize(
    ("body", "code", "shape", "message"),
    [
        (
            {"code": 400, "error_code": "invalid_credentials", "msg": "Invalid login credentials"},
            "invalid_credentials",
            "gotrue",
            "Invalid login credentials",
        ),
        (
            {"code": "captcha_failed", "message": "captcha protection: request disallowed"},
            "captcha_failed",
            "gotrue",
            "captcha protection: request disallowed",
        ),
        (
            {"error": "invalid_grant", "error_description": "Invalid authorization code"},
            "invalid_grant",
            "oauth",
            "Invalid authorization code",
        ),
        (
            {
                "code": "42501",
                "message": "new row violates row-level security policy",
                "details": None,
                "hint": None,
            },
            "42501",
            "postgrest",
            "new row violates row-level security policy",
        ),
        (
            {
                "message": "No API key found in request",
                "hint": "No `apikey` request header or url param was found.",
            },
            "",
            "gateway",
            "No API key found in request",
        ),
        ("not an object", "", "none", ""),
    ],
)
def test_every_supabase_error_shape_is_parsed_in_one_place(
    body: Any, code: str, shape: str, message: str
) -> None:
    error = parse_error(400, body)
    assert (error.code, error.shape, error.message) == (code, shape, message)
    assert not error.unavailable


def _gateway(handler: Any, **kw: Any) -> tuple[SupabaseGateway, list[float]]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return SupabaseGateway(http, "https://ref.supabase.co", "anon", sleep=sleep, **kw), slept


async def test_idempotent_requests_are_retried_after_a_5xx_and_others_never() -> None:
    calls: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request.method)
        if len(calls) == 1:
            return httpx.Response(503, json={"code": "PGRST000", "message": "down", "details": None})
        return httpx.Response(200, json=[{"id": 1}])

    gateway, slept = _gateway(handler)
    response = await gateway.request("GET", "/rest/v1/workouts", what="workouts", idempotent=True)
    assert response.body == [{"id": 1}] and calls == ["GET", "GET"] and slept == [0.1]
    calls.clear()
    with pytest.raises(SupabaseError) as refused:
        await gateway.request("POST", "/auth/v1/oauth/token", what="token")
    assert refused.value.status == 503 and refused.value.unavailable and calls == ["POST"]


async def test_a_timeout_is_never_retried_and_every_request_carries_the_apikey() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        raise httpx.ReadTimeout("slow", request=request)

    gateway, _ = _gateway(handler, timeout=3)
    with pytest.raises(SupabaseError) as timed_out:
        await gateway.request("GET", "/auth/v1/.well-known/jwks.json", what="jwks", idempotent=True)
    assert timed_out.value.timed_out and timed_out.value.status is None
    assert len(seen) == 1 and seen[0].headers["apikey"] == "anon"


def test_the_gateway_imports_nothing_above_it() -> None:
    for source in PACKAGE.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(
                    ("workout_mcp.auth", "workout_mcp.store", "workout_mcp.surface", "workout_mcp.app")
                ), f"{source.name} imports {node.module}"


def counting_transports(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    made: list[dict[str, Any]] = []
    real = httpx.AsyncHTTPTransport.__init__

    def init(self: httpx.AsyncHTTPTransport, **options: Any) -> None:
        made.append(options)
        real(self, **options)

    monkeypatch.setattr(httpx.AsyncHTTPTransport, "__init__", init)
    return made


async def test_a_server_on_the_local_log_builds_no_upstream_transport(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No TLS context (~30 ms, ~2 MiB) for a server that never calls out."""
    from workout_mcp.app import create_app
    from workout_mcp.config import load_settings

    made = counting_transports(monkeypatch)
    settings = load_settings(
        _env_file=None,
        mcp_transport="http",
        auth_mode="none",
        workout_db_path=tmp_path / "w.db",
        metrics_port=0,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000"
        ) as c:
            listed = await c.post(
                "/mcp",
                json={"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": "list_workouts", "arguments": {}}},
                headers={"Accept": "application/json", "Mcp-Protocol-Version": "2025-11-25"},
            )  # fmt: skip
    assert listed.status_code == 200 and listed.json()["result"]["structuredContent"]["total"] == 0
    assert made == []


async def test_the_upstream_transport_is_made_on_the_first_call_with_its_options_and_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from workout_mcp.supabase import LazyTransport

    made = counting_transports(monkeypatch)
    limits = httpx.Limits(max_connections=3)
    transport = LazyTransport(limits=limits)
    closed: list[bool] = []
    async with httpx.AsyncClient(transport=transport) as client:
        assert made == []
        for _ in range(2):
            with pytest.raises(httpx.ConnectError):  # nothing listens on port 9: the calls still went through
                await client.get("http://127.0.0.1:9/")
        inner = transport.transport
        real_close = inner.aclose

        async def aclose() -> None:
            closed.append(True)
            await real_close()

        monkeypatch.setattr(inner, "aclose", aclose)
    assert made == [{"limits": limits}]  # one transport for the client's life, with the options given
    assert closed == [True]  # closed with the client
