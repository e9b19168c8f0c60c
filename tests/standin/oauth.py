"""The stand-in's OAuth 2.1 server half: Supabase Auth's `/auth/v1/oauth/*`, as GoTrue's source has it.

Sources (supabase/auth v2.196): `internal/api/oauthserver/{authorize,handlers,auth,client_auth}.go`,
`internal/api/middleware.go` (`requireOAuthClientAuth`), `internal/models/oauth_authorization.go`,
`internal/tokens/service.go` (`RefreshTokenGrant`).

- `GET /auth/v1/oauth/authorize`: JSON 400 (GoTrue shape) before the client and redirect URI are known
  good, 302 error redirects after; exact redirect match; mandatory PKCE (S256 or plain); scope
  whitelist with default `email`; `resource` absolute, no fragment, no query; success 302 to
  `site_url + authorization_path ?authorization_id=<32 alnum>`; a `state` over 4096 characters (a
  column constraint) -> `server_error` redirect. The authorization, and the code later
  issued for it, expire `authorization_ttl` (10 min) after this request.
- `GET /auth/v1/oauth/authorizations/{id}` (user Bearer): the first GET binds the user and decides
  auto-approval (a stored consent whose scopes cover the request -> `{redirect_url}` only); later GETs
  show details. Quirk supabase/auth#2820 (hosted, on by default): 400 when the authorization carries a
  `resource`, asks for `offline_access`, or belongs to a public client.
- `POST .../consent` `{"action": "approve"|"deny"}` -> `{redirect_url}`; 404 unless a GET bound the user
  first; approving stores the consent (its scopes replaced); code = UUID.
- `POST /auth/v1/oauth/token`: client authentication first (Basic, post or none; the registered method
  only; GoTrue-shaped 400 `invalid_credentials`), then form or JSON parameters (`resource` from JSON
  only); the client's registered `grant_types` are enforced; OAuth errors always HTTP 400
  `{error, error_description}`; a failed exchange leaves the code usable, a successful one consumes
  it; refresh via `StandinState.rotate_refresh`, with the session bound to its client.
- `POST /auth/v1/oauth/clients/register` (DCR, when enabled) and `OAuthServerState.register_client`
  (admin-style, what the dashboard does).

`sign_in_and_approve(...)` is the headless "person signs in and clicks Approve" used by OAuth e2e tests.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import secrets
import string
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from tests.standin.auth import PREFIX, bearer_claims, gotrue_error
from tests.standin.keys import sign
from tests.standin.state import StandinAuthError, StandinState

ALLOWED_SCOPES = ("openid", "profile", "email", "phone", "offline_access")
BLOCKED_SCHEMES = {"javascript", "data", "file", "vbscript", "about", "blob"}
ALNUM = string.ascii_letters + string.digits


@dataclass
class OAuthClient:
    """A registered OAuth client (`models/oauth_client.go`). Mutable: a test may change `auth_method`
    (`client_secret_basic` | `client_secret_post` | `none`) or `grant_types` after registering, and the
    token endpoint enforces them as GoTrue does."""

    id: str
    name: str
    redirect_uris: list[str]
    client_type: Literal["public", "confidential"]
    auth_method: str
    secret: str | None = None
    grant_types: list[str] = field(default_factory=lambda: ["authorization_code", "refresh_token"])
    registration_type: str = "manual"


@dataclass
class Authorization:
    id: str
    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    code_challenge: str
    code_challenge_method: str
    resource: str | None
    created_at: float
    expires_at: float
    user_id: str | None = None
    status: str = "pending"


@dataclass
class AuthCode:
    code: str
    authorization: Authorization
    user_id: str
    created_at: float


@dataclass
class OAuthServerState:
    site_url: str = "http://127.0.0.1:3000"
    authorization_path: str | None = "/oauth/consent"
    enabled: bool = True
    allow_dynamic_registration: bool = True
    authorization_ttl: int = 600
    quirk_2820: bool = True
    clients: dict[str, OAuthClient] = field(default_factory=dict)
    authorizations: dict[str, Authorization] = field(default_factory=dict)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    # (user id, client id) -> the scopes of the last approval (`UpsertOAuthServerConsent` replaces them)
    consents: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    requests: list[tuple[str, str, int]] = field(default_factory=list)

    def register_client(
        self,
        redirect_uris: list[str],
        *,
        name: str = "workout-mcp",
        client_type: Literal["public", "confidential"] = "confidential",
        auth_method: str | None = None,
        registration_type: str = "manual",
        grant_types: list[str] | None = None,
    ) -> OAuthClient:
        """Admin-style registration (the dashboard): a UUID id, a secret for confidential clients."""
        method = auth_method or ("none" if client_type == "public" else "client_secret_basic")
        client = OAuthClient(
            id=str(uuid.uuid4()),
            name=name,
            redirect_uris=list(redirect_uris),
            client_type=client_type,
            auth_method=method,
            # `generateClientSecret` (`oauthserver/service.go`): 32 random bytes, RawURLEncoding.
            secret=None if client_type == "public" else secrets.token_urlsafe(32),
            registration_type=registration_type,
        )
        if grant_types:
            client.grant_types = list(grant_types)
        self.clients[client.id] = client
        return client


def oauth_server(state: StandinState) -> OAuthServerState:
    """The OAuth server's part of `state`, created on first use."""
    server = getattr(state, "oauth_server", None)
    if server is None:
        server = OAuthServerState()
        state.oauth_server = server  # type: ignore[attr-defined]
    return server


def oauth_error(error: str, description: str) -> JSONResponse:
    """GoTrue's `OAuthError`: always HTTP 400."""
    return JSONResponse({"error": error, "error_description": description}, status_code=400)


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def _with_query(uri: str, params: dict[str, str | None]) -> str:
    extra = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{uri}{'&' if '?' in uri else '?'}{extra}"


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


def _redirect_uri_problem(uri: Any) -> str | None:
    if not isinstance(uri, str):
        return "redirect_uri must be a string"
    parts = urlsplit(uri)
    if not parts.scheme or not (parts.netloc or parts.path):
        return "redirect_uri must be absolute"
    if parts.fragment or "#" in uri:
        return "redirect_uri must not contain a fragment"
    if parts.scheme in BLOCKED_SCHEMES:
        return f"scheme {parts.scheme} is not allowed"
    if parts.scheme == "http" and parts.hostname not in ("localhost", "127.0.0.1", "::1"):
        return "http is only allowed for localhost"
    return None


Handler = Callable[[Request], Awaitable[Response]]


def oauth_routes(state: StandinState) -> list[BaseRoute]:
    server = oauth_server(state)

    def recorded(handler: Handler) -> Handler:
        async def wrapper(request: Request) -> Response:
            if not server.enabled:
                response: Response = gotrue_error(
                    request, 404, "feature_disabled", "OAuth server is disabled"
                )
            else:
                response = await handler(request)
            server.requests.append((request.method, request.url.path, response.status_code))
            return response

        return wrapper

    def metadata() -> dict[str, Any]:
        issuer = state.issuer
        body: dict[str, Any] = {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/oauth/authorize",
            "token_endpoint": f"{issuer}/oauth/token",
            "jwks_uri": f"{issuer}/.well-known/jwks.json",
            "userinfo_endpoint": f"{issuer}/oauth/userinfo",
            "scopes_supported": list(ALLOWED_SCOPES),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256", "HS256", "ES256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
            "code_challenge_methods_supported": ["S256", "plain"],
        }
        if server.allow_dynamic_registration:
            body["registration_endpoint"] = f"{issuer}/oauth/clients/register"
        return body

    async def discovery(request: Request) -> Response:
        return JSONResponse(metadata(), headers={"Cache-Control": "public, max-age=600"})

    # --- registration --------------------------------------------------------------------------------
    async def register(request: Request) -> Response:
        if not server.allow_dynamic_registration:
            return gotrue_error(
                request,
                403,
                "oauth_dynamic_client_registration_disabled",
                "Dynamic client registration is not enabled",
            )
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError as exc:
            return gotrue_error(request, 400, "bad_json", f"Could not parse request body as JSON: {exc}")
        uris = body.get("redirect_uris") if isinstance(body, dict) else None
        if not isinstance(uris, list) or not 1 <= len(uris) <= 10:
            return gotrue_error(request, 400, "validation_failed", "redirect_uris is required (1-10)")
        for uri in uris:
            if (problem := _redirect_uri_problem(uri)) is not None:
                return gotrue_error(request, 400, "validation_failed", problem)
        grants = body.get("grant_types")
        if grants is not None and (
            not isinstance(grants, list)
            or not grants
            or not set(grants) <= {"authorization_code", "refresh_token"}
        ):
            return gotrue_error(
                request,
                400,
                "validation_failed",
                "grant_types must only contain 'authorization_code' and/or 'refresh_token'",
            )
        method = body.get("token_endpoint_auth_method")
        client_type = body.get("client_type") or (
            None if method is None else ("public" if method == "none" else "confidential")
        )
        client_type = client_type or "confidential"
        if client_type not in ("public", "confidential"):
            return gotrue_error(request, 400, "validation_failed", "invalid client_type")
        kind: Literal["public", "confidential"] = "public" if client_type == "public" else "confidential"
        method = method or ("none" if client_type == "public" else "client_secret_basic")
        if (client_type == "public") != (method == "none"):
            return gotrue_error(request, 400, "validation_failed", "client_type and auth method disagree")
        client = server.register_client(
            uris,
            name=str(body.get("client_name") or ""),
            client_type=kind,
            auth_method=method,
            registration_type="dynamic",
            grant_types=grants,
        )
        answer: dict[str, Any] = {
            "client_id": client.id,
            "client_type": client.client_type,
            "redirect_uris": client.redirect_uris,
            "token_endpoint_auth_method": client.auth_method,
            "grant_types": client.grant_types,
            "response_types": ["code"],
            "client_name": client.name,
            "registration_type": "dynamic",
        }
        if client.secret is not None:
            answer["client_secret"] = client.secret
        return JSONResponse(answer, status_code=201)

    # --- authorize -----------------------------------------------------------------------------------
    async def authorize(request: Request) -> Response:
        q = request.query_params
        client_id, redirect_uri = q.get("client_id"), q.get("redirect_uri")
        if not client_id:
            return gotrue_error(request, 400, "validation_failed", "client_id is required")
        if not redirect_uri:
            return gotrue_error(request, 400, "validation_failed", "redirect_uri is required")
        if not _is_uuid(client_id):
            return gotrue_error(request, 400, "oauth_client_not_found", "invalid client_id format")
        client = server.clients.get(client_id)
        if client is None:
            return gotrue_error(request, 400, "oauth_client_not_found", "invalid client_id")
        if redirect_uri not in client.redirect_uris:
            return gotrue_error(request, 400, "validation_failed", "invalid redirect_uri")
        client_state = q.get("state")

        def fail(error: str, description: str) -> Response:
            location = _with_query(
                redirect_uri, {"error": error, "error_description": description, "state": client_state}
            )
            return RedirectResponse(location, status_code=302)

        if q.get("response_type", "code") != "code":
            return fail("invalid_request", "only response_type=code is supported")
        scopes = (q.get("scope") or "email").split()
        if not scopes:
            return fail("invalid_request", "scope is required")
        for scope in scopes:
            if scope not in ALLOWED_SCOPES:
                return fail("invalid_request", f"unsupported scope: {scope}")
        resource = q.get("resource")
        if resource is not None:
            parts = urlsplit(resource)
            if not parts.scheme or not parts.netloc:
                return fail("invalid_request", "resource must be an absolute URI")
            if "#" in resource:
                return fail("invalid_request", "resource must not include a fragment component")
            if parts.query:
                return fail("invalid_request", "resource must not include a query component")
        challenge, method = q.get("code_challenge"), q.get("code_challenge_method")
        if not challenge or not method:
            return fail("invalid_request", "PKCE flow requires both code_challenge and code_challenge_method")
        if method.lower() not in ("s256", "plain"):
            return fail("invalid_request", "code_challenge_method must be 'S256' or 'plain'")
        if not 43 <= len(challenge) <= 128:
            return fail("invalid_request", "code_challenge must be between 43 and 128 characters")
        # The row's CHECK constraints (`migrations/20250804100000_add_oauth_authorizations_consents`):
        # a longer state, scope or resource fails the insert -> server_error redirect.
        if len(client_state or "") > 4096 or len(" ".join(scopes)) > 4096 or len(resource or "") > 2048:
            return fail("server_error", "error creating authorization")
        authorization = Authorization(
            id="".join(secrets.choice(ALNUM) for _ in range(32)),
            client_id=client.id,
            redirect_uri=redirect_uri,
            scope=" ".join(scopes),
            state=client_state,
            code_challenge=challenge,
            code_challenge_method=method.lower(),
            resource=resource,
            created_at=state.clock(),
            expires_at=state.clock() + server.authorization_ttl,
        )
        server.authorizations[authorization.id] = authorization
        if not server.authorization_path:
            return fail("server_error", "oauth authorization path not configured")
        location = f"{server.site_url}{server.authorization_path}?authorization_id={authorization.id}"
        return RedirectResponse(location, status_code=302)

    # --- consent API (user Bearer) -------------------------------------------------------------------
    def user_of(request: Request) -> str | Response:
        claims = bearer_claims(request, state)
        if isinstance(claims, Response):
            return claims
        origin = request.headers.get("origin")
        if origin is not None:
            site = urlsplit(server.site_url)
            if origin.rstrip("/") != f"{site.scheme}://{site.netloc}":
                return gotrue_error(request, 400, "validation_failed", "unauthorized request origin")
        return str(claims["sub"])

    def expired(authorization: Authorization) -> bool:
        """`IsExpired` (`models/oauth_authorization.go`): `authorization_ttl` after the authorize request."""
        return state.clock() > authorization.expires_at

    def find_live(request: Request) -> Authorization | Response:
        authorization = server.authorizations.get(request.path_params["authorization_id"])
        if authorization is not None and expired(authorization) and authorization.status == "pending":
            authorization.status = "expired"  # `MarkExpired`, then still not found
        if authorization is None or authorization.status == "expired":
            return gotrue_error(request, 404, "oauth_authorization_not_found", "authorization not found")
        return authorization

    def approve(authorization: Authorization) -> str:
        code = str(uuid.uuid4())
        assert authorization.user_id is not None
        server.codes[code] = AuthCode(code, authorization, authorization.user_id, state.clock())
        authorization.status = "approved"
        return _with_query(authorization.redirect_uri, {"code": code, "state": authorization.state or None})

    async def authorization_details(request: Request) -> Response:
        """`OAuthServerGetAuthorization` (`oauthserver/authorize.go`).

        The first GET binds the user and decides auto-approval: a stored consent of this user for this
        client whose scopes cover the requested ones approves at once (`{redirect_url}` only). Later
        GETs by the same user show the details; another user gets 404.
        """
        user_id = user_of(request)
        if isinstance(user_id, Response):
            return user_id
        authorization = find_live(request)
        if isinstance(authorization, Response):
            return authorization
        if authorization.status != "pending":
            return gotrue_error(
                request, 400, "validation_failed", "authorization request cannot be processed"
            )
        auto_approve = False
        if authorization.user_id is None:
            authorization.user_id = user_id
            granted = server.consents.get((user_id, authorization.client_id))
            auto_approve = granted is not None and set(authorization.scope.split()) <= granted
        elif authorization.user_id != user_id:
            return gotrue_error(request, 404, "oauth_authorization_not_found", "authorization not found")
        client = server.clients[authorization.client_id]
        if server.quirk_2820 and (
            authorization.resource is not None
            or "offline_access" in authorization.scope.split()
            or client.client_type == "public"
        ):
            return gotrue_error(
                request, 400, "validation_failed", "authorization request cannot be processed"
            )
        if auto_approve:
            return JSONResponse({"redirect_url": approve(authorization)})
        user = state.users[user_id]
        return JSONResponse(
            {
                "authorization_id": authorization.id,
                "redirect_uri": authorization.redirect_uri,
                "client": {"id": client.id, "name": client.name, "uri": "", "logo_uri": ""},
                "user": {"id": user.id, "email": user.email},
                "scope": authorization.scope,
            }
        )

    async def consent(request: Request) -> Response:
        """`OAuthServerConsent`: only the user bound by a prior GET may decide (else 404)."""
        user_id = user_of(request)
        if isinstance(user_id, Response):
            return user_id
        try:
            body = json.loads(await request.body())
        except (ValueError, UnicodeDecodeError):
            return gotrue_error(request, 400, "bad_json", "invalid JSON body")
        action = body.get("action") if isinstance(body, dict) else None
        if action not in ("approve", "deny"):
            return gotrue_error(request, 400, "validation_failed", "action must be 'approve' or 'deny'")
        authorization = find_live(request)
        if isinstance(authorization, Response):
            return authorization
        if authorization.status != "pending":
            return gotrue_error(
                request, 400, "validation_failed", "authorization request is no longer pending"
            )
        if authorization.user_id != user_id:
            return gotrue_error(request, 404, "oauth_authorization_not_found", "authorization not found")
        if action == "approve":
            location = approve(authorization)
            server.consents[(user_id, authorization.client_id)] = set(authorization.scope.split())
            return JSONResponse({"redirect_url": location})
        authorization.status = "denied"
        location = _with_query(
            authorization.redirect_uri,
            {
                "error": "access_denied",
                "error_description": "User denied the request",
                "state": authorization.state or None,
            },
        )
        return JSONResponse({"redirect_url": location})

    # --- token ---------------------------------------------------------------------------------------
    async def token(request: Request) -> Response:
        if state.faults.token_down:
            return gotrue_error(request, 500, "unexpected_failure", "Unexpected failure")
        raw = await request.body()
        is_json = "application/json" in request.headers.get("content-type", "")
        authenticated = authenticate_client(request, raw, is_json)
        if isinstance(authenticated, Response):
            return authenticated
        params = token_params(request, raw, is_json)
        if params is None:
            return oauth_error(
                "invalid_request", "Invalid JSON body" if is_json else "Failed to parse form data"
            )
        grant = params.get("grant_type", "")
        if not grant:
            return oauth_error("invalid_request", "grant_type is required")
        if authenticated is None:
            return oauth_error("invalid_client", "Client authentication required")
        if grant not in authenticated.grant_types:
            return oauth_error("unsupported_grant_type", f"Client is not allowed to use grant type: {grant}")
        if grant == "authorization_code":
            return code_grant(authenticated, params)
        if grant == "refresh_token":
            return refresh_grant(request, authenticated, params)
        return oauth_error("unsupported_grant_type", f"Unsupported grant type: {grant}")

    def authenticate_client(request: Request, raw: bytes, is_json: bool) -> OAuthClient | Response | None:
        """`requireOAuthClientAuth` (`middleware.go`) over `ExtractClientCredentials` (`oauthserver/auth.go`).

        Basic (prefix `Basic `, case-sensitive, standard base64, *not* percent-decoded) wins; else the
        body's `client_id` with `client_secret` (post) or without (none). The method used must be the
        registered one. Every failure is GoTrue-shaped 400 `invalid_credentials`.
        """

        def refuse(msg: str) -> Response:
            return gotrue_error(request, 400, "invalid_credentials", msg)

        header = request.headers.get("authorization", "")
        if header.startswith("Basic "):
            try:
                decoded = base64.b64decode(header[6:], validate=True).decode()
            except (binascii.Error, UnicodeDecodeError):
                return refuse("Invalid client credentials: invalid basic auth encoding")
            if ":" not in decoded:
                return refuse("Invalid client credentials: invalid basic auth format")
            client_id, _, secret = decoded.partition(":")
            used = "client_secret_basic"
        else:
            if is_json:
                try:
                    parsed = json.loads(raw)
                except (ValueError, UnicodeDecodeError):
                    parsed = None
                fields = parsed if isinstance(parsed, dict) else None
                if fields is None or not all(
                    isinstance(fields.get(k), str | None) for k in ("client_id", "client_secret")
                ):
                    return refuse("Invalid client credentials: failed to parse JSON body")
                client_id, secret = fields.get("client_id") or "", fields.get("client_secret") or ""
            else:
                form = form_values(request, raw)
                if form is None:
                    return refuse("Invalid client credentials: failed to parse form")
                client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
            if not client_id:
                return refuse("Invalid client credentials: client_id is required")
            used = "client_secret_post" if secret else "none"
        if not client_id:
            return None  # Basic with an empty id: GoTrue goes on without a client
        if not _is_uuid(client_id):
            return refuse("Invalid client_id format")
        client = server.clients.get(client_id)
        if client is None:
            return refuse("Invalid client credentials")
        if used != client.auth_method:
            return refuse(
                f"invalid authentication method: client is registered for '{client.auth_method}' "
                f"but '{used}' was used"
            )
        if client.secret is None:
            return refuse("public clients must not provide client_secret") if secret else client
        if not secret:
            return refuse("confidential clients must provide client_secret")
        if not secrets.compare_digest(client.secret.encode(), secret.encode()):
            return refuse("invalid client credentials")
        return client

    def form_values(request: Request, raw: bytes) -> dict[str, str] | None:
        """Go's `r.ParseForm` + `FormValue`: the first value of each name, the body's before the query's."""
        try:
            pairs = parse_qsl(raw.decode(), keep_blank_values=True)
        except (ValueError, UnicodeDecodeError):
            return None
        values: dict[str, str] = {}
        for name, value in [*pairs, *request.query_params.multi_items()]:
            values.setdefault(name, value)
        return values

    def token_params(request: Request, raw: bytes, is_json: bool) -> dict[str, str] | None:
        """`OAuthTokenParams`: a JSON object of strings (`resource` only there), or the form's fields."""
        names = ("grant_type", "code", "refresh_token", "redirect_uri", "client_id", "client_secret")
        names += ("code_verifier",)
        if is_json:
            try:
                parsed = json.loads(raw)
            except (ValueError, UnicodeDecodeError):
                return None
            if not isinstance(parsed, dict) or not all(
                isinstance(parsed.get(k), str | None) for k in (*names, "resource")
            ):
                return None
            return {k: parsed[k] for k in (*names, "resource") if parsed.get(k)}
        form = form_values(request, raw)
        return None if form is None else {k: form[k] for k in names if form.get(k)}

    def code_grant(client: OAuthClient, params: dict[str, str]) -> Response:
        """`handleAuthorizationCodeGrant` (`oauthserver/handlers.go`): the code dies only on success."""
        code = params.get("code", "")
        if not code:
            return oauth_error("invalid_request", "code is required for authorization_code grant")
        entry = server.codes.get(code)
        if entry is None:
            return oauth_error("invalid_grant", "Invalid authorization code")
        authorization = entry.authorization
        if expired(authorization):
            return oauth_error("invalid_grant", "Authorization code has expired")
        if authorization.client_id != client.id:
            return oauth_error("invalid_grant", "Authorization code was not issued for this client")
        if params.get("resource") and params["resource"] != (authorization.resource or ""):
            return oauth_error(
                "invalid_grant", "Authorization code resource does not match the resource parameter"
            )
        if params.get("redirect_uri") and params["redirect_uri"] != authorization.redirect_uri:
            return oauth_error("invalid_grant", "Invalid redirect_uri")
        verifier = params.get("code_verifier", "")
        if not verifier:
            return oauth_error(
                "invalid_grant",
                "PKCE verification failed: code_verifier is required when PKCE challenge is present",
            )
        computed = _s256(verifier) if authorization.code_challenge_method == "s256" else verifier
        if not secrets.compare_digest(computed.encode(), authorization.code_challenge.encode()):
            return oauth_error(
                "invalid_grant",
                "PKCE verification failed: code challenge does not match previously saved code verifier",
            )
        user = state.users[entry.user_id]
        if user.banned:
            return oauth_error("access_denied", "User is banned")
        del server.codes[code]  # single use: the authorization row is destroyed with the exchange
        _session, access, refresh = state.start_session(
            user, client_id=client.id, scope=authorization.scope, amr_method="oauth"
        )
        body: dict[str, Any] = {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": state.access_token_ttl,
            "refresh_token": refresh,
        }
        if "openid" in authorization.scope.split():
            now = state.now()
            body["id_token"] = sign(
                {
                    "iss": state.issuer,
                    "sub": user.id,
                    "aud": client.id,
                    "exp": now + 3600,
                    "iat": now,
                    "auth_time": now,
                    "client_id": client.id,
                    "email": user.email,
                },
                state.keys.signing,
            )
        return JSONResponse(body)

    def refresh_grant(request: Request, client: OAuthClient, params: dict[str, str]) -> Response:
        """`handleRefreshTokenGrant`: GoTrue's `RefreshTokenGrant` with the authenticated client."""
        presented = params.get("refresh_token", "")
        if not presented:
            return oauth_error("invalid_request", "refresh_token is required for refresh_token grant")
        try:
            _session, access, refresh = state.rotate_refresh(presented, client_id=client.id)
        except StandinAuthError as exc:
            if exc.oauth:
                return oauth_error(exc.error_code, exc.msg)
            return gotrue_error(request, exc.status, exc.error_code, exc.msg)
        return JSONResponse(
            {
                "access_token": access,
                "token_type": "bearer",
                "expires_in": state.access_token_ttl,
                "refresh_token": refresh,
            }
        )

    async def userinfo(request: Request) -> Response:
        claims = bearer_claims(request, state)
        if isinstance(claims, Response):
            return claims
        user = state.users[claims["sub"]]
        return JSONResponse({"sub": user.id, "email": user.email, "email_verified": user.confirmed})

    return [
        Route(f"{PREFIX}/.well-known/oauth-authorization-server", recorded(discovery), methods=["GET"]),
        Route("/.well-known/oauth-authorization-server/auth/v1", recorded(discovery), methods=["GET"]),
        Route(f"{PREFIX}/oauth/clients/register", recorded(register), methods=["POST"]),
        Route(f"{PREFIX}/oauth/authorize", recorded(authorize), methods=["GET"]),
        Route(
            f"{PREFIX}/oauth/authorizations/{{authorization_id}}",
            recorded(authorization_details),
            methods=["GET"],
        ),
        Route(
            f"{PREFIX}/oauth/authorizations/{{authorization_id}}/consent", recorded(consent), methods=["POST"]
        ),
        Route(f"{PREFIX}/oauth/token", recorded(token), methods=["POST"]),
        Route(f"{PREFIX}/oauth/userinfo", recorded(userinfo), methods=["GET"]),
    ]


# --- headless consent --------------------------------------------------------------------------------


async def sign_in(http: httpx.AsyncClient, standin_url: str, anon_key: str, email: str, password: str) -> str:
    """The user's Supabase access token, from the password grant (what the consent page does)."""
    response = await http.post(
        f"{standin_url}{PREFIX}/token?grant_type=password",
        json={"email": email, "password": password},
        headers={"apikey": anon_key},
    )
    response.raise_for_status()
    return str(response.json()["access_token"])


async def sign_in_and_approve(
    http: httpx.AsyncClient,
    standin_url: str,
    anon_key: str,
    authorization_id: str,
    *,
    email: str,
    password: str,
    action: Literal["approve", "deny"] = "approve",
) -> str:
    """Sign in, read the authorization (auto-approve branch included), approve or deny: the `redirect_url`."""
    access = await sign_in(http, standin_url, anon_key, email, password)
    headers = {"Authorization": f"Bearer {access}"}
    base = f"{standin_url}{PREFIX}/oauth/authorizations/{authorization_id}"
    details = await http.get(base, headers=headers)
    if details.status_code != 200:
        raise RuntimeError(f"authorization details: {details.status_code} {details.text}")
    if "redirect_url" in details.json():
        return str(details.json()["redirect_url"])
    decided = await http.post(f"{base}/consent", json={"action": action}, headers=headers)
    if decided.status_code != 200:
        raise RuntimeError(f"consent: {decided.status_code} {decided.text}")
    return str(decided.json()["redirect_url"])
