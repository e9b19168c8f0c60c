"""The image runs Python with `PYTHONOPTIMIZE=2`: docstrings and `assert`s are stripped, about 3 MiB less per
process. Nothing a client sees may depend on a docstring, so the same server in a process with that setting
and in one without must answer alike: `tools/list` with every tool pending and again with every tool built,
`prompts/list`, a prompt, `resources/list`, the templates, a read, a chart and a tool error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]

PROBE = r"""
import asyncio, json, sys
from datetime import date
from pathlib import Path

from mcp import Client

from workout_mcp.config import load_settings
from workout_mcp.store.demo import fill_demo
from workout_mcp.store.local import LocalStore
from workout_mcp.surface.server import build_mcp_server


def dumped(value):
    return value.model_dump(mode="json", by_alias=True, exclude_none=True)


async def main(folder: str) -> None:
    store = LocalStore(Path(folder) / "log.db")
    await fill_demo(store, weeks=4, today=date.today())
    server = build_mcp_server(load_settings(_env_file=None, auth_mode="none", read_only=False), store)
    out = {"optimize": sys.flags.optimize, "docstrings": bool(fill_demo.__doc__)}
    async with Client(server) as client:
        out["tools, all pending"] = dumped(await client.list_tools())
        out["prompts"] = dumped(await client.list_prompts())
        out["a prompt"] = dumped(await client.get_prompt("weekly_review", {"focus": "squat"}))
        out["resources"] = dumped(await client.list_resources())
        out["templates"] = dumped(await client.list_resource_templates())
        out["a read"] = dumped(await client.read_resource("workout://exercises/catalogue"))
        chart = await client.call_tool("progress_chart", {"metric": "volume", "periods": 4})
        out["a chart"] = [chart.structured_content, [(b.type, getattr(b, "mime_type", None)) for b in chart.content]]
        error = await client.call_tool("get_workout", {"workout_id": "no-such-workout"})
        out["a tool error"] = dumped(error)
        for name in server.pending_tools():
            server.built_tool(name)
        out["tools, all built"] = dumped(await client.list_tools())
    await store.aclose()
    print(json.dumps(out))


asyncio.run(main(sys.argv[1]))
"""


def _answers(tmp_path: Path, optimize: str | None) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONOPTIMIZE"}
    if optimize:
        env["PYTHONOPTIMIZE"] = optimize
    env["PYTHONPATH"] = os.pathsep.join([str(REPO / "src"), env.get("PYTHONPATH", "")])
    env["MPLCONFIGDIR"] = str(tmp_path / f"mpl-{optimize}")
    folder = tmp_path / f"log-{optimize}"
    folder.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(folder)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_a_client_sees_the_same_server_with_docstrings_stripped(tmp_path: Path) -> None:
    plain = _answers(tmp_path, None)
    stripped = _answers(tmp_path, "2")
    assert (plain.pop("optimize"), plain.pop("docstrings")) == (0, True)
    assert (stripped.pop("optimize"), stripped.pop("docstrings")) == (2, False)
    assert len(plain["tools, all pending"]["tools"]) >= 20
    assert all(t["description"] for t in plain["tools, all built"]["tools"])
    assert all(p.get("description") for p in plain["prompts"]["prompts"])
    for what in plain:
        assert stripped[what] == plain[what], f"{what} differs with PYTHONOPTIMIZE=2"
