"""AEAD-sealed, purpose-tagged, expiring blobs: how the OAuth facade keeps state without storing it.

Format (URL-safe base64, no padding): `kid(1) || nonce(12) || AES-256-GCM(ciphertext || tag)`, with the
purpose as associated data, so a sealed `state` can never be replayed as a sealed code or client id.
The plaintext is compact JSON `{"e": expiry, "p": payload}`. Keys are derived from SECRET_KEY with
HKDF-SHA256; the key id is the first byte of a hash of the derived key, so a previous SECRET_KEY keeps
opening what it sealed while the new one seals everything new (rotation without a flag day). Two keys
may share an id; both are tried (the GCM tag decides), so a collision can never drop a key.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_NONCE = 12


class SealError(Exception):
    """The blob is forged, damaged, for another purpose, sealed under an unknown key, or expired."""


def _derive(secret: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"workout-mcp/seal/v1", info=b"aes-256-gcm"
    ).derive(secret.encode())


def key_id(key: bytes) -> int:
    """The one-byte id written in front of every blob this key seals."""
    return hashlib.sha256(key).digest()[0]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sealer:
    """`seal(purpose, payload, ttl)` / `unseal(purpose, blob)`; the first secret seals, all of them open."""

    def __init__(self, secrets: Sequence[str], *, clock: Callable[[], float] = time.time) -> None:
        if not secrets:
            raise ValueError("at least one secret is needed")
        # Several keys may share a one-byte id (1 rotation in 256): each id keeps all its keys and the
        # AEAD tag tells which one sealed a blob, so no configured key is ever dropped.
        self._keys: dict[int, list[AESGCM]] = {}
        seen: set[bytes] = set()
        derived = [_derive(secret) for secret in secrets]
        self._current = key_id(derived[0])
        self._sealing = AESGCM(derived[0])
        for key in derived:
            if key not in seen:
                seen.add(key)
                self._keys.setdefault(key_id(key), []).append(AESGCM(key))
        self._clock = clock

    def seal(self, purpose: str, payload: Any, ttl: int) -> str:
        body = json.dumps({"e": int(self._clock()) + ttl, "p": payload}, separators=(",", ":")).encode()
        nonce = os.urandom(_NONCE)
        sealed = self._sealing.encrypt(nonce, body, purpose.encode())
        return _b64(bytes([self._current]) + nonce + sealed)

    def unseal(self, purpose: str, blob: str) -> Any:
        try:
            raw = _unb64(blob)
        except (ValueError, TypeError) as exc:
            raise SealError("malformed") from exc
        if len(raw) < 1 + _NONCE + 16:
            raise SealError("malformed")
        candidates = self._keys.get(raw[0])
        if candidates is None:
            raise SealError("unknown key")
        nonce, sealed, aad = raw[1 : 1 + _NONCE], raw[1 + _NONCE :], purpose.encode()
        for aead in candidates:
            try:
                plaintext = aead.decrypt(nonce, sealed, aad)
                break
            except InvalidTag:
                continue
        else:
            raise SealError("forged or wrong purpose")
        try:
            body = json.loads(plaintext)
        except ValueError as exc:
            raise SealError("malformed") from exc
        if not isinstance(body, dict) or not isinstance(body.get("e"), int):
            raise SealError("malformed")
        if body["e"] < self._clock():
            raise SealError("expired")
        return body.get("p")
