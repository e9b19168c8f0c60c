"""JSON-lines logging on stderr, with the request context on every line and secrets scrubbed.

Redaction is a last line of defence: code logs sizes, ids and outcomes, never values. The filter
still masks anything that looks like a bearer token, a JWT or a sealed artefact, and any field whose
name says it holds a secret, in case a message or an exception text carries one.
"""

from __future__ import annotations

import logging
import re
import sys
from contextvars import ContextVar
from typing import Any

from pythonjsonlogger.json import JsonFormatter

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
user_id_var: ContextVar[str | None] = ContextVar("user_id", default=None)

SECRET_FIELD = re.compile(
    r"(authorization|token|secret|password|passwd|apikey|api_key|cookie|code_verifier|^code$|key$)", re.I
)
REDACTED = "[redacted]"
_SECRET_TEXT: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"), "Bearer " + REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), REDACTED),  # a JWT
    (re.compile(r"\bsb_(secret|publishable)_[A-Za-z0-9_-]+"), REDACTED),
    (
        re.compile(
            r"(?i)\b((?:access|refresh|id)_token|password|client_secret|code_verifier|code|state)=[^&\s\"']+"
        ),
        r"\1=" + REDACTED,
    ),
    (re.compile(r"(?i)(rediss?://[^:/\s]*:)[^@\s]+@"), r"\1" + REDACTED + "@"),
]
_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


def redact_text(text: str) -> str:
    for pattern, replacement in _SECRET_TEXT:
        text = pattern.sub(replacement, text)
    return text


def _redact_value(key: str, value: Any) -> Any:
    if SECRET_FIELD.search(key):
        return REDACTED
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: _redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(key, v) for v in value]
    return value


class ContextAndRedactionFilter(logging.Filter):
    """Adds request_id/user_id from the current context and scrubs secrets from every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = request_id_var.get()
        if getattr(record, "user_id", None) is None:
            record.user_id = user_id_var.get()
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = redact_text(str(record.msg))
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS and key not in ("request_id", "user_id"):
                record.__dict__[key] = _redact_value(key, value)
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, redacted, so no formatter prints the raw exception text.
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


def configure_logging(level: str = "INFO", *, stream: Any = None) -> None:
    """Send JSON lines to stderr (never stdout: in stdio mode stdout is the protocol channel)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            timestamp=False,
        )
    )
    handler.addFilter(ContextAndRedactionFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # uvicorn's own access log would duplicate ours (and it logs query strings, which can hold codes).
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("uvicorn.error").propagate = True
    for noisy in ("httpx", "httpcore", "mcp", "mcp.server.lowlevel.server", "mcp.server.streamable_http"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
