"""What the image runs, without Docker: the wheel and the pinned requirements in a fresh venv (no dev
extras, bytecode precompiled as in the Dockerfile), `python -m workout_mcp.server` in production mode as
an unprivileged user, reached the way Fly's proxy reaches it, and stopped the way Fly stops it."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import service_missing
from tests.deploy.support import CLIENT_ID, REPO, final_stage_env, free_port, strong_secret, wait_for_http
from tests.standin.fixtures import Standin

pytestmark = pytest.mark.slow

RUN_AS = "workout-mcp-test"
PUBLIC = "https://workout.test"
# Fly's proxy terminates TLS and forwards with these (fly.toml's check sends X-Forwarded-Proto too).
PROXY_HEADERS = {"Host": "workout.test", "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
DEV_DISTRIBUTIONS = ("pytest", "pytest-asyncio", "hypothesis", "ruff", "mypy", "build", "psycopg")


@dataclass
class Account:
    uid: int
    gid: int


def unprivileged_account() -> Account | None:
    """Root runs the server as RUN_AS (created if missing); anyone else already is unprivileged."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(RUN_AS)
    except KeyError:
        if shutil.which("useradd") is None:
            service_missing("running as root without useradd to create an unprivileged user")
        subprocess.run(
            [
                "useradd",
                "--system",
                "--no-create-home",
                "--home-dir",
                "/nonexistent",
                "--shell",
                "/usr/sbin/nologin",
                RUN_AS,
            ],
            check=True,
        )
        entry = pwd.getpwnam(RUN_AS)
    if shutil.which("setpriv") is None:
        service_missing("setpriv (util-linux) is needed to drop privileges")
    return Account(entry.pw_uid, entry.pw_gid)


def as_account(account: Account | None, argv: list[str]) -> list[str]:
    if account is None:
        return argv
    return ["setpriv", f"--reuid={account.uid}", f"--regid={account.gid}", "--clear-groups", "--", *argv]


def base_python(account: Account | None) -> str:
    """An interpreter >= 3.11 the unprivileged user can run (pyenv's under /root is not one)."""
    candidates = [
        os.path.realpath(getattr(sys, "_base_executable", sys.executable)),
        "/usr/local/bin/python3.11",
        "/usr/bin/python3.11",
        "/usr/bin/python3",
    ]
    probe = ["-c", "import sys, venv; assert sys.version_info >= (3, 11); print(sys.version)"]
    for candidate in candidates:
        if not os.path.exists(candidate):
            continue
        # Compare with root's view: exec of an unreadable interpreter can land on another Python.
        mine = subprocess.run([candidate, *probe], capture_output=True, text=True, check=False)
        theirs = subprocess.run(
            as_account(account, [candidate, *probe]), capture_output=True, text=True, check=False
        )
        if mine.returncode == 0 and theirs.returncode == 0 and mine.stdout == theirs.stdout:
            return candidate
    service_missing("no Python >= 3.11 with venv that an unprivileged user can run")
    raise AssertionError("unreachable")


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{argv[:4]} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def interpreter_settings() -> dict[str, str]:
    """The Dockerfile's runtime settings of the interpreter itself (optimisation level, debug ranges)."""
    env = final_stage_env()
    return {name: env[name] for name in ("PYTHONOPTIMIZE", "PYTHONNODEBUGRANGES") if name in env}


@dataclass
class Installed:
    python: Path
    root: Path
    account: Account | None


@pytest.fixture(scope="module")
def installed() -> Iterator[Installed]:
    account = unprivileged_account()
    root = Path(tempfile.mkdtemp(prefix="workout-mcp-image-"))
    root.chmod(0o755)
    try:
        dist = root / "dist"
        run([sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO)])
        (wheel,) = dist.glob("workout_mcp-*.whl")
        venv = root / "venv"
        run([base_python(account), "-m", "venv", str(venv)])
        python = venv / "bin" / "python"
        pip = [str(python), "-m", "pip", "--disable-pip-version-check", "--quiet"]
        # The Dockerfile's steps, in order.
        run(
            [
                *pip,
                "install",
                "--require-hashes",
                "--only-binary=:all:",
                "--no-compile",
                "-r",
                str(REPO / "requirements.lock"),
            ]
        )
        run([*pip, "install", "--no-deps", "--no-compile", str(wheel)])
        run([*pip, "check"])
        site = run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
        ).stdout.strip()
        compile_ = [str(python), "-m", "compileall", "-q", "-f", "-j", "0", "--invalidation-mode"]
        done = subprocess.run(
            [*compile_, "unchecked-hash", site],
            env={**os.environ, **interpreter_settings()},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        yield Installed(python=python, root=root, account=account)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def kill_timeout_seconds() -> float:
    with (REPO / "fly.toml").open("rb") as fh:
        value = tomllib.load(fh)["kill_timeout"]
    return float(value) if isinstance(value, int) else float(re.sub(r"s$", "", value))


def test_fresh_install_has_no_dev_tools(installed: Installed) -> None:
    listed = run([str(installed.python), "-m", "pip", "list", "--format=freeze"]).stdout.lower()
    names = {line.split("==")[0] for line in listed.splitlines()}
    assert "workout-mcp" in names
    assert not names & set(DEV_DISTRIBUTIONS)


def test_production_server_starts_unprivileged_answers_like_behind_fly_and_stops_on_sigterm(
    installed: Installed, standin: Standin
) -> None:
    port = free_port()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": "/nonexistent",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONUNBUFFERED": "1",
        "MCP_TRANSPORT": "http",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "ENVIRONMENT": "production",
        "BASE_URL": PUBLIC,
        "FORWARDED_ALLOW_IPS": "127.0.0.1",
        "LOG_LEVEL": "INFO",
        "SUPABASE_URL": standin.url,
        "SUPABASE_ANON_KEY": standin.anon_key,
        "OAUTH_CLIENT_ID": CLIENT_ID,
        "OAUTH_CLIENT_SECRET": strong_secret("client"),
        "SECRET_KEY": strong_secret("sealing"),
        **interpreter_settings(),
    }
    argv = as_account(installed.account, [str(installed.python), "-m", "workout_mcp.server"])
    started = time.monotonic()
    process = subprocess.Popen(
        argv, env=env, cwd=installed.root, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    try:
        base = f"http://127.0.0.1:{port}"
        health = wait_for_http(f"{base}/health", headers=PROXY_HEADERS, process=process)
        ready_after = time.monotonic() - started
        assert health.json()["status"] == "ok"
        status = Path(f"/proc/{process.pid}/status").read_text()
        real_uid = int(re.search(r"^Uid:\s+(\d+)", status, re.M).group(1))  # type: ignore[union-attr]
        assert real_uid != 0, "the server must not run as root"

        prm = httpx.get(f"{base}/.well-known/oauth-protected-resource/mcp", headers=PROXY_HEADERS)
        assert prm.status_code == 200
        assert prm.json()["resource"] == f"{PUBLIC}/mcp"

        asm = httpx.get(f"{base}/.well-known/oauth-authorization-server", headers=PROXY_HEADERS)
        if asm.status_code != 404:  # the OAuth facade's document, once it is wired into create_app
            assert asm.status_code == 200
            assert asm.json()["issuer"] == PUBLIC

        denied = httpx.post(
            f"{base}/mcp",
            headers={**PROXY_HEADERS, "Accept": "application/json, text/event-stream"},
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}},
        )
        assert denied.status_code == 401
        challenge = denied.headers["www-authenticate"]
        assert f'resource_metadata="{PUBLIC}/.well-known/oauth-protected-resource/mcp"' in challenge

        # With the image's interpreter settings (docstrings stripped), tools still list their descriptions.
        token = standin.mint(standin.add_user("image@example.com"), client_id=CLIENT_ID)
        listed = httpx.post(
            f"{base}/mcp",
            headers={
                **PROXY_HEADERS,
                "Accept": "application/json, text/event-stream",
                "Authorization": f"Bearer {token}",
                "MCP-Protocol-Version": "2025-11-25",
            },
            json={"jsonrpc": "2.0", "id": 2, "method": "tools/list", "params": {}},
            timeout=30,
        )
        assert listed.status_code == 200, listed.text
        tools = listed.json()["result"]["tools"]
        assert len(tools) >= 20 and all(tool["description"] for tool in tools)

        process.send_signal(signal.SIGTERM)
        stop_started = time.monotonic()
        returncode = process.wait(timeout=kill_timeout_seconds())
        stopped_in = time.monotonic() - stop_started
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stdout, stderr = process.communicate()
    log = (stdout + stderr).decode(errors="replace")
    # uvicorn drains, runs the lifespan shutdown, then re-raises the signal it caught: -SIGTERM is clean.
    assert returncode in (0, -signal.SIGTERM), log[-3000:]
    assert stopped_in < kill_timeout_seconds()
    assert "Traceback" not in log
    assert "Application shutdown complete" in log
    assert "Finished server process" in log
    for secret_name in ("OAUTH_CLIENT_SECRET", "SECRET_KEY", "SUPABASE_ANON_KEY"):
        assert env[secret_name] not in log, f"{secret_name} leaked into the log"
    print(f"process start -> /health 200: {ready_after:.2f} s; SIGTERM -> exit: {stopped_in:.2f} s")
