"""CSRF: each form carries a token sealed by us, bound to the CSRF cookie and the authorization id."""

from __future__ import annotations

import hmac

from starlette.requests import Request

from workout_mcp.auth.consent.cookies import CSRF_COOKIE, CSRF_TTL_SECONDS, Cookies, digest
from workout_mcp.auth.sealing import Sealer, SealError

CSRF_PURPOSE = "consent-csrf"


class Csrf(Cookies):
    def _csrf_token(self, sealer: Sealer, nonce: str, authorization_id: str) -> str:
        return sealer.seal(CSRF_PURPOSE, {"n": digest(nonce), "a": authorization_id}, CSRF_TTL_SECONDS)

    def _csrf_ok(self, request: Request, sealer: Sealer, form: dict[str, str], authorization_id: str) -> bool:
        nonce = request.cookies.get(self._name(CSRF_COOKIE))
        token = form.get("csrf")
        if not nonce or not token:
            return False
        try:
            claims = sealer.unseal(CSRF_PURPOSE, token)
        except SealError:
            return False
        return (
            isinstance(claims, dict)
            and hmac.compare_digest(str(claims.get("n", "")), digest(nonce))
            and claims.get("a") == authorization_id
        )
