"""A bounded soak: the full stack as shipped, at concurrency 16 over 1,000 users on the local store.

    python -m bench.soak [--minutes 10] [--users 1000] [--concurrency 16]

One `python -m bench.servers full-tools` process (bearer JWT against the Supabase stand-in's JWKS, rate
limiter on with a limit that never triggers, access log, metrics) on a SQLite log that fills as it runs,
started as `bench.run` starts its servers: the venv of requirements.lock, compiled, with the image's
interpreter settings.
Each user, in turn, logs a session (`log_workout`, one in ten of their calls) or reads
(`list_workouts`, `training_summary`, `personal_records`). Every answer is checked (200, a result for the
request's own id, not a tool error). Printed per minute: requests, errors, p50 and p99 latency, the
server's RSS; at the end the RSS slope (least squares over the minutes after the first) and the totals.
Writes JSON to bench/results/. Bounded by `--minutes` (at most 60) and 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.live_server import free_port, stop_process
from tests.standin.fixtures import run_standin

from bench.load import PROTOCOL_VERSION, read_response
from bench.run import CLIENT_ID, HOST, RESULTS, ROOT, app_env, image_like_python, rss_mib

READS = (
    ("list_workouts", {"limit": 10}),
    ("training_summary", {"period": "week"}),
    ("personal_records", {"exercise": "Squat"}),
)


@dataclass
class Minute:
    index: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    rss_mib: float = 0.0
    first_error: str | None = None

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    def to_json(self) -> dict[str, Any]:
        return {
            "minute": self.index,
            "ok": len(self.latencies_ms),
            "errors": self.errors,
            "p50_ms": round(self.percentile(0.5), 2),
            "p99_ms": round(self.percentile(0.99), 2),
            "rss_mib": round(self.rss_mib, 1),
            "first_error": self.first_error,
        }


def call(name: str, arguments: dict[str, Any], request_id: int, token: str, port: int) -> bytes:
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": request_id,
            "method": "tools/call",
            "params": {"name": name, "arguments": arguments},
        },
        separators=(",", ":"),
    ).encode()
    head = (
        f"POST /mcp HTTP/1.1\r\nHost: {HOST}:{port}\r\nAuthorization: Bearer {token}\r\n"
        "Content-Type: application/json\r\nAccept: application/json, text/event-stream\r\n"
        f"MCP-Protocol-Version: {PROTOCOL_VERSION}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def session(n: int) -> dict[str, Any]:
    started = datetime(2026, 1, 1, 18, tzinfo=UTC) + timedelta(hours=n)
    return {
        "started_at": started.isoformat(),
        "title": "Soak session",
        "sets": [
            {"exercise": "Squat", "reps": 5, "weight_kg": 100 + n % 20},
            {"exercise": "Squat", "reps": 5, "weight_kg": 100 + n % 20},
            {"exercise": "Bench Press", "reps": 8, "weight_kg": 60},
        ],
    }


def problem(status: int, body: bytes, request_id: int) -> str | None:
    if status != 200:
        return f"status {status}: {body[:200]!r}"
    try:
        message = json.loads(body)
        result = message["result"]
    except (ValueError, KeyError, TypeError) as exc:
        return f"not a result ({exc!r}): {body[:200]!r}"
    if message.get("id") != request_id or result.get("isError"):
        return f"wrong answer for id {request_id}: {body[:300]!r}"
    return None


def slope_per_minute(points: list[tuple[int, float]]) -> float:
    if len(points) < 2:
        return float("nan")
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in points) / sum((x - mx) ** 2 for x in xs)


async def soak(args: argparse.Namespace) -> int:
    with run_standin() as standin:
        tokens = [
            standin.mint(standin.add_user(f"soak-{i}@example.com"), client_id=CLIENT_ID)
            for i in range(args.users)
        ]
        port = free_port()
        db = Path(tempfile.mkdtemp(prefix="soak-")) / "workouts.db"
        command = [
            args.python, "-m", "bench.servers", "full-tools", "--port", str(port), "--db", str(db),
            "--supabase-url", standin.url, "--anon-key", standin.anon_key, "--client-id", CLIENT_ID,
            "--log-file", os.devnull, *(f"--ablate-{a}" for a in args.ablate),
        ]  # fmt: skip
        proc = subprocess.Popen(
            command, cwd=ROOT, env=app_env(), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL
        )
        try:
            await wait_until_up(port)
            minutes = await drive(args, port, tokens, proc.pid)
        finally:
            stop_process(proc)
    return report(args, minutes)


async def wait_until_up(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _, writer = await asyncio.open_connection(HOST, port)
            writer.close()
            return
        except OSError:
            await asyncio.sleep(0.05)  # polling for the port, bounded by the deadline
    raise RuntimeError("the soak server did not start")


async def drive(args: argparse.Namespace, port: int, tokens: list[str], pid: int) -> list[Minute]:
    started = time.monotonic()
    end = started + args.minutes * 60
    minutes = [Minute(1)]
    issued = 0
    per_user = [0] * len(tokens)

    async def worker() -> None:
        nonlocal issued
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while time.monotonic() < end:
                n = issued
                issued += 1
                user = n % len(tokens)
                turn = per_user[user]
                per_user[user] += 1
                name, arguments = ("log_workout", session(turn)) if turn % 10 == 0 else READS[turn % 3]
                sent = time.perf_counter()
                writer.write(call(name, arguments, n + 1, tokens[user], port))
                status, body = await read_response(reader)
                elapsed = (time.perf_counter() - sent) * 1000
                minute = minutes[-1]
                why = problem(status, body, n + 1)
                if why is None:
                    minute.latencies_ms.append(elapsed)
                else:
                    minute.errors += 1
                    minute.first_error = minute.first_error or f"{name}: {why}"
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError, OSError):
                await writer.wait_closed()

    async def clock() -> None:
        while True:
            await asyncio.sleep(max(0.0, started + 60 * len(minutes) - time.monotonic()))
            minute = minutes[-1]
            minute.rss_mib = rss_mib(pid)
            print(
                f"minute {minute.index:>2}: {len(minute.latencies_ms):>6} ok, {minute.errors} errors, "
                f"p50 {minute.percentile(0.5):6.2f} ms, p99 {minute.percentile(0.99):6.2f} ms, "
                f"rss {minute.rss_mib:.1f} MiB",
                flush=True,
            )
            if time.monotonic() >= end - 1:
                return
            minutes.append(Minute(len(minutes) + 1))

    ticker = asyncio.ensure_future(clock())
    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    await ticker
    return minutes


def report(args: argparse.Namespace, minutes: list[Minute]) -> int:
    after_first = [(m.index, m.rss_mib) for m in minutes[1:]]
    slope = slope_per_minute(after_first)
    errors = sum(m.errors for m in minutes)
    ok = sum(len(m.latencies_ms) for m in minutes)
    worst = max(m.percentile(0.99) for m in minutes)
    print(
        f"\n{args.minutes} min at c{args.concurrency} over {args.users} users: {ok} ok, {errors} errors; "
        f"RSS {minutes[0].rss_mib:.1f} -> {minutes[-1].rss_mib:.1f} MiB, "
        f"slope after minute 1: {slope:+.2f} MiB/min; worst p99 {worst:.2f} ms"
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = RESULTS / f"soak-{stamp}.json"
    out.write_text(
        json.dumps(
            {
                "config": vars(args),
                "minutes": [m.to_json() for m in minutes],
                "rss_slope_mib_per_minute": round(slope, 3),
                "ok": ok,
                "errors": errors,
            },
            indent=2,
        )
    )
    print(f"wrote {out.relative_to(ROOT)}")
    return 1 if errors else 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--users", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument(
        "--ablate",
        action="append",
        default=[],
        choices=["rate-limit"],
        help="switch a piece of the server off (rate-limit: its one-hour windows hold every call)",
    )
    parser.add_argument(
        "--python", help="interpreter for the server (default: a venv of exactly requirements.lock)"
    )
    args = parser.parse_args()
    if not 0 < args.minutes <= 60:
        parser.error("--minutes must be in (0, 60]")
    # As shipped, like bench.run's servers: the lock's venv, compiled, with the image's settings.
    args.python = image_like_python(args.python)
    raise SystemExit(asyncio.run(soak(args)))


if __name__ == "__main__":
    main()
