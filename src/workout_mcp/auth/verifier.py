"""Supabase access-token verification behind the SDK's `TokenVerifier` protocol.

Checks, in order: compact JWS shape; header `kid` names a published ES256/RS256 key and the header
`alg` equals that key's algorithm (so `none` and HMAC-with-a-public-key never verify); the signature;
`iss` exactly `SUPABASE_URL/auth/v1`; `aud` contains `authenticated`; `exp`/`nbf`/`iat` within the
leeway; `sub`; `role == authenticated`; `client_id` is this server's Supabase OAuth client (Supabase
cannot put our resource URL in `aud`, so the client binding is the audience substitute); anonymous
users only when allowed. A verified token is cached (LRU, bounded) until its `exp`, so a repeated
request costs a dict lookup instead of a signature check.
"""

from __future__ import annotations

import base64
import binascii
import enum
import json
import logging
import time
from collections import Counter, OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import httpx
from mcp.server.auth.provider import AccessToken

from workout_mcp.auth.jwks import Clock, JwksCache
from workout_mcp.config import Settings
from workout_mcp.supabase import SupabaseGateway

log = logging.getLogger("workout_mcp.auth.verifier")

AUDIENCE = "authenticated"
ROLE = "authenticated"
MAX_TOKEN_BYTES = 8192


class RejectReason(enum.StrEnum):
    MALFORMED = "malformed"
    UNSUPPORTED_ALGORITHM = "unsupported_algorithm"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    ISSUED_IN_FUTURE = "issued_in_future"
    WRONG_ISSUER = "wrong_issuer"
    WRONG_AUDIENCE = "wrong_audience"
    MISSING_SUBJECT = "missing_subject"
    WRONG_ROLE = "wrong_role"
    WRONG_CLIENT = "wrong_client"
    ANONYMOUS_USER = "anonymous_user"


class TokenRejected(Exception):
    """A presented token failed a check. `reason` is for logs and metrics, never for the client."""

    def __init__(self, reason: RejectReason) -> None:
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class _Verified:
    access_token: AccessToken
    expires_at: float
    kid: str


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


class SupabaseTokenVerifier:
    """`TokenVerifier` for Supabase access tokens issued to one OAuth client."""

    def __init__(
        self,
        jwks: JwksCache,
        *,
        issuer: str,
        client_id: str,
        leeway_seconds: float = 10,
        allow_anonymous: bool = False,
        clock: Clock = time.time,
        cache_size: int = 4096,
    ) -> None:
        self.jwks = jwks
        self.issuer = issuer
        self.client_id = client_id
        self.leeway = leeway_seconds
        self.allow_anonymous = allow_anonymous
        self.clock = clock
        self.cache_size = cache_size
        self.signature_checks = 0
        self.cache_hits = 0
        self.rejections: Counter[RejectReason] = Counter()
        self._cache: OrderedDict[str, _Verified] = OrderedDict()
        jwks.on_keys_removed(self._forget_keys)

    @classmethod
    def from_settings(
        cls, settings: Settings, http: httpx.AsyncClient, *, clock: Clock = time.time
    ) -> SupabaseTokenVerifier:
        issuer, client_id = settings.supabase_issuer, settings.oauth_client_id
        if issuer is None or client_id is None:
            raise ValueError("SUPABASE_URL and OAUTH_CLIENT_ID are required to verify tokens")
        jwks = JwksCache(SupabaseGateway.from_settings(settings, http), clock=clock)
        return cls(
            jwks,
            issuer=issuer,
            client_id=client_id,
            leeway_seconds=settings.jwt_leeway_seconds,
            allow_anonymous=settings.allow_anonymous_users,
            clock=clock,
        )

    async def verify_token(self, token: str) -> AccessToken | None:
        """The SDK's protocol: an `AccessToken`, or None for any rejection (logged with its reason)."""
        try:
            return await self.verify(token)
        except TokenRejected as exc:
            self.rejections[exc.reason] += 1
            log.info("bearer token rejected", extra={"reason": exc.reason.value, "event": "token_rejected"})
            return None

    async def verify(self, token: str) -> AccessToken:
        """Verify `token` or raise `TokenRejected`."""
        now = self.clock()
        cached = self._cache.get(token)
        if cached is not None:
            if now < cached.expires_at and self.jwks.is_current(cached.kid, now):
                self._cache.move_to_end(token)
                self.cache_hits += 1
                return cached.access_token
            del self._cache[token]
        verified = await self._verify_uncached(token)
        self._cache[token] = verified
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return verified.access_token

    async def _verify_uncached(self, token: str) -> _Verified:
        if len(token) > MAX_TOKEN_BYTES or token.count(".") != 2:
            raise TokenRejected(RejectReason.MALFORMED)
        header_b64, payload_b64, signature_b64 = token.split(".")
        try:
            header = json.loads(_b64decode(header_b64))
            signature = _b64decode(signature_b64)
        except (ValueError, binascii.Error):
            raise TokenRejected(RejectReason.MALFORMED) from None
        if not isinstance(header, dict):
            raise TokenRejected(RejectReason.MALFORMED)
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in ("ES256", "RS256") or "crit" in header:
            raise TokenRejected(RejectReason.UNSUPPORTED_ALGORITHM)
        if not isinstance(kid, str) or not kid:
            raise TokenRejected(RejectReason.UNKNOWN_KEY)
        key = await self.jwks.get(kid)
        if key is None:
            raise TokenRejected(RejectReason.UNKNOWN_KEY)
        if key.alg != alg:
            raise TokenRejected(RejectReason.UNSUPPORTED_ALGORITHM)
        self.signature_checks += 1
        if not key.verify(f"{header_b64}.{payload_b64}".encode("ascii", "replace"), signature):
            raise TokenRejected(RejectReason.BAD_SIGNATURE)
        try:
            claims = json.loads(_b64decode(payload_b64))
        except (ValueError, binascii.Error):
            raise TokenRejected(RejectReason.MALFORMED) from None
        if not isinstance(claims, dict):
            raise TokenRejected(RejectReason.MALFORMED)
        expires_at = self._check_claims(claims, self.clock())
        access_token = AccessToken(
            token=token,
            client_id=self.client_id,
            scopes=scope.split() if isinstance(scope := claims.get("scope"), str) else [],
            expires_at=int(expires_at),
            subject=claims["sub"],
            claims=claims,
        )
        return _Verified(access_token=access_token, expires_at=expires_at, kid=kid)

    def _check_claims(self, claims: dict[str, Any], now: float) -> float:
        if claims.get("iss") != self.issuer:
            raise TokenRejected(RejectReason.WRONG_ISSUER)
        aud = claims.get("aud")
        if not (aud == AUDIENCE or (isinstance(aud, list) and AUDIENCE in aud)):
            raise TokenRejected(RejectReason.WRONG_AUDIENCE)
        exp = _number(claims.get("exp"))
        if exp is None:
            raise TokenRejected(RejectReason.MALFORMED)
        if exp + self.leeway <= now:
            raise TokenRejected(RejectReason.EXPIRED)
        if "nbf" in claims:
            nbf = _number(claims["nbf"])
            if nbf is None:
                raise TokenRejected(RejectReason.MALFORMED)
            if nbf - self.leeway > now:
                raise TokenRejected(RejectReason.NOT_YET_VALID)
        if "iat" in claims:
            iat = _number(claims["iat"])
            if iat is None:
                raise TokenRejected(RejectReason.MALFORMED)
            if iat - self.leeway > now:
                raise TokenRejected(RejectReason.ISSUED_IN_FUTURE)
        sub = claims.get("sub")
        if not isinstance(sub, str) or not sub:
            raise TokenRejected(RejectReason.MISSING_SUBJECT)
        if claims.get("role") != ROLE:
            raise TokenRejected(RejectReason.WRONG_ROLE)
        if claims.get("client_id") != self.client_id:
            raise TokenRejected(RejectReason.WRONG_CLIENT)
        if claims.get("is_anonymous") is not False and not self.allow_anonymous:
            raise TokenRejected(RejectReason.ANONYMOUS_USER)
        return exp

    def _forget_keys(self, kids: Iterable[str]) -> None:
        gone = set(kids)
        for token in [t for t, v in self._cache.items() if v.kid in gone]:
            del self._cache[token]

    def health(self) -> dict[str, Any]:
        """The `jwks` component of `/health`: key count, age, last error, plus cache counters."""
        return {
            **self.jwks.health(),
            "verified_cache": len(self._cache),
            "signature_checks": self.signature_checks,
            "cache_hits": self.cache_hits,
            "rejections": {reason.value: n for reason, n in self.rejections.items()},
        }
