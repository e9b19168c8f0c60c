"""Start-up runs with the cyclic collector off; the server serves with it on and its start-up frozen.

`workout_mcp.server.building` / `serving` (measured in docs/benchmark.md: a third of start-up's CPU went to
collections that walk the long-lived start-up objects again and again). These tests hold the process to
that policy in-process, so every exit path is checked to leave the collector on.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import workout_mcp.app
import workout_mcp.surface.server
from workout_mcp import cli, server
from workout_mcp.surface.errors import CoachingMCPServer


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    yield
    gc.unfreeze()
    gc.enable()


@pytest.fixture
def local_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_EMAIL", "SUPABASE_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    monkeypatch.setenv("WORKOUT_DB_PATH", str(tmp_path / "log.db"))
    monkeypatch.setenv("METRICS_PORT", "0")


def test_the_http_server_is_built_with_the_collector_off_and_serves_with_it_on(
    local_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MCP_TRANSPORT", "http")
    monkeypatch.setenv("AUTH_MODE", "none")
    seen: dict[str, Any] = {}
    build = workout_mcp.app.create_app

    def create_app(*args: Any, **kwargs: Any) -> Any:
        seen["while building"] = gc.isenabled()
        return build(*args, **kwargs)

    def run(app: Any, **options: Any) -> None:
        seen["while serving"] = gc.isenabled()
        seen["frozen"] = gc.get_freeze_count()

    monkeypatch.setattr(workout_mcp.app, "create_app", create_app)
    monkeypatch.setattr("uvicorn.run", run)
    server.main()
    assert seen["while building"] is False
    assert seen["while serving"] is True
    assert seen["frozen"] > 10_000  # the SDK, the app, its tools: out of every later collection


def test_the_stdio_server_through_the_command_serves_with_the_collector_on(
    local_env: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MCP_TRANSPORT", "stdio")
    seen: dict[str, Any] = {}
    build = workout_mcp.surface.server.build_mcp_server

    def build_mcp_server(*args: Any, **kwargs: Any) -> Any:
        seen["while building"] = gc.isenabled()
        return build(*args, **kwargs)

    async def run_stdio_async(self: CoachingMCPServer) -> None:
        seen["while serving"] = gc.isenabled()

    monkeypatch.setattr(workout_mcp.surface.server, "build_mcp_server", build_mcp_server)
    monkeypatch.setattr(CoachingMCPServer, "run_stdio_async", run_stdio_async)
    cli.main(["serve"])
    assert seen == {"while building": False, "while serving": True}


def test_other_commands_run_with_the_collector_on(local_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[bool] = []

    async def demo(weeks: int, force: bool) -> int:
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setattr(cli, "_demo", demo)
    with pytest.raises(SystemExit):
        cli.main(["demo", "--weeks", "1"])
    assert seen == [True]


@pytest.mark.parametrize("argv", [["--version"], ["--help"], ["no-such-command"], ["demo", "--weeks", "x"]])
def test_usage_answers_and_errors_leave_the_collector_on(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(argv)
    assert gc.isenabled()
