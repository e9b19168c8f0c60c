"""Cold start counted in instructions, which do not swing with the machine: each server of `bench.run`,
started under valgrind's callgrind, from process start to its first correct `tools/call` ((b): bearer-
authenticated, first JWKS fetch included), then dumped and stopped.

    python -m bench.cold_instructions [--runs 1] [--kinds bare,full] [--python PATH]

A run takes about a minute per server (callgrind runs the interpreter ~40x slower) and the count is the
same to ~1 % from run to run, where wall-clock cold starts on a shared 2-CPU VM swing by ±30 %. An
instruction is not a nanosecond (a cache miss costs more than an add), so this says where the work is, and
`bench.run` stays the measure of time. Needs valgrind (Debian's package).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from tests.live_server import free_port, stop_process
from tests.standin.fixtures import run_standin

from bench.load import first_success
from bench.run import CLIENT_ID, HOST, LABEL, app_env, image_like_python, server_command

START_TIMEOUT = 600.0  # seconds: under callgrind a start takes 30-60 s here


def collected(dump: Path) -> int:
    """The total instruction count of one callgrind dump."""
    for line in dump.read_text(errors="replace").splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise ValueError(f"no totals in {dump}")


async def instructions_to_first_answer(
    kind: str, args: argparse.Namespace, standin_url: str, anon_key: str, token: str | None, folder: Path
) -> int:
    port = free_port()
    out = folder / f"{kind}-{port}.callgrind"
    command = server_command(kind, port, args, standin_url, anon_key)
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *command],
        env=app_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        started = time.perf_counter()
        ready = await first_success(HOST, port, token, deadline=started + START_TIMEOUT)
        if ready is None:
            raise RuntimeError(f"{kind} did not answer under callgrind within {START_TIMEOUT:.0f} s")
        # `callgrind_control -d` writes the counts so far to `<out>.<n>`, without stopping the server.
        dump = ["callgrind_control", "-d", str(proc.pid)]
        subprocess.run(dump, check=True, capture_output=True, timeout=60)
        deadline = time.monotonic() + 60
        while not (dumps := sorted(folder.glob(f"{out.name}.*"))):
            if time.monotonic() > deadline:
                raise RuntimeError("callgrind wrote no dump")
            await asyncio.sleep(0.2)  # the dump is written by the server's own process, shortly after
        await asyncio.sleep(0.5)
        return collected(dumps[0])
    finally:
        stop_process(proc)


async def measure(args: argparse.Namespace) -> dict[str, list[int]]:
    counts: dict[str, list[int]] = {kind: [] for kind in args.kinds}
    with run_standin() as standin, tempfile.TemporaryDirectory(prefix="callgrind-") as tmp:
        token = standin.mint(standin.add_user("callgrind@example.com"), client_id=CLIENT_ID)
        for run in range(1, args.runs + 1):
            for kind in args.kinds:
                n = await instructions_to_first_answer(
                    kind, args, standin.url, standin.anon_key, token if kind == "full" else None, Path(tmp)
                )
                counts[kind].append(n)
                print(f"run {run} {LABEL[kind]}: {n / 1e6:.0f} M instructions", flush=True)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--kinds", default="bare,full", help="servers of bench.run, comma-separated")
    parser.add_argument("--python", help="interpreter (default: the venv of requirements.lock)")
    args = parser.parse_args()
    if not 1 <= args.runs <= 10:
        parser.error("--runs must be 1..10")
    args.kinds = [k for k in args.kinds.split(",") if k]
    if unknown := [k for k in args.kinds if k not in LABEL]:
        parser.error(f"unknown servers: {unknown} (known: {', '.join(LABEL)})")
    if shutil.which("valgrind") is None or shutil.which("callgrind_control") is None:
        raise SystemExit("valgrind is not installed (apt-get install valgrind)")
    # (b)'s options as bench.run starts it: INFO logs to /dev/null, nothing ablated.
    args.log_level, args.log_file, args.ablate = "INFO", os.devnull, []
    args.python = image_like_python(args.python)
    counts = asyncio.run(measure(args))
    print(f"\n| server | instructions to the first answer, M (median of {args.runs}) | (b)/this |")
    print("|---|---:|---:|")
    medians = {kind: statistics.median(values) for kind, values in counts.items()}
    full = medians.get("full")
    for kind, value in medians.items():
        ratio = f"{full / value:.2f}" if full else ""
        print(f"| {LABEL[kind]} | {value / 1e6:.0f} | {ratio} |")


if __name__ == "__main__":
    main()
