"""Per-request CPU cost of each server, in-process (no sockets, no uvicorn): the ASGI app called directly.

    python -m bench.inprocess [--requests 3000] [--rounds 5] [--variants ...]

Far steadier than the load test on a shared machine, and it isolates what our app adds on top of the
SDK: the difference between "full" and "bare" is our middleware, routing and logging per `tools/call`.
Each variant is built once (lifespan entered), warmed up, then timed in interleaved rounds; medians of
µs per request. Variants switch one piece of the full stack off to show what each costs.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import logging
import os
import statistics
import time
from collections.abc import AsyncIterator
from typing import Any

from tests.standin.fixtures import run_standin

from bench.load import check_answer
from bench.run import CLIENT_ID
from bench.servers import bare_app, full_app

VARIANTS = {
    "bare": None,
    "full": [],
    "full, logs at WARNING": ["--log-level", "WARNING"],
    "full, no rate limit": ["--ablate-rate-limit"],
    "full, no auth": ["--ablate-auth"],
    "full, none of the three": ["--log-level", "WARNING", "--ablate-rate-limit", "--ablate-auth"],
}


def scope_for(token: str | None, port: int) -> dict[str, Any]:
    headers = [
        (b"host", f"127.0.0.1:{port}".encode()),
        (b"content-type", b"application/json"),
        (b"accept", b"application/json, text/event-stream"),
        (b"mcp-protocol-version", b"2025-11-25"),
    ]
    if token:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/mcp",
        "raw_path": b"/mcp",
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", port),
        "state": {},
    }


async def call(app: Any, token: str | None, port: int, n: int) -> None:
    body = json.dumps(
        {
            "jsonrpc": "2.0",
            "id": n,
            "method": "tools/call",
            "params": {"name": "bench_echo", "arguments": {"text": f"x{n}"}},
        }
    ).encode()
    sent = False
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # never: the app must not read past the body
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope_for(token, port), receive, send)
    problem = check_answer(status, b"".join(chunks), n, f"x{n}")
    if problem:
        raise RuntimeError(problem)


@contextlib.asynccontextmanager
async def lifespan(app: Any) -> AsyncIterator[None]:
    router = getattr(app, "router", None)
    context = router.lifespan_context(app) if router is not None else contextlib.nullcontext()
    async with context:
        yield


async def measure(args: argparse.Namespace) -> None:
    with run_standin() as standin:
        users = [standin.add_user(f"inproc-{i}@example.com") for i in range(args.users)]
        tokens = [standin.mint(u, client_id=CLIENT_ID) for u in users]
        apps: dict[str, tuple[Any, list[str | None]]] = {}
        stack = contextlib.AsyncExitStack()
        async with stack:
            for name in args.variants:
                extra = VARIANTS[name]
                if extra is None:
                    app, toks = bare_app(), [None]
                else:
                    parser = argparse.ArgumentParser()
                    parser.add_argument("--log-level", default="INFO")
                    parser.add_argument("--ablate-auth", action="store_true")
                    parser.add_argument("--ablate-rate-limit", action="store_true")
                    ns = parser.parse_args(extra)
                    ns.port = 8000
                    ns.supabase_url, ns.anon_key, ns.client_id = standin.url, standin.anon_key, CLIENT_ID
                    ns.log_file = os.devnull
                    ns.ablate_metrics, ns.metrics_port, ns.db, ns.kind = True, 0, None, "full"
                    app = full_app(ns)
                    toks = [None] if ns.ablate_auth else list(tokens)
                await stack.enter_async_context(lifespan(app))
                apps[name] = (app, toks)
            gc.collect()
            gc.freeze()
            timings: dict[str, list[float]] = {name: [] for name in apps}
            counter = 0
            for _name, (app, toks) in apps.items():  # warm-up: every token verified once
                for i in range(max(len(toks), 300)):
                    counter += 1
                    await call(app, toks[i % len(toks)], 8000, counter)
            for _ in range(args.rounds):
                for name, (app, toks) in apps.items():
                    # Logging levels are process-wide: set the root level for this variant.
                    logging.getLogger().setLevel("WARNING" if "WARNING" in name or "none" in name else "INFO")
                    started = time.process_time()
                    for i in range(args.requests):
                        counter += 1
                        await call(app, toks[i % len(toks)], 8000, counter)
                    timings[name].append((time.process_time() - started) * 1e6 / args.requests)
    base = statistics.median(timings["bare"]) if "bare" in timings else None
    print(f"| variant | CPU µs per tools/call (median of {args.rounds}) | over bare | bare/variant |")
    print("|---|---:|---:|---:|")
    for name, values in timings.items():
        med = statistics.median(values)
        over = f"{med - base:+.0f}" if base is not None else ""
        ratio = f"{base / med:.2f}" if base is not None else ""
        print(f"| {name} | {med:.0f} | {over} | {ratio} |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=list(VARIANTS))
    args = parser.parse_args()
    asyncio.run(measure(args))


if __name__ == "__main__":
    main()
