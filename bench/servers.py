"""The servers the benchmark compares, each run as its own process by `bench.run`:

    python -m bench.servers bare --port P
    python -m bench.servers bare-docs --port P
    python -m bench.servers full --port P --supabase-url URL --anon-key KEY --client-id ID [--log-file F]

`bare` is the MCP SDK alone tuned the way we serve: `MCPServer` + one async tool,
`streamable_http_app(stateless_http=True, json_response=True)`, no auth, `gc.collect(); gc.freeze()`.
`bare-docs` is the SDK as its docs build it: the same app with a sync tool (run in a worker thread) and
the default GC. `full` is `workout_mcp.app.create_app` as it ships to Fly (access log at INFO, CORS, security
headers, bearer JWT against the stand-in's JWKS, rate limiter with a limit that never triggers, the SDK's
auth context, the tool-audit middleware, Prometheus metrics on a port of their own, the Supabase store
against the stand-in), plus the same async tool, registered here only; `full-tools` is the same on the
local SQLite log, for the soak's tool calls. Both start with `workout_mcp.server`'s policy (the cyclic
collector off while the app is built, then `gc.freeze()` and on again). All of them are served by one
uvicorn worker with the options of `workout_mcp.server` (uvloop and httptools when they load).
"""

from __future__ import annotations

import argparse
import gc
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

BENCH_SECRET_KEY = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
NEVER_TRIGGERS = 1_000_000_000


async def bench_echo(text: str) -> str:
    """Echo `text` back (benchmark only)."""
    return text


def bench_echo_sync(text: str) -> str:
    """Echo `text` back (benchmark only; a plain function, as the SDK's docs write tools)."""
    return text


def bare_app(*, sync_tool: bool = False) -> Any:
    from mcp.server.mcpserver import MCPServer

    mcp = MCPServer("bench-bare")
    if sync_tool:
        mcp.tool(name="bench_echo")(bench_echo_sync)
    else:
        mcp.tool()(bench_echo)
    return mcp.streamable_http_app(stateless_http=True, json_response=True)


def full_app(args: argparse.Namespace) -> Any:
    from workout_mcp.app import create_app
    from workout_mcp.config import load_settings
    from workout_mcp.logs import configure_logging

    settings = load_settings(
        _env_file=None,
        mcp_transport="http",
        host="127.0.0.1",
        port=args.port,
        auth_mode="none" if args.ablate_auth else "supabase",
        supabase_url=None if args.ablate_auth else args.supabase_url,
        supabase_anon_key=None if args.ablate_auth else args.anon_key,
        oauth_client_id=args.client_id,
        oauth_client_secret="bench-client-secret",
        secret_key=BENCH_SECRET_KEY,
        rate_limit_enabled=not args.ablate_rate_limit,
        rate_limit_per_hour=NEVER_TRIGGERS,
        log_level=args.log_level,
        metrics_port=0 if args.ablate_metrics else args.metrics_port,
    )
    if args.log_file:
        configure_logging(settings.log_level, stream=open(args.log_file, "a", buffering=1 << 16))  # noqa: SIM115
    else:
        configure_logging(settings.log_level)
    if settings.metrics_enabled:
        from workout_mcp.server import start_metrics

        start_metrics(settings)
    if args.kind == "full-tools" or args.ablate_auth:
        # The soak's tools write a real log; without sign-in there is no Supabase user to store for.
        from workout_mcp.store.local import LocalStore
        from workout_mcp.store.selection import request_user_id

        db = Path(args.db) if args.db else Path(tempfile.mkdtemp(prefix="bench-")) / "workouts.db"
        app = create_app(settings, store=LocalStore(db, user_id=request_user_id))
    else:
        app = create_app(settings)  # the store a Fly deployment opens: PostgREST with the caller's token
    if args.kind == "full":
        app.state.services.mcp.tool()(bench_echo)
    return app


def serve(app: Any, port: int) -> None:
    """`uvicorn.run` with `workout_mcp.server`'s options; the loop and parser are chosen the same way."""
    import uvicorn

    loop, parser = "asyncio", "h11"
    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:
        pass
    try:
        import httptools  # noqa: F401

        parser = "httptools"
    except ImportError:
        pass
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        loop=loop,
        http=parser,
        proxy_headers=True,
        timeout_graceful_shutdown=10,
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_keep_alive=75,
        lifespan="on",
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("kind", choices=["bare", "bare-docs", "full", "full-tools"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--supabase-url")
    parser.add_argument("--anon-key")
    parser.add_argument("--client-id")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--log-file", help="where the JSON log lines go (default: stderr)")
    parser.add_argument("--metrics-port", type=int, default=0, help="METRICS_PORT (0: a free port)")
    parser.add_argument("--db", help="the SQLite log (default: a new empty one)")
    # Ablations (to find where the cost is, not to ship): switch one piece of the full stack off.
    parser.add_argument("--ablate-auth", action="store_true", help="AUTH_MODE=none (no bearer check)")
    parser.add_argument("--ablate-rate-limit", action="store_true", help="RATE_LIMIT_ENABLED=false")
    parser.add_argument("--ablate-metrics", action="store_true", help="METRICS_PORT=0")
    args = parser.parse_args(argv)
    if args.metrics_port == 0 and not args.ablate_metrics:
        with socket.socket() as sock:  # a free loopback port for the metrics listener
            sock.bind(("127.0.0.1", 0))
            args.metrics_port = int(sock.getsockname()[1])

    if args.kind == "bare":
        app = bare_app()
    elif args.kind == "bare-docs":
        app = bare_app(sync_tool=True)
    else:
        from workout_mcp.server import building, serving

        building()  # as `workout_mcp.server.main` starts
        app = full_app(args)
    if args.kind == "bare":
        gc.collect()
        gc.freeze()
    elif args.kind != "bare-docs":
        serving()  # as `workout_mcp.server` does once the app is built
    serve(app, args.port)
    sys.exit(0)


if __name__ == "__main__":
    main()
