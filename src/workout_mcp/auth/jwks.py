"""Supabase's signing keys (`/auth/v1/.well-known/jwks.json`), cached, refreshed and rate-limited.

What is cached: the public ES256/RS256 keys by `kid`, for the response's `max-age` clamped to
[`refetch_cooldown`, 600 s] (Supabase asks clients not to cache longer than 10 minutes). An unknown
`kid` triggers one refetch, at most once per `refetch_cooldown`; concurrent misses share the one
in-flight fetch, so a stream of bogus `kid`s never becomes a stream of fetches. A failed fetch keeps
the keys already held. Nothing is fetched at construction: start-up never waits on Supabase.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from jwt.algorithms import ECAlgorithm, RSAAlgorithm
from jwt.exceptions import InvalidKeyError

from workout_mcp import metrics
from workout_mcp.supabase import SupabaseError, SupabaseGateway

log = logging.getLogger("workout_mcp.auth.jwks")

MAX_CACHE_SECONDS = 600.0
JWKS_PATH = "/auth/v1/.well-known/jwks.json"
DEFAULT_REFETCH_COOLDOWN = 30.0
_MAX_AGE = re.compile(r"(?:^|,)\s*max-age\s*=\s*(\d+)", re.I)
_NO_CACHE = re.compile(r"(?:^|,)\s*(?:no-store|no-cache)\s*(?:,|$)", re.I)

# The only algorithms accepted, each bound to the key type and curve that can carry it.
_ES256 = ECAlgorithm(ECAlgorithm.SHA256)
_RS256 = RSAAlgorithm(RSAAlgorithm.SHA256)

Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class VerificationKey:
    """One published public key; `alg` comes from the JWK (and its type), never from a token."""

    kid: str
    alg: str
    key: Any
    algorithm: ECAlgorithm | RSAAlgorithm

    def verify(self, signing_input: bytes, signature: bytes) -> bool:
        return bool(self.algorithm.verify(signing_input, self.key, signature))


class JwksFetchError(Exception):
    """The JWKS could not be fetched or parsed; the message is safe to log."""


def parse_jwk(jwk: dict[str, Any]) -> VerificationKey | None:
    """An ES256 (P-256) or RS256 verification key, or None for anything else (HMAC, EdDSA, enc keys)."""
    kid, kty, alg = jwk.get("kid"), jwk.get("kty"), jwk.get("alg")
    if not isinstance(kid, str) or not kid:
        return None
    if jwk.get("use", "sig") != "sig":
        return None
    ops = jwk.get("key_ops")
    if ops is not None and (not isinstance(ops, list) or "verify" not in ops):
        return None
    algorithm: ECAlgorithm | RSAAlgorithm
    if kty == "EC" and jwk.get("crv") == "P-256" and alg in (None, "ES256"):
        algorithm, name = _ES256, "ES256"
    elif kty == "RSA" and alg in (None, "RS256"):
        algorithm, name = _RS256, "RS256"
    else:
        return None
    if "d" in jwk:  # a private key published by mistake: refuse rather than use it
        return None
    try:
        key = algorithm.from_jwk(jwk)
    except (InvalidKeyError, ValueError, TypeError, KeyError):
        return None
    if name == "RS256" and key.key_size < 2048:
        return None
    return VerificationKey(kid=kid, alg=name, key=key, algorithm=algorithm)


def parse_jwks(body: bytes) -> dict[str, VerificationKey]:
    try:
        document = json.loads(body)
    except ValueError:
        raise JwksFetchError("JWKS body is not JSON") from None
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise JwksFetchError("JWKS body has no 'keys' list")
    keys: dict[str, VerificationKey] = {}
    for jwk in document["keys"]:
        if isinstance(jwk, dict) and (parsed := parse_jwk(jwk)) is not None:
            keys[parsed.kid] = parsed
    return keys


def cache_seconds(cache_control: str | None, *, floor: float, ceiling: float = MAX_CACHE_SECONDS) -> float:
    """`max-age` from Cache-Control, clamped to [floor, ceiling]; no-store/no-cache mean the floor."""
    if not cache_control:
        return ceiling
    if _NO_CACHE.search(cache_control):
        return floor
    match = _MAX_AGE.search(cache_control)
    if match is None:
        return ceiling
    return max(floor, min(ceiling, float(match.group(1))))


class JwksCache:
    """Keys by `kid`, fetched lazily through the Supabase gateway (`/auth/v1/.well-known/jwks.json`)."""

    def __init__(
        self,
        gateway: SupabaseGateway,
        *,
        path: str = JWKS_PATH,
        clock: Clock = time.time,
        refetch_cooldown: float = DEFAULT_REFETCH_COOLDOWN,
        max_cache_seconds: float = MAX_CACHE_SECONDS,
    ) -> None:
        self.gateway = gateway
        self.path = path
        self.jwks_url = gateway.url(path)
        self.clock = clock
        self.refetch_cooldown = refetch_cooldown
        self.max_cache_seconds = max_cache_seconds
        self.fetch_count = 0
        self._keys: dict[str, VerificationKey] = {}
        self._fetched_at: float | None = None
        self._fresh_until = float("-inf")
        self._last_attempt = float("-inf")
        self._last_miss_fetch = float("-inf")
        self._last_error: str | None = None
        self._inflight: asyncio.Task[None] | None = None
        self._removal_listeners: list[Callable[[Iterable[str]], None]] = []

    def on_keys_removed(self, listener: Callable[[Iterable[str]], None]) -> None:
        """Call `listener(kids)` when a refresh drops keys (the verifier purges tokens they signed)."""
        self._removal_listeners.append(listener)

    def is_current(self, kid: str, now: float) -> bool:
        """True when `kid` is held and the cache is fresh: a cached verdict for it may be reused."""
        return now < self._fresh_until and kid in self._keys

    async def get(self, kid: str) -> VerificationKey | None:
        """The key for `kid`, refreshing when stale or (rate-limited) when `kid` is unknown."""
        now = self.clock()
        fetched = False
        if now >= self._fresh_until and now - self._last_attempt >= self.refetch_cooldown:
            await self._refresh(now)
            fetched = True
        key = self._keys.get(kid)
        if key is not None or fetched:
            return key
        if self._inflight is not None and not self._inflight.done():
            await asyncio.shield(self._inflight)
            return self._keys.get(kid)
        upstream_ok = self._last_error is None or now - self._last_attempt >= self.refetch_cooldown
        if upstream_ok and now - self._last_miss_fetch >= self.refetch_cooldown:
            self._last_miss_fetch = now
            await self._refresh(now)
            key = self._keys.get(kid)
        return key

    async def refresh(self) -> bool:
        """Fetch now (sharing any fetch in flight); True when the keys are fresh afterwards."""
        await self._refresh(self.clock())
        return self._last_error is None

    async def _refresh(self, now: float) -> None:
        if self._inflight is None or self._inflight.done():
            self._last_attempt = now
            self._inflight = asyncio.ensure_future(self._fetch())
        await asyncio.shield(self._inflight)

    async def _fetch(self) -> None:
        self.fetch_count += 1
        try:
            response = await self.gateway.request("GET", self.path, what="jwks", expect_json=False)
            if response.status != 200:
                raise JwksFetchError(f"HTTP {response.status}")
            keys = parse_jwks(response.content)
        except Exception as exc:  # any failure (network, TLS, parse) keeps the old keys
            if isinstance(exc, SupabaseError):
                reason = f"HTTP {exc.status}" if exc.status is not None else exc.reason
            else:
                reason = str(exc) if isinstance(exc, JwksFetchError) else type(exc).__name__
            self._last_error = reason
            metrics.jwks_fetch(ok=False)
            log.warning(
                "jwks fetch failed; keeping %d cached key(s)",
                len(self._keys),
                extra={"jwks_url": self.jwks_url, "reason": reason, "event": "jwks_fetch_failed"},
            )
            return
        metrics.jwks_fetch(ok=True)
        now = self.clock()
        removed = self._keys.keys() - keys.keys()
        self._keys = keys
        self._fetched_at = now
        self._fresh_until = now + cache_seconds(
            response.headers.get("cache-control"), floor=self.refetch_cooldown, ceiling=self.max_cache_seconds
        )
        if self._last_error is not None:
            log.info("jwks fetch recovered", extra={"jwks_url": self.jwks_url, "keys": len(keys)})
        self._last_error = None
        if not keys:
            log.warning("jwks has no usable ES256/RS256 key", extra={"jwks_url": self.jwks_url})
        if removed:
            for listener in self._removal_listeners:
                listener(removed)

    def health(self) -> dict[str, Any]:
        now = self.clock()
        return {
            "status": "ok" if self._last_error is None else "degraded",
            "keys": len(self._keys),
            "age_seconds": None if self._fetched_at is None else round(now - self._fetched_at, 1),
            "fresh": now < self._fresh_until,
            "fetches": self.fetch_count,
            "last_error": self._last_error,
        }
