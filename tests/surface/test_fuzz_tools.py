"""Property-based fuzzing of every tool `tools/list` offers, on both stores, over the real HTTP app.

Arguments come from each tool's own `inputSchema` (tests/guard/strategies.py) mixed with hostile
values, sent as raw JSON-RPC (NaN literals included). For every case: an answer, never a crash; no
stack trace or internal detail in it; and nothing half-written: a failed call or a read leaves the
database exactly as it was, and every stored workout keeps its sets, dense from position 1.
`WORKOUT_MCP_FUZZ_EXAMPLES` (default 20 per tool) scales the run; it is derandomised so a failure
replays, `WORKOUT_MCP_FUZZ_RANDOM=1` explores new cases.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import anyio.from_thread
import httpx
import psycopg
import pytest
from hypothesis import HealthCheck, given, settings

from tests.guard.db import (
    Snapshot,
    broken_workouts,
    local_snapshot,
    local_workout_shapes,
    pg_snapshot,
    pg_workout_shapes,
)
from tests.guard.raw import RawMCP, raw_mcp, text_of
from tests.guard.strategies import arguments
from tests.standin.rest import SupabaseStandin
from workout_mcp.store.base import LOCAL_USER_ID, WorkoutStore
from workout_mcp.store.local import LocalStore
from workout_mcp.store.supabase import SupabaseStore

EXAMPLES = int(os.environ.get("WORKOUT_MCP_FUZZ_EXAMPLES", "20"))
RANDOM = os.environ.get("WORKOUT_MCP_FUZZ_RANDOM") == "1"
# What only a crash or a leak would put in an answer.
LEAKS = (
    "Traceback",
    'File "',
    "Error executing tool",
    "validation error for",
    "errors.pydantic.dev",
    "input_value",
    "sqlite",
    "psycopg",
    "OverflowError",
    "ValueError",
    "TypeError",
    "KeyError",
    "IntegrityError",
    "Supabase refused the request",
    "postgres",
    "SELECT ",
    "select ",
)


@dataclass
class Rig:
    mcp: RawMCP
    snapshot: Callable[[], Snapshot]
    shapes: Callable[[], list[tuple[str, int, int, int]]]
    pool: dict[str, list[str]] = field(default_factory=lambda: {"ids": [], "exercise_ids": []})
    outcomes: Counter[tuple[str, bool]] = field(default_factory=Counter)


@asynccontextmanager
async def _store(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[tuple[WorkoutStore, Any]]:
    if kind == "local":
        store = LocalStore(tmp_path / "fuzz.db", user_id=lambda: LOCAL_USER_ID)
        path = tmp_path / "fuzz.db"
        yield (
            store,
            (
                lambda: local_snapshot(path, [LOCAL_USER_ID]),
                lambda: local_workout_shapes(path),
            ),
        )
        await store.aclose()
        return
    supa: SupabaseStandin = request.getfixturevalue("supa")
    dsn: str = request.getfixturevalue("supabase_db")
    user = supa.add_user()

    async def token() -> str:
        return supa.mint(user)

    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        async with httpx.AsyncClient() as client:
            store = SupabaseStore(client, supa.url, supa.anon_key, token=token)
            yield store, (lambda: pg_snapshot(conn, [user.id]), lambda: pg_workout_shapes(conn, [user.id]))


@asynccontextmanager
async def _rig(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Rig]:
    async with (
        _store(kind, tmp_path, request) as (store, (snapshot, shapes)),
        raw_mcp(store, tmp_path) as mcp,
    ):
        yield Rig(mcp, snapshot, shapes)


@pytest.fixture
def rig(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[tuple[Rig, Any]]:
    with (
        anyio.from_thread.start_blocking_portal() as portal,
        portal.wrap_async_context_manager(_rig(store_kind, tmp_path, request)) as running,
    ):
        yield running, portal


def _remember(pool: dict[str, list[str]], structured: Any) -> None:
    """Ids in a successful answer become arguments of later cases (get, delete, restore ...)."""
    stack = [structured]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if isinstance(value, str) and (key == "id" or key.endswith("_id")):
                    bucket = pool["exercise_ids"] if "exercise" in key else pool["ids"]
                    if value not in bucket:
                        bucket.append(value)
                else:
                    stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)


def check_case(rig: Rig, portal: Any, tool: dict[str, Any], args: dict[str, Any]) -> None:
    name = tool["name"]
    read_only = bool((tool.get("annotations") or {}).get("readOnlyHint"))
    before = rig.snapshot()
    result = portal.call(rig.mcp.call, name, args)
    rig.outcomes[name, not result.get("isError")] += 1
    text = text_of(result)
    shown = f"{name}({json.dumps(args, default=str)[:300]}) -> {text[:300]}"
    assert not any(leak in text for leak in LEAKS), shown
    if result.get("isError"):
        assert text.strip(), shown
        assert rig.snapshot() == before, f"a failed call changed the database: {shown}"
    else:
        assert isinstance(result.get("structuredContent"), dict), shown
        if read_only:
            assert rig.snapshot() == before, f"a read-only tool changed the database: {shown}"
        _remember(rig.pool, result["structuredContent"])
    assert broken_workouts(rig.shapes()) == [], f"half-written workout after {shown}"


def test_every_tool_survives_hostile_arguments(rig: tuple[Rig, Any]) -> None:
    running, portal = rig
    tools = portal.call(running.mcp.tools)
    assert len(tools) >= 9
    seeded = portal.call(
        running.mcp.call,
        "log_workout",
        {"started_at": "2026-11-01T17:00:00Z", "sets": [{"exercise": "Squat", "reps": 5, "weight_kg": 100}]},
    )
    assert not seeded["isError"], seeded
    _remember(running.pool, seeded["structuredContent"])
    for tool in tools:
        fuzz(running, portal, tool)()
    print({f"{name} {'ok' if ok else 'refused'}": n for (name, ok), n in sorted(running.outcomes.items())})
    # The cases reach the store's write path, not only the argument checks.
    assert running.outcomes["log_workout", True] > 0, running.outcomes


def fuzz(rig: Rig, portal: Any, tool: dict[str, Any]) -> Callable[[], None]:
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not RANDOM,
        suppress_health_check=list(HealthCheck),
    )
    @given(args=arguments(tool["inputSchema"], rig.pool))
    def case(args: dict[str, Any]) -> None:
        check_case(rig, portal, tool, args)

    return case  # type: ignore[no-any-return]
