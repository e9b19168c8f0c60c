"""The tools' modules, the domain models and the Supabase store wait for the first tool that needs them.

A server as Fly runs it (Supabase, over HTTP, under uvicorn against the stand-in) answers an authenticated
`tools/list` with none of them imported; a call imports the group of the tool it names, and nothing of the
others. Then the pieces of the mechanism one by one: a group that adds a tool it does not name, one that
leaves out a tool it names, one whose module fails, and the store built on first use.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.http.test_lazy_routes import settings_for
from workout_mcp.store.selection import DeferredStore, open_store
from workout_mcp.surface.deferred_tools import DeferredToolsServer

REPO = Path(__file__).resolve().parents[2]

# What a server that has served no tool yet must not have imported.
HEAVY = [
    "workout_mcp.domain.models",
    "workout_mcp.domain.analytics",
    "workout_mcp.surface.views",
    "workout_mcp.surface.core_tools",
    "workout_mcp.surface.log_tools",
    "workout_mcp.surface.transfer_tools",
    "workout_mcp.surface.progress",
    "workout_mcp.charts",
    "workout_mcp.transfer",
    "workout_mcp.store.supabase",
]

PROBE = """
import json, sys
import workout_mcp.app
heavy = json.loads(sys.argv[1])
loaded = lambda: [m for m in heavy if m in sys.modules]
out = {"after import": loaded()}
import httpx
from tests.http.test_lazy_routes import CLIENT_ID, settings_for
from tests.live_server import serve
from tests.standin.fixtures import run_standin
from workout_mcp.app import create_app
out["after the test helpers"] = loaded()

def rpc(server, token, method, params):
    answer = httpx.post(
        f"{server.url}/mcp",
        headers={"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream",
                 "MCP-Protocol-Version": "2025-11-25"},
        json={"jsonrpc": "2.0", "id": 1, "method": method, "params": params},
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return answer.json()["result"]

with run_standin() as standin:
    token = standin.mint(standin.add_user("modules@example.com"), client_id=CLIENT_ID)
    with serve(create_app(settings_for(standin.url, standin.anon_key))) as server:
        out["after start"] = loaded()
        out["tools"] = [t["name"] for t in rpc(server, token, "tools/list", {})["tools"]]
        out["after tools/list"] = loaded()
        result = rpc(server, token, "tools/call", {"name": "list_workouts", "arguments": {"limit": 1}})
        out["list_workouts"] = [result.get("isError", False), result]
        out["after list_workouts"] = loaded()
print(json.dumps(out))
"""


def test_no_tool_module_is_imported_until_a_tool_of_its_group_is_called() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(HEAVY)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["after import"] == []
    assert out["after the test helpers"] == [], "the probe's own helpers import them: the test proves nothing"
    assert out["after start"] == []
    assert len(out["tools"]) >= 20 and "import_workouts" in out["tools"]
    assert out["after tools/list"] == []
    # The call went through the tool and the store out to the stand-in, which serves Auth, not PostgREST:
    # the tool's answer is Supabase's 404.
    is_error, answer = out["list_workouts"]
    assert is_error and answer["content"][0]["text"] == "Supabase refused the request (status 404)"
    # The core reads, the domain they answer with, their views and the store: nothing of the other groups.
    assert out["after list_workouts"] == [
        "workout_mcp.domain.models",
        "workout_mcp.domain.analytics",
        "workout_mcp.surface.views",
        "workout_mcp.surface.core_tools",
        "workout_mcp.surface.log_tools",
        "workout_mcp.store.supabase",
    ]


def _fn(name: str) -> Any:
    async def tool(text: str) -> str:
        return text

    tool.__name__ = name
    return tool


def _register_two(server: DeferredToolsServer, extra: str | None = None) -> None:
    server.add_tool(_fn("first"))
    server.add_tool(_fn("second"))
    if extra:
        server.add_tool(_fn(extra))


def _register_one(server: DeferredToolsServer) -> None:
    server.add_tool(_fn("first"))


def _register_broken(server: DeferredToolsServer) -> None:
    server.add_tool(_fn("first"))
    raise ImportError("a module of this group is broken")


HERE = "tests.surface.test_deferred_modules"


def _server() -> DeferredToolsServer:
    return DeferredToolsServer("groups", tool_schemas=dict)


async def test_a_group_is_loaded_once_by_the_first_tool_needed_and_lists_in_its_place() -> None:
    server = _server()
    server.add_tool(_fn("before"))
    server.add_tool_group(f"{HERE}:_register_two", ("first", "second"))
    server.add_tool(_fn("after"))
    assert server.pending_tools() == ["before", "first", "second", "after"]
    assert "first" in server._unloaded
    tool = server.built_tool("second")
    assert tool is not None and tool.name == "second"
    assert server._unloaded == {} and server.pending_tools() == ["before", "first", "after"]
    assert [t.name for t in await server.list_tools()] == ["before", "first", "second", "after"]


def test_a_group_that_adds_a_tool_it_does_not_name_is_refused() -> None:
    server = _server()
    server.add_tool_group(f"{HERE}:_register_two", ("first", "second"), "third")
    with pytest.raises(ValueError, match="added 'third', which its group does not name"):
        server.built_tool("first")
    assert server.pending_tools() == ["first", "second"]  # still whole, tried again on the next use


def test_a_group_that_leaves_out_a_tool_it_names_says_so_and_drops_it() -> None:
    server = _server()
    server.add_tool_group(f"{HERE}:_register_one", ("first", "second"))
    with pytest.raises(RuntimeError, match=r"did not add \['second'\]"):
        server.built_tool("first")
    assert server.pending_tools() == ["first"]
    assert server.built_tool("second") is None


def test_a_group_whose_module_fails_stays_unloaded_and_fails_again() -> None:
    server = _server()
    server.add_tool_group(f"{HERE}:_register_broken", ("first",))
    for _ in range(2):
        with pytest.raises(ImportError, match="broken"):
            server.built_tool("first")
        assert server._unloaded.keys() == {"first"} and server._pending == {}
    server.add_tool_group("tests.surface.no_such_module:register", ("other",))
    with pytest.raises(ModuleNotFoundError):
        server.built_tool("other")


def test_names_clash_across_groups_and_tools(caplog: pytest.LogCaptureFixture) -> None:
    server = _server()
    server.add_tool_group(f"{HERE}:_register_two", ("first", "second"))
    with pytest.raises(ValueError, match=r"already registered: \['second'\]"):
        server.add_tool_group(f"{HERE}:_register_one", ("second",))
    with caplog.at_level(logging.WARNING, "workout_mcp.surface"):
        server.add_tool(_fn("first"))  # an unloaded tool is still a tool
    assert "Tool already exists: first" in caplog.text
    server.remove_tool("first")  # before its group is loaded: the group's load then skips it
    assert server.pending_tools() == ["second"]
    assert server.built_tool("second") is not None
    assert server.built_tool("first") is None


async def test_the_store_is_built_on_first_use_and_reports_its_kind_before() -> None:
    import httpx

    settings = settings_for()  # Supabase over HTTP, as on Fly
    async with httpx.AsyncClient() as client:
        store = open_store(settings, client)
        assert isinstance(store, DeferredStore) and store.kind == "SupabaseStore"
        await store.aclose()  # never built: nothing to close, nothing built
        assert store._store is None
        search = store.search_exercises
        assert type(store._store).__name__ == "SupabaseStore"
        assert search.__self__ is store._store
        await store.aclose()
