"""`.env.example` documents every setting, and only settings, with a value `Settings` accepts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.deploy.support import REPO
from workout_mcp.config import Settings, load_settings

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


def test_env_example_copied_to_dotenv_is_a_valid_configuration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    settings = load_settings(_env_file=EXAMPLE)
    assert settings.mcp_transport == "stdio"
    assert settings.allowed_origins == ["https://claude.ai", "https://claude.com"]
