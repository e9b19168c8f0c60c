"""Everything the Supabase stand-in knows: keys, users, sessions, refresh tokens, a clock, faults.

One `StandinState` backs every half of the stand-in (Auth, OAuth 2.1 server, PostgREST). Tests read
and change it directly: add users, rotate keys, move the clock, switch faults on, read OTP codes.
"""

from __future__ import annotations

import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jwt

from tests.standin.keys import KeySet, SigningKey, access_token_claims, sign


class Clock:
    """A settable clock shared by the stand-in and, when a test wants, the server under test."""

    def __init__(self, start: float | None = None) -> None:
        self._offset = 0.0 if start is None else start - time.time()
        self._frozen: float | None = None

    def __call__(self) -> float:
        return self._frozen if self._frozen is not None else time.time() + self._offset

    def advance(self, seconds: float) -> None:
        if self._frozen is not None:
            self._frozen += seconds
        else:
            self._offset += seconds

    def freeze(self, at: float | None = None) -> None:
        self._frozen = self() if at is None else at


@dataclass
class User:
    id: str
    email: str
    password: str
    is_anonymous: bool = False
    confirmed: bool = True
    banned: bool = False
    role: str = "authenticated"
    aud: str = "authenticated"
    user_metadata: dict[str, Any] = field(default_factory=dict)
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    def to_json(self) -> dict[str, Any]:
        """The GoTrue user object (`internal/models/user.go`), the fields clients read."""
        provider = "anonymous" if self.is_anonymous else "email"
        return {
            "id": self.id,
            "aud": self.aud,
            "role": self.role,
            "email": self.email,
            "email_confirmed_at": self.created_at if self.confirmed else None,
            "phone": "",
            "confirmed_at": self.created_at if self.confirmed else None,
            "last_sign_in_at": self.created_at,
            "app_metadata": {"provider": provider, "providers": [provider]},
            "user_metadata": self.user_metadata,
            "identities": [],
            "created_at": self.created_at,
            "updated_at": self.created_at,
            "is_anonymous": self.is_anonymous,
        }


@dataclass
class Session:
    id: str
    user_id: str
    client_id: str | None = None
    scope: str | None = None
    amr_method: str = "password"


@dataclass
class RefreshToken:
    """A v1 refresh token (`models/refresh_token.go`): rotation revokes it and records when (`used_at`)."""

    token: str
    session_id: str
    parent: str | None = None
    used_at: float | None = None
    revoked: bool = False
    revoked_at: float | None = None


@dataclass
class FlowState:
    """A PKCE flow (`/authorize` with an upstream provider, or the OAuth server's authorization)."""

    auth_code: str
    user_id: str
    code_challenge: str
    code_challenge_method: str
    created_at: float
    client_id: str | None = None
    scope: str | None = None


@dataclass
class Faults:
    jwks_down: bool = False
    token_down: bool = False
    jwks_max_age: int = 600


class StandinAuthError(Exception):
    """A bearer token the stand-in refuses; `error_code`/`status` as GoTrue's `requireAuthentication`."""

    def __init__(self, status: int, error_code: str, msg: str, *, oauth: bool = False) -> None:
        super().__init__(msg)
        self.status, self.error_code, self.msg = status, error_code, msg
        self.oauth = oauth  # an `apierrors.OAuthError`: rendered `{error, error_description}`, HTTP 400


@dataclass
class StandinState:
    """The stand-in's whole world. Options a test may switch (at construction or at any time later):

    - `kong_gateway` (off): put the self-hosted Kong gateway in front, as supabase/supabase
      `docker/volumes/api/kong.yml` configures it: `key-auth` on every `/auth/v1/*` path except
      `/auth/v1/verify`, `/auth/v1/callback`, `/auth/v1/authorize` and `/auth/v1/.well-known/jwks.json`
      (so `/auth/v1/oauth/*`, including the browser's `/auth/v1/oauth/authorize`, needs `apikey` as a
      header or query parameter). See `tests.standin.gateway`. Off, the hosted gateway's per-route
      `apikey` check (`tests.standin.auth.require_apikey`) applies instead.
    - `captcha_enabled` (off) with `captcha_tokens`: GoTrue's bot protection (`verifyCaptcha`,
      `internal/api/middleware.go`): `/token?grant_type=password` and `/otp` need
      `gotrue_meta_security.captcha_token`; none -> 400 `captcha_failed` "captcha protection: request
      disallowed (no captcha_token found)"; one not in `captcha_tokens` -> 400 `captcha_failed`
      "captcha protection: request disallowed (invalid-input-response)".
    - `refresh_reuse_interval` (0 s, GoTrue's default): see `rotate_refresh`.
    - the OAuth server's options live on `tests.standin.oauth.OAuthServerState` (`oauth_server(state)`),
      among them each client's `auth_method` (`client_secret_basic`, `client_secret_post`, `none`),
      which the token endpoint enforces as GoTrue does.
    """

    keys: KeySet = field(default_factory=KeySet)
    clock: Clock = field(default_factory=Clock)
    base_url: str = "http://127.0.0.1:54321"
    issuer_override: str | None = None
    anon_key: str = field(default_factory=lambda: "sb_publishable_standin_" + secrets.token_urlsafe(16))
    access_token_ttl: int = 3600
    refresh_reuse_interval: float = 0.0
    kong_gateway: bool = False
    captcha_enabled: bool = False
    captcha_tokens: set[str] = field(default_factory=set)
    faults: Faults = field(default_factory=Faults)
    users: dict[str, User] = field(default_factory=dict)
    sessions: dict[str, Session] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    flow_states: dict[str, FlowState] = field(default_factory=dict)
    otp_codes: dict[str, str] = field(default_factory=dict)
    jwks_fetches: int = 0

    # --- identity ------------------------------------------------------------------------------------
    @property
    def issuer(self) -> str:
        return self.issuer_override or f"{self.base_url}/auth/v1"

    def now(self) -> int:
        return int(self.clock())

    # --- users ---------------------------------------------------------------------------------------
    def add_user(
        self,
        email: str,
        password: str = "correct horse battery staple",
        *,
        is_anonymous: bool = False,
        **kw: Any,
    ) -> User:
        user = User(id=str(uuid.uuid4()), email=email, password=password, is_anonymous=is_anonymous, **kw)
        self.users[user.id] = user
        return user

    def user_by_email(self, email: str) -> User | None:
        email = email.strip().lower()
        return next((u for u in self.users.values() if u.email.lower() == email), None)

    def last_otp(self, email: str) -> str:
        return self.otp_codes[email.strip().lower()]

    # --- tokens --------------------------------------------------------------------------------------
    def claims(
        self,
        user: User,
        *,
        session: Session | None = None,
        client_id: str | None = None,
        scope: str | None = None,
        ttl: int | None = None,
        **overrides: Any,
    ) -> dict[str, Any]:
        """Supabase's exact access-token claims for `user`; `overrides` replace (None removes) claims."""
        claims = access_token_claims(
            issuer=self.issuer,
            sub=user.id,
            email=user.email,
            client_id=client_id if session is None else session.client_id,
            scope=scope if session is None else session.scope,
            ttl=self.access_token_ttl if ttl is None else ttl,
            now=self.now(),
            session_id=None if session is None else session.id,
            is_anonymous=user.is_anonymous,
            amr_method="anonymous" if user.is_anonymous else (session.amr_method if session else "password"),
        )
        claims["role"] = user.role
        for name, value in overrides.items():
            if value is None:
                claims.pop(name, None)
            else:
                claims[name] = value
        return claims

    def mint(
        self,
        user: User,
        *,
        client_id: str | None = None,
        key: SigningKey | None = None,
        headers: dict[str, Any] | None = None,
        **overrides: Any,
    ) -> str:
        """An access token for `user` signed by the current signing key (or `key`), in a new session."""
        if "session_id" not in overrides:
            session = Session(id=str(uuid.uuid4()), user_id=user.id, client_id=client_id)
            self.sessions[session.id] = session
            overrides["session_id"] = session.id
        return sign(
            self.claims(user, client_id=client_id, **overrides), key or self.keys.signing, headers=headers
        )

    def start_session(
        self,
        user: User,
        *,
        client_id: str | None = None,
        scope: str | None = None,
        amr_method: str = "password",
    ) -> tuple[Session, str, str]:
        """A new session: (session, access token, refresh token)."""
        session = Session(
            id=str(uuid.uuid4()), user_id=user.id, client_id=client_id, scope=scope, amr_method=amr_method
        )
        self.sessions[session.id] = session
        refresh = self._new_refresh(session.id, parent=None)
        return session, self.session_access_token(session), refresh.token

    def session_access_token(self, session: Session) -> str:
        return sign(self.claims(self.users[session.user_id], session=session), self.keys.signing)

    def _new_refresh(self, session_id: str, parent: str | None) -> RefreshToken:
        token = RefreshToken(token=secrets.token_urlsafe(24), session_id=session_id, parent=parent)
        self.refresh_tokens[token.token] = token
        return token

    def rotate_refresh(self, presented: str, *, client_id: str | None = None) -> tuple[Session, str, str]:
        """Refresh-token grant as GoTrue's `RefreshTokenGrant` (`internal/tokens/service.go`, v1 tokens).

        A live token is swapped for a new child (rotation). A revoked (already rotated) token that is the
        parent of the session's active token is answered with that active token: the client probably
        lost the previous answer. Another revoked token is swapped again within
        `refresh_reuse_interval` of its revocation; later, the whole family is revoked and the answer
        is 400 `refresh_token_already_used`. The session's OAuth client must be `client_id` (the
        authenticated client of `/oauth/token`; None for `/token`). Raises `StandinAuthError`.
        """
        if len(presented) < 12:
            raise StandinAuthError(400, "validation_failed", "Refresh token is not valid")
        token = self.refresh_tokens.get(presented)
        if token is None or token.session_id not in self.sessions:
            raise StandinAuthError(
                400, "refresh_token_not_found", "Invalid Refresh Token: Refresh Token Not Found"
            )
        session = self.sessions[token.session_id]
        if session.client_id is not None and client_id is None:
            raise StandinAuthError(
                400, "invalid_client", "Client authentication required for OAuth session", oauth=True
            )
        if session.client_id is not None and client_id != session.client_id:
            raise StandinAuthError(
                400, "invalid_client", "Client does not match the session's OAuth client", oauth=True
            )
        if session.client_id is None and client_id is not None:
            raise StandinAuthError(
                400, "invalid_client", "Client authentication not allowed for non-OAuth session", oauth=True
            )
        now = self.clock()
        if token.revoked:
            active = self._active_token(session.id)
            if active is not None and active.parent == token.token:
                return session, self.session_access_token(session), active.token
            if now >= (token.revoked_at or 0.0) + self.refresh_reuse_interval:
                self.revoke_session(session.id)
                raise StandinAuthError(
                    400, "refresh_token_already_used", "Invalid Refresh Token: Already Used"
                )
        token.revoked, token.revoked_at, token.used_at = True, now, now
        child = self._new_refresh(session.id, parent=token.token)
        return session, self.session_access_token(session), child.token

    def _active_token(self, session_id: str) -> RefreshToken | None:
        """`FindCurrentlyActiveRefreshToken`: the session's newest token that is not revoked."""
        live = [t for t in self.refresh_tokens.values() if t.session_id == session_id and not t.revoked]
        return live[-1] if live else None

    def revoke_session(self, session_id: str) -> None:
        """`RevokeTokenFamily` (`models/refresh_token.go`): every refresh token of the session is revoked.

        The session itself stays: its access tokens keep working until they expire, at `/user` as at
        PostgREST (which never looks at sessions).
        """
        now = self.clock()
        for token in self.refresh_tokens.values():
            if token.session_id == session_id and not token.revoked:
                token.revoked, token.revoked_at = True, now

    def end_session(self, session_id: str) -> None:
        """Logout: the session and its refresh tokens are deleted (later use -> not found)."""
        self.sessions.pop(session_id, None)
        for key in [k for k, t in self.refresh_tokens.items() if t.session_id == session_id]:
            del self.refresh_tokens[key]

    def token_response(self, session: Session, access_token: str, refresh_token: str) -> dict[str, Any]:
        """`tokens.AccessTokenResponse`: the exact success body of `/token` and `/verify`."""
        return {
            "access_token": access_token,
            "token_type": "bearer",
            "expires_in": self.access_token_ttl,
            "expires_at": self.now() + self.access_token_ttl,
            "refresh_token": refresh_token,
            "user": self.users[session.user_id].to_json(),
        }

    # --- verification (the /user endpoint, PostgREST, the OAuth server's Bearer endpoints) -----------
    def verify_access_token(self, token: str, *, require_session: bool = True) -> dict[str, Any]:
        """Claims of a token this project issued; `StandinAuthError` as GoTrue's `requireAuthentication`."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
            key = self.keys.find(kid) if isinstance(kid, str) else None
            if key is None:
                raise jwt.InvalidTokenError("unknown kid")
            claims: dict[str, Any] = jwt.decode(
                token,
                key.private_key.public_key(),
                algorithms=[key.alg],
                issuer=self.issuer,
                options={"verify_aud": False, "verify_exp": False, "verify_iat": False, "verify_nbf": False},
            )
        except jwt.PyJWTError as exc:
            raise StandinAuthError(
                403, "bad_jwt", f"invalid JWT: unable to parse or verify signature, {exc}"
            ) from None
        if int(claims.get("exp", 0)) <= self.now():
            raise StandinAuthError(
                403, "bad_jwt", "invalid JWT: unable to parse or verify signature, token is expired"
            )
        try:
            uuid.UUID(str(claims.get("sub")))
        except ValueError:
            raise StandinAuthError(400, "bad_jwt", "invalid claim: sub claim must be a UUID") from None
        user = self.users.get(claims["sub"])
        if user is None:
            raise StandinAuthError(403, "user_not_found", "User from sub claim in JWT does not exist")
        if user.banned:
            raise StandinAuthError(403, "user_banned", "User is banned")
        if require_session:
            session = self.sessions.get(str(claims.get("session_id")))
            if session is None:
                raise StandinAuthError(
                    403, "session_not_found", "Session from session_id claim in JWT does not exist"
                )
        return claims
