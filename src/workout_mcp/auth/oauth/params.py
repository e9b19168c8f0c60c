"""Request bodies of the facade's POST endpoints: size-limited, form-encoded or JSON, never repeated.

A body must arrive whole within `BODY_DEADLINE_SECONDS` (else 408, connection closed) and JSON may
nest at most `MAX_JSON_DEPTH` levels (checked before parsing, so no input reaches Python's recursion
limit). A client that hangs up mid-body raises `ClientGone`, which ends the request with one line.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.requests import ClientDisconnect, Request

from workout_mcp.auth.oauth.errors import ClientGone, OAuthError

MAX_BODY_BYTES = 16_384
BODY_DEADLINE_SECONDS = 10.0
MAX_JSON_DEPTH = 32


def _too_large() -> OAuthError:
    return OAuthError("invalid_request", f"the request body is limited to {MAX_BODY_BYTES} bytes", status=413)


async def read_body(request: Request, limit: int | None = None) -> bytes:
    """The body, streamed, refused as soon as it passes `limit` (a declared length is checked first)."""
    limit = MAX_BODY_BYTES if limit is None else limit
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > limit):
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(BODY_DEADLINE_SECONDS):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise _too_large()
                chunks.append(chunk)
    except ClientDisconnect:
        raise ClientGone() from None
    except TimeoutError:
        raise OAuthError(
            "invalid_request",
            f"the request body did not arrive in time ({BODY_DEADLINE_SECONDS:g} s)",
            status=408,
            headers={"Connection": "close"},
        ) from None
    return b"".join(chunks)


def json_depth(text: bytes | str, limit: int) -> int:
    """How deeply `text` nests arrays and objects, counting no further than `limit` + 1."""
    data = text.encode() if isinstance(text, str) else text
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def loads_shallow(text: bytes | str, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """`json.loads`, refusing (ValueError) anything nested deeper than `max_depth` before parsing it."""
    if json_depth(text, max_depth) > max_depth:
        raise ValueError(f"JSON nested more than {max_depth} levels deep")
    try:
        return json.loads(text)
    except RecursionError:
        raise ValueError(f"JSON nested more than {max_depth} levels deep") from None


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def json_object(body: bytes) -> dict[str, Any]:
    if json_depth(body, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise OAuthError("invalid_request", f"the JSON body is nested more than {MAX_JSON_DEPTH} levels deep")
    try:
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
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
