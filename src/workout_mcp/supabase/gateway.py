"""`SupabaseGateway`: the one place that sends requests to a Supabase project.

Policy, the same for every caller: a total timeout per attempt (connect at most 5 s); requests the
caller marks idempotent are retried after a connection failure or a 5xx, with a short backoff, up to
`attempts` times; a timeout is never retried (the time budget is spent) and nothing else is ever retried
(a refresh token or an authorization code must not be presented twice). Every request carries the
project's public `apikey`. Logs name the operation (`what`) and the status, never a URL's query, a
token or a body.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from workout_mcp.config import Settings
from workout_mcp.supabase.errors import SupabaseError, parse_error

log = logging.getLogger("workout_mcp.supabase")

CONNECT_TIMEOUT_SECONDS = 5.0


class LazyTransport(httpx.AsyncBaseTransport):
    """`httpx.AsyncHTTPTransport(**options)`, made on the first request. Its TLS context (OpenSSL's
    start-up and the CA bundle: 30-50 ms and 2-3 MiB) is built at construction whatever the URL; a server on
    the local log never calls out, and one on Supabase pays it on its first call instead of at start."""

    def __init__(self, **options: Any) -> None:
        self._options = options
        self._transport: httpx.AsyncHTTPTransport | None = None

    @property
    def transport(self) -> httpx.AsyncHTTPTransport:
        if self._transport is None:
            self._transport = httpx.AsyncHTTPTransport(**self._options)
        return self._transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.transport.handle_async_request(request)

    async def aclose(self) -> None:
        if self._transport is not None:
            await self._transport.aclose()


@dataclass(frozen=True)
class SupabaseResponse:
    status: int
    body: Any  # parsed JSON, or None (204, or an empty body)
    headers: httpx.Headers
    content: bytes


class SupabaseGateway:
    def __init__(
        self,
        http: httpx.AsyncClient,
        supabase_url: str,
        anon_key: str,
        *,
        timeout: float | httpx.Timeout = 10.0,
        attempts: int = 2,
        backoff: float = 0.1,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.http = http
        self.base_url = supabase_url.rstrip("/")
        self.anon_key = anon_key
        self.timeout = (
            timeout
            if isinstance(timeout, httpx.Timeout)
            else httpx.Timeout(timeout, connect=min(timeout, CONNECT_TIMEOUT_SECONDS))
        )
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.sleep = sleep

    @classmethod
    def from_settings(cls, settings: Settings, http: httpx.AsyncClient) -> SupabaseGateway:
        """The project's gateway: SUPABASE_URL, SUPABASE_ANON_KEY, UPSTREAM_TIMEOUT_SECONDS."""
        if settings.supabase_url is None or settings.supabase_anon_key is None:
            raise ValueError("SUPABASE_URL and SUPABASE_ANON_KEY are required")
        return cls(
            http,
            settings.supabase_url,
            settings.supabase_anon_key.get_secret_value(),
            timeout=settings.upstream_timeout_seconds,
        )

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    async def request(
        self,
        method: str,
        path: str,
        *,
        what: str,
        bearer: str | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool = False,
        attempts: int | None = None,
        expect_json: bool = True,
    ) -> SupabaseResponse:
        """Sends `method path`; a 2xx answer comes back, anything else raises `SupabaseError`."""
        sent = {"apikey": self.anon_key, "Accept": "application/json"}
        if bearer is not None:
            sent["Authorization"] = f"Bearer {bearer}"
        sent.update(headers or {})
        tries = (attempts or self.attempts) if idempotent else 1
        for attempt in range(1, tries + 1):
            again = attempt < tries
            try:
                response = await self.http.request(
                    method,
                    self.url(path),
                    json=json,
                    data=data,
                    params=params,
                    headers=sent,
                    timeout=self.timeout,
                )
            except httpx.TimeoutException:
                log.warning("supabase %s timed out", what)
                raise SupabaseError(None, reason="timeout") from None
            except httpx.HTTPError as exc:
                log.warning(
                    "supabase %s: connection failed (%s), attempt %d", what, type(exc).__name__, attempt
                )
                if again:
                    await self.sleep(self.backoff * attempt)
                    continue
                raise SupabaseError(None, reason=type(exc).__name__) from None
            body = _json(response)
            if response.status_code >= 500:
                error = parse_error(response.status_code, body)
                log.warning(
                    "supabase %s failed: status=%d code=%s, attempt %d",
                    what,
                    response.status_code,
                    error.code or "-",
                    attempt,
                )
                if again:
                    await self.sleep(self.backoff * attempt)
                    continue
                raise error
            if response.status_code >= 400:
                error = parse_error(response.status_code, body)
                log.info(
                    "supabase %s refused: status=%d code=%s", what, response.status_code, error.code or "-"
                )
                raise error
            if expect_json and body is None and response.status_code != 204 and response.content:
                log.warning("supabase %s: unreadable body with status=%d", what, response.status_code)
                raise SupabaseError(response.status_code, reason="unexpected body")
            return SupabaseResponse(response.status_code, body, response.headers, response.content)
        raise AssertionError("unreachable")  # pragma: no cover


def _json(response: httpx.Response) -> Any:
    if not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        return None
