"""Every knob of the server, read once from the environment (and an optional `.env`) and validated.

A bad or missing value stops start-up with one `SettingsError` that names every bad variable and why;
the message never contains a value, so secrets cannot leak through it.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
SUPABASE_SCOPES = ("openid", "email", "profile", "phone")


def default_db_path() -> Path:
    """The SQLite log lives in the user's data directory (XDG on Linux, the platform's elsewhere)."""
    if os.name == "nt":
        root = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    elif os.uname().sysname == "Darwin":
        root = Path.home() / "Library" / "Application Support"
    else:
        root = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    return root / "workout-mcp" / "workouts.db"


def is_loopback_host(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _clean_url(value: str | None, *, name: str) -> str | None:
    if value is None or value.strip() == "":
        return None
    value = value.strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{name} must be an absolute http(s) URL")
    if parts.query or parts.fragment:
        raise ValueError(f"{name} must not have a query or a fragment")
    return value


class SettingsError(Exception):
    """Start-up configuration is unusable. `problems` maps each environment variable to why."""

    def __init__(self, problems: dict[str, str]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {name}: {why}" for name, why in sorted(problems.items()))
        super().__init__(f"invalid configuration ({len(problems)} problem(s)):\n{lines}")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    # --- server -------------------------------------------------------------------------------------
    mcp_transport: Literal["stdio", "http"] = "stdio"
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    base_url: str | None = None
    environment: Literal["development", "production"] = "development"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    allowed_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["https://claude.ai", "https://claude.com"]
    )
    forwarded_allow_ips: str = "127.0.0.1"
    read_only: bool = False
    max_body_bytes: int = Field(1_048_576, ge=1024, le=4_194_304)
    metrics_port: int = Field(9091, ge=0, le=65535)

    # --- data ---------------------------------------------------------------------------------------
    workout_db_path: Path = Field(default_factory=default_db_path)
    supabase_url: str | None = None
    supabase_anon_key: SecretStr | None = None
    supabase_email: str | None = None
    supabase_password: SecretStr | None = None
    supabase_refresh_token: SecretStr | None = None
    upstream_timeout_seconds: float = Field(10.0, gt=0, le=120)
    supabase_jwt_issuer: str | None = None

    # --- identity -----------------------------------------------------------------------------------
    auth_mode: Literal["supabase", "none"] = "supabase"
    oauth_client_id: str | None = None
    oauth_client_secret: SecretStr | None = None
    secret_key: SecretStr | None = None
    secret_key_previous: SecretStr | None = None
    jwt_leeway_seconds: int = Field(10, ge=0, le=300)
    allow_anonymous_users: bool = False
    cimd_allow_private_networks: bool = False
    consent_email_code: bool = True

    # --- rate limits --------------------------------------------------------------------------------
    rate_limit_enabled: bool = True
    rate_limit_per_hour: int = Field(100, ge=1)
    rate_limit_oauth_per_minute: int = Field(30, ge=1)
    rate_limit_redis_url: SecretStr | None = None
    rate_limit_fail_mode: Literal["open", "closed"] = "open"
    rate_limit_count: Literal["all", "tool_calls"] = "tool_calls"

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
        return value

    @field_validator("allowed_origins")
    @classmethod
    def _check_origins(cls, value: list[str]) -> list[str]:
        for origin in value:
            parts = urlsplit(origin)
            if parts.scheme not in ("http", "https") or not parts.hostname or parts.path:
                raise ValueError("each origin must look like https://host[:port], comma-separated")
        return value

    @field_validator("supabase_jwt_issuer", mode="before")
    @classmethod
    def _jwt_issuer(cls, value: Any) -> Any:
        # Compared exactly with the tokens' `iss`: only surrounding blanks are dropped, never a slash.
        if isinstance(value, str):
            value = value.strip() or None
            if value is not None and _clean_url(value, name="SUPABASE_JWT_ISSUER") is None:
                raise ValueError("SUPABASE_JWT_ISSUER must be an absolute http(s) URL")
        return value

    @field_validator("base_url", mode="before")
    @classmethod
    def _base_url(cls, value: Any) -> Any:
        return _clean_url(value, name="BASE_URL") if isinstance(value, str) else value

    @field_validator("supabase_url", mode="before")
    @classmethod
    def _supabase_url(cls, value: Any) -> Any:
        return _clean_url(value, name="SUPABASE_URL") if isinstance(value, str) else value

    @field_validator("rate_limit_fail_mode", mode="before")
    @classmethod
    def _fail_mode(cls, value: Any) -> Any:
        return value.strip().lower().removeprefix("fail-") if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator(
        "supabase_anon_key",
        "oauth_client_secret",
        "secret_key",
        "secret_key_previous",
        "supabase_password",
        "supabase_refresh_token",
        "rate_limit_redis_url",
        mode="before",
    )
    @classmethod
    def _empty_secret_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and value.strip() == "" else value

    @field_validator("oauth_client_id", "supabase_email", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and value.strip() == "" else value

    # --- derived ------------------------------------------------------------------------------------
    @property
    def public_url(self) -> str:
        """The server's public origin, without a trailing slash."""
        if self.base_url:
            return self.base_url
        host = f"[{self.host}]" if ":" in self.host and not self.host.startswith("[") else self.host
        return f"http://{host}:{self.port}"

    @property
    def resource_url(self) -> str:
        return f"{self.public_url}/mcp"

    @property
    def supabase_issuer(self) -> str | None:
        if self.supabase_jwt_issuer is not None:
            return self.supabase_jwt_issuer
        return f"{self.supabase_url}/auth/v1" if self.supabase_url else None

    @property
    def uses_supabase(self) -> bool:
        return self.supabase_url is not None

    @property
    def metrics_enabled(self) -> bool:
        """Prometheus metrics on METRICS_PORT, over HTTP only (0 switches them off)."""
        return self.mcp_transport == "http" and self.metrics_port != 0

    @property
    def auth_enabled(self) -> bool:
        return self.mcp_transport == "http" and self.auth_mode == "supabase"

    def problems(self) -> dict[str, str]:
        """Checks that span several variables; empty when the combination is usable."""
        found: dict[str, str] = {}
        if (self.supabase_url is None) != (self.supabase_anon_key is None):
            missing = "SUPABASE_ANON_KEY" if self.supabase_anon_key is None else "SUPABASE_URL"
            found[missing] = "SUPABASE_URL and SUPABASE_ANON_KEY are set together or not at all"
        if self.mcp_transport == "http":
            if self.auth_mode == "none":
                if not is_loopback_host(self.host):
                    found["AUTH_MODE"] = "none is allowed only when HOST is a loopback address"
            else:
                for name, value in (
                    ("SUPABASE_URL", self.supabase_url),
                    ("SUPABASE_ANON_KEY", self.supabase_anon_key),
                    ("OAUTH_CLIENT_ID", self.oauth_client_id),
                    ("OAUTH_CLIENT_SECRET", self.oauth_client_secret),
                    ("SECRET_KEY", self.secret_key),
                ):
                    if value is None:
                        found.setdefault(
                            name,
                            "required over HTTP with AUTH_MODE=supabase "
                            "(use AUTH_MODE=none on a loopback HOST for local tests)",
                        )
            for name, key in (
                ("SECRET_KEY", self.secret_key),
                ("SECRET_KEY_PREVIOUS", self.secret_key_previous),
            ):
                if key is not None and not _strong_enough(key.get_secret_value()):
                    found[name] = (
                        "must carry at least 32 bytes of entropy: 43+ characters, e.g. "
                        "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
                    )
        if self.metrics_enabled and self.metrics_port == self.port:
            found["METRICS_PORT"] = "must differ from PORT: metrics are never served on the public port"
        if self.environment == "production":
            if not self.public_url.startswith("https://"):
                found["BASE_URL"] = "must be an https URL in production"
            if self.cimd_allow_private_networks:
                found["CIMD_ALLOW_PRIVATE_NETWORKS"] = "is for tests only and refused in production"
        if self.uses_supabase and self.mcp_transport == "stdio":
            has_password = self.supabase_email is not None and self.supabase_password is not None
            if not has_password and self.supabase_refresh_token is None:
                found["SUPABASE_EMAIL"] = (
                    "over stdio with Supabase, set SUPABASE_EMAIL and SUPABASE_PASSWORD, "
                    "or SUPABASE_REFRESH_TOKEN"
                )
        return found


def _strong_enough(secret: str) -> bool:
    return len(secret) >= 43 and len(set(secret)) >= 16


def _env_name(loc: tuple[int | str, ...]) -> str:
    return str(loc[0]).upper() if loc else "SETTINGS"


def load_settings(**overrides: Any) -> Settings:
    """Read and validate the settings; raise `SettingsError` naming every bad variable."""
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        problems: dict[str, str] = {}
        for err in exc.errors(include_input=False, include_url=False):
            msg = str(err["msg"]).removeprefix("Value error, ")
            problems.setdefault(_env_name(err["loc"]), msg)
        raise SettingsError(problems) from None
    problems = settings.problems()
    if problems:
        raise SettingsError(problems)
    return settings
