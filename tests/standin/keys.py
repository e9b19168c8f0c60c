"""Signing keys and token minting with Supabase Auth's exact access-token claims (contract §1.3)."""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm


@dataclass
class SigningKey:
    kid: str
    alg: str  # "ES256" or "RS256"
    private_key: Any

    @classmethod
    def es256(cls, kid: str | None = None) -> SigningKey:
        return cls(kid or f"es-{uuid.uuid4().hex[:8]}", "ES256", ec.generate_private_key(ec.SECP256R1()))

    @classmethod
    def rs256(cls, kid: str | None = None) -> SigningKey:
        return cls(
            kid or f"rs-{uuid.uuid4().hex[:8]}",
            "RS256",
            rsa.generate_private_key(public_exponent=65537, key_size=2048),
        )

    def public_jwk(self) -> dict[str, Any]:
        algo = ECAlgorithm if self.alg == "ES256" else RSAAlgorithm
        jwk = json.loads(algo.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": self.kid, "alg": self.alg, "use": "sig", "key_ops": ["verify"]})
        return jwk

    def public_pem(self) -> bytes:
        from cryptography.hazmat.primitives import serialization

        return self.private_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


@dataclass
class KeySet:
    """The project's keys: one signs, the others are published (standby / previously used)."""

    signing: SigningKey = field(default_factory=SigningKey.es256)
    published: list[SigningKey] = field(default_factory=list)

    def __post_init__(self) -> None:
        if self.signing not in self.published:
            self.published.insert(0, self.signing)

    def jwks(self) -> dict[str, Any]:
        return {"keys": [k.public_jwk() for k in self.published]}

    def add_standby(self, key: SigningKey) -> None:
        self.published.append(key)

    def rotate(self, key: SigningKey) -> None:
        """Make `key` the signer; the old one stays published (Supabase's "previously used")."""
        if key not in self.published:
            self.published.append(key)
        self.signing = key

    def revoke(self, kid: str) -> None:
        self.published = [k for k in self.published if k.kid != kid]

    def find(self, kid: str) -> SigningKey | None:
        return next((k for k in self.published if k.kid == kid), None)


def access_token_claims(
    *,
    issuer: str,
    sub: str,
    email: str = "",
    client_id: str | None = None,
    scope: str | None = None,
    ttl: int = 3600,
    now: int | None = None,
    session_id: str | None = None,
    is_anonymous: bool = False,
    amr_method: str = "password",
) -> dict[str, Any]:
    """Claims exactly as GoTrue's `AccessTokenClaims` (client_id/scope only for OAuth-server tokens)."""
    iat = int(time.time()) if now is None else now
    claims: dict[str, Any] = {
        "iss": issuer,
        "aud": "authenticated",
        "exp": iat + ttl,
        "iat": iat,
        "sub": sub,
        "email": email,
        "phone": "",
        "app_metadata": {"provider": "email", "providers": ["email"]},
        "user_metadata": {},
        "role": "authenticated",
        "aal": "aal1",
        "amr": [{"method": amr_method, "timestamp": iat}],
        "session_id": session_id or str(uuid.uuid4()),
        "is_anonymous": is_anonymous,
    }
    if client_id is not None:
        claims["client_id"] = client_id
    if scope is not None:
        claims["scope"] = scope
    return claims


def sign(claims: dict[str, Any], key: SigningKey, *, headers: dict[str, Any] | None = None) -> str:
    return jwt.encode(claims, key.private_key, algorithm=key.alg, headers={"kid": key.kid, **(headers or {})})


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge_alg_none(claims: dict[str, Any], kid: str) -> str:
    header = b64url(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    body = b64url(json.dumps(claims).encode())
    return f"{header}.{body}."


def forge_hs256_with_public_key(claims: dict[str, Any], key: SigningKey) -> str:
    """The classic alg-confusion token: HMAC keyed with the public key's PEM bytes."""
    import hashlib
    import hmac

    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": key.kid}).encode())
    body = b64url(json.dumps(claims).encode())
    mac = hmac.new(key.public_pem(), f"{header}.{body}".encode(), hashlib.sha256).digest()
    return f"{header}.{body}.{b64url(mac)}"
