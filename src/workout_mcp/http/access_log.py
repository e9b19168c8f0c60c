"""Outermost middleware: a request id for every HTTP request, and one JSON access line when it ends.

A tool call's audit fields (tool, outcome, sizes, tool duration) are added to that same line, so each
request costs one log line.
"""

from __future__ import annotations

import logging
import os
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workout_mcp.logs import audit_fields_var, log_fields, request_id_var, user_id_var

log = logging.getLogger("workout_mcp.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{6,64}$")


class AccessLogMiddleware:
    """Sets the request id (from `Fly-Request-Id`/`X-Request-Id` when well-formed), echoes it, logs once."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = None
        for name, value in scope["headers"]:
            if name in (b"fly-request-id", b"x-request-id"):
                candidate = value.decode("latin-1")
                if _SAFE_ID.match(candidate):
                    request_id = candidate
                    break
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
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "user_id": getattr(token, "subject", None) or user_id_var.get(),
                    **audit,
                },
            )
            audit_fields_var.reset(audit_token)
            user_id_var.reset(uid_token)
            request_id_var.reset(rid_token)
