"""Cold start and memory: workout-mcp next to a bare MCP SDK app, each as its own process on loopback.

For each server, `--runs` times: process start -> first `/health` 200, -> first answered `tools/call`
(sent right after the health answer), and RSS then. After the last run, `--load` `tools/call` requests
(`--concurrency` in flight) and RSS again (and the peak). Also: bare interpreter start and import times.

    .venv/bin/python bench/startup.py                      # auth via the Supabase stand-in when it can
    .venv/bin/python bench/startup.py --mode none          # AUTH_MODE=none, local SQLite store
    .venv/bin/python bench/startup.py --python <fresh-venv>/bin/python   # e.g. a fresh, image-like venv

`--mode auth` (the default `auto` picks it when PostgreSQL at DATABASE_URL is reachable) runs the
Supabase stand-in (auth + PostgREST over a throwaway database) in this process and sends a minted
bearer token, so the timed `tools/call` goes through token verification, the rate limiter and a
PostgREST round trip. Prints a table and writes JSON to bench/results/ (git-ignored).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
SERVER_LOG = RESULTS / ".work" / "server.log"
CLIENT_ID = "6d1c0b7e-2f4a-4b8e-9c3d-5e6f7a8b9c0d"
SECRET_KEY = "bench-sealing-key-0123456789abcdefghijklmnopqrstuvwxyzABCDEF"
ACCEPT = "application/json, text/event-stream"


def tool_call(name: str, arguments: dict[str, Any], request_id: int = 1) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {"name": name, "arguments": arguments},
    }


# --- the bare SDK app, run as `startup.py serve-bare --port N` -----------------------------------------
def serve_bare(port: int) -> None:
    import uvicorn
    from mcp.server.mcpserver import MCPServer
    from starlette.requests import Request
    from starlette.responses import JSONResponse

    mcp = MCPServer("bare")

    @mcp.tool()
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    @mcp.custom_route("/health", methods=["GET"])  # type: ignore[untyped-decorator]
    async def health(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    app = mcp.streamable_http_app(stateless_http=True, json_response=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")


# --- measuring ----------------------------------------------------------------------------------------
@dataclass
class Target:
    name: str
    argv: list[str]
    env: dict[str, str]
    call: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Run:
    health_s: float
    tool_s: float
    rss_mb: float


@dataclass
class Load:
    requests: int
    concurrency: int
    errors: int
    seconds: float
    p50_ms: float
    p99_ms: float
    rss_mb: float
    peak_rss_mb: float


@dataclass
class Result:
    name: str
    runs: list[Run]
    load: Load | None

    def median(self, attr: str) -> float:
        return float(statistics.median(getattr(run, attr) for run in self.runs))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of `pid` in MB."""
    fields: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = int(value.split()[0]) / 1024
    return fields["VmRSS"], fields["VmHWM"]


@contextlib.contextmanager
def started(target: Target, port: int) -> Iterator[subprocess.Popen[bytes]]:
    env = {**target.env, "PORT": str(port)}
    # A file, not a pipe: the access log under load would fill a pipe and stall the server.
    log = SERVER_LOG.open("wb")
    process = subprocess.Popen(
        [part.replace("{port}", str(port)) for part in target.argv],
        env=env,
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        yield process
    finally:
        log.close()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def first_answer(process: subprocess.Popen[bytes], client: httpx.Client, url: str, deadline: float) -> None:
    """Poll the port until `url` answers 200 (the only waiting here: a loopback port, with a deadline)."""
    while True:
        if process.poll() is not None:
            err = SERVER_LOG.read_text(errors="replace")
            raise SystemExit(f"server exited with {process.returncode}:\n{err[-3000:]}")
        try:
            if client.get(url).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit(f"{url} did not answer within the deadline")
        time.sleep(0.005)


def one_run(target: Target) -> Run:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(timeout=10.0) as client:
        t0 = time.monotonic()
        with started(target, port) as process:
            first_answer(process, client, f"{base}/health", t0 + 60)
            t_health = time.monotonic() - t0
            response = client.post(
                f"{base}/mcp", json=target.call, headers={"Accept": ACCEPT, **target.headers}
            )
            t_tool = time.monotonic() - t0
            body = response.json()
            if response.status_code != 200 or "result" not in body or body["result"].get("isError"):
                raise SystemExit(f"{target.name}: tools/call failed: {response.status_code} {body}")
            rss, _ = memory_mb(process.pid)
            return Run(t_health, t_tool, rss)


async def load_run(
    target: Target, base: str, requests: int, concurrency: int
) -> tuple[int, float, list[float]]:
    latencies: list[float] = []
    errors = 0
    queue: asyncio.Queue[int] = asyncio.Queue()
    for n in range(requests):
        queue.put_nowait(n)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=30.0, limits=limits) as client:

        async def worker() -> None:
            nonlocal errors
            while not queue.empty():
                n = queue.get_nowait()
                started_at = time.perf_counter()
                response = await client.post(
                    f"{base}/mcp", json={**target.call, "id": n}, headers={"Accept": ACCEPT, **target.headers}
                )
                latencies.append(time.perf_counter() - started_at)
                if response.status_code != 200 or "result" not in response.json():
                    errors += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return errors, time.perf_counter() - t0, latencies


def measure(target: Target, runs: int, requests: int, concurrency: int) -> Result:
    results = [one_run(target) for _ in range(runs)]
    load: Load | None = None
    if requests:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(timeout=10.0) as client, started(target, port) as process:
            first_answer(process, client, f"{base}/health", time.monotonic() + 60)
            client.post(f"{base}/mcp", json=target.call, headers={"Accept": ACCEPT, **target.headers})
            errors, seconds, latencies = asyncio.run(load_run(target, base, requests, concurrency))
            rss, peak = memory_mb(process.pid)
            ordered = sorted(latencies)
            load = Load(
                requests,
                concurrency,
                errors,
                seconds,
                ordered[len(ordered) // 2] * 1000,
                ordered[int(len(ordered) * 0.99) - 1] * 1000,
                rss,
                peak,
            )
    return Result(target.name, results, load)


def timed_command(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.monotonic()
        subprocess.run(argv, check=True, cwd=REPO, stdout=subprocess.DEVNULL)
        times.append(time.monotonic() - t0)
    return statistics.median(times)


# --- targets ------------------------------------------------------------------------------------------
def base_env() -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
    return {k: v for k, v in os.environ.items() if k in keep} | {"PYTHONUNBUFFERED": "1"}


def ours_env_none(workdir: Path) -> dict[str, str]:
    return base_env() | {
        "MCP_TRANSPORT": "http",
        "HOST": "127.0.0.1",
        "AUTH_MODE": "none",
        "LOG_LEVEL": "INFO",
        "WORKOUT_DB_PATH": str(workdir / "bench.db"),
        "RATE_LIMIT_PER_HOUR": "100000000",
    }


@contextlib.contextmanager
def ours_auth() -> Iterator[tuple[dict[str, str], dict[str, str]]]:
    """The Supabase stand-in (auth + PostgREST on a throwaway database): env for the server, headers."""
    sys.path.insert(0, str(REPO))
    from tests.standin.pg import supabase_database
    from tests.standin.rest import serve_supabase

    with supabase_database() as dsn, serve_supabase(dsn) as supa:
        user = supa.add_user()
        token = supa.mint(user, client_id=CLIENT_ID)
        env = base_env() | {
            "MCP_TRANSPORT": "http",
            "HOST": "127.0.0.1",
            "AUTH_MODE": "supabase",
            "LOG_LEVEL": "INFO",
            "SUPABASE_URL": supa.url,
            "SUPABASE_ANON_KEY": supa.anon_key,
            "OAUTH_CLIENT_ID": CLIENT_ID,
            "OAUTH_CLIENT_SECRET": "bench-client-secret",
            "SECRET_KEY": SECRET_KEY,
            "RATE_LIMIT_PER_HOUR": "100000000",
        }
        yield env, {"Authorization": f"Bearer {token}"}


def postgres_reachable() -> bool:
    sys.path.insert(0, str(REPO))
    try:
        import psycopg
        from tests.standin.pg import server_dsn

        psycopg.connect(server_dsn(), connect_timeout=2).close()
        return True
    except Exception:
        return False


# --- report -------------------------------------------------------------------------------------------
def table(results: list[Result], imports: dict[str, float]) -> str:
    rows = [
        f"{'server':<26}{'->/health':>11}{'->tools/call':>14}{'RSS start':>11}"
        f"{'RSS load':>10}{'peak':>8}{'req/s':>8}{'p50':>8}{'p99':>8}{'errors':>8}"
    ]
    for r in results:
        health, tool, rss = r.median("health_s"), r.median("tool_s"), r.median("rss_mb")
        line = f"{r.name:<26}{health:>10.3f}s{tool:>13.3f}s{rss:>9.1f}MB"
        if r.load:
            line += (
                f"{r.load.rss_mb:>8.1f}MB{r.load.peak_rss_mb:>6.1f}MB{r.load.requests / r.load.seconds:>8.0f}"
                f"{r.load.p50_ms:>6.1f}ms{r.load.p99_ms:>6.1f}ms{r.load.errors:>8}"
            )
        rows.append(line)
    rows.append("")
    rows += [f"{name:<40}{seconds:>8.3f}s" for name, seconds in imports.items()]
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command")
    bare = sub.add_parser("serve-bare")
    bare.add_argument("--port", type=int, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--load", type=int, default=2000, help="tools/call requests after start (0: none)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--mode", choices=["auto", "auth", "none"], default="auto")
    parser.add_argument("--python", default=sys.executable, help="interpreter to run the servers with")
    args = parser.parse_args()
    if args.command == "serve-bare":
        serve_bare(args.port)
        return

    mode = args.mode
    if mode == "auto":
        mode = "auth" if postgres_reachable() else "none"
    python = args.python
    workdir = RESULTS / ".work"
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "bench.db").unlink(missing_ok=True)

    with contextlib.ExitStack() as stack:
        if mode == "auth":
            env, headers = stack.enter_context(ours_auth())
        else:
            env, headers = ours_env_none(workdir), {}
        ours = Target(
            f"workout-mcp ({'auth' if mode == 'auth' else 'AUTH_MODE=none'})",
            [python, "-m", "workout_mcp.server"],
            env,
            tool_call("list_workouts", {}),
            headers,
        )
        bare_sdk = Target(
            "bare SDK (MCPServer)",
            [python, str(Path(__file__).resolve()), "serve-bare", "--port", "{port}"],
            base_env(),
            tool_call("add", {"a": 1, "b": 2}),
        )
        results = [measure(t, args.runs, args.load, args.concurrency) for t in (ours, bare_sdk)]

    target_version = subprocess.run(
        [python, "-c", "import platform; print(platform.python_version())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    imports = {
        "python -c pass": timed_command([python, "-c", "pass"], args.runs),
        "import workout_mcp.app": timed_command([python, "-c", "import workout_mcp.app"], args.runs),
        "import mcp.server.mcpserver, uvicorn": timed_command(
            [python, "-c", "import mcp.server.mcpserver, uvicorn"], args.runs
        ),
    }
    print(
        f"median of {args.runs} runs; load = {args.load} tools/call at concurrency {args.concurrency}; "
        f"python {target_version} ({python}); {os.cpu_count()} CPUs"
    )
    print(table(results, imports))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"startup-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(
        json.dumps(
            {
                "when": datetime.now(UTC).isoformat(),
                "python": python,
                "python_version": target_version,
                "mode": mode,
                "cpus": os.cpu_count(),
                "runs": args.runs,
                "results": [
                    {
                        "name": r.name,
                        "median_health_s": r.median("health_s"),
                        "median_tool_s": r.median("tool_s"),
                        "median_rss_mb": r.median("rss_mb"),
                        "runs": [asdict(x) for x in r.runs],
                        "load": asdict(r.load) if r.load else None,
                    }
                    for r in results
                ],
                "imports_s": imports,
            },
            indent=2,
        )
    )
    print(f"\nwrote {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
