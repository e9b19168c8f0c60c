"""Sample the full stack's server process under load with py-spy and print where its time goes.

    pip install py-spy   # into any venv; it attaches from outside, the project does not depend on it
    python -m bench.profile [--py-spy PATH] [--seconds 8]

Starts the stand-in and `bench.servers full` exactly as `bench.run` does, warms it up, records
`py-spy --format raw` (collapsed stacks) while a concurrency-16 load runs, writes the stacks to
bench/results/, and prints the share of samples spent inside each of our components.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from tests.live_server import free_port, stop_process
from tests.standin.fixtures import run_standin

from bench.load import first_success, run_load
from bench.run import CLIENT_ID, HOST, RESULTS, ROOT

# Substrings of a frame ("function (file:line)") that identify a component; the first match counts.
COMPONENTS = [
    ("logging: records, redaction, JSON", ("(logging/", "(pythonjsonlogger/", "(workout_mcp/logs.py")),
    ("tool audit middleware", ("(workout_mcp/surface/audit.py",)),
    ("rate limiter", ("(workout_mcp/ratelimit/",)),
    ("bearer auth + token cache", ("(workout_mcp/auth/",)),
    ("CORS", ("(starlette/middleware/cors.py",)),
    ("security headers", ("(workout_mcp/http/security_headers.py",)),
    ("access-log middleware (own code)", ("(workout_mcp/http/access_log.py",)),
    ("SDK auth context", ("(mcp/server/auth/middleware/auth_context.py",)),
    ("json (stdlib)", ("(json/",)),
    ("pydantic", ("(pydantic/", "(pydantic_core/")),
    ("MCP SDK", ("(mcp/", "(mcp_types/")),
    ("starlette", ("(starlette/",)),
    ("uvicorn / h11", ("(uvicorn/", "(h11/")),
    ("anyio / sniffio", ("(anyio/", "(sniffio/")),
    ("asyncio", ("(asyncio/",)),
]


def component_of(frames: list[str]) -> str:
    """The innermost frame that belongs to a named component decides (self time by component)."""
    for frame in reversed(frames):
        for name, needles in COMPONENTS:
            if any(n in frame for n in needles):
                return name
    return "other"


def inclusive(stacks: dict[str, int], needle: str) -> int:
    return sum(count for stack, count in stacks.items() if needle in stack)


def report(raw: Path) -> str:
    stacks: dict[str, int] = {}
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if stack:
            stacks[stack] = stacks.get(stack, 0) + int(count)
    total = sum(stacks.values()) or 1
    self_time: collections.Counter[str] = collections.Counter()
    for stack, count in stacks.items():
        self_time[component_of(stack.split(";"))] += count
    lines = [f"{total} samples", "", "self time by component (innermost matching frame):"]
    for name, count in self_time.most_common():
        lines.append(f"  {100 * count / total:5.1f} %  {name}")
    lines += ["", "inclusive time (samples with this frame anywhere on the stack):"]
    for label, needle in [
        ("Logger.info (anywhere)", "Logger.info (logging/"),
        ("ContextAndRedactionFilter", "filter (workout_mcp/logs.py"),
        ("python-json-logger", "(pythonjsonlogger/"),
        ("verify_token", "verify_token ("),
        ("RateLimitMiddleware._mcp", "RateLimitMiddleware._mcp ("),
        ("rate limiter hit", "hit (workout_mcp/ratelimit/"),
        ("ToolAuditMiddleware", "(workout_mcp/surface/audit.py"),
        ("CORS", "(starlette/middleware/cors.py"),
        ("Router (route matching)", "Router.__call__ (starlette/routing.py"),
    ]:
        lines.append(f"  {100 * inclusive(stacks, needle) / total:5.1f} %  {label}")
    top: collections.Counter[str] = collections.Counter()
    for stack, count in stacks.items():
        top[stack.split(";")[-1]] += count
    lines += ["", "top 25 leaf frames:"]
    for frame, count in top.most_common(25):
        lines.append(f"  {100 * count / total:5.1f} %  {frame[:150]}")
    return "\n".join(lines)


async def profile(args: argparse.Namespace) -> None:
    py_spy = args.py_spy or shutil.which("py-spy")
    if not py_spy:
        raise SystemExit("py-spy not found: pip install py-spy (any venv) and pass --py-spy PATH")
    RESULTS.mkdir(parents=True, exist_ok=True)
    raw = RESULTS / "profile-baseline.txt"
    with run_standin() as standin:
        users = [standin.add_user(f"profile-{i}@example.com") for i in range(args.users)]
        tokens: list[str | None] = [standin.mint(u, client_id=CLIENT_ID) for u in users]
        port = free_port()
        command = [sys.executable, "-m", "bench.servers", "full", "--port", str(port)]
        command += ["--supabase-url", standin.url, "--anon-key", standin.anon_key, "--client-id", CLIENT_ID]
        command += ["--log-file", os.devnull, "--log-level", args.log_level]
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            if await first_success(HOST, port, tokens[0], deadline=time.perf_counter() + 30) is None:
                raise SystemExit("server did not start")
            await run_load(HOST, port, tokens=tokens, concurrency=16, requests=1000, max_seconds=30)
            record = ["record", "-p", str(proc.pid), "-d", str(args.seconds), "-r", "250", "--nonblocking"]
            spy = subprocess.Popen(
                [py_spy, *record, "--format", "raw", "-o", str(raw)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            result = await run_load(
                HOST, port, tokens=tokens, concurrency=16, requests=100_000, max_seconds=args.seconds + 1
            )
            spy.wait(timeout=args.seconds + 30)
            print(
                f"load during profile: {result.rps:.0f} req/s, {result.errors} errors (py-spy slows it down)"
            )
        finally:
            stop_process(proc)
    print(report(raw))
    print(f"\nraw stacks: {raw.relative_to(ROOT)} (load into speedscope.app or flamegraph.pl)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--py-spy")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args()
    if not 1 <= args.seconds <= 60:
        parser.error("--seconds must be 1..60")
    asyncio.run(profile(args))


if __name__ == "__main__":
    main()
