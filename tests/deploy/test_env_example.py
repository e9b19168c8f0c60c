"""`.env.example` documents every setting, and only settings, with a value `Settings` accepts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.deploy.support import REPO
from workout_mcp.config import Settings, SettingsError, load_settings

EXAMPLE = REPO / ".env.example"
# `NAME=value`, or `# NAME=value` for an optional setting shown with its default.
VARIABLE = re.compile(r"^(?:# )?([A-Z][A-Z0-9_]*)=(.*)$")


def example_variables() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        if match := VARIABLE.match(line):
            assert match.group(1) not in found, f"{match.group(1)} is in .env.example twice"
            found[match.group(1)] = match.group(2)
    return found


def test_env_example_names_exactly_the_settings_fields() -> None:
    fields = {name.upper() for name in Settings.model_fields}
    documented = set(example_variables())
    assert documented - fields == set(), "documented in .env.example but not a setting"
    assert fields - documented == set(), "settings with no example in .env.example"


def test_every_env_example_variable_has_a_comment_above_it() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if VARIABLE.match(line) and not line.startswith("# "):
            above = lines[index - 1]
            assert above.startswith("# ") and not VARIABLE.match(above), f"no comment above {line!r}"


def test_env_example_holds_no_secret_values() -> None:
    values = example_variables()
    for name in (
        "SUPABASE_ANON_KEY",
        "OAUTH_CLIENT_SECRET",
        "SECRET_KEY",
        "SECRET_KEY_PREVIOUS",
        "SUPABASE_PASSWORD",
        "SUPABASE_REFRESH_TOKEN",
        "RATE_LIMIT_REDIS_URL",
    ):
        assert values[name] == "", f"{name} must be empty in .env.example"


@pytest.fixture
def clean_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No setting in the environment, and an empty home: only the files a test writes count."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    return tmp_path


@pytest.mark.usefixtures("clean_environment")
def test_env_example_copied_to_dotenv_is_a_valid_configuration() -> None:
    settings = load_settings(_env_file=EXAMPLE)
    assert settings.mcp_transport == "stdio"
    assert settings.allowed_origins == ["https://claude.ai", "https://claude.com"]


def test_deploy_settings_in_fly_env_never_reach_the_local_server(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cp .env.example fly.env` filled for deploy, then the local stdio server from the same folder."""
    tmp_path = clean_environment
    monkeypatch.chdir(tmp_path)
    filled = EXAMPLE.read_text(encoding="utf-8")
    for name, value in {
        "SUPABASE_URL": "https://abcdefghijklmnop.supabase.co",
        "SUPABASE_ANON_KEY": "sb_publishable_example",
        "OAUTH_CLIENT_ID": "6f1f8f0e-2b7c-4d5e-9a41-000000000001",
        "OAUTH_CLIENT_SECRET": "client-secret-example",
        "SECRET_KEY": "p7Hq2Zr9Lm4Tx8Vb1Nc6Jd3Kf5Wg0Ys2Ue7Ia4Ob9Qh",
    }.items():
        filled = re.sub(rf"(?m)^{name}=$", f"{name}={value}", filled)
    (tmp_path / "fly.env").write_text(filled, encoding="utf-8")
    settings = load_settings()
    assert settings.mcp_transport == "stdio" and not settings.uses_supabase
    # The collision this avoids: the same file as .env stops the stdio server at start.
    (tmp_path / ".env").write_text(filled, encoding="utf-8")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "SUPABASE_EMAIL" in caught.value.problems
