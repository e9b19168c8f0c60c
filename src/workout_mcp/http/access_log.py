"""Outermost middleware: a request id for every HTTP request, and one JSON access line when it ends.

A tool call's audit fields (tool, outcome, sizes, tool duration) are added to that same line, so each
request costs one log line; the same fields feed the request and tool-call metrics when they are on.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workout_mcp import metrics
from workout_mcp.logs import audit_fields_var, log_fields, request_id_var, user_id_var

log = logging.getLogger("workout_mcp.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{6,64}$")
_OWS = (b" ", b"\t")


class AccessLogMiddleware:
    """Sets the request id (from `Fly-Request-Id`/`X-Request-Id` when well-formed), echoes it, logs once."""

    def __init__(self, app: ASGIApp, *, route_paths: Iterable[str] = ()) -> None:
        self.app = app
        # Metrics label requests by route; these paths also name the requests refused before routing.
        self.route_paths = frozenset(route_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = None
        padded = False
        for name, value in scope["headers"]:
            if value.endswith(_OWS) or value.startswith(_OWS):
                padded = True
            if request_id is None and name in (b"fly-request-id", b"x-request-id"):
                candidate = value.strip(b" \t").decode("latin-1")
                if _SAFE_ID.match(candidate):
                    request_id = candidate
        if padded:
            # RFC 9110 §5.5: a field value excludes leading and trailing whitespace. h11 strips it,
            # httptools (uvicorn's faster parser) keeps the trailing part; strip it here for both.
            scope["headers"] = [(name, value.strip(b" \t")) for name, value in scope["headers"]]
        if request_id is None:
            request_id = os.urandom(8).hex()
        rid_token = request_id_var.set(request_id)
        uid_token = user_id_var.set(None)
        audit: dict[str, object] = {}
        audit_token = audit_fields_var.set(audit)
        status = 500
        started = time.perf_counter()
        rid_header = (b"x-request-id", request_id.encode())

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), rid_header]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            seconds = time.perf_counter() - started
            user = scope.get("user")
            token = getattr(user, "access_token", None)
            log_fields(
                log,
                logging.INFO,
                "request",
                {
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(seconds * 1000, 2),
                    "user_id": getattr(token, "subject", None) or user_id_var.get(),
                    **audit,
                },
            )
            if metrics.active() is not None:
                self.observe(scope, status, seconds, audit)
            audit_fields_var.reset(audit_token)
            user_id_var.reset(uid_token)
            request_id_var.reset(rid_token)

    def observe(self, scope: Scope, status: int, seconds: float, audit: dict[str, object]) -> None:
        route = scope.get("route")
        path = getattr(route, "path", None)
        if path is None:
            path = scope["path"] if scope["path"] in self.route_paths else metrics.OTHER
        metrics.request(path, status)
        tool = audit.get("tool")
        if tool is not None:
            took = audit.get("tool_duration_ms")
            metrics.tool_call(
                str(tool), str(audit.get("outcome")), took / 1000 if isinstance(took, int | float) else 0.0
            )
