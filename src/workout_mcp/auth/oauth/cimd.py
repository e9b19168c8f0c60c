"""Client ID Metadata Documents: an https `client_id` is the URL of the client's own registration.

Fetching a URL a stranger chose is server-side request forgery waiting to happen, so: the name is
resolved first and every address must be public unicast (unless CIMD_ALLOW_PRIVATE_NETWORKS, for tests
only); the request goes to the vetted address (the Host header and TLS SNI keep the name), so a second
DNS answer cannot rebind it; no redirects; `Accept-Encoding: identity`; at most `max_bytes`, streamed;
one overall deadline. Results (and failures, briefly) are cached, bounded, honouring Cache-Control
within limits.

A refusal is `UnknownClient` (the document is absent, bad, or not allowed: the client is not usable
as registered). A failure that may pass by itself (a timeout, a refused or reset connection, a 5xx,
408 or 429 answer, a DNS server failure) is its subclass `ClientMetadataUnavailable`, so a page can
say "temporary, try again" instead of "this app is not registered"; it is cached only for a few
seconds, enough to keep one slow host from being fetched on every request.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import re
import socket
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import httpx

from workout_mcp.auth.clients import (
    ClientMetadataError,
    RegisteredClient,
    UnknownClient,
    is_private_address,
    validate_client_metadata,
)
from workout_mcp.auth.oauth.params import loads_shallow

log = logging.getLogger("workout_mcp.auth.oauth.cimd")

Resolver = Callable[[str, int], Awaitable[list[str]]]

MAX_URL_LENGTH = 512
MIN_TTL, DEFAULT_TTL, MAX_TTL, FAILURE_TTL = 60.0, 300.0, 3600.0, 30.0
TEMPORARY_FAILURE_TTL = 5.0
TEMPORARY_STATUSES = frozenset({408, 429})


class ClientMetadataUnavailable(UnknownClient):
    """The client metadata document could not be fetched just now; the same request may work later."""


_MAX_AGE = re.compile(r"(?:^|,)\s*(?:s-)?max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


def looks_like_metadata_url(client_id: str) -> bool:
    return client_id.startswith(("https://", "http://"))


async def resolve_host(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def cache_ttl(cache_control: str | None) -> float:
    if not cache_control:
        return DEFAULT_TTL
    lowered = cache_control.lower()
    if "no-store" in lowered or "no-cache" in lowered:
        return MIN_TTL
    match = _MAX_AGE.search(lowered)
    return DEFAULT_TTL if match is None else min(max(float(match.group(1)), MIN_TTL), MAX_TTL)


class CimdResolver:
    """`await resolver.client(url)` -> the `RegisteredClient` its document describes, or `UnknownClient`."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        allow_private_networks: bool = False,
        max_bytes: int = 5120,
        timeout: float = 5.0,
        cache_size: int = 256,
        resolve: Resolver = resolve_host,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._allow_private = allow_private_networks
        self._max_bytes = max_bytes
        self._timeout = timeout
        self._cache_size = cache_size
        self._resolve = resolve
        self._clock = clock
        self._cache: OrderedDict[str, tuple[float, RegisteredClient | UnknownClient]] = OrderedDict()
        self.fetches = 0

    async def client(self, url: str) -> RegisteredClient:
        now = self._clock()
        cached = self._cache.get(url)
        if cached is not None and cached[0] > now:
            self._cache.move_to_end(url)
            if isinstance(cached[1], UnknownClient):
                raise type(cached[1])(str(cached[1]))
            return cached[1]
        try:
            client, ttl = await self._fetch(url)
        except ClientMetadataUnavailable as exc:
            log.warning("client metadata document unavailable: %s", exc)
            self._remember(url, now + TEMPORARY_FAILURE_TTL, exc)
            raise
        except UnknownClient as exc:
            log.info("client metadata document refused: %s", exc)
            self._remember(url, now + FAILURE_TTL, exc)
            raise
        self._remember(url, now + ttl, client)
        return client

    def _remember(self, url: str, until: float, value: RegisteredClient | UnknownClient) -> None:
        self._cache[url] = (until, value)
        self._cache.move_to_end(url)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def _check_url(self, url: str) -> tuple[str, str, int]:
        if len(url) > MAX_URL_LENGTH:
            raise UnknownClient("client id URL too long")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise UnknownClient("client id is not a valid URL") from None
        allowed = ("https", "http") if self._allow_private else ("https",)
        if parts.scheme not in allowed or not parts.hostname:
            raise UnknownClient("client id URL must be https")
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            raise UnknownClient("client id URL must not carry user information")
        if "#" in url or parts.query:
            raise UnknownClient("client id URL must not have a query or fragment")
        segments = parts.path.split("/")
        if parts.path in ("", "/") or "." in segments or ".." in segments:
            raise UnknownClient("client id URL needs a plain, non-root path")
        return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)

    async def _vetted_address(self, host: str, port: int) -> str:
        try:
            addresses = [str(ipaddress.ip_address(host))]
        except ValueError:
            try:
                addresses = await self._resolve(host, port)
            except socket.gaierror as exc:
                if exc.errno == socket.EAI_AGAIN:
                    raise ClientMetadataUnavailable("client id host: DNS lookup failed for now") from None
                raise UnknownClient("client id host does not resolve") from None
            except OSError:
                raise ClientMetadataUnavailable("client id host: DNS lookup failed for now") from None
        if not addresses:
            raise UnknownClient("client id host does not resolve")
        if not self._allow_private and any(is_private_address(a) for a in addresses):
            raise UnknownClient("client id host resolves to a private, loopback or reserved address")
        return addresses[0]

    async def _fetch(self, url: str) -> tuple[RegisteredClient, float]:
        scheme, host, port = self._check_url(url)
        self.fetches += 1
        try:
            async with asyncio.timeout(self._timeout):
                address = await self._vetted_address(host, port)
                body, cache_control = await self._download(url, scheme, host, port, address)
        except TimeoutError:
            raise ClientMetadataUnavailable("client metadata document took too long") from None
        try:
            document = loads_shallow(body)
        except UnicodeDecodeError:
            raise UnknownClient("client metadata document is not JSON") from None
        except ValueError as exc:
            message = str(exc) if "nested" in str(exc) else "not JSON"
            raise UnknownClient(f"client metadata document is {message}") from None
        return self._client_from(url, document), cache_ttl(cache_control)

    async def _download(
        self, url: str, scheme: str, host: str, port: int, address: str
    ) -> tuple[bytes, str | None]:
        parts = urlsplit(url)
        literal = f"[{address}]" if ":" in address else address
        target = f"{scheme}://{literal}:{port}{parts.path}"
        extensions = {}
        try:
            ipaddress.ip_address(host)
        except ValueError:
            extensions["sni_hostname"] = host
        headers = {
            "Host": parts.netloc,
            "Accept": "application/json",
            "Accept-Encoding": "identity",
            "Connection": "close",
        }
        try:
            async with self._http.stream(
                "GET",
                target,
                headers=headers,
                extensions=extensions,
                follow_redirects=False,
                timeout=httpx.Timeout(self._timeout),
            ) as response:
                status = response.status_code
                if status >= 500 or status in TEMPORARY_STATUSES:
                    raise ClientMetadataUnavailable(f"client metadata document answered {status}")
                if status != 200:
                    raise UnknownClient(f"client metadata document answered {status}")
                if response.headers.get("content-encoding", "identity").lower() != "identity":
                    raise UnknownClient("client metadata document must not be compressed")
                declared = response.headers.get("content-length")
                if declared is not None and declared.isdigit() and int(declared) > self._max_bytes:
                    raise UnknownClient("client metadata document is too large")
                chunks: list[bytes] = []
                size = 0
                async for chunk in response.aiter_bytes():
                    size += len(chunk)
                    if size > self._max_bytes:
                        raise UnknownClient("client metadata document is too large")
                    chunks.append(chunk)
                return b"".join(chunks), response.headers.get("cache-control")
        except httpx.TransportError as exc:
            raise ClientMetadataUnavailable(
                f"client metadata document unreachable ({type(exc).__name__})"
            ) from None
        except httpx.HTTPError as exc:
            raise UnknownClient(f"client metadata document unreachable ({type(exc).__name__})") from None

    @staticmethod
    def _client_from(url: str, document: object) -> RegisteredClient:
        if not isinstance(document, dict):
            raise UnknownClient("client metadata document must be a JSON object")
        if document.get("client_id") != url:
            raise UnknownClient("client metadata document's client_id differs from its URL")
        method = document.get("token_endpoint_auth_method", "none")
        if method != "none" or "client_secret" in document:
            raise UnknownClient("metadata-document clients must be public (token_endpoint_auth_method none)")
        try:
            registration = validate_client_metadata(document, default_auth_method="none")
        except ClientMetadataError as exc:
            raise UnknownClient(f"client metadata document: {exc.description}") from None
        return RegisteredClient(
            client_id=url,
            client_name=registration.client_name,
            redirect_uris=registration.redirect_uris,
            auth_method="none",
            grant_types=registration.grant_types,
            issued_at=0,
            kind="cimd",
        )
