"""Per-user and per-IP rate limits as pure ASGI middleware, placed after bearer auth.

`POST /mcp` is keyed `user:<sub>` (or one local key when auth is off) and counts either every request
or only the methods that reach the store, `tools/call` and `resources/read` (`RATE_LIMIT_COUNT`);
`/oauth/*` is keyed `ip:<client>` and counts every request.
Allowed answers carry `RateLimit-Policy` and `RateLimit` (IETF httpapi ratelimit-headers, structured
fields); refusals are 429 with `Retry-After` and never reach the app. To learn the JSON-RPC method the
body is read (up to the app's body limit) and replayed to the app message by message, unchanged.
"""

from __future__ import annotations

import json
import math
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from workout_mcp import metrics
from workout_mcp.ratelimit.build import RateLimits
from workout_mcp.ratelimit.client_ip import TrustedProxies
from workout_mcp.ratelimit.window import Decision, LimiterUnavailable, Policy, SlidingWindowLimiter

CountMode = Literal["all", "tool_calls"]
Header = tuple[bytes, bytes]
# The methods that reach the store (and Supabase); the rest is protocol chatter answered locally.
COUNTED_METHODS = frozenset({"tools/call", "resources/read"})
_COUNTED_HEADERS = frozenset(m.encode() for m in COUNTED_METHODS)
JSONRPC_RATE_LIMITED = -32000
_NO_BODY = object()


def human_duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds < 3600:
        minutes = math.ceil(seconds / 60)
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours, rest = divmod(seconds, 3600)
    text = f"{hours} hour{'s' if hours != 1 else ''}"
    minutes = math.ceil(rest / 60)
    return f"{text} {minutes} minute{'s' if minutes != 1 else ''}" if minutes else text


def _window_text(window: int) -> str:
    return {60: "minute", 3600: "hour", 86400: "day"}.get(window, f"{window} seconds")


def whole_seconds(seconds: float) -> int:
    """Round up to whole seconds, ignoring float noise below a millisecond (3600.0000000005 is 3600)."""
    return math.ceil(round(seconds, 3))


def retry_seconds(retry_after: float) -> int:
    return max(1, whole_seconds(retry_after))


class _Limited:
    """A limiter plus everything about its answers that can be built once."""

    def __init__(self, limiter: SlidingWindowLimiter, unit: str) -> None:
        policy: Policy = limiter.policy
        self.limiter = limiter
        self.policy_header: Header = (
            b"ratelimit-policy",
            f'"{policy.name}";q={policy.limit};w={policy.window}'.encode(),
        )
        self._prefix = f'"{policy.name}";r='.encode()
        self.summary = f"{policy.limit} {unit} per {_window_text(policy.window)}"

    def headers(self, decision: Decision) -> list[Header]:
        reset = whole_seconds(decision.reset_after)
        return [self.policy_header, (b"ratelimit", b"%b%d;t=%d" % (self._prefix, decision.remaining, reset))]


class RateLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        limits: RateLimits,
        count: CountMode = "tool_calls",
        local_user: str | None = None,
        trusted_proxies: str = "127.0.0.1",
        max_body_bytes: int = 1_048_576,
        mcp_paths: tuple[str, ...] = ("/mcp", "/mcp/"),
        oauth_prefix: str = "/oauth/",
    ) -> None:
        self.app = app
        self.mcp = _Limited(limits.mcp, "tool calls" if count == "tool_calls" else "requests")
        self.oauth = _Limited(limits.oauth, "requests")
        self.count_all = count == "all"
        self.local_key = None if local_user is None else f"user:{local_user}"
        self.proxies = TrustedProxies(trusted_proxies)
        self.max_body_bytes = max_body_bytes
        self.mcp_paths = frozenset(mcp_paths)
        self.oauth_prefix = oauth_prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path in self.mcp_paths:
            if scope["method"] == "POST" and (key := self._user_key(scope)) is not None:
                await self._mcp(key, scope, receive, send)
                return
        elif path.startswith(self.oauth_prefix) or path == self.oauth_prefix[:-1]:
            await self._oauth(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _user_key(self, scope: Scope) -> str | None:
        token = getattr(scope.get("user"), "access_token", None)
        subject = getattr(token, "subject", None)
        if subject:
            return f"user:{subject}"
        return self.local_key

    async def _mcp(self, key: str, scope: Scope, receive: Receive, send: Send) -> None:
        body: Any = _NO_BODY
        request_id: Any = None
        if not self.count_all and _header(scope, b"mcp-method") not in _COUNTED_HEADERS:
            # The SDK checks Mcp-Method against the body only for modern-envelope requests, so any
            # other value is verified here: a wrong header must not skip the count.
            buffered, body = await self._read_body(scope, receive)
            receive = _replay(buffered, receive)
            counted, request_id = _inspect(body)
            if not counted:
                await self.app(scope, receive, _with_headers(send, [self.mcp.policy_header]))
                return
        try:
            decision = await self.mcp.limiter.hit(key)
        except LimiterUnavailable as exc:
            if body is _NO_BODY:
                buffered, body = await self._read_body(scope, receive)
                request_id = _inspect(body)[1]
            metrics.rate_limited("unavailable")
            message = "Rate limiting is temporarily unavailable; retry in {}."
            await _send_json(
                send, 503, self._jsonrpc_error(request_id, message, exc.retry_after), exc.retry_after, []
            )
            return
        if decision.allowed:
            await self.app(scope, receive, _with_headers(send, self.mcp.headers(decision)))
            return
        if body is _NO_BODY:
            buffered, body = await self._read_body(scope, receive)
            request_id = _inspect(body)[1]
        metrics.rate_limited("user")
        message = f"Rate limit exceeded: {self.mcp.summary}; retry in {{}}."
        document = self._jsonrpc_error(request_id, message, decision.retry_after)
        await _send_json(send, 429, document, decision.retry_after, self.mcp.headers(decision))

    async def _oauth(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = f"ip:{self.proxies.client_ip(scope)}"
        try:
            decision = await self.oauth.limiter.hit(key)
        except LimiterUnavailable as exc:
            metrics.rate_limited("unavailable")
            wait = human_duration(retry_seconds(exc.retry_after))
            description = f"Rate limiting is temporarily unavailable; retry in {wait}."
            document = {"error": "temporarily_unavailable", "error_description": description}
            await _send_json(send, 503, document, exc.retry_after, [])
            return
        if decision.allowed:
            await self.app(scope, receive, _with_headers(send, self.oauth.headers(decision)))
            return
        metrics.rate_limited("ip")
        wait = human_duration(retry_seconds(decision.retry_after))
        description = f"Too many requests from your address: {self.oauth.summary}; retry in {wait}."
        document = {"error": "temporarily_unavailable", "error_description": description}
        await _send_json(send, 429, document, decision.retry_after, self.oauth.headers(decision))

    def _jsonrpc_error(self, request_id: Any, template: str, retry_after: float) -> dict[str, Any]:
        seconds = retry_seconds(retry_after)
        return {
            "jsonrpc": "2.0",
            "id": request_id,
            "error": {
                "code": JSONRPC_RATE_LIMITED,
                "message": template.format(human_duration(seconds)),
                "data": {"retryAfterSeconds": seconds},
            },
        }

    async def _read_body(self, scope: Scope, receive: Receive) -> tuple[list[Message], bytes | None]:
        """Every message read, and the body when it arrived whole within the limit (else None)."""
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            return [], None
        messages: list[Message] = []
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                return messages, None
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return messages, None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return messages, b"".join(chunks)


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return None


def _inspect(body: bytes | None) -> tuple[bool, Any]:
    """(reaches the store, JSON-RPC id to echo). A malformed body counts as nothing: the SDK answers it."""
    if not body:
        return False, None
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return False, None
    if isinstance(document, dict):
        request_id = document.get("id")
        valid_id = isinstance(request_id, str) or (
            isinstance(request_id, int) and not isinstance(request_id, bool)
        )
        return document.get("method") in COUNTED_METHODS, request_id if valid_id else None
    if isinstance(document, list):
        return any(isinstance(d, dict) and d.get("method") in COUNTED_METHODS for d in document), None
    return False, None


def _replay(buffered: list[Message], receive: Receive) -> Receive:
    if not buffered:
        return receive
    pending = iter(buffered)

    async def replay() -> Message:
        for message in pending:
            return message
        return await receive()

    return replay


def _with_headers(send: Send, headers: list[Header]) -> Callable[[Message], Awaitable[None]]:
    async def send_with_headers(message: Message) -> None:
        if message["type"] == "http.response.start":
            message["headers"] = [*message.get("headers", ()), *headers]
        await send(message)

    return send_with_headers


async def _send_json(
    send: Send, status: int, document: dict[str, Any], retry_after: float, headers: list[Header]
) -> None:
    body = json.dumps(document, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"retry-after", str(retry_seconds(retry_after)).encode()),
                (b"cache-control", b"no-store"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
