"""`deploy.sh --smoke-only`, what the Deploy workflow runs after `flyctl deploy`: it needs no secrets,
calls no flyctl command, and passes or fails on the live server at BASE_URL alone."""

from __future__ import annotations

from tests.deploy.support import free_port
from tests.deploy.test_deploy_script import FakeFly, fake_fly, real_server

__all__ = ["fake_fly", "real_server"]  # fixtures


def test_smoke_only_checks_a_live_server_without_secrets_or_flyctl_calls(
    fake_fly: FakeFly, real_server: str
) -> None:
    run = FakeFly(fake_fly.root, secrets={}).run("--smoke-only", env={"BASE_URL": real_server})
    assert run.returncode == 0, run.stdout + run.stderr
    assert "  ok    GET /health -> 200" in run.stdout
    assert "  ok    unauthenticated POST /mcp -> 401 with WWW-Authenticate resource_metadata" in run.stdout
    assert run.calls == []
    assert "deploying" not in run.stdout and "staging secrets" not in run.stdout


def test_smoke_only_fails_when_the_release_does_not_answer(fake_fly: FakeFly) -> None:
    down = f"http://127.0.0.1:{free_port()}"
    run = FakeFly(fake_fly.root, secrets={}).run("--smoke-only", env={"BASE_URL": down})
    assert run.returncode != 0
    assert "FAIL  GET /health" in run.stdout
    assert run.calls == []
