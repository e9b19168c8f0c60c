"""`deploy.sh` against a fake `flyctl` on PATH that records every call: first deploy, repeat deploy,
missing secrets, dry run; no secret value in its output or in any process's arguments; the smoke
test against a real server on 127.0.0.1 (BASE_URL)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import service_missing
from tests.deploy.support import CLIENT_ID, REPO, free_port, strong_secret
from tests.live_server import serve
from tests.standin.fixtures import Standin
from workout_mcp.app import create_app
from workout_mcp.config import load_settings

DEPLOY = REPO / "deploy.sh"
APP = "workout-deploy-test"

FAKE_FLYCTL = """#!{python}
# A stand-in for flyctl: records argv and stdin (one JSON line per call), keeps the app list in a file.
import json, os, sys
state = os.environ["FAKE_FLY_STATE"]
apps_file = os.path.join(state, "apps")
apps = open(apps_file).read().split() if os.path.exists(apps_file) else []
args = sys.argv[1:]
stdin = sys.stdin.read() if args[:2] == ["secrets", "import"] else None
with open(os.path.join(state, "calls.jsonl"), "a") as log:
    log.write(json.dumps({{"argv": sys.argv[1:], "stdin": stdin}}) + "\\n")
if args[:2] == ["apps", "list"]:
    print("NAME                \\tOWNER   \\tSTATUS   \\tLATEST DEPLOY")
    for app in apps:
        print(f"{{app}}\\tpersonal\\tdeployed\\t1h ago")
elif args[:2] == ["apps", "create"]:
    if args[2] in apps:
        sys.exit("Error: Name has already been taken")
    open(apps_file, "a").write(args[2] + "\\n")
    print(f"New app created: {{args[2]}}")
elif args[:1] == ["status"]:
    app = args[args.index("--app") + 1] if "--app" in args else ""
    if app not in apps:
        sys.exit(f"Error: app {{app}} not found")
    print(f"App {{app}} deployed")
elif args[:2] == ["secrets", "import"]:
    print("Secrets have been staged, but not set on VMs.")
elif args[:1] == ["deploy"]:
    print("==> Building image ... --> v1 deployed successfully")
else:
    sys.exit(f"fake flyctl: unexpected {{args}}")
"""


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    calls: list[dict[str, Any]] = field(default_factory=list)

    def commands(self) -> list[list[str]]:
        return [call["argv"] for call in self.calls]

    def called(self, *prefix: str) -> list[dict[str, Any]]:
        return [call for call in self.calls if call["argv"][: len(prefix)] == list(prefix)]


@dataclass
class FakeFly:
    root: Path
    secrets: dict[str, str]

    @property
    def state(self) -> Path:
        return self.root / "state"

    def run(
        self, *args: str, env: dict[str, str] | None = None, path: str | None = None, script: Path = DEPLOY
    ) -> Run:
        calls_file = self.state / "calls.jsonl"
        calls_file.unlink(missing_ok=True)
        full_env = {
            "PATH": path if path is not None else f"{self.root / 'bin'}{os.pathsep}/usr/bin{os.pathsep}/bin",
            "HOME": str(self.root),
            "FAKE_FLY_STATE": str(self.state),
            "FLY_APP": APP,
            "ENV_FILE": str(self.root / "no.env"),
            "BASE_URL": "http://127.0.0.1:9",
            "SMOKE_RETRIES": "0",
            **self.secrets,
            **(env or {}),
        }
        done = subprocess.run(
            ["bash", str(script), *args],
            env=full_env,
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            timeout=120,
            check=False,
        )
        calls = (
            [json.loads(line) for line in calls_file.read_text().splitlines()] if calls_file.exists() else []
        )
        return Run(done.returncode, done.stdout, done.stderr, calls)

    def assert_no_secret_leaked(self, run: Run) -> None:
        for name, value in self.secrets.items():
            assert value not in run.stdout, f"{name} in stdout"
            assert value not in run.stderr, f"{name} in stderr"
            for argv in run.commands():
                assert not any(value in arg for arg in argv), f"{name} in flyctl's arguments"


@pytest.fixture
def fake_fly(tmp_path: Path) -> FakeFly:
    (tmp_path / "bin").mkdir()
    (tmp_path / "state").mkdir()
    flyctl = tmp_path / "bin" / "flyctl"
    flyctl.write_text(FAKE_FLYCTL.format(python=sys.executable))
    flyctl.chmod(0o755)
    secrets = {
        "SUPABASE_URL": "https://abcdefghijklmnop.supabase.co",
        "SUPABASE_ANON_KEY": "anon." + strong_secret("anonkeyvalue"),
        "OAUTH_CLIENT_ID": CLIENT_ID,
        "OAUTH_CLIENT_SECRET": strong_secret("clientsecretvalue"),
        "SECRET_KEY": strong_secret("secretkeyvalue"),
        "RATE_LIMIT_REDIS_URL": "rediss://default:" + strong_secret("redispassword") + "@eu1.upstash.io:6379",
    }
    return FakeFly(tmp_path, secrets)


def staged(run: Run) -> dict[str, str]:
    (call,) = run.called("secrets", "import")
    return dict(line.split("=", 1) for line in call["stdin"].splitlines())


def test_first_deploy_creates_the_app_stages_secrets_and_deploys_one_machine(fake_fly: FakeFly) -> None:
    run = fake_fly.run()
    assert run.called("apps", "create") == [{"argv": ["apps", "create", APP], "stdin": None}]
    assert "--stage" in run.called("secrets", "import")[0]["argv"]
    assert staged(run) == fake_fly.secrets
    (deploy,) = run.called("deploy")
    assert deploy["argv"][deploy["argv"].index("--app") + 1] == APP
    assert "--ha=false" in deploy["argv"]
    assert "BASE_URL=http://127.0.0.1:9" in deploy["argv"]
    order = [argv[0] + " " + argv[1] for argv in run.commands()]
    assert order.index("apps create") < order.index("secrets import") < order.index("deploy --app")
    fake_fly.assert_no_secret_leaked(run)


def test_repeat_deploy_does_not_create_the_app_again(fake_fly: FakeFly) -> None:
    fake_fly.run()
    run = fake_fly.run()
    assert run.called("apps", "create") == []
    assert "app workout-deploy-test exists" in run.stdout
    assert len(run.called("deploy")) == 1
    assert staged(run) == fake_fly.secrets
    fake_fly.assert_no_secret_leaked(run)


def test_only_non_empty_secrets_are_staged(fake_fly: FakeFly) -> None:
    run = fake_fly.run(env={"RATE_LIMIT_REDIS_URL": "", "SECRET_KEY_PREVIOUS": ""})
    assert set(staged(run)) == {
        "SUPABASE_URL",
        "SUPABASE_ANON_KEY",
        "OAUTH_CLIENT_ID",
        "OAUTH_CLIENT_SECRET",
        "SECRET_KEY",
    }


def test_missing_secrets_refuse_to_deploy_and_name_each_one(fake_fly: FakeFly) -> None:
    run = fake_fly.run(env={"OAUTH_CLIENT_SECRET": "", "SECRET_KEY": "", "SUPABASE_ANON_KEY": ""})
    assert run.returncode != 0
    for name in ("OAUTH_CLIENT_SECRET", "SECRET_KEY", "SUPABASE_ANON_KEY"):
        assert f"{name}: missing" in run.stderr
    assert "SUPABASE_URL: missing" not in run.stderr
    assert run.calls == [], "nothing may reach flyctl before the inputs are complete"
    fake_fly.assert_no_secret_leaked(run)


def test_weak_secret_key_is_refused_without_showing_it(fake_fly: FakeFly) -> None:
    run = fake_fly.run(env={"SECRET_KEY": "short-but-secret-value"})
    assert run.returncode != 0
    assert "SECRET_KEY: too short" in run.stderr
    assert "short-but-secret-value" not in run.stdout + run.stderr


def test_secrets_are_read_from_dotenv_when_not_in_the_environment(fake_fly: FakeFly) -> None:
    env_file = fake_fly.root / "deploy.env"
    env_file.write_text(
        "# comment\n"
        f'export OAUTH_CLIENT_SECRET="{fake_fly.secrets["OAUTH_CLIENT_SECRET"]}"\n'
        f"SECRET_KEY='{fake_fly.secrets['SECRET_KEY']}'\n"
        "SECRET_KEY_PREVIOUS=\n"
    )
    run = fake_fly.run(env={"ENV_FILE": str(env_file), "OAUTH_CLIENT_SECRET": "", "SECRET_KEY": ""})
    assert staged(run) == fake_fly.secrets
    fake_fly.assert_no_secret_leaked(run)


@pytest.mark.parametrize(
    "base_url",
    [
        "http://workout.example.com",
        "ftp://workout.example.com",
        "https://workout.example.com/mcp",
        "workout.fly.dev",
    ],
)
def test_base_url_that_is_not_https_is_refused_before_anything_runs(fake_fly: FakeFly, base_url: str) -> None:
    run = fake_fly.run("--dry-run", env={"BASE_URL": base_url})
    assert run.returncode != 0
    assert "BASE_URL must start with https://" in run.stderr
    assert run.calls == []


def test_deploy_settings_come_from_fly_env_never_from_the_local_dotenv(fake_fly: FakeFly) -> None:
    checkout = fake_fly.root / "checkout"
    checkout.mkdir()
    shutil.copy(DEPLOY, checkout / "deploy.sh")
    shutil.copy(REPO / "fly.toml", checkout / "fly.toml")
    (checkout / ".env").write_text(f"SECRET_KEY={strong_secret('localdotenvvalue')}\n")
    (checkout / "fly.env").write_text(f"SECRET_KEY={fake_fly.secrets['SECRET_KEY']}\n")
    run = fake_fly.run(env={"ENV_FILE": "", "SECRET_KEY": ""}, script=checkout / "deploy.sh")
    assert staged(run)["SECRET_KEY"] == fake_fly.secrets["SECRET_KEY"]
    (checkout / "fly.env").unlink()
    missing = fake_fly.run(env={"ENV_FILE": "", "SECRET_KEY": ""}, script=checkout / "deploy.sh")
    assert missing.returncode != 0
    assert "SECRET_KEY: missing" in missing.stderr
    assert "mv .env fly.env" in missing.stderr


def test_dry_run_changes_nothing_and_says_what_it_would_do(fake_fly: FakeFly) -> None:
    run = fake_fly.run("--dry-run")
    assert run.returncode == 0, run.stderr
    assert [argv[:2] for argv in run.commands()] == [["apps", "list"]]
    assert f"would run: flyctl apps create {APP}" in run.stdout
    assert "would stage secrets (values not shown): SUPABASE_URL" in run.stdout
    assert "would run: flyctl deploy" in run.stdout
    assert not (fake_fly.state / "apps").exists()
    fake_fly.assert_no_secret_leaked(run)


def test_dry_run_refuses_missing_secrets_too(fake_fly: FakeFly) -> None:
    run = fake_fly.run("--dry-run", env={"SUPABASE_URL": ""})
    assert run.returncode != 0
    assert "SUPABASE_URL: missing" in run.stderr
    assert run.calls == []


def test_without_flyctl_it_explains_how_to_install_it(fake_fly: FakeFly) -> None:
    if shutil.which("flyctl", path="/usr/bin:/bin") or shutil.which("fly", path="/usr/bin:/bin"):
        pytest.skip("a real flyctl is installed in /usr/bin")
    run = fake_fly.run(path="/usr/bin:/bin")
    assert run.returncode != 0
    assert "https://fly.io/docs/flyctl/install/" in run.stderr
    assert "curl" not in run.stderr


@pytest.fixture
def real_server(standin: Standin) -> Iterator[str]:
    """The real app (auth on, production-shaped settings) on 127.0.0.1, BASE_URL being its own address."""
    port = free_port()
    settings = load_settings(
        _env_file=None,
        mcp_transport="http",
        host="127.0.0.1",
        port=port,
        base_url=f"http://127.0.0.1:{port}",
        supabase_url=standin.url,
        supabase_anon_key=standin.anon_key,
        oauth_client_id=CLIENT_ID,
        oauth_client_secret=strong_secret("clientsecret"),
        secret_key=strong_secret("secretkey"),
    )
    with serve(create_app(settings), port=port) as live:
        yield live.url


def test_smoke_test_passes_against_a_real_server(fake_fly: FakeFly, real_server: str) -> None:
    run = fake_fly.run(env={"BASE_URL": real_server})
    assert "  ok    GET /health -> 200" in run.stdout
    assert f"  ok    protected-resource metadata: resource = {real_server}/mcp" in run.stdout
    assert "  ok    unauthenticated POST /mcp -> 401 with WWW-Authenticate resource_metadata" in run.stdout
    assert f"  ok    authorization-server metadata: issuer = {real_server}" in run.stdout, run.stdout
    assert run.returncode == 0, run.stderr
    fake_fly.assert_no_secret_leaked(run)


def test_smoke_test_fails_the_deploy_when_the_server_is_down(fake_fly: FakeFly) -> None:
    run = fake_fly.run(env={"BASE_URL": f"http://127.0.0.1:{free_port()}"})
    assert run.returncode != 0
    assert "FAIL  GET /health" in run.stdout
    assert "does not answer" in run.stderr


def test_deploy_script_is_shellcheck_clean() -> None:
    if shutil.which("shellcheck") is None:
        service_missing("shellcheck (apt-get install shellcheck)")
    done = subprocess.run(["shellcheck", str(DEPLOY)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout
