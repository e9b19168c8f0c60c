"""The one error type of the gateway, and the one parser of Supabase's error bodies.

Shapes (contract §2.5, §4.4): GoTrue's default `{code: <int>, error_code, msg}`; GoTrue with
`X-Supabase-Api-Version: 2024-01-01` `{code: <str>, message}`; OAuth errors `{error, error_description}`
(always HTTP 400); PostgREST `{code: <SQLSTATE or PGRSTnnn>, message, details, hint}`; the self-hosted
Kong gateway `{message}` ("No API key found in request").
"""

from __future__ import annotations

from typing import Any, Literal

Shape = Literal["gotrue", "oauth", "postgrest", "gateway", "none"]


class SupabaseError(Exception):
    """Supabase refused, failed, or could not be reached. Never carries a body's free text to users.

    `status` is None when no answer came (timeout, connection failure). `unavailable` is true for
    those, for 5xx and for answers that are not what the endpoint promises (the caller may retry later).
    """

    def __init__(
        self,
        status: int | None,
        code: str = "",
        *,
        message: str = "",
        details: str = "",
        shape: Shape = "none",
        reason: str = "",
    ) -> None:
        super().__init__(f"supabase answered {status} {code or reason}".strip())
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.shape = shape
        self.reason = reason

    @property
    def unavailable(self) -> bool:
        return self.status is None or self.status >= 500 or self.reason == "unexpected body"

    @property
    def timed_out(self) -> bool:
        return self.reason == "timeout"


def _text(body: dict[str, Any], *keys: str) -> str:
    for key in keys:
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def parse_error(status: int, body: Any) -> SupabaseError:
    """A `SupabaseError` for an error answer of any Supabase service."""
    if not isinstance(body, dict):
        return SupabaseError(status, shape="none")
    if isinstance(body.get("error"), str) and "error_code" not in body:
        return SupabaseError(status, body["error"], message=_text(body, "error_description"), shape="oauth")
    if isinstance(body.get("error_code"), str):
        return SupabaseError(
            status, body["error_code"], message=_text(body, "msg", "message"), shape="gotrue"
        )
    code = body.get("code")
    if isinstance(code, str) and code:
        # PostgREST always sends `details`/`hint` (possibly null); GoTrue's versioned shape never does.
        shape: Shape = "postgrest" if "details" in body or "hint" in body else "gotrue"
        return SupabaseError(
            status,
            code,
            message=_text(body, "message", "msg"),
            details=_text(body, "details"),
            shape=shape,
        )
    if isinstance(body.get("message"), str):
        return SupabaseError(status, message=body["message"], shape="gateway")
    return SupabaseError(status, shape="none")
