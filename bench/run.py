"""The full workout-mcp stack (b) against two bare MCP SDK baselines, side by side on 127.0.0.1.

    python -m bench.run [--rounds 3] [--users 200] [--requests 6000] [--ablate metrics]   (or `make bench`)

(a) is the SDK tuned as we serve it (async tool, `gc.freeze()`), (a') the SDK as its docs build it (sync
tool, default GC); all three on the same uvicorn options (uvloop and httptools when they load). Each
round measures cold start (process start -> first correct, authenticated for (b), `tools/call`) of fresh
`python -m bench.servers` processes, one uvicorn worker each: `--cold-starts` per server, all but the last
taken in turns ((a), (a'), (b), (a), ...). Then for (a), (a') and (b) in order, the last cold start, kept
for the load: it warms up (every
user's token once), then runs the checked load at concurrency 1 and 16, then reads the RSS. Prints medians,
the (b)/(a) and (b)/(a') ratios per round and the targets; writes JSON to bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tests.deploy.support import final_stage_env
from tests.live_server import free_port, stop_process
from tests.standin.fixtures import run_standin

from bench.load import LoadResult, first_success, run_load

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
HOST = "127.0.0.1"
CLIENT_ID = "6f1f8f0e-2b7c-4d5e-9a41-bench0000001"
KINDS = ("bare", "bare-docs", "full")
BASELINES = ("bare", "bare-docs")
LABEL = {
    "bare": "(a) bare SDK, async tool, gc.freeze",
    "bare-docs": "(a') bare SDK as documented",
    "full": "(b) workout-mcp",
}
SHORT = {"bare": "(a)", "bare-docs": "(a')"}
RSS_TARGET_MIB = 80.0
# With --pin (default on 2+ CPUs): the load generator (and the stand-in) on CPU 0, the server on CPU 1.
DRIVER_CPU, SERVER_CPU = 0, 1


@dataclass
class ServerRun:
    kind: str
    round: int
    cold_start_ms: float
    loads: dict[int, LoadResult] = field(default_factory=dict)
    rss_mib: float = 0.0
    rss_first_mib: float = 0.0  # at the first answer: what start-up loaded, before any load
    extra_cold_starts_ms: list[float] = field(default_factory=list)
    cold_cpu_ms: list[float] = field(default_factory=list)  # the server's CPU time at each first answer

    @property
    def cold_starts_ms(self) -> list[float]:
        return [self.cold_start_ms, *self.extra_cold_starts_ms]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "round": self.round,
            "cold_start_ms": round(self.cold_start_ms, 1),
            "extra_cold_starts_ms": [round(x, 1) for x in self.extra_cold_starts_ms],
            "cold_cpu_ms": [round(x, 1) for x in self.cold_cpu_ms],
            "rss_mib": round(self.rss_mib, 1),
            "rss_first_mib": round(self.rss_first_mib, 1),
            "loads": {str(c): r.summary() for c, r in self.loads.items()},
        }


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """utime + stime of a process (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def shipped_python() -> str:
    """An interpreter with exactly requirements.lock installed (what the image ships), built once and
    rebuilt when the lock changes. The dev venv holds test-only packages that change what the server
    imports (httpcore loads trio when it is installed; the image has no trio)."""
    lock = ROOT / "requirements.lock"
    venv = RESULTS / "shipped-venv"
    stamp = venv / "lock.sha256"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    python = venv / "bin" / "python"
    if not python.exists() or not stamp.exists() or stamp.read_text() != digest:
        print(f"building {venv.relative_to(ROOT)} from requirements.lock (once)", flush=True)
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True, timeout=300)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                "--require-hashes",
                "--only-binary=:all:",
                "-r",
                str(lock),
            ],
            check=True,
            timeout=900,
        )
        stamp.write_text(digest)
    return str(python)


def image_like_python(python: str | None) -> str:
    """`python` (default: the venv of requirements.lock) with `src/` and its site-packages compiled to
    bytecode at the image's optimisation level, as the image is at build: without it every start would
    compile them again (PYTHONDONTWRITEBYTECODE, stale caches after an edit, or no .opt-2.pyc yet), which
    the image never does."""
    python = python or shipped_python()
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout.strip()  # fmt: skip
    subprocess.run(
        [python, "-m", "compileall", "-q", "-j", "0", str(ROOT / "src"), site],
        check=True, timeout=600, env=app_env(), stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return python


# What the image's runtime stage sets that changes what a process costs: the TLS trust setting (the first
# call to Supabase) and the interpreter's optimisation (docstrings stripped, no column tables).
IMAGE_SETTINGS = ("SSL_CERT_DIR", "PYTHONOPTIMIZE", "PYTHONNODEBUGRANGES")


def image_env() -> dict[str, str]:
    """Those of `IMAGE_SETTINGS` the Dockerfile's runtime stage sets; a machine's own `SSL_CERT_FILE` (a whole
    bundle, loaded up front) would override the image's trust setting, so `app_env` drops it."""
    env = final_stage_env()
    return {name: env[name] for name in IMAGE_SETTINGS if name in env}


def app_env() -> dict[str, str]:
    """The environment for a process of the app's `src/` and the benchmarks (bench.servers, probes): this
    one's, with the image's settings in place of the machine's. Every server of the benchmark, baselines
    included, runs with them: the same interpreter options."""
    drop = ("SSL_CERT_FILE", *IMAGE_SETTINGS)
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return {**env, **image_env(), "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}


def probe_arguments(parser: argparse.ArgumentParser, *, runs: int) -> argparse.Namespace:
    """`--runs` and `--python` of the start-up probes, with `python` resolved by `image_like_python`."""
    parser.add_argument("--runs", type=int, default=runs)
    parser.add_argument("--python", help="interpreter (default: the venv of requirements.lock)")
    args = parser.parse_args()
    if not 1 <= args.runs <= 50:
        parser.error("--runs must be 1..50")
    args.python = image_like_python(args.python)
    return args


def run_probe(python: str, code: str, *argv: str) -> Any:
    """`python -c code argv...` in a fresh interpreter set up as the app's (`app_env`): its stdout as JSON."""
    done = subprocess.run(
        [python, "-c", code, *argv], env=app_env(), cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    if done.returncode != 0:
        raise SystemExit(done.stderr)
    return json.loads(done.stdout)


def server_command(
    kind: str, port: int, args: argparse.Namespace, standin_url: str, anon_key: str
) -> list[str]:
    command = [args.python, "-m", "bench.servers", kind, "--port", str(port)]
    if kind == "full":
        command += ["--supabase-url", standin_url, "--anon-key", anon_key, "--client-id", CLIENT_ID]
        command += ["--log-level", args.log_level, "--log-file", args.log_file]
        command += [f"--ablate-{a}" for a in args.ablate]
    return command


def start_server(
    kind: str, args: argparse.Namespace, standin_url: str, anon_key: str
) -> tuple[subprocess.Popen[bytes], int, float]:
    port = free_port()
    started = time.perf_counter()
    proc = subprocess.Popen(
        server_command(kind, port, args, standin_url, anon_key),
        cwd=ROOT,
        env=app_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=None if args.verbose else subprocess.DEVNULL,
    )
    if args.pin:
        os.sched_setaffinity(proc.pid, {SERVER_CPU})
    return proc, port, started


async def cold_start(
    kind: str, args: argparse.Namespace, token: str | None, standin_url: str, anon_key: str
) -> tuple[subprocess.Popen[bytes], int, float, float]:
    """Start a server: the process, its port, ms from process start to the first correct answer, and the
    CPU ms the server had spent by then (steadier than the wall clock on a shared machine)."""
    proc, port, started = start_server(kind, args, standin_url, anon_key)
    try:
        ready = await first_success(HOST, port, token, deadline=started + args.start_timeout)
    except BaseException:
        stop_process(proc)
        raise
    if ready is None:
        stop_process(proc)
        raise RuntimeError(f"{kind} server did not answer a tools/call within {args.start_timeout} s")
    return proc, port, (ready - started) * 1000, cpu_seconds(proc.pid) * 1000


async def interleaved_cold_starts(
    args: argparse.Namespace, tokens: list[str], standin_url: str, anon_key: str
) -> dict[str, tuple[list[float], list[float]]]:
    """All but the last of a round's cold starts, taken in turns ((a), (a'), (b), (a), ...): one number per
    process that swings by ±30 % between processes here, and by more between minutes, so each server's
    starts are spread over the same stretch of the machine's time. Wall ms and CPU ms per server."""
    out: dict[str, tuple[list[float], list[float]]] = {kind: ([], []) for kind in KINDS}
    for _ in range(args.cold_starts - 1):
        for kind in KINDS:
            token = tokens[0] if kind not in BASELINES else None
            proc, _port, ms, cpu_ms = await cold_start(kind, args, token, standin_url, anon_key)
            stop_process(proc)
            out[kind][0].append(ms)
            out[kind][1].append(cpu_ms)
    return out


async def measure(
    kind: str,
    round_no: int,
    args: argparse.Namespace,
    tokens: list[str],
    standin_url: str,
    anon_key: str,
    earlier: tuple[list[float], list[float]] = ([], []),
) -> ServerRun:
    """One server's round: a last cold start (after `earlier`'s), kept for the load."""
    user_tokens: list[str | None] = list(tokens) if kind not in BASELINES else [None]
    extra, cpu = list(earlier[0]), list(earlier[1])
    proc, port, ms, cpu_ms = await cold_start(kind, args, user_tokens[0], standin_url, anon_key)
    cpu.append(cpu_ms)
    try:
        run = ServerRun(kind, round_no, cold_start_ms=ms, extra_cold_starts_ms=extra, cold_cpu_ms=cpu)
        run.rss_first_mib = rss_mib(proc.pid)
        warm = await run_load(
            HOST, port, tokens=user_tokens, concurrency=16, requests=max(args.warmup, len(user_tokens)),
            max_seconds=args.max_seconds, tag=f"w{round_no}",
        )  # fmt: skip
        if warm.errors:
            raise RuntimeError(f"{kind} warm-up errors: {warm.first_error}")
        for concurrency in args.concurrency:
            count = args.requests if concurrency > 1 else args.requests_c1
            cpu_before = cpu_seconds(proc.pid)
            load = await run_load(
                HOST, port, tokens=user_tokens, concurrency=concurrency, requests=count,
                max_seconds=args.max_seconds, tag=f"{kind}{round_no}c{concurrency}",
            )  # fmt: skip
            load.server_cpu_s = cpu_seconds(proc.pid) - cpu_before
            run.loads[concurrency] = load
        run.rss_mib = rss_mib(proc.pid)
        return run
    finally:
        stop_process(proc)


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def summarise(runs: list[ServerRun], concurrency: list[int]) -> dict[str, Any]:
    by_kind = {k: [r for r in runs if r.kind == k] for k in KINDS}
    out: dict[str, Any] = {
        "per_concurrency": {},
        "cold_start_ms": {},
        "cold_cpu_ms": {},
        "rss_mib": {},
        "rss_first_mib": {},
    }
    for kind, kind_runs in by_kind.items():
        out["cold_start_ms"][kind] = round(median([ms for r in kind_runs for ms in r.cold_starts_ms]), 1)
        out["cold_cpu_ms"][kind] = round(median([ms for r in kind_runs for ms in r.cold_cpu_ms]), 1)
        out["rss_mib"][kind] = round(median([r.rss_mib for r in kind_runs]), 1)
        out["rss_first_mib"][kind] = round(median([r.rss_first_mib for r in kind_runs]), 1)
    for c in concurrency:
        row: dict[str, Any] = {}
        for kind, kind_runs in by_kind.items():
            loads = [r.loads[c] for r in kind_runs]
            row[kind] = {
                "rps": round(median([x.rps for x in loads]), 1),
                "p50_ms": round(median([x.percentile(0.5) for x in loads]), 3),
                "p99_ms": round(median([x.percentile(0.99) for x in loads]), 3),
                "errors": sum(x.errors for x in loads),
                "cpu_us": round(median([x.cpu_us_per_request for x in loads]), 1),
            }
        for base in BASELINES:
            suffix = "" if base == "bare" else "_docs"
            pairs = list(zip(by_kind[base], by_kind["full"], strict=True))
            ratios = [b.loads[c].rps / a.loads[c].rps for a, b in pairs if a.loads[c].rps > 0]
            row[f"ratio_per_round{suffix}"] = [round(x, 3) for x in ratios]
            row[f"ratio_median{suffix}"] = round(median(ratios), 3)
            # The same comparison in server CPU per request: (a)'s cost / (b)'s cost. On a busy machine
            # this is far steadier than req/s; on an idle one the two agree (one worker is CPU-bound).
            cpu_ratios = [a.loads[c].cpu_us_per_request / b.loads[c].cpu_us_per_request for a, b in pairs]
            row[f"cpu_ratio_per_round{suffix}"] = [round(x, 3) for x in cpu_ratios]
            row[f"cpu_ratio_median{suffix}"] = round(median(cpu_ratios), 3)
        out["per_concurrency"][str(c)] = row
    return out


def table(summary: dict[str, Any]) -> str:
    lines = [
        "| concurrency | server | req/s (median) | p50 ms | p99 ms | errors | server CPU µs/req "
        "| (b)/(a) req/s per round | median | (a)/(b) CPU per round | median "
        "| (b)/(a') req/s median | (a')/(b) CPU median |",
        "|---:|---|---:|---:|---:|---:|---:|---|---:|---|---:|---:|---:|",
    ]
    for c, row in summary["per_concurrency"].items():
        for kind in KINDS:
            r = row[kind]
            extra = ("", "", "", "", "", "")
            if kind == "full":
                extra = (
                    ", ".join(f"{x:.2f}" for x in row["ratio_per_round"]),
                    f"**{row['ratio_median']:.2f}**",
                    ", ".join(f"{x:.2f}" for x in row["cpu_ratio_per_round"]),
                    f"**{row['cpu_ratio_median']:.2f}**",
                    f"**{row['ratio_median_docs']:.2f}**",
                    f"**{row['cpu_ratio_median_docs']:.2f}**",
                )
            lines.append(
                f"| {c} | {LABEL[kind]} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
                f"{r['errors']} | {r['cpu_us']:.0f} | {' | '.join(extra)} |"
            )
    lines += [
        "",
        "| server | cold start ms (median) | (b)/this | server CPU to the first answer ms | (b)/this "
        "| RSS at the first answer MiB | RSS after load MiB (median) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for kind in KINDS:
        cold = summary["cold_start_ms"][kind]
        ratio = summary["cold_start_ms"]["full"] / cold if cold else float("nan")
        cpu = summary["cold_cpu_ms"][kind]
        cpu_ratio = summary["cold_cpu_ms"]["full"] / cpu if cpu else float("nan")
        lines.append(
            f"| {LABEL[kind]} | {cold:.0f} | {ratio:.2f} | {cpu:.0f} | {cpu_ratio:.2f} | "
            f"{summary['rss_first_mib'][kind]:.1f} | {summary['rss_mib'][kind]:.1f} |"
        )
    lines += ["", *targets(summary)]
    return "\n".join(lines)


def targets(summary: dict[str, Any]) -> list[str]:
    """The issue's targets, each as measured in this run."""
    cold = summary["cold_start_ms"]
    c16 = summary["per_concurrency"].get("16")
    rss = summary["rss_mib"]["full"]
    checks = [
        ("cold start (b)/(a) <= 1.0", cold["full"] / cold["bare"], cold["full"] <= cold["bare"]),
        ("RSS after load (b) <= 80 MiB", rss, rss <= RSS_TARGET_MIB),
    ]
    if c16 is not None:
        checks.append(("throughput c16 (b)/(a) >= 1.0", c16["ratio_median"], c16["ratio_median"] >= 1.0))
        checks.append(
            ("throughput c16 (b)/(a') >= 1.0", c16["ratio_median_docs"], c16["ratio_median_docs"] >= 1.0)
        )
    return [f"- {name}: {value:.2f} {'met' if ok else 'NOT met'}" for name, value, ok in checks]


async def bench(args: argparse.Namespace) -> int:
    if args.pin:
        os.sched_setaffinity(0, {DRIVER_CPU})
    with run_standin() as standin:
        users = [standin.add_user(f"bench-{i}@example.com") for i in range(args.users)]
        tokens = [standin.mint(u, client_id=CLIENT_ID) for u in users]
        runs: list[ServerRun] = []
        for round_no in range(1, args.rounds + 1):
            starts = await interleaved_cold_starts(args, tokens, standin.url, standin.anon_key)
            for kind in KINDS:
                run = await measure(kind, round_no, args, tokens, standin.url, standin.anon_key, starts[kind])
                runs.append(run)
                loads = ", ".join(
                    f"c{c}: {r.rps:.0f} req/s p50 {r.percentile(0.5):.2f} p99 {r.percentile(0.99):.2f} ms"
                    f" cpu {r.cpu_us_per_request:.0f} µs/req ({r.errors} errors)"
                    for c, r in run.loads.items()
                )
                colds = "/".join(f"{ms:.0f}" for ms in run.cold_starts_ms)
                print(
                    f"round {round_no} {LABEL[kind]:<16} cold {colds} ms, {loads}, "
                    f"rss {run.rss_first_mib:.1f} -> {run.rss_mib:.1f} MiB",
                    flush=True,
                )
    summary = summarise(runs, args.concurrency)
    print()
    print(table(summary))
    errors = sum(r.errors for run in runs for r in run.loads.values())
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    variant = "-".join(
        [*(f"no-{a}" for a in args.ablate)] + ([args.log_level.lower()] if args.log_level != "INFO" else [])
    )
    out = RESULTS / f"bench-{stamp}{'-' + variant if variant else ''}.json"
    out.write_text(
        json.dumps(
            {
                "when": stamp,
                "machine": {
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                    "platform": platform.platform(),
                },
                "config": {k: v for k, v in vars(args).items()},
                "summary": summary,
                "runs": [r.to_json() for r in runs],
                "errors": errors,
            },
            indent=2,
        )
    )
    print(f"\nwrote {out.relative_to(ROOT)}")
    if errors:
        print(f"FAILED: {errors} responses were wrong (see first_error in the JSON)", file=sys.stderr)
        return 1
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--users", type=int, default=200, help="simulated users, one token each")
    parser.add_argument(
        "--requests", type=int, default=6000, help="checked requests per run at concurrency > 1"
    )
    parser.add_argument(
        "--requests-c1", type=int, default=2000, help="checked requests per run at concurrency 1"
    )
    parser.add_argument("--warmup", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16])
    parser.add_argument("--max-seconds", type=float, default=30.0, help="upper bound per load run")
    parser.add_argument("--start-timeout", type=float, default=30.0)
    parser.add_argument(
        "--cold-starts", type=int, default=5, help="cold starts per server per round (median of all)"
    )
    parser.add_argument("--log-level", default="INFO", help="(b)'s log level (INFO = as shipped)")
    parser.add_argument("--log-file", default=os.devnull, help="where (b)'s JSON log lines go")
    parser.add_argument(
        "--ablate",
        action="append",
        default=[],
        choices=["auth", "rate-limit", "metrics"],
        help="switch a piece of (b) off",
    )
    parser.add_argument(
        "--pin",
        action=argparse.BooleanOptionalAction,
        default=(os.cpu_count() or 1) >= 2,
        help="pin the load generator to CPU 0 and each server to CPU 1",
    )
    parser.add_argument("--verbose", action="store_true", help="show the servers' stderr")
    parser.add_argument(
        "--python",
        help="interpreter for the servers (default: a venv of exactly requirements.lock, as in the image)",
    )
    args = parser.parse_args()
    if args.rounds < 1 or args.rounds > 10:
        parser.error("--rounds must be 1..10")
    if args.cold_starts < 1 or args.cold_starts > 10:
        parser.error("--cold-starts must be 1..10")
    args.python = image_like_python(args.python)
    raise SystemExit(asyncio.run(bench(args)))


if __name__ == "__main__":
    main()
