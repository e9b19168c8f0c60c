"""fly.toml and the Dockerfile keep the production shape: scale to zero with suspend, https only, a
health check Fly can pass, 256 MB, shutdown inside the kill timeout, a non-root multi-stage image."""

from __future__ import annotations

import json
import re
import tomllib
from typing import Any

import pytest

from tests.deploy.support import REPO, dockerfile_stages, final_stage, final_stage_env, of
from workout_mcp.server import GRACEFUL_SHUTDOWN_SECONDS

DEV_TOOLS = ("pytest", "hypothesis", "ruff", "mypy", "gcc", "build-essential", "[dev]", "python -m build")
SECRET_NAMES = (
    "SUPABASE_ANON_KEY",
    "OAUTH_CLIENT_SECRET",
    "SECRET_KEY",
    "SECRET_KEY_PREVIOUS",
    "RATE_LIMIT_REDIS_URL",
    "SUPABASE_PASSWORD",
    "SUPABASE_REFRESH_TOKEN",
)


@pytest.fixture(scope="module")
def fly() -> dict[str, Any]:
    with (REPO / "fly.toml").open("rb") as fh:
        return tomllib.load(fh)


def seconds(value: int | str) -> float:
    if isinstance(value, int):
        return float(value)
    match = re.fullmatch(r"(\d+(?:\.\d+)?)(ms|s|m)?", value)
    assert match, f"cannot read duration {value!r}"
    return float(match.group(1)) * {"ms": 0.001, "s": 1.0, "m": 60.0, None: 1.0}[match.group(2)]


# --- fly.toml ------------------------------------------------------------------------------------------
def test_fly_scales_to_zero_with_suspend(fly: dict[str, Any]) -> None:
    service = fly["http_service"]
    assert service["auto_stop_machines"] == "suspend"
    assert service["auto_start_machines"] is True
    assert service["min_machines_running"] == 0


def test_fly_forces_https_on_the_image_port(fly: dict[str, Any]) -> None:
    service = fly["http_service"]
    assert service["force_https"] is True
    assert service["internal_port"] == 8080
    assert fly["env"].get("PORT", "8080") == "8080"


def test_fly_concurrency_counts_requests_for_one_worker(fly: dict[str, Any]) -> None:
    concurrency = fly["http_service"]["concurrency"]
    assert concurrency["type"] == "requests"
    assert 0 < concurrency["soft_limit"] <= concurrency["hard_limit"] <= 100


def test_fly_health_check_gets_health_as_if_over_https(fly: dict[str, Any]) -> None:
    checks = fly["http_service"]["checks"]
    assert any(
        c.get("method", "GET").upper() == "GET"
        and c["path"] == "/health"
        and c.get("headers", {}).get("X-Forwarded-Proto") == "https"
        for c in checks
    )


def test_fly_vm_is_256mb_shared_without_swap(fly: dict[str, Any]) -> None:
    (vm,) = fly["vm"]
    assert vm["memory"] in ("256mb", "256", 256)
    assert vm.get("cpu_kind", "shared") == "shared"
    assert vm.get("size", "shared-cpu-1x") == "shared-cpu-1x"
    assert "swap_size_mb" not in fly, "swap blocks suspend"


def test_fly_kill_timeout_outlasts_graceful_shutdown(fly: dict[str, Any]) -> None:
    assert fly["kill_signal"] in ("SIGTERM", "SIGINT")
    assert seconds(fly["kill_timeout"]) > GRACEFUL_SHUTDOWN_SECONDS


def test_fly_env_holds_no_secrets_and_does_not_trust_every_proxy(fly: dict[str, Any]) -> None:
    env = fly["env"]
    assert not set(env) & set(SECRET_NAMES)
    assert env["ENVIRONMENT"] == "production"
    assert env["MCP_TRANSPORT"] == "http"
    assert env["BASE_URL"].startswith("https://")
    assert env["FORWARDED_ALLOW_IPS"] not in ("*", "")


# --- Dockerfile ----------------------------------------------------------------------------------------
def test_dockerfile_is_multi_stage_on_python_311_slim() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 2
    for stage in stages:
        assert of(stage, "FROM")[0].split()[0] == "python:3.11-slim"


def test_dockerfile_final_stage_runs_the_server_as_non_root() -> None:
    stage = final_stage()
    users = of(stage, "USER")
    assert users, "no USER in the final stage"
    assert users[-1].split(":")[0] not in ("root", "0")
    assert json.loads(of(stage, "CMD")[-1]) == ["python", "-m", "workout_mcp.server"]


def test_dockerfile_env_matches_fly(fly: dict[str, Any]) -> None:
    stage = final_stage()
    env = " ".join(of(stage, "ENV"))
    for setting in ("MCP_TRANSPORT=http", "HOST=0.0.0.0", "PORT=8080", "ENVIRONMENT=production"):
        assert setting in env.split(), setting
    assert of(stage, "EXPOSE") == [str(fly["http_service"]["internal_port"])]
    assert of(stage, "STOPSIGNAL") == [fly["kill_signal"]]


def test_dockerfile_strips_docstrings_and_compiles_for_that_level() -> None:
    """PYTHONOPTIMIZE=2 is set before compileall runs, so the .opt-2.pyc files it reads are in the image;
    tests/surface/test_optimized.py checks a client sees the same server with it."""
    stage = final_stage()
    env = final_stage_env()
    assert (env.get("PYTHONOPTIMIZE"), env.get("PYTHONNODEBUGRANGES")) == ("2", "1")
    first_env = next(n for n, i in enumerate(stage) if i.keyword == "ENV" and "PYTHONOPTIMIZE=2" in i.args)
    compile_step = next(n for n, i in enumerate(stage) if i.keyword == "RUN" and "compileall" in i.args)
    assert first_env < compile_step


def test_dockerfile_installs_pinned_dependencies_before_copying_the_source() -> None:
    builder = dockerfile_stages()[0]
    keywords = [(i.keyword, i.args) for i in builder]
    lock_install = next(n for n, (k, a) in enumerate(keywords) if k == "RUN" and "requirements.lock" in a)
    source_copy = next(n for n, (k, a) in enumerate(keywords) if k == "COPY" and a.startswith("src"))
    assert lock_install < source_copy, "the dependency layer must not depend on the source"
    assert "--require-hashes" in keywords[lock_install][1]


def test_dockerfile_final_stage_installs_the_wheel_without_deps_or_dev_tools() -> None:
    stage = final_stage()
    runs = " ".join(of(stage, "RUN"))
    assert re.search(r"pip install --no-deps .*\.whl", runs)
    assert "compileall" in runs, "bytecode must be compiled at build time, not at every cold start"
    for tool in DEV_TOOLS:
        assert tool not in runs, f"{tool} in the final stage"
    assert any("--from=builder" in c for c in of(stage, "COPY"))
    assert not any(c.split()[0] in ("src", "tests", ".") for c in of(stage, "COPY"))


def test_dockerignore_keeps_secrets_and_dev_files_out_of_the_context() -> None:
    lines = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert lines[0] == "*", "deny everything, then allow what the build copies"
    allowed = {line[1:].rstrip("/") for line in lines if line.startswith("!")}
    assert allowed <= {"requirements.lock", "pyproject.toml", "README.md", "src"}


# --- requirements.lock ---------------------------------------------------------------------------------
def test_requirements_lock_pins_every_runtime_dependency_with_hashes() -> None:
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    text = (REPO / "requirements.lock").read_text(encoding="utf-8")
    pins: dict[str, str] = {}
    for entry in re.split(r"\n(?=[a-z0-9])", text.split("# ---\n", 1)[1].strip()):
        head = entry.split("\\")[0].split(";")[0].strip()
        name, _, version = head.partition("==")
        assert version, f"not an exact pin: {head!r}"
        assert "--hash=sha256:" in entry, f"{name} has no hash"
        pins[canonicalize_name(name)] = version
    with (REPO / "pyproject.toml").open("rb") as fh:
        dependencies = tomllib.load(fh)["project"]["dependencies"]
    for spec in dependencies:
        requirement = Requirement(spec)
        pinned = pins.get(canonicalize_name(requirement.name))
        assert pinned is not None, f"{requirement.name} is not in requirements.lock: regenerate it"
        assert requirement.specifier.contains(pinned), f"{requirement.name}=={pinned} does not satisfy {spec}"
    for dev_tool in ("pytest", "ruff", "mypy", "hypothesis", "build"):
        assert dev_tool not in pins
