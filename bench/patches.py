"""Candidate optimisations, applied by monkeypatching inside a benchmark server process only
(`python -m bench.run --patch NAME`), so each recommendation comes with a measured before/after.
Nothing here ships: each patch names the change the owner of that file would make."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

# Applied before the app is built (module-level behaviour).
PATCHES: dict[str, Callable[[], None]] = {}
# Applied to the built app (structure); each returns the app to serve.
APP_PATCHES: dict[str, Callable[[Any], Any]] = {}


def patch(name: str) -> Callable[[Callable[[], None]], Callable[[], None]]:
    def register(fn: Callable[[], None]) -> Callable[[], None]:
        PATCHES[name] = fn
        return fn

    return register


def app_patch(name: str) -> Callable[[Callable[[Any], Any]], Callable[[Any], Any]]:
    def register(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
        APP_PATCHES[name] = fn
        return fn

    return register


def apply(names: list[str]) -> None:
    for name in names:
        if name not in PATCHES and name not in APP_PATCHES:
            known = ", ".join(sorted({*PATCHES, *APP_PATCHES})) or "none"
            raise SystemExit(f"unknown patch {name!r}; known: {known}")
        if name in PATCHES:
            PATCHES[name]()


def apply_to_app(names: list[str], app: Any) -> Any:
    for name in names:
        if name in APP_PATCHES:
            app = APP_PATCHES[name](app)
    return app


# --- logging (src/workout_mcp/logs.py) -------------------------------------------------------------
@patch("logging-flags")
def logging_flags() -> None:
    """The logging HOWTO's "Optimization" switches: our JSON lines print none of caller, thread or
    process, so don't compute them for every record (findCaller walks the stack)."""
    import logging

    logging._srcfile = None  # type: ignore[attr-defined]
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


@patch("redaction-fastpath")
def redaction_fastpath() -> None:
    """Same redaction, cheaper when there is nothing to redact (the common case): one combined search
    decides whether the five substitutions run at all, and the secret-field-name regex is cached per key."""
    import functools
    import re

    from workout_mcp import logs

    triggers = re.compile(
        r"(?i)bearer|eyJ|sb_(?:secret|publishable)_|token=|password=|secret=|verifier=|code=|state=|rediss?://"
    )
    slow = logs.redact_text

    def redact_text(text: str) -> str:
        return slow(text) if triggers.search(text) else text

    @functools.lru_cache(maxsize=4096)
    def secret_key(key: str) -> bool:
        return logs.SECRET_FIELD.search(key) is not None

    def _redact_value(key: str, value: Any) -> Any:
        if secret_key(key):
            return logs.REDACTED
        if isinstance(value, str):
            return redact_text(value)
        if value is None or isinstance(value, int | float):
            return value
        if isinstance(value, dict):
            return {k: _redact_value(str(k), v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [_redact_value(key, v) for v in value]
        return value

    logs.redact_text = redact_text  # type: ignore[assignment]
    logs._redact_value = _redact_value  # type: ignore[assignment]


@patch("lean-json-formatter")
def lean_json_formatter() -> None:
    """Same JSON line (time, level, logger, message, extras, exc_info) from one dict and one json.dumps,
    instead of python-json-logger's generic field merging."""
    import json
    import logging

    from workout_mcp import logs

    standard = logs._STANDARD_ATTRS

    class LeanJsonFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            out: dict[str, Any] = {
                "time": self.formatTime(record),
                "level": record.levelname,
                "logger": record.name,
                "message": record.getMessage(),
            }
            if record.exc_text:
                out["exc_info"] = record.exc_text
            for key, value in record.__dict__.items():
                if key not in standard and key not in out:
                    out[key] = value
            return json.dumps(out, default=str)

    original = logs.configure_logging

    def configure_logging(level: str = "INFO", *, stream: Any = None) -> None:
        original(level, stream=stream)
        for handler in logging.getLogger().handlers:
            handler.setFormatter(LeanJsonFormatter())

    logs.configure_logging = configure_logging  # type: ignore[assignment]


# --- routing (src/workout_mcp/app.py) ----------------------------------------------------------------
@app_patch("mcp-route-first")
def mcp_route_first(app: Any) -> Any:
    """Starlette tries routes in order with a regex each; `/mcp` (nearly every request) came 19th of 20,
    after the OAuth and consent routes. Put `/mcp` and `/mcp/` first: no path overlaps them."""
    routes = app.router.routes
    first = [r for r in routes if getattr(r, "path", None) in ("/mcp", "/mcp/")]
    routes[:] = first + [r for r in routes if r not in first]
    return app


# `one-log-line` and `access-line-direct` shipped (the access line carries the audit fields and is written
# by `JsonLinesHandler.write_fields` in src/workout_mcp/logs.py), so they are no longer patches.


# --- ablations: switch one layer off entirely, to see what it costs in place (not recommendations) ----
def _pass_through(cls: Any) -> None:
    async def __call__(self: Any, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)

    cls.__call__ = __call__


@patch("ablate-access-log")
def ablate_access_log() -> None:
    from workout_mcp.http.access_log import AccessLogMiddleware

    _pass_through(AccessLogMiddleware)


@patch("ablate-security-headers")
def ablate_security_headers() -> None:
    from workout_mcp.http.security_headers import SecurityHeadersMiddleware

    _pass_through(SecurityHeadersMiddleware)


@patch("ablate-cors")
def ablate_cors() -> None:
    from starlette.middleware.cors import CORSMiddleware

    from workout_mcp.http.cors import AppCORSMiddleware

    _pass_through(CORSMiddleware)
    _pass_through(AppCORSMiddleware)


@patch("ablate-audit")
def ablate_audit() -> None:
    from workout_mcp.surface.audit import ToolAuditMiddleware

    async def __call__(self: Any, ctx: Any, call_next: Any) -> Any:
        return await call_next(ctx)

    ToolAuditMiddleware.__call__ = __call__  # type: ignore[method-assign]
