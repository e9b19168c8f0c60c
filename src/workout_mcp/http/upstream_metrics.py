"""An httpx transport that times every call to Supabase and counts its outcome, by endpoint.

It wraps the shared client's transport, so the store, the JWKS cache and the OAuth facade are all
measured in one place without knowing about metrics. The endpoint label is the path under
`/auth/v1/` or `/rest/v1/` up to its first segment that is not a plain word (ids, keys and RPC
arguments never become labels): `auth/token`, `auth/jwks.json`, `auth/oauth/authorizations`,
`rest/rpc/list_workouts`.
"""

from __future__ import annotations

import re
import time

import httpx

from workout_mcp import metrics

_WORD = re.compile(r"^[a-z][a-z_.-]{0,39}$")
_MAX_DEPTH = 3


def supabase_endpoint(path: str) -> str:
    for prefix, label in (("/auth/v1/", "auth"), ("/rest/v1/", "rest")):
        if path.startswith(prefix):
            parts = [label]
            for segment in path[len(prefix) :].split("/")[:_MAX_DEPTH]:
                if segment == ".well-known":
                    continue
                if not _WORD.match(segment):
                    break
                parts.append(segment)
            return "/".join(parts)
    return metrics.OTHER


class SupabaseMetricsTransport(httpx.AsyncBaseTransport):
    """Counts calls to `origin` (`https://<ref>.supabase.co`); passes every other host through untimed."""

    def __init__(self, inner: httpx.AsyncBaseTransport, *, origin: str) -> None:
        self.inner = inner
        url = httpx.URL(origin)
        self.scheme, self.host, self.port = url.scheme, url.host, url.port

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.host != self.host or url.scheme != self.scheme or url.port != self.port:
            return await self.inner.handle_async_request(request)
        endpoint = supabase_endpoint(url.path)
        started = time.perf_counter()
        try:
            response = await self.inner.handle_async_request(request)
        except Exception:
            metrics.upstream_call(endpoint, time.perf_counter() - started, "transport_error")
            raise
        failed = response.status_code >= 500 or response.status_code == 429
        metrics.upstream_call(endpoint, time.perf_counter() - started, "http_error" if failed else "ok")
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
