"""The in-task exchange answers exactly as the SDK's own stateless path: same status, headers and bytes.

Every request of the corpus goes once through the session manager's ASGI app (the SDK's path) and once
through `StatelessExchange`, on one running manager, and the two answers are compared byte for byte.
A second test proves the comparison is not vacuous: the well-formed requests never reach the SDK's path.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.transport_security import TransportSecuritySettings
from pydantic import BaseModel

from workout_mcp.config import load_settings
from workout_mcp.http.stateless_exchange import StatelessExchange
from workout_mcp.store.local import LocalStore
from workout_mcp.surface.server import build_mcp_server

JSON_AND_SSE = "application/json, text/event-stream"
LEGACY = "2025-11-25"


class Answer(BaseModel):
    yes: bool


def probe_server() -> MCPServer:
    mcp = MCPServer("probe")

    @mcp.tool()
    async def echo(text: str) -> str:
        return text

    @mcp.tool()
    def echo_sync(text: str, times: int = 1) -> str:
        return text * times

    @mcp.tool()
    async def refuse() -> str:
        raise ToolError("refused on purpose")

    @mcp.tool()
    async def crash() -> str:
        raise RuntimeError("internal detail")

    @mcp.tool()
    async def chatty(ctx: Context) -> str:
        await ctx.report_progress(1, 2, "half")
        return "done"

    @mcp.tool()
    async def ask(ctx: Context) -> str:
        result = await ctx.elicit("sure?", Answer)
        return str(result)

    @mcp.tool()
    async def header(ctx: Context) -> str:
        return (ctx.headers or {}).get("x-probe", "none")

    @mcp.resource("probe://fixed")
    def fixed() -> str:
        return "fixed text"

    @mcp.prompt()
    def greet(name: str) -> str:
        return f"hello {name}"

    return mcp


def workout_server(db: Path) -> MCPServer:
    settings = load_settings(_env_file=None, mcp_transport="http", auth_mode="none", workout_db_path=db)
    return build_mcp_server(settings, LocalStore(db))


def rpc(method: str, params: dict[str, Any] | None = None, request_id: Any = 1) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
    if params is not None:
        message["params"] = params
    return message


def call(name: str, arguments: dict[str, Any] | None = None, request_id: Any = 1) -> dict[str, Any]:
    return rpc("tools/call", {"name": name, "arguments": arguments or {}}, request_id)


INITIALIZE = rpc(
    "initialize",
    {"protocolVersion": LEGACY, "capabilities": {}, "clientInfo": {"name": "t", "version": "0"}},
)

# (name, body: bytes | JSON-able, extra or replaced headers, reaches the in-task path)
PROBE_CASES: list[tuple[str, Any, dict[str, str | None], bool]] = [
    ("initialize", INITIALIZE, {}, True),
    (
        "initialize 2025-06-18",
        {**INITIALIZE, "params": {**INITIALIZE["params"], "protocolVersion": "2025-06-18"}},
        {"mcp-protocol-version": None},
        True,
    ),
    ("ping", rpc("ping"), {}, True),
    ("tools/list", rpc("tools/list"), {}, True),
    ("tools/list without a version header", rpc("tools/list"), {"mcp-protocol-version": None}, True),
    ("tools/list at 2025-06-18", rpc("tools/list"), {"mcp-protocol-version": "2025-06-18"}, True),
    ("tools/call", call("echo", {"text": "hi"}), {}, True),
    ("tools/call, string id", call("echo", {"text": "hi"}, "abc"), {}, True),
    ("tools/call, id 0", call("echo", {"text": "hi"}, 0), {}, True),
    ("sync tool", call("echo_sync", {"text": "ab", "times": 3}), {}, True),
    ("missing argument", call("echo"), {}, True),
    ("argument of the wrong type", call("echo_sync", {"text": "a", "times": "many"}), {}, True),
    ("unknown tool", call("nope"), {}, True),
    ("tool error", call("refuse"), {}, True),
    ("tool crash", call("crash"), {}, True),
    ("progress notifications have no wire", call("chatty"), {}, True),
    (
        "progress token",
        {**call("chatty"), "params": {"name": "chatty", "arguments": {}, "_meta": {"progressToken": 7}}},
        {},
        True,
    ),
    ("elicitation without a back channel", call("ask"), {}, True),
    ("request headers reach the tool", call("header"), {"x-probe": "seen"}, True),
    ("resources/list", rpc("resources/list"), {}, True),
    ("resources/read", rpc("resources/read", {"uri": "probe://fixed"}), {}, True),
    ("resources/read unknown", rpc("resources/read", {"uri": "probe://missing"}), {}, True),
    ("prompts/get", rpc("prompts/get", {"name": "greet", "arguments": {"name": "x"}}), {}, True),
    ("unknown method", rpc("workouts/everything"), {}, True),
    ("malformed params", rpc("tools/call", {"arguments": 3}), {}, True),
    ("extra top-level member", {**call("echo", {"text": "x"}), "extra": 1}, {}, True),
    (
        "charset in content type",
        call("echo", {"text": "x"}),
        {"content-type": "application/json; charset=utf-8"},
        True,
    ),
    ("accept */*", call("echo", {"text": "x"}), {"accept": "*/*"}, True),
    ("accept json only", call("echo", {"text": "x"}), {"accept": "application/json"}, True),
    # Everything below is the SDK's to answer: the exchange hands it over with the body it read.
    ("notification", {"jsonrpc": "2.0", "method": "notifications/initialized"}, {}, False),
    (
        "cancel notification",
        {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 1}},
        {},
        False,
    ),
    ("a response", {"jsonrpc": "2.0", "id": 1, "result": {}}, {}, False),
    ("an error response", {"jsonrpc": "2.0", "id": 1, "error": {"code": 1, "message": "x"}}, {}, False),
    ("batch", [call("echo", {"text": "a"}), call("echo", {"text": "b"}, 2)], {}, False),
    ("empty batch", [], {}, False),
    ("not JSON", b"{not json", {}, False),
    ("empty body", b"", {}, False),
    ("deep nesting", b"[" * 5000 + b"]" * 5000, {}, False),
    ("huge integer", b'{"jsonrpc":"2.0","id":1' + b"0" * 5000 + b',"method":"ping"}', {}, False),
    ("not UTF-8", b'{"jsonrpc":"2.0","id":1,"method":"\xff"}', {}, False),
    ("wrong jsonrpc version", {**rpc("ping"), "jsonrpc": "1.0"}, {}, False),
    ("id of the wrong type", rpc("ping", request_id=[1]), {}, False),
    ("no accept header", call("echo", {"text": "x"}), {"accept": None}, False),
    ("accept SSE only", call("echo", {"text": "x"}), {"accept": "text/event-stream"}, False),
    ("json-ish content type", call("echo", {"text": "x"}), {"content-type": "application/json-seq"}, False),
    ("text content type", call("echo", {"text": "x"}), {"content-type": "text/plain"}, True),
    ("no content type", call("echo", {"text": "x"}), {"content-type": None}, True),
    ("foreign host", call("echo", {"text": "x"}), {"host": "evil.example"}, True),
    ("foreign origin", call("echo", {"text": "x"}), {"origin": "https://evil.example"}, True),
    ("allowed origin", call("echo", {"text": "x"}), {"origin": "http://localhost:6274"}, True),
    (
        "2026-07-28 request",
        {
            **rpc("tools/list"),
            "params": {
                "_meta": {
                    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                    "io.modelcontextprotocol/clientCapabilities": {},
                }
            },
        },
        {"mcp-protocol-version": "2026-07-28", "mcp-method": "tools/list"},
        False,
    ),
    ("unknown protocol version", rpc("tools/list"), {"mcp-protocol-version": "1999-01-01"}, False),
]

WORKOUT_CASES: list[tuple[str, Any, dict[str, str | None], bool]] = [
    ("tools/list", rpc("tools/list"), {}, True),
    (
        "log a workout",
        call(
            "log_workout",
            {
                "title": "Legs",
                "started_at": "2026-01-05T10:00:00Z",
                "sets": [{"exercise": "Squat", "reps": 5, "weight": 100}],
            },
        ),
        {},
        True,
    ),
    ("refused date", call("list_workouts", {"since": "0001-01-01"}), {}, True),
    (
        "coach-like validation error",
        call("log_workout", {"title": "x", "sets": [{"exercise": "Squat", "reps": -1}]}),
        {},
        True,
    ),
    ("records board", call("personal_records", {}), {}, True),
    ("resources/list", rpc("resources/list"), {}, True),
]


def scope_for(method: str, headers: dict[str, str | None]) -> dict[str, Any]:
    merged: dict[str, str | None] = {
        "host": "127.0.0.1:8000",
        "content-type": "application/json",
        "accept": JSON_AND_SSE,
        "mcp-protocol-version": LEGACY,
        **headers,
    }
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/mcp",
        "raw_path": b"/mcp",
        "root_path": "",
        "query_string": b"",
        "headers": [(k.encode(), v.encode()) for k, v in merged.items() if v is not None],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": {},
    }


async def exchange(
    app: Any, body: Any, headers: dict[str, str | None], method: str = "POST"
) -> tuple[Any, ...]:
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    messages = [{"type": "http.request", "body": raw, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope_for(method, headers), receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    content = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], sorted(start.get("headers", [])), content


def security() -> TransportSecuritySettings:
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=["127.0.0.1:*", "localhost:*"],
        allowed_origins=["http://localhost:*"],
    )


@contextlib.asynccontextmanager
async def running(mcp: MCPServer) -> AsyncIterator[MCPServer]:
    """The server's stateless JSON manager, running (its `run()` is what the app's lifespan enters)."""
    mcp.streamable_http_app(stateless_http=True, json_response=True, transport_security=security())
    async with mcp.session_manager.run():
        yield mcp


def counting_sdk_path(mcp: MCPServer, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every request the exchange hands to the SDK's own path."""
    manager = mcp.session_manager
    handed: list[str] = []
    original = manager.asgi_app

    async def counted(scope: Any, receive: Any, send: Any) -> None:
        handed.append(scope["method"])
        await original(scope, receive, send)

    monkeypatch.setattr(manager, "asgi_app", counted)
    return handed


@pytest.mark.parametrize(("name", "body", "headers", "in_task"), PROBE_CASES, ids=[c[0] for c in PROBE_CASES])
async def test_every_answer_is_the_sdks_own_byte_for_byte(
    name: str, body: Any, headers: dict[str, str | None], in_task: bool
) -> None:
    async with running(probe_server()) as probe:
        sdk = await exchange(probe.session_manager.asgi_app, body, headers)
        ours = await exchange(StatelessExchange(probe.session_manager), body, headers)
    assert ours == sdk


@pytest.mark.parametrize(
    ("name", "body", "headers", "in_task"), WORKOUT_CASES, ids=[c[0] for c in WORKOUT_CASES]
)
async def test_the_workout_server_answers_as_through_the_sdk(
    tmp_path: Path, name: str, body: Any, headers: dict[str, str | None], in_task: bool
) -> None:
    async with running(workout_server(tmp_path / "w.db")) as workouts:
        sdk = await exchange(workouts.session_manager.asgi_app, body, headers)
        ours = await exchange(StatelessExchange(workouts.session_manager), body, headers)
    if name == "log a workout":  # each call saves a workout: same shape, its own id and time
        assert ours[:2] == sdk[:2]
        assert json.loads(ours[2])["result"]["structuredContent"]["title"] == "Legs"
    else:
        assert ours == sdk


@pytest.mark.parametrize(("name", "body", "headers", "in_task"), PROBE_CASES, ids=[c[0] for c in PROBE_CASES])
async def test_well_formed_requests_never_take_the_sdks_per_request_path(
    monkeypatch: pytest.MonkeyPatch, name: str, body: Any, headers: dict[str, str | None], in_task: bool
) -> None:
    async with running(probe_server()) as probe:
        endpoint = StatelessExchange(probe.session_manager)
        handed = counting_sdk_path(probe, monkeypatch)
        await exchange(endpoint, body, headers)
    assert handed == ([] if in_task else ["POST"])


@pytest.mark.parametrize("method", ["GET", "DELETE", "PUT"])
async def test_other_methods_are_the_sdks_to_answer(method: str) -> None:
    async with running(probe_server()) as probe:
        sdk = await exchange(probe.session_manager.asgi_app, b"", {}, method)
        ours = await exchange(StatelessExchange(probe.session_manager), b"", {}, method)
    assert ours == sdk


async def test_an_oversized_body_is_refused_as_by_the_sdk() -> None:
    async with running(probe_server()) as probe:
        body = call("echo", {"text": "x" * (probe.session_manager.max_request_body_size + 1)})
        sdk = await exchange(probe.session_manager.asgi_app, body, {})
        ours = await exchange(StatelessExchange(probe.session_manager), body, {})
    assert ours == sdk
    assert ours[0] == 413


async def test_a_manager_that_is_not_running_fails_as_the_sdk_does() -> None:
    mcp = probe_server()
    mcp.streamable_http_app(stateless_http=True, json_response=True)
    with pytest.raises(RuntimeError, match="Task group is not initialized"):
        await exchange(StatelessExchange(mcp.session_manager), call("echo", {"text": "x"}), {})


def test_only_stateless_json_managers_are_served() -> None:
    mcp = probe_server()
    mcp.streamable_http_app(stateless_http=True, json_response=False)
    with pytest.raises(ValueError, match="stateless JSON-response"):
        StatelessExchange(mcp.session_manager)
