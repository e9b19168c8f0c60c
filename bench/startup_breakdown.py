"""Where (b)'s start-up time and memory go, one step at a time, beyond the bare SDK's.

    python -m bench.startup_breakdown [--runs 5] [--python PATH] [--instructions]

Each run is a fresh interpreter (the venv of exactly requirements.lock, `src/` compiled as in the image)
that, with the cyclic collector off as `workout_mcp.server` starts, imports and builds in order and reads
its RSS from /proc and the wall clock after each step. The first two steps are what the bare SDK server
pays too; the last five are what the shipped server now does only when a request needs it (the first call
to Supabase, the first `tools/list`, the first call of a tool, the first sign-in page, the first read of
the dashboard). Prints medians per step. With `--instructions` it also counts each step's instructions
(valgrind's callgrind: the probe cut after each step, one interpreter per cut), which, unlike milliseconds,
do not swing with the machine.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.cold_instructions import collected
from bench.run import ROOT, app_env, probe_arguments, run_probe

PROBE = """
import gc, json, time
gc.disable()
steps = []
last = (time.perf_counter(), 0.0)
def rss():
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS")) / 1024
def step(name):
    global last
    now, mem = time.perf_counter(), rss()
    steps.append((name, (now - last[0]) * 1000, mem - last[1]))
    last = (time.perf_counter(), rss())
last = (time.perf_counter(), rss())
import mcp.server.mcpserver
step("the MCP SDK (both servers)")
import uvicorn, uvloop, httptools
step("uvicorn, uvloop, httptools (both servers)")
import httpx
step("httpx (httpcore waits for the first transport)")
import workout_mcp.auth, jwt.algorithms
step("PyJWT (its cryptography.x509 deferred by workout_mcp.auth)")
import pydantic_settings
step("pydantic-settings + python-dotenv")
import prometheus_client
step("prometheus-client")
from workout_mcp.config import load_settings
import workout_mcp.logs
step("our settings class and logs")
from workout_mcp.app import create_app
step("our modules: middleware, auth, the store protocol, the surface without its tools' modules")
settings = load_settings(
    _env_file=None, mcp_transport="http", auth_mode="supabase", supabase_url="http://127.0.0.1:9",
    supabase_anon_key="anon-key-0123456789abcdef", oauth_client_id="6f1f8f0e-2b7c-4d5e-9a41-bench0000001",
    oauth_client_secret="client-secret", secret_key="bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    metrics_port=0,
)
app = create_app(settings)
step("settings and the app (its tools pending; the Supabase store, as on Fly)")
transport = httpx.AsyncHTTPTransport()
step("on the first upstream call: httpcore and the TLS context (the image's CA directory)")
import asyncio
mcp = app.state.services.mcp
asyncio.run(mcp.list_tools())
step("on the first tools/list: the shipped tool schemas")
mcp.built_tool("log_workout")
step("on the first call of a tool: its module, the domain models, the store; the tool built (log_workout)")
from workout_mcp.http.lazy_routes import LazyRoutes
next(r for r in app.routes if isinstance(r, LazyRoutes)).router()
step("on the first sign-in request: the facade, consent page, /account")
from workout_mcp.surface.dashboard import dashboard_html
html = dashboard_html()
step("on the first dashboard read: its HTML")
from workout_mcp.store.local import LocalStore
step("a server on the local log instead: the SQLite store")
print(json.dumps(steps))
"""


def instructions(python: str) -> list[int]:
    """Instructions of each step: the probe cut after it, under callgrind, minus the cut before it (the
    first cut is the interpreter with the probe's helpers and nothing imported)."""
    lines = PROBE.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("import mcp"))
    ends = [first] + [i + 1 for i, line in enumerate(lines) if line.startswith("step(")]

    def count(end: int) -> int:
        with tempfile.TemporaryDirectory(prefix="callgrind-") as tmp:
            out = Path(tmp) / "probe.callgrind"
            command = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", python, "-c"]
            subprocess.run(
                [*command, "\n".join(lines[:end])],
                env=app_env(), cwd=ROOT, capture_output=True, timeout=1800, check=True,
            )  # fmt: skip
            return collected(out)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        totals = list(pool.map(count, ends))
    return [after - before for before, after in itertools.pairwise(totals)]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--instructions", action="store_true", help="also count instructions (callgrind)")
    args = probe_arguments(parser, runs=5)
    runs: list[list[tuple[str, float, float]]] = [run_probe(args.python, PROBE) for _ in range(args.runs)]
    counts = instructions(args.python) if args.instructions else None
    names = [name for name, _, _ in runs[0]]
    print(f"| step | ms (median of {args.runs}) | RSS MiB |{' M instructions |' if counts else ''}")
    print(f"|---|---:|---:|{'---:|' if counts else ''}")
    for index, name in enumerate(names):
        ms = statistics.median(run[index][1] for run in runs)
        mib = statistics.median(run[index][2] for run in runs)
        extra = f" {counts[index] / 1e6:.0f} |" if counts else ""
        print(f"| {name} | {ms:.0f} | {mib:+.1f} |{extra}")


if __name__ == "__main__":
    main()
