"""The installed `workout-mcp` command over stdio, driven by the SDK's own client, on demo data."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters

from tests.e2e.conversation import conversation
from workout_mcp.domain.analytics import personal_records
from workout_mcp.store.local import LocalStore

COMMAND = shutil.which("workout-mcp", path=str(Path(sys.executable).parent)) or "workout-mcp"


def env_for(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPABASE_", "MCP_", "AUTH_"))}
    env.update({"WORKOUT_DB_PATH": str(db), "LOG_LEVEL": "INFO"})
    return env


@pytest.fixture
def demo_db(tmp_path: Path) -> Path:
    db = tmp_path / "demo.db"
    done = subprocess.run([COMMAND, "demo"], env=env_for(db), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""  # the demo command, like the server, keeps stdout clean
    return db


@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_stdio_server_answers_on_demo_data(demo_db: Path, mode: str) -> None:
    params = StdioServerParameters(command=COMMAND, args=[], env=env_for(demo_db))
    async with Client(params, mode=mode) as client:  # type: ignore[arg-type]
        names = {t.name for t in (await client.list_tools()).tools}
        assert {"personal_records", "training_summary", "log_workout"} <= names
        records = await client.call_tool("personal_records", {"exercise": "Squat"})
        summary = await client.call_tool("training_summary", {"period": "week", "periods": 4})
    assert not records.is_error and not summary.is_error
    assert records.structured_content is not None and summary.structured_content is not None

    store = LocalStore(demo_db)
    try:
        exercise, sets = await store.exercise_sets("Squat")
        expected = personal_records(exercise, sets)
        recent = await store.list_workouts(
            since=datetime.now(UTC) - timedelta(days=40), until=None, limit=50, offset=0
        )
    finally:
        await store.aclose()
    assert expected.heaviest_set is not None
    assert records.structured_content["heaviest_set"]["weight"] == expected.heaviest_set.weight
    assert records.structured_content["working_sets"] == expected.working_sets > 0
    sessions = sum(p["sessions"] for p in summary.structured_content["periods"])

    assert recent.total is not None
    assert 0 < sessions <= recent.total

    async with Client(params, mode=mode) as client:  # type: ignore[arg-type]
        steps = await conversation(client)
    assert len(steps) == 13


def test_bad_settings_stop_start_up_with_one_clear_message(tmp_path: Path) -> None:
    env = env_for(tmp_path / "x.db") | {"MCP_TRANSPORT": "pigeon", "PORT": "nope"}
    done = subprocess.run([COMMAND], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "MCP_TRANSPORT" in done.stderr and "PORT" in done.stderr
    assert done.stdout == ""


async def test_http_server_process_answers_on_demo_data(demo_db: Path) -> None:
    """`python -m workout_mcp.server` in http mode (AUTH_MODE=none, loopback), the SDK client over HTTP."""
    from tests.live_server import free_port, server_process

    env = env_for(demo_db) | {"MCP_TRANSPORT": "http", "AUTH_MODE": "none", "PORT": str(free_port())}
    with server_process(env) as proc:
        async with Client(f"http://127.0.0.1:{env['PORT']}/mcp", mode="legacy") as client:  # type: ignore[arg-type]
            records = await client.call_tool("personal_records", {"exercise": "Bench Press"})
            summary = await client.call_tool("training_summary", {"period": "month", "periods": 3})
            steps = await conversation(client)
    assert proc.stdout is not None and proc.stdout.read() == b""
    store = LocalStore(demo_db)
    try:
        exercise, sets = await store.exercise_sets("Bench Press")
    finally:
        await store.aclose()
    expected = personal_records(exercise, sets)
    assert records.structured_content is not None and summary.structured_content is not None
    assert expected.best_estimated_1rm is not None
    assert (
        records.structured_content["best_estimated_1rm"]["estimated_1rm"]
        == expected.best_estimated_1rm.estimated_1rm
    )
    assert sum(p["sessions"] for p in summary.structured_content["periods"]) > 0
    assert [tool for tool, _, _ in steps][:6] == [
        "log_workout",
        "add_sets",
        "update_set",
        "delete_workout",
        "delete_workout",
        "restore_workout",
    ]
