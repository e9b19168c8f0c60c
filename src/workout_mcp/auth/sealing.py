"""AEAD-sealed, purpose-tagged, expiring blobs: how the OAuth facade keeps state without storing it.

Format (URL-safe base64, no padding): `kid(1) || nonce(12) || AES-256-GCM(ciphertext || tag)`, with the
purpose as associated data, so a sealed `state` can never be replayed as a sealed code or client id.
The plaintext is compact JSON `{"e": expiry, "p": payload}`. Keys are derived from SECRET_KEY with
HKDF-SHA256; the key id is the first byte of a hash of the derived key, so a previous SECRET_KEY keeps
opening what it sealed while the new one seals everything new (rotation without a flag day).
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


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sealer:
    """`seal(purpose, payload, ttl)` / `unseal(purpose, blob)`; the first secret seals, all of them open."""

    def __init__(self, secrets: Sequence[str], *, clock: Callable[[], float] = time.time) -> None:
        if not secrets:
            raise ValueError("at least one secret is needed")
        self._keys: dict[int, AESGCM] = {}
        self._current = -1
        for secret in secrets:
            key = _derive(secret)
            kid = hashlib.sha256(key).digest()[0]
            self._keys.setdefault(kid, AESGCM(key))
            if self._current < 0:
                self._current = kid
        self._clock = clock

    def seal(self, purpose: str, payload: Any, ttl: int) -> str:
        body = json.dumps({"e": int(self._clock()) + ttl, "p": payload}, separators=(",", ":")).encode()
        nonce = os.urandom(_NONCE)
        sealed = self._keys[self._current].encrypt(nonce, body, purpose.encode())
        return _b64(bytes([self._current]) + nonce + sealed)

    def unseal(self, purpose: str, blob: str) -> Any:
        try:
            raw = _unb64(blob)
        except (ValueError, TypeError) as exc:
            raise SealError("malformed") from exc
        if len(raw) < 1 + _NONCE + 16:
            raise SealError("malformed")
        aead = self._keys.get(raw[0])
        if aead is None:
            raise SealError("unknown key")
        try:
            body = json.loads(aead.decrypt(raw[1 : 1 + _NONCE], raw[1 + _NONCE :], purpose.encode()))
        except (InvalidTag, ValueError) as exc:
            raise SealError("forged or wrong purpose") from exc
        if not isinstance(body, dict) or not isinstance(body.get("e"), int):
            raise SealError("malformed")
        if body["e"] < self._clock():
            raise SealError("expired")
        return body.get("p")
