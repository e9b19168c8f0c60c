"""Request bodies of the facade's POST endpoints: size-limited, form-encoded or JSON, never repeated."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import Request

from workout_mcp.auth.oauth.errors import OAuthError

MAX_BODY_BYTES = 16_384


def _too_large() -> OAuthError:
    return OAuthError("invalid_request", f"the request body is limited to {MAX_BODY_BYTES} bytes", status=413)


async def read_body(request: Request, limit: int = MAX_BODY_BYTES) -> bytes:
    """The body, streamed, refused as soon as it passes `limit` (a declared length is checked first)."""
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise OAuthError("invalid_request", "the body is not valid JSON") from None
    if not isinstance(value, dict):
        raise OAuthError("invalid_request", "the body must be a JSON object")
    return value


async def form_params(request: Request) -> dict[str, str]:
    """Token/revocation parameters from a form body (RFC 6749) or a JSON object of strings."""
    body = await read_body(request)
    media = _media_type(request)
    if media == "application/json":
        params: dict[str, str] = {}
        for name, value in json_object(body).items():
            if value is None:
                continue
            if not isinstance(value, str):
                raise OAuthError("invalid_request", f"parameter {name} must be a string")
            params[name] = value
        return params
    if media not in ("application/x-www-form-urlencoded", ""):
        raise OAuthError("invalid_request", "send application/x-www-form-urlencoded or application/json")
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise OAuthError("invalid_request", "the form body is malformed") from None
    params = {}
    for name, value in pairs:
        if name in params:
            raise OAuthError("invalid_request", f"parameter {name} is repeated")
        if value != "":
            params[name] = value
    return params
