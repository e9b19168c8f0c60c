"""Process entry: read settings, then serve MCP over stdio or over HTTP with uvicorn.

`python -m workout_mcp.server` (the Docker CMD) and the `workout-mcp` console script both land here.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from workout_mcp.config import Settings

log = logging.getLogger("workout_mcp.server")

# Fly sends SIGINT/SIGTERM and waits `kill_timeout` (fly.toml) before killing: finish in-flight requests
# well inside it.
GRACEFUL_SHUTDOWN_SECONDS = 10


def building() -> None:
    """Start-up is about to build what lives as long as the process: ~10^5 objects (the SDK's and our
    pydantic models, tools, routes). With the cyclic collector on, every burst of them triggers
    collections that walk all of them again: a tenth of start-up's CPU, to free ~54,000 objects of import
    garbage (`python -m bench.startup_gc`). Off until `serving()`."""
    gc.disable()


def serving() -> None:
    """Everything built so far lives as long as the process: out of every future collection (which
    shortens the collections that per-request garbage triggers, the p99 tail), and the collector back
    on for the requests' own garbage."""
    gc.freeze()
    gc.enable()


def settings_or_exit() -> Settings:
    from workout_mcp.config import SettingsError, load_settings

    try:
        return load_settings()
    except SettingsError as exc:
        print(f"workout-mcp: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


async def serve_stdio(settings: Settings) -> None:
    import httpx

    from workout_mcp.store.selection import open_store
    from workout_mcp.supabase import LazyTransport
    from workout_mcp.surface.server import build_mcp_server

    transport = LazyTransport()  # the local log never calls out: no TLS context for it
    async with httpx.AsyncClient(timeout=settings.upstream_timeout_seconds, transport=transport) as client:
        store = open_store(settings, client)
        try:
            server = build_mcp_server(settings, store)
            serving()
            await server.run_stdio_async()
        finally:
            await store.aclose()


def event_loop_and_parser() -> tuple[str, str]:
    """uvloop and httptools (shipped as wheels) when they load here, else asyncio and h11 (pure Python)."""
    loop, parser = "asyncio", "h11"
    try:
        import uvloop  # noqa: F401

        loop = "uvloop"
    except ImportError:
        log.info("uvloop cannot load here: serving on the asyncio event loop")
    try:
        import httptools  # noqa: F401

        parser = "httptools"
    except ImportError:
        log.info("httptools cannot load here: parsing HTTP with h11")
    return loop, parser


def start_metrics(settings: Settings) -> None:
    """Metrics never take the service down: a taken port (a second local server) is logged, and the
    server runs without them (every hook back to a no-op)."""
    from workout_mcp import metrics

    try:
        server = metrics.serve(settings.host, settings.metrics_port)
    except OSError as exc:
        metrics.disable()
        log.error(
            "cannot serve metrics on METRICS_PORT=%d (%s): serving without metrics",
            settings.metrics_port,
            type(exc).__name__,
            extra={"event": "metrics_unavailable"},
        )
        return
    log.info("serving metrics", extra={"metrics_port": server.port, "path": "/metrics"})


def serve_http(settings: Settings) -> None:
    import uvicorn

    from workout_mcp.app import create_app
    from workout_mcp.http.header_deadline import header_deadline_protocol

    if settings.metrics_enabled:
        start_metrics(settings)
    loop, parser = event_loop_and_parser()
    app = create_app(settings)
    serving()
    log.info(
        "starting http server",
        extra={
            "host": settings.host,
            "port": settings.port,
            "base_url": settings.public_url,
            "auth": settings.auth_mode if settings.mcp_transport == "http" else "n/a",
            "loop": loop,
            "http": parser,
        },
    )
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        loop=loop,
        http=header_deadline_protocol(parser),
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        timeout_keep_alive=75,
        log_config=None,
        access_log=False,
        server_header=False,
        lifespan="on",
    )


def main() -> None:
    building()
    from workout_mcp.logs import configure_logging

    settings = settings_or_exit()
    configure_logging(settings.log_level)
    if settings.mcp_transport == "stdio":
        asyncio.run(serve_stdio(settings))
    else:
        serve_http(settings)


if __name__ == "__main__":
    main()
