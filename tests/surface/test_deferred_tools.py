"""Tools built on first use: the shipped schemas are what the SDK builds, and nothing a client sees changes.

`tools/list` of a server whose tools are all still pending (schemas from `tool_schemas.json`) must equal,
field for field and in order, the list of the same server with every tool built by the SDK; a call builds
only the tool it names; a tool the file does not know is built when listed.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError

import workout_mcp.surface.deferred_tools as deferred
from workout_mcp.config import load_settings
from workout_mcp.store.local import LocalStore
from workout_mcp.surface.deferred_tools import (
    SCHEMAS_FILE,
    DeferredToolsServer,
    dumps,
    every_tool_server,
    generate,
    shipped_schemas,
)
from workout_mcp.surface.server import build_mcp_server

SETTINGS = [
    {"auth_mode": "none"},
    {"auth_mode": "none", "read_only": True},
    {
        "auth_mode": "supabase",
        "mcp_transport": "http",
        "supabase_url": "https://project.supabase.co",
        "supabase_anon_key": "anon-key-0123456789abcdef",
        "public_url": "https://workouts.example.com",
        "oauth_client_id": "6f1f8f0e-2b7c-4d5e-9a41-000000000001",
        "oauth_client_secret": "client-secret",
        "secret_key": "test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    },
]


def _server(tmp_path: Path, **settings: Any) -> DeferredToolsServer:
    server = build_mcp_server(load_settings(_env_file=None, **settings), LocalStore(tmp_path / "log.db"))
    assert isinstance(server, DeferredToolsServer)
    return server


def _listed(tools: list[Any]) -> list[dict[str, Any]]:
    return [t.model_dump(by_alias=True, mode="json") for t in tools]


async def test_the_shipped_file_is_what_the_sdk_builds_now() -> None:
    shipped = (Path(deferred.__file__).with_name(SCHEMAS_FILE)).read_text("utf-8")
    assert shipped == dumps(await generate(every_tool_server())), (
        f"{SCHEMAS_FILE} is stale: run `make tool-schemas` and commit it"
    )


@pytest.mark.parametrize("settings", SETTINGS, ids=["local", "read-only", "supabase"])
async def test_tools_list_is_the_same_with_every_tool_pending_or_built(
    tmp_path: Path, settings: dict[str, Any]
) -> None:
    pending = _server(tmp_path, **settings)
    names = pending.pending_tools()
    assert len(names) >= 20 if not settings.get("read_only") else len(names) >= 10
    from_file = await pending.list_tools()
    assert pending.pending_tools() == names, "tools/list built a tool the file knows"

    built = _server(tmp_path, **settings)
    for name in names:
        assert built.built_tool(name) is not None
    assert built.pending_tools() == []
    # The reference is the SDK's own listing of the built tools, not the file our list_tools reads.
    assert _listed(from_file) == _listed(await MCPServer.list_tools(built))
    assert _listed(await built.list_tools()) == _listed(from_file)
    assert [t.name for t in from_file] == names


def _sdk_server(server: DeferredToolsServer) -> MCPServer:
    """A plain `MCPServer` given the same tools, in order: what the SDK alone would answer."""
    plain = MCPServer(server.name)
    for name in server.pending_tools():
        p = server.pending_tool(name)
        assert p is not None
        plain.add_tool(
            p.fn, p.name, p.title, p.description, p.annotations, p.icons, p.meta, p.structured_output
        )
    return plain


async def test_over_the_wire_the_client_sees_the_same_tools(tmp_path: Path) -> None:
    pending = _server(tmp_path, auth_mode="none")
    eager = _sdk_server(_server(tmp_path, auth_mode="none"))
    async with Client(pending) as a, Client(eager) as b:
        listed_a, listed_b = await a.list_tools(), await b.list_tools()
    assert _listed(listed_a.tools) == _listed(listed_b.tools)
    assert len(listed_a.tools) == len(shipped_schemas())


async def test_a_call_builds_only_the_tool_it_names(tmp_path: Path) -> None:
    server = _server(tmp_path, auth_mode="none")
    before = server.pending_tools()
    async with Client(server) as client:
        result = await client.call_tool("list_workouts", {"limit": 2})
        assert not result.is_error
        assert server.pending_tools() == [n for n in before if n != "list_workouts"]
        bad = await client.call_tool("get_workout", {"workout_id": ""})
    assert bad.is_error
    assert "workout_id must not be empty" in bad.content[0].text  # type: ignore[union-attr]
    assert "get_workout" not in server.pending_tools()


async def test_an_unknown_tool_is_the_sdks_error_and_builds_nothing(tmp_path: Path) -> None:
    server = _server(tmp_path, auth_mode="none")
    before = server.pending_tools()
    with pytest.raises(ToolError, match="Unknown tool: no_such_tool"):
        await server.call_tool("no_such_tool", {})
    assert server._tool_input_schema("no_such_tool") is None
    assert server.pending_tools() == before


async def test_a_tool_the_file_does_not_know_is_built_when_listed(tmp_path: Path) -> None:
    known = shipped_schemas()
    server = _server(tmp_path, auth_mode="none")
    server._tool_schemas = lambda: {n: s for n, s in known.items() if n != "log_workout"}

    async def bench_echo(text: str) -> str:
        """Echo."""
        return text

    server.add_tool(bench_echo)
    listed = {t.name: t for t in await server.list_tools()}
    assert "log_workout" not in server.pending_tools()
    assert "bench_echo" not in server.pending_tools()
    assert listed["bench_echo"].input_schema["required"] == ["text"]
    assert listed["log_workout"].input_schema == known["log_workout"].input_schema
    assert "list_workouts" in server.pending_tools()


def test_registration_keeps_the_first_of_two_tools_of_one_name_and_removes_either_kind(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = _server(tmp_path, auth_mode="none")

    def get_workout(other: int) -> int:
        return other

    with caplog.at_level(logging.WARNING, "workout_mcp.surface"):
        server.add_tool(get_workout)
    assert "Tool already exists: get_workout" in caplog.text
    tool = server.built_tool("get_workout")
    assert tool is not None and "workout_id" in tool.parameters["properties"]
    with caplog.at_level(logging.WARNING, "workout_mcp.surface"):
        caplog.clear()
        server.add_tool(get_workout)
    assert "Tool already exists: get_workout" in caplog.text

    server.remove_tool("get_workout")  # built
    server.remove_tool("list_workouts")  # pending
    assert server.built_tool("get_workout") is None and server.built_tool("list_workouts") is None
    assert "list_workouts" not in server.pending_tools()
    with pytest.raises(ToolError, match="Unknown tool"):
        server.remove_tool("list_workouts")
    with pytest.raises(ValueError, match="lambda"):
        server.add_tool(lambda: 1)


def test_a_tool_that_fails_to_build_stays_pending_and_fails_again(tmp_path: Path) -> None:
    server = _server(tmp_path, auth_mode="none")

    class NotPydantic:
        pass

    def broken(thing: NotPydantic) -> str:
        return "never"

    server.add_tool(broken)
    assert "broken" in server.pending_tools()
    for _ in range(2):
        with pytest.raises(Exception, match="broken"):
            server.built_tool("broken")
        assert "broken" in server.pending_tools()


async def test_without_the_file_every_tool_is_built_when_listed_and_the_list_is_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    expected = _listed(await _server(tmp_path, auth_mode="none").list_tools())
    monkeypatch.setattr(deferred, "SCHEMAS_FILE", "no_such_file.json")
    shipped_schemas.cache_clear()
    try:
        server = _server(tmp_path, auth_mode="none")
        with caplog.at_level(logging.WARNING, "workout_mcp.surface"):
            listed = _listed(await server.list_tools())
    finally:
        shipped_schemas.cache_clear()
    assert "no_such_file.json is missing" in caplog.text
    assert server.pending_tools() == []
    assert listed == expected
