"""Handshake-era (2025) stateless JSON requests answered in the request's own task, as the SDK answers
2026-07-28 ones.

For a stateless, JSON-response server the SDK's legacy path builds per request a transport, memory
streams, a dispatcher, a server task in its task group and a handler task, only to carry one JSON-RPC
request to `ServerRunner.on_request` and its one answer back. This endpoint hands the request to the
same kernel (`serve_one`, which the SDK's own 2026-07-28 entry uses) directly and writes the answer the
way the legacy transport writes it, byte for byte (`tests/http/test_stateless_exchange.py` compares the
two paths over a corpus of requests). Anything that is not a well-formed single request with the right
headers (an error to report, a notification, a response, another protocol revision) goes to the SDK's
own path unchanged, with the body it already read.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio
import pydantic_core
from mcp.server.connection import Connection
from mcp.server.runner import serve_one
from mcp.server.streamable_http import CONTENT_TYPE_JSON, check_accept_headers
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import RequestBodyLimitMiddleware, TransportSecurityMiddleware
from mcp.shared.dispatcher import CallOptions
from mcp.shared.exceptions import NoBackChannelError
from mcp.shared.jsonrpc_dispatcher import handler_exception_to_error_data
from mcp.shared.message import ServerMessageMetadata
from mcp.shared.transport_context import TransportContext
from mcp_types import (
    DEFAULT_NEGOTIATED_VERSION,
    ErrorData,
    JSONRPCError,
    JSONRPCRequest,
    JSONRPCResponse,
    RequestId,
    jsonrpc_message_adapter,
)
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

log = logging.getLogger("workout_mcp.http.stateless_exchange")

_VERSION_HEADER = b"mcp-protocol-version"
# What the SDK's stateless path gives every handler: no back channel (no session for a reply to reach).
_TRANSPORT = TransportContext(kind="streamable-http", can_send_request=False)
_JSON_HEADERS = {"Content-Type": CONTENT_TYPE_JSON}


@dataclass
class _ExchangeContext:
    """The dispatch context of one request: notifications have no wire in JSON-response mode (the
    legacy transport drops them too) and a server-initiated request has nowhere to go."""

    request_id: RequestId
    message_metadata: ServerMessageMetadata
    transport: TransportContext = _TRANSPORT
    cancel_requested: anyio.Event = field(default_factory=anyio.Event)
    can_send_request: bool = False

    async def send_raw_request(
        self, method: str, params: Mapping[str, Any] | None, opts: CallOptions | None = None
    ) -> dict[str, Any]:
        raise NoBackChannelError(method)

    async def notify(
        self, method: str, params: Mapping[str, Any] | None, opts: CallOptions | None = None
    ) -> None:
        return None

    async def progress(self, progress: float, total: float | None = None, message: str | None = None) -> None:
        return None


class StatelessExchange:
    """ASGI app for the MCP endpoint of a stateless JSON-response session manager (entered by its
    `run()`, as before): the common request in-task, everything else through the manager."""

    def __init__(self, manager: StreamableHTTPSessionManager) -> None:
        if not (manager.stateless and manager.json_response):
            raise ValueError("the in-task exchange serves stateless JSON-response managers only")
        self.manager = manager
        self.security = TransportSecurityMiddleware(manager.security_settings)
        self.asgi_app = RequestBodyLimitMiddleware(self._handle, manager.max_request_body_size)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        version = _protocol_version(scope)
        # Not ours before any byte of the body is read: other methods, other revisions (the SDK answers
        # 2026-07-28 requests in-task itself), and a manager that is not running (it refuses).
        if (
            scope["method"] != "POST"
            or (version is not None and version not in HANDSHAKE_PROTOCOL_VERSIONS)
            or self.manager._task_group is None
        ):
            await self.manager.asgi_app(scope, receive, send)
            return
        await self.asgi_app(scope, receive, send)

    async def _handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        version = _protocol_version(scope)
        request = Request(scope, receive)
        refusal = await self.security.validate_request(request, is_post=True)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        if not check_accept_headers(request)[0] or not _is_json(request):
            await self.manager.asgi_app(scope, receive, send)
            return
        body = await request.body()
        try:
            message = jsonrpc_message_adapter.validate_python(pydantic_core.from_json(body), by_name=False)
        except ValueError:  # also pydantic's ValidationError: the manager words the error
            message = None
        if not isinstance(message, JSONRPCRequest):
            await self.manager.asgi_app(scope, _replay(body, receive), send)
            return
        answer = await self._answer(message, request, version or DEFAULT_NEGOTIATED_VERSION)
        response = Response(answer.model_dump_json(by_alias=True, exclude_unset=True), headers=_JSON_HEADERS)
        await response(scope, receive, send)

    async def _answer(
        self, message: JSONRPCRequest, request: Request, version: str
    ) -> JSONRPCResponse | JSONRPCError:
        context = _ExchangeContext(
            request_id=message.id,
            message_metadata=ServerMessageMetadata(request_context=request, can_send_request=False),
        )
        connection = Connection.from_envelope(version, None, None)
        try:
            result = await serve_one(
                self.manager.app,
                context,
                message.method,
                message.params,
                connection=connection,
                lifespan_state=self.manager._lifespan_state,  # what the manager gives its handlers
            )
        except Exception as exc:
            # The dispatcher's mapping, code 0 included (the SDK's compatibility choice for other errors).
            error = handler_exception_to_error_data(exc)
            if error is None:
                log.exception("handler for %r raised", message.method)
                error = ErrorData(code=0, message=str(exc))
            return JSONRPCError(jsonrpc="2.0", id=message.id, error=error)
        return JSONRPCResponse(jsonrpc="2.0", id=message.id, result=result)


def _protocol_version(scope: Scope) -> str | None:
    for key, value in scope["headers"]:
        if key == _VERSION_HEADER:
            return str(value.decode("latin-1"))
    return None


def _is_json(request: Request) -> bool:
    """The legacy transport's Content-Type rule (any comma-separated part equal to application/json)."""
    content_type = request.headers.get("content-type", "")
    return any(part.strip() == CONTENT_TYPE_JSON for part in content_type.split(";")[0].split(","))


def _replay(body: bytes, receive: Receive) -> Receive:
    """`receive` that gives the already-read body once more, then the connection's own messages."""
    pending: list[Message] = [{"type": "http.request", "body": body, "more_body": False}]

    async def replay() -> Message:
        if pending:
            return pending.pop()
        return await receive()

    return replay
