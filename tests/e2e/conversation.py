"""One conversation-style session with the training-log tools, as Claude would hold it: log the first
set, add sets, fix a weight, delete, undo, plan, progress, records board, body weight.

`conversation(client)` drives any connected SDK client and checks each answer; the e2e tests run it
over stdio and over HTTP. By hand, against a fresh demo log over stdio, printing each answer shortened:

    python -m tests.e2e.conversation
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from mcp import Client, StdioServerParameters

Step = tuple[str, dict[str, Any], dict[str, Any]]


async def _ask(client: Client, steps: list[Step], tool: str, args: dict[str, Any]) -> dict[str, Any]:
    result = await client.call_tool(tool, args)
    assert not result.is_error, (tool, result.content)
    assert result.structured_content is not None, tool
    steps.append((tool, args, result.structured_content))
    return result.structured_content


async def conversation(client: Client, *, now: datetime | None = None) -> list[Step]:
    """Run the session; every answer is checked against what the previous steps stored."""
    now = now or datetime.now(UTC)
    start = (now - timedelta(hours=1)).replace(microsecond=0).isoformat()
    steps: list[Step] = []
    first = await _ask(
        client,
        steps,
        "log_workout",
        {"title": "Legs", "started_at": start, "sets": [{"exercise": "Squat", "reps": 5, "weight_kg": 100}]},
    )
    wid = first["id"]
    grown = await _ask(
        client,
        steps,
        "add_sets",
        {
            "workout_id": wid,
            "sets": [
                {"exercise": "Squat", "reps": 5, "weight_kg": 105},
                {"exercise": "Squat", "reps": 5, "weight_kg": 1100},
            ],
        },
    )
    assert [s["position"] for s in grown["sets"]] == [1, 2, 3]
    fixed = await _ask(client, steps, "update_set", {"workout_id": wid, "position": 3, "weight_kg": 110})
    assert fixed["sets"][2]["weight"] == 110 and fixed["volume"] == 5 * (100 + 105 + 110)
    gone = await _ask(client, steps, "delete_workout", {"workout_id": wid})
    again = await _ask(client, steps, "delete_workout", {"workout_id": wid})
    assert again["already_deleted"] and again["deleted_at"] == gone["deleted_at"]
    back = await _ask(client, steps, "restore_workout", {"workout_id": wid})
    assert back["sets"] == fixed["sets"]
    plan = await _ask(
        client,
        steps,
        "save_plan",
        {
            "name": "Upper / Lower",
            "sessions": [
                {
                    "name": "Lower",
                    "exercises": [{"exercise": "Squat", "sets": 3, "reps": 5, "weight_kg": 112.5}],
                },
                {"name": "Upper", "exercises": [{"exercise": "Bench Press", "sets": 3, "reps": 5, "rpe": 8}]},
            ],
        },
    )
    assert plan["next_session"] == "Lower"
    await _ask(
        client,
        steps,
        "add_sets",
        {
            "workout_id": wid,
            "sets": [{"exercise": "Leg Curl", "reps": 12, "weight_kg": 40}],
            "plan_id": plan["id"],
            "session": "Lower",
        },
    )
    assert (await _ask(client, steps, "get_plan", {"plan": "upper / lower"}))["next_session"] == "Upper"
    progress = await _ask(
        client, steps, "exercise_progress", {"exercise": "Squat", "period": "week", "periods": 4}
    )
    assert progress["periods"][-1]["top_set"]["weight"] >= 110
    board = await _ask(client, steps, "personal_records", {"limit": 5})
    assert board["view"] == "board" and board["total"] >= 2
    await _ask(client, steps, "log_body_weight", {"weight": 82.4, "measured_at": start})
    history = await _ask(client, steps, "body_weight_history", {"window_days": 7})
    assert history["entries"][-1]["weight"] == 82.4
    return steps


def _short(value: Any, depth: int = 0) -> Any:
    """Lists cut to their first two items, nesting below three levels elided, for a readable transcript."""
    if isinstance(value, dict):
        return {k: _short(v, depth + 1) if depth < 3 else "…" for k, v in value.items() if v is not None}
    if isinstance(value, list):
        head = [_short(v, depth + 1) for v in value[:2]]
        return head + ([f"… {len(value) - 2} more"] if len(value) > 2 else [])
    return value


async def _main() -> None:
    command = shutil.which("workout-mcp", path=str(Path(sys.executable).parent)) or "workout-mcp"
    with tempfile.TemporaryDirectory() as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPABASE_", "MCP_", "AUTH_"))}
        env["WORKOUT_DB_PATH"] = str(Path(tmp) / "demo.db")
        subprocess.run([command, "demo"], env=env, check=True, capture_output=True, timeout=120)
        async with Client(StdioServerParameters(command=command, args=[], env=env)) as client:
            for tool, args, answer in await conversation(client):
                print(f"> {tool} {json.dumps(args)}")
                print(f"< {json.dumps(_short(answer))}\n")


if __name__ == "__main__":
    asyncio.run(_main())
