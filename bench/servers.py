"""The two servers the benchmark compares, each run as its own process by `bench.run`:

    python -m bench.servers bare --port P
    python -m bench.servers full --port P --supabase-url URL --anon-key KEY --client-id ID [--log-file F]

`bare` is the MCP SDK alone: `MCPServer` + one async tool, `streamable_http_app(stateless_http=True,
json_response=True)`, no auth. `full` is `workout_mcp.app.create_app` as it ships (access log at INFO,
CORS, security headers, bearer JWT against the stand-in's JWKS, rate limiter with a limit that never
triggers, the SDK's auth context, the tool-audit middleware), plus the same tool, registered here only.
Both are served by one uvicorn worker with the same options as `workout_mcp.server`, after
`gc.collect(); gc.freeze()`. `--patch NAME` applies a candidate optimisation (see `bench.patches`).
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
from pathlib import Path
from typing import Any

import uvicorn

BENCH_SECRET_KEY = "bench-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz"
NEVER_TRIGGERS = 1_000_000_000


async def bench_echo(text: str) -> str:
    """Echo `text` back (benchmark only)."""
    return text


def bare_app() -> Any:
    from mcp.server.mcpserver import MCPServer

    mcp = MCPServer("bench-bare")
    mcp.tool()(bench_echo)
    return mcp.streamable_http_app(stateless_http=True, json_response=True)


def full_app(args: argparse.Namespace) -> Any:
    from workout_mcp.app import create_app
    from workout_mcp.config import load_settings
    from workout_mcp.logs import configure_logging
    from workout_mcp.store.local import LocalStore
    from workout_mcp.store.selection import request_user_id

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
    )
    if args.log_file:
        configure_logging(settings.log_level, stream=open(args.log_file, "a", buffering=1 << 16))  # noqa: SIM115
    else:
        configure_logging(settings.log_level)
    db = Path(tempfile.mkdtemp(prefix="bench-")) / "workouts.db"
    app = create_app(settings, store=LocalStore(db, user_id=request_user_id))
    app.state.services.mcp.tool()(bench_echo)
    return app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("kind", choices=["bare", "full"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--supabase-url")
    parser.add_argument("--anon-key")
    parser.add_argument("--client-id")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--log-file", help="where the JSON log lines go (default: stderr)")
    parser.add_argument("--patch", action="append", default=[], help="candidate optimisation to apply")
    # Ablations (to find where the cost is, not to ship): switch one piece of the full stack off.
    parser.add_argument("--ablate-auth", action="store_true", help="AUTH_MODE=none (no bearer check)")
    parser.add_argument("--ablate-rate-limit", action="store_true", help="RATE_LIMIT_ENABLED=false")
    args = parser.parse_args(argv)

    if args.patch:
        from bench.patches import apply, apply_to_app

        apply(args.patch)
    app = bare_app() if args.kind == "bare" else full_app(args)
    if args.patch:
        app = apply_to_app(args.patch, app)
    gc.collect()
    gc.freeze()
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=args.port,
        log_config=None,
        access_log=False,
        server_header=False,
        timeout_keep_alive=75,
        lifespan="on",
    )
    sys.exit(0)


if __name__ == "__main__":
    main()
