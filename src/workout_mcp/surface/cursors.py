"""Opaque pagination cursors: an offset bound to the filters it was issued for."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from mcp.server.mcpserver.exceptions import ToolError

# Far beyond any real log's page, far below what SQLite (int64) or PostgREST's int4 arguments refuse:
# a forged cursor past it is damaged, not an overflow.
MAX_OFFSET = 10_000_000


def _fingerprint(filters: dict[str, Any]) -> str:
    canonical = json.dumps(filters, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def encode_cursor(offset: int, filters: dict[str, Any]) -> str:
    raw = json.dumps({"o": offset, "f": _fingerprint(filters)}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str | None, filters: dict[str, Any]) -> int:
    """Offset to resume at; a cursor from other filters or a damaged one is a tool error."""
    if not cursor:
        return 0
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        offset = data["o"]
        fingerprint = data["f"]
    except (ValueError, KeyError, TypeError, RecursionError):
        raise ToolError("cursor is not valid; call again without a cursor to start over") from None
    if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= MAX_OFFSET:
        raise ToolError("cursor is not valid; call again without a cursor to start over") from None
    if fingerprint != _fingerprint(filters):
        raise ToolError("cursor belongs to a different query; call again without a cursor") from None
    return offset
