"""The stand-in's Auth half: GoTrue's client endpoints under `/auth/v1` (contract §1, §2, §8).

`auth_routes(state)` returns Starlette routes with full paths. `gotrue_error` and `require_apikey` are
shared with the OAuth half so every GoTrue-shaped error looks the same.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from tests.standin.state import StandinAuthError, StandinState

API_VERSION = "2024-01-01"
PREFIX = "/auth/v1"


def gotrue_error(request: Request, status: int, error_code: str, msg: str) -> JSONResponse:
    """GoTrue error body `{code:int, error_code, msg}`, or `{code, message}` with the API-version header."""
    headers = {"x-sb-error-code": error_code}
    if request.headers.get("x-supabase-api-version") == API_VERSION:
        headers["x-supabase-api-version"] = API_VERSION
        return JSONResponse({"code": error_code, "message": msg}, status_code=status, headers=headers)
    body: dict[str, Any] = {"code": status, "error_code": error_code, "msg": msg}
    if status >= 500:
        body["error_id"] = secrets.token_hex(8)
    return JSONResponse(body, status_code=status, headers=headers)


def require_apikey(request: Request, state: StandinState) -> Response | None:
    """The hosted gateway's key check on the client endpoints: None when the `apikey` is right.

    With `state.kong_gateway` on, `tests.standin.gateway.KongGateway` has already applied the
    self-hosted rules (which leave `/verify` open), so this steps aside.
    """
    if state.kong_gateway:
        return None
    key = request.headers.get("apikey") or request.query_params.get("apikey")
    if not key:
        return JSONResponse(
            {
                "message": "No API key found in request",
                "hint": "No `apikey` request header or url param was found.",
            },
            status_code=401,
        )
    if key != state.anon_key:
        return JSONResponse(
            {
                "message": "Invalid API key",
                "hint": "Double check your Supabase `anon` or `service_role` API key.",
            },
            status_code=401,
        )
    return None


async def _json_body(request: Request) -> dict[str, Any] | JSONResponse:
    raw = await request.body()
    if len(raw) > 1_048_576:
        return gotrue_error(request, 413, "request_too_large", "Request body too large")
    try:
        body = json.loads(raw or b"{}")
    except ValueError as exc:
        return gotrue_error(request, 400, "bad_json", f"Could not parse request body as JSON: {exc}")
    if not isinstance(body, dict):
        return gotrue_error(request, 400, "bad_json", "Could not parse request body as JSON: not an object")
    return body


CAPTCHA_IGNORED_GRANTS = ("pkce", "refresh_token", "id_token")


def captcha_refusal(request: Request, state: StandinState, body: dict[str, Any]) -> Response | None:
    """GoTrue's `verifyCaptcha` (`internal/api/middleware.go`) when `state.captcha_enabled`."""
    if not state.captcha_enabled:
        return None
    if (
        request.url.path.endswith("/token")
        and request.query_params.get("grant_type") in CAPTCHA_IGNORED_GRANTS
    ):
        return None
    security = body.get("gotrue_meta_security")
    if security is not None and not isinstance(security, dict):
        return gotrue_error(
            request, 400, "bad_json", "Could not parse request body as JSON: gotrue_meta_security"
        )
    token = (security or {}).get("captcha_token")
    if token is not None and not isinstance(token, str):
        return gotrue_error(request, 400, "bad_json", "Could not parse request body as JSON: captcha_token")
    token = (token or "").strip()
    if not token:
        return gotrue_error(
            request, 400, "captcha_failed", "captcha protection: request disallowed (no captcha_token found)"
        )
    if token not in state.captcha_tokens:
        return gotrue_error(
            request, 400, "captcha_failed", "captcha protection: request disallowed (invalid-input-response)"
        )
    return None


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def bearer_claims(request: Request, state: StandinState) -> dict[str, Any] | Response:
    """The verified claims of the request's user token, or GoTrue's error answer."""
    token = _bearer(request)
    if token is None:
        return gotrue_error(request, 401, "no_authorization", "This endpoint requires a valid Bearer token")
    try:
        return state.verify_access_token(token)
    except StandinAuthError as exc:
        return gotrue_error(request, exc.status, exc.error_code, exc.msg)


def auth_routes(state: StandinState) -> list[BaseRoute]:
    async def jwks(request: Request) -> Response:
        state.jwks_fetches += 1
        if state.faults.jwks_down:
            return JSONResponse({"message": "An invalid response was received from the upstream server"}, 502)
        return JSONResponse(
            state.keys.jwks(), headers={"Cache-Control": f"public, max-age={state.faults.jwks_max_age}"}
        )

    async def openid_configuration(request: Request) -> Response:
        issuer = state.issuer
        return JSONResponse(
            {
                "issuer": issuer,
                "authorization_endpoint": f"{issuer}/oauth/authorize",
                "token_endpoint": f"{issuer}/oauth/token",
                "jwks_uri": f"{issuer}/.well-known/jwks.json",
                "userinfo_endpoint": f"{issuer}/oauth/userinfo",
                "scopes_supported": ["openid", "profile", "email", "phone", "offline_access"],
                "response_types_supported": ["code"],
                "response_modes_supported": ["query"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256", "HS256", "ES256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                    "none",
                ],
                "code_challenge_methods_supported": ["S256", "plain"],
            },
            headers={"Cache-Control": "public, max-age=600"},
        )

    async def token(request: Request) -> Response:
        if (refused := require_apikey(request, state)) is not None:
            return refused
        if state.faults.token_down:
            return gotrue_error(request, 500, "unexpected_failure", "Unexpected failure")
        grant = request.query_params.get("grant_type", "")
        body = await _json_body(request) if state.captcha_enabled else {}
        if isinstance(body, JSONResponse):
            return body
        if (refused := captcha_refusal(request, state, body)) is not None:
            return refused
        if grant not in ("password", "refresh_token", "pkce"):
            return gotrue_error(request, 400, "invalid_credentials", "unsupported_grant_type")
        body = await _json_body(request)
        if isinstance(body, JSONResponse):
            return body
        if grant == "password":
            return _password_grant(request, body)
        if grant == "refresh_token":
            presented = body.get("refresh_token")
            if not isinstance(presented, str) or not presented:
                return gotrue_error(request, 400, "validation_failed", "Refresh token is not valid")
            try:
                session, access, refresh = state.rotate_refresh(presented)
            except StandinAuthError as exc:
                if exc.oauth:
                    return JSONResponse({"error": exc.error_code, "error_description": exc.msg}, 400)
                return gotrue_error(request, exc.status, exc.error_code, exc.msg)
            return JSONResponse(
                state.token_response(session, access, refresh),
                headers={"sb-auth-user-id": session.user_id, "sb-auth-session-id": session.id},
            )
        return _pkce_grant(request, body)

    def _password_grant(request: Request, body: dict[str, Any]) -> Response:
        email, password = body.get("email"), body.get("password")
        if not isinstance(email, str) or not isinstance(password, str) or not email or not password:
            return gotrue_error(request, 400, "validation_failed", "missing email or phone")
        user = state.user_by_email(email)
        if user is None or not secrets.compare_digest(user.password, password):
            return gotrue_error(request, 400, "invalid_credentials", "Invalid login credentials")
        if not user.confirmed:
            return gotrue_error(request, 400, "email_not_confirmed", "Email not confirmed")
        if user.banned:
            return gotrue_error(request, 400, "user_banned", "User is banned")
        session, access, refresh = state.start_session(user)
        return JSONResponse(state.token_response(session, access, refresh))

    def _pkce_grant(request: Request, body: dict[str, Any]) -> Response:
        import base64
        import hashlib

        code, verifier = body.get("auth_code"), body.get("code_verifier")
        if not isinstance(code, str) or not isinstance(verifier, str) or not code or not verifier:
            return gotrue_error(
                request,
                400,
                "validation_failed",
                "invalid request: both auth code and code verifier should be non-empty",
            )
        flow = state.flow_states.get(code)
        if flow is None:
            return gotrue_error(
                request, 404, "flow_state_not_found", "invalid flow state, no valid flow state found"
            )
        if state.clock() - flow.created_at > 300:
            return gotrue_error(request, 422, "flow_state_expired", "Flow state has expired")
        if flow.code_challenge_method.lower() == "s256":
            digest = hashlib.sha256(verifier.encode()).digest()
            computed = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        else:
            computed = verifier
        if not secrets.compare_digest(computed, flow.code_challenge):
            return gotrue_error(
                request,
                400,
                "bad_code_verifier",
                "code challenge does not match previously saved code verifier",
            )
        del state.flow_states[code]
        session, access, refresh = state.start_session(state.users[flow.user_id], amr_method="oauth")
        return JSONResponse(state.token_response(session, access, refresh))

    async def user(request: Request) -> Response:
        if (refused := require_apikey(request, state)) is not None:
            return refused
        claims = bearer_claims(request, state)
        if isinstance(claims, Response):
            return claims
        return JSONResponse(state.users[claims["sub"]].to_json())

    async def otp(request: Request) -> Response:
        if (refused := require_apikey(request, state)) is not None:
            return refused
        body = await _json_body(request)
        if isinstance(body, JSONResponse):
            return body
        if (refused := captcha_refusal(request, state, body)) is not None:
            return refused
        email = body.get("email")
        if not isinstance(email, str) or "@" not in email:
            return gotrue_error(
                request, 400, "validation_failed", "Unable to validate email address: invalid format"
            )
        email = email.strip().lower()
        if state.user_by_email(email) is None:
            if body.get("create_user", True) is False:
                return gotrue_error(request, 422, "otp_disabled", "Signups not allowed for otp")
            state.add_user(email, password=secrets.token_urlsafe(16))
        state.otp_codes[email] = f"{secrets.randbelow(1_000_000):06d}"
        return JSONResponse({})

    async def verify(request: Request) -> Response:
        if (refused := require_apikey(request, state)) is not None:
            return refused
        body = await _json_body(request)
        if isinstance(body, JSONResponse):
            return body
        email, code, kind = body.get("email"), body.get("token"), body.get("type")
        if kind not in ("email", "magiclink", "signup"):
            return gotrue_error(request, 400, "validation_failed", "Verify requires a verification type")
        if not isinstance(email, str) or not isinstance(code, str):
            return gotrue_error(
                request,
                400,
                "validation_failed",
                "Only an email address or phone number should be provided on verify",
            )
        email = email.strip().lower()
        expected = state.otp_codes.get(email)
        user = state.user_by_email(email)
        if expected is None or user is None or not secrets.compare_digest(expected, code):
            return gotrue_error(request, 403, "otp_expired", "Token has expired or is invalid")
        del state.otp_codes[email]
        user.confirmed = True
        session, access, refresh = state.start_session(user, amr_method="otp")
        return JSONResponse(state.token_response(session, access, refresh))

    async def logout(request: Request) -> Response:
        if (refused := require_apikey(request, state)) is not None:
            return refused
        claims = bearer_claims(request, state)
        if isinstance(claims, Response):
            return claims
        scope = request.query_params.get("scope", "global")
        current = str(claims.get("session_id"))
        for session in list(state.sessions.values()):
            if session.user_id != claims["sub"]:
                continue
            if (
                scope == "global"
                or (scope == "local" and session.id == current)
                or (scope == "others" and session.id != current)
            ):
                state.end_session(session.id)
        return Response(status_code=204)

    return [
        Route(f"{PREFIX}/.well-known/jwks.json", jwks, methods=["GET"]),
        Route(f"{PREFIX}/.well-known/openid-configuration", openid_configuration, methods=["GET"]),
        Route(f"{PREFIX}/token", token, methods=["POST"]),
        Route(f"{PREFIX}/user", user, methods=["GET"]),
        Route(f"{PREFIX}/otp", otp, methods=["POST"]),
        Route(f"{PREFIX}/verify", verify, methods=["POST"]),
        Route(f"{PREFIX}/logout", logout, methods=["POST"]),
    ]
