"""Start-up of `workout-mcp` over stdio: process start to the first answered `tools/list`.

    python -m bench.stdio_startup [--runs 5]

Each run launches the installed console script with the SDK's own stdio client on a fresh SQLite log
and times until `tools/list` returns. Prints every run and the median.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from mcp import Client, StdioServerParameters


async def one_run(command: str, db: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUPABASE_", "MCP_", "AUTH_"))}
    env["WORKOUT_DB_PATH"] = str(db)
    params = StdioServerParameters(command=command, args=[], env=env)
    started = time.perf_counter()
    async with Client(params, mode="legacy") as client:  # type: ignore[arg-type]
        tools = await client.list_tools()
        elapsed = time.perf_counter() - started
    assert len(tools.tools) >= 6
    return elapsed


async def main(runs: int) -> None:
    command = shutil.which("workout-mcp", path=str(Path(sys.executable).parent)) or "workout-mcp"
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(runs):
            seconds = await one_run(command, Path(tmp) / f"run{i}.db")
            times.append(seconds)
            print(f"run {i + 1}: {seconds * 1000:.0f} ms")
    print(
        f"median of {runs}: {statistics.median(times) * 1000:.0f} ms (process start -> tools/list answered)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    asyncio.run(main(parser.parse_args().runs))
