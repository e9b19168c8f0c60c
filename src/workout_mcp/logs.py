"""JSON-lines logging on stderr, with the request context on every line and secrets scrubbed.

Redaction is a last line of defence: code logs sizes, ids and outcomes, never values. The filter
still masks anything that looks like a bearer token, a JWT or a sealed artefact, and any field whose
name says it holds a secret, in case a message or an exception text carries one.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from collections.abc import Callable
from contextvars import ContextVar
from functools import lru_cache
from typing import Any

from pythonjsonlogger.json import JsonFormatter

request_id_var: ContextVar[str | None] = ContextVar("request_id", default=None)
user_id_var: ContextVar[str | None] = ContextVar("user_id", default=None)
# Over HTTP, a tool call's audit fields ride on its request's access line (one line per request, not
# two); the access-log middleware puts a dict here, and the SDK's handler task, which copies the
# request's context, fills it. Outside HTTP (stdio) it is None and the audit line stands alone.
audit_fields_var: ContextVar[dict[str, Any] | None] = ContextVar("audit_fields", default=None)

SECRET_FIELD = re.compile(
    r"(authorization|token|secret|password|passwd|apikey|api_key|cookie|code_verifier|^code$|key$)", re.I
)
REDACTED = "[redacted]"
# What an error code looks like: a SQLSTATE (`23505`, `42P01`) or a GoTrue/PostgREST code
# (`invalid_credentials`, `PGRST116`). An OAuth code or state never does: random, mixed, long.
_ERROR_CODE = re.compile(r"[0-9A-Z]{5}|PGRST[0-9]{3}|[a-z]+(?:_[a-z]+)+")
# Logs carry uvicorn's own copy of each message with ANSI colour codes: one copy is enough.
_DROPPED_FIELDS = ("color_message",)


def _mask_code_or_state(match: re.Match[str]) -> str:
    """`code=`/`state=` as a URL or form parameter is always masked; after a space (`status=409
    code=23505`, a log field) it is shown when its value is an error code, so SQLSTATEs stay readable."""
    start = match.start()
    after_space = start > 0 and match.string[start - 1] in " \t(,"
    value = match.group(2)
    if after_space and len(value) <= 40 and _ERROR_CODE.fullmatch(value):
        return match.group(0)
    return f"{match.group(1)}={REDACTED}"


_SECRET_TEXT: list[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]]] = [
    (re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]+"), "Bearer " + REDACTED),
    (re.compile(r"\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*"), REDACTED),  # a JWT
    (re.compile(r"\bsb_(secret|publishable)_[A-Za-z0-9_-]+"), REDACTED),
    (
        re.compile(r"(?i)\b((?:access|refresh|id)_token|password|client_secret|code_verifier)=[^&\s\"']+"),
        r"\1=" + REDACTED,
    ),
    (re.compile(r"(?i)\b(code|state)=([^&\s\"']+)"), _mask_code_or_state),
    (re.compile(r"(?i)(rediss?://[^:/\s]*:)[^@\s]+@"), r"\1" + REDACTED + "@"),
]
# Matches wherever any pattern above could: most lines hold nothing secret, and one search is cheaper
# than five substitutions (a test checks the shortcut never changes the result).
_MIGHT_HOLD_SECRET = re.compile(
    r"(?i)bearer|eyJ|sb_|(?:token|password|secret|verifier|code|state)=|rediss?://"
)
# The same trigger for ASCII text, lowercased first: a case-sensitive search is 2-4 times faster than
# the case-insensitive one, and for ASCII text the two agree (non-ASCII text, where Unicode case folding
# can turn the long s (U+017F) into "s", keeps the case-insensitive search).
_MIGHT_HOLD_SECRET_LOWER = re.compile(
    r"bearer|eyj|sb_|(?:token|password|secret|verifier|code|state)=|rediss?://"
)
_CONTEXT_FIELDS = ("request_id", "user_id")
_STANDARD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


def redact_text(text: str) -> str:
    if text.isascii():
        if _MIGHT_HOLD_SECRET_LOWER.search(text.lower()) is None:
            return text
    elif _MIGHT_HOLD_SECRET.search(text) is None:
        return text
    for pattern, replacement in _SECRET_TEXT:
        text = pattern.sub(replacement, text)
    return text


@lru_cache(maxsize=1024)
def is_secret_field(key: str) -> bool:
    return SECRET_FIELD.search(key) is not None


def _redact_value(key: str, value: Any) -> Any:
    if is_secret_field(key):
        return REDACTED
    if value is None or isinstance(value, int | float):
        return value
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
        for name in _DROPPED_FIELDS:
            record.__dict__.pop(name, None)
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = redact_text(str(record.msg))
        for key, value in list(record.__dict__.items()):
            if key not in _STANDARD_ATTRS and key not in _CONTEXT_FIELDS:
                record.__dict__[key] = _redact_value(key, value)
        if record.exc_info and record.exc_info[1] is not None:
            # Render the traceback now, redacted, so no formatter prints the raw exception text.
            record.exc_text = redact_text(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class JsonLinesHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler `configure_logging` installs: python-json-logger behind the redaction filter.

    `write_fields` is the access line's shortcut: the same JSON line `logger.info(message, extra=fields)`
    would produce, built from the dict directly (no LogRecord, no filter walk, no generic field merging).
    """

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self.json_formatter = JsonFormatter(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            timestamp=False,
        )
        self.redaction = ContextAndRedactionFilter()
        self.setFormatter(self.json_formatter)
        self.addFilter(self.redaction)
        self._second = -1
        self._second_text = ""

    def untouched(self) -> bool:
        """Still configured as built here, so `write_fields` writes what the formatter would."""
        return (
            self.formatter is self.json_formatter
            and len(self.filters) == 1
            and self.filters[0] is self.redaction
            and self.json_formatter.datefmt is None
            and self.json_formatter.converter is time.localtime
        )

    def write_fields(self, logger: logging.Logger, level: int, message: str, fields: dict[str, Any]) -> None:
        """One line, field for field as the formatter writes it; TypeError when a value is not plain JSON."""
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second_text = time.strftime(logging.Formatter.default_time_format, time.localtime(now))
            self._second = second
        data: dict[str, Any] = {
            "time": f"{self._second_text},{int((now - second) * 1000):03d}",
            "level": logging.getLevelName(level),
            "logger": logger.name,
            "message": redact_text(message),
        }
        for key, value in fields.items():
            if key in _STANDARD_ATTRS or key[:1] == "_":
                raise KeyError(key)
            data[key] = value if key in _CONTEXT_FIELDS else _redact_value(key, value)
        if data.get("request_id") is None:
            data["request_id"] = request_id_var.get()
        if data.get("user_id") is None:
            data["user_id"] = user_id_var.get()
        line = json.dumps(data) + self.terminator
        with self.lock:  # type: ignore[union-attr]
            self.stream.write(line)
            self.stream.flush()


def log_fields(logger: logging.Logger, level: int, message: str, fields: dict[str, Any]) -> None:
    """`logger.log(level, message, extra=fields)`, through `JsonLinesHandler.write_fields` when that handler
    alone would see the record (no other handler or filter on the way): the per-request access line."""
    if not logger.isEnabledFor(level):
        return
    handler = _sole_json_handler(logger, level)
    if handler is not None:
        try:
            handler.write_fields(logger, level, message, fields)
            return
        except (TypeError, ValueError, KeyError, OSError):
            pass  # not plain JSON, or the stream failed: the logging path handles (and reports) it
    logger.log(level, message, extra=fields)


def _sole_json_handler(logger: logging.Logger, level: int) -> JsonLinesHandler | None:
    node: logging.Logger | None = logger
    root = logging.root
    while node is not None and node is not root:
        if node.handlers or node.filters or not node.propagate:
            return None
        node = node.parent
    if root.filters or len(root.handlers) != 1:
        return None
    handler = root.handlers[0]
    if type(handler) is not JsonLinesHandler or handler.level > level or not handler.untouched():
        return None
    return handler


def configure_logging(level: str = "INFO", *, stream: Any = None) -> None:
    """Send JSON lines to stderr (never stdout: in stdio mode stdout is the protocol channel)."""
    handler = JsonLinesHandler(stream or sys.stderr)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # The logging HOWTO's "Optimization" switches: our lines show no caller, thread or process, so do not
    # compute them for every record (finding the caller walks the stack).
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    # uvicorn's own access log would duplicate ours (and it logs query strings, which can hold codes).
    logging.getLogger("uvicorn.access").disabled = True
    logging.getLogger("uvicorn.error").propagate = True
    for noisy in ("httpx", "httpcore", "mcp", "mcp.server.lowlevel.server", "mcp.server.streamable_http"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, logging.getLevelName(level)))
