"""The `workout-mcp` command's own decisions, run in-process: version, demo's refusal to touch a log
that holds workouts, and the login sub-commands' one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from workout_mcp import __version__
from workout_mcp.cli import main


def run(argv: list[str]) -> int:
    with pytest.raises(SystemExit) as done:
        main(argv)
    return int(done.value.code or 0)


@pytest.fixture
def local_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("SUPABASE_URL", "SUPABASE_ANON_KEY", "SUPABASE_EMAIL", "SUPABASE_PASSWORD", "MCP_TRANSPORT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the checkout
    db = tmp_path / "log.db"
    monkeypatch.setenv("WORKOUT_DB_PATH", str(db))
    return db


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"workout-mcp {__version__}"


def test_demo_fills_an_empty_log_and_then_refuses_without_force(
    local_log: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["demo", "--weeks", "2"]) == 0
    first = capsys.readouterr()
    assert first.out == "" and "demo workouts over 2 weeks" in first.err
    assert run(["demo", "--weeks", "2"]) == 1
    assert "pass --force" in capsys.readouterr().err
    assert run(["demo", "--weeks", "1", "--force"]) == 0


def test_demo_refuses_a_supabase_log(
    local_log: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SUPABASE_URL", "https://abcdefghijklmnop.supabase.co")
    monkeypatch.setenv("SUPABASE_ANON_KEY", "anon-key")
    monkeypatch.setenv("SUPABASE_REFRESH_TOKEN", "refresh-token")
    assert run(["demo"]) == 2
    assert "unset SUPABASE_URL" in capsys.readouterr().err
    assert not local_log.exists()


def test_token_before_login_says_how_to_log_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert run(["token"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == (
        "workout-mcp token: not logged in to any server: run `workout-mcp login <server URL>` first"
    )


def test_login_to_something_that_is_not_a_url_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["login", "my-app.fly.dev"]) == 1
    assert "give it as https://<host>" in capsys.readouterr().err
