"""The official MCP conformance suite (@modelcontextprotocol/conformance, pinned in tools/package.json)
against the server as it ships: `python -m workout_mcp.server`, HTTP, AUTH_MODE=none, 127.0.0.1.

The suite's own exit code decides: it fails on any unexpected failure and on any stale entry in the
checked-in expected-failures file (per check, with a reason for each entry).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.clients.support import ServerProcess, run_tool, server_process, tool
from tests.standin.fixtures import run_standin

pytestmark = [pytest.mark.node, pytest.mark.slow]

HERE = Path(__file__).parent
REVISIONS = ("2025-11-25", "2026-07-28")
SUITE_TIMEOUT = 240.0
# Scenarios about the transport, headers, security and lifecycle: never excused, and each must have run.
MUST_PASS = {
    "2025-11-25": ("server-initialize", "ping", "tools-list", "tools-call-error", "dns-rebinding-protection"),
    "2026-07-28": (
        "server-stateless",
        "http-header-validation",
        "caching",
        "dns-rebinding-protection",
        "sep-2164-resource-not-found",
        "tools-list",
        "tools-call-error",
    ),
}
# Fixture-only checks inside otherwise protected scenarios (each has its reason in the baseline file).
FIXTURE_CHECKS = {
    "server-stateless:sep-2575-server-rejects-undeclared-capability",
    "server-stateless:sep-2575-missing-capability-http-400",
    "server-stateless:sep-2575-server-sends-tools-list-changed-on-subscription",
    "server-stateless:sep-2575-server-sends-prompts-list-changed-on-subscription",
}
PROTECTED = re.compile(
    r"^(server-initialize|server-session-lifecycle|server-stateless|ping|dns-rebinding-protection"
    r"|http-header-validation|caching|sep-2164-resource-not-found|tools-list|tools-call-error):"
)
AS_METADATA_PATH = "/.well-known/oauth-authorization-server"


def baseline(revision: str) -> Path:
    return HERE / f"expected-failures-{revision}.yml"


def baseline_entries(path: Path) -> list[str]:
    """The `server:` list of an expected-failures file (plain `- item  # reason` lines)."""
    entries = []
    for line in path.read_text().splitlines():
        item = line.split("#", 1)[0].strip()
        if item.startswith("- "):
            entries.append(item[2:].strip())
    return entries


def failed_checks(results: Path) -> list[str]:
    found = []
    for checks in sorted(results.glob("*/checks.json")):
        for check in json.loads(checks.read_text()):
            if check.get("status") in ("FAILURE", "WARNING"):  # the runner fails on both
                found.append(
                    f"{checks.parent.name}: {check['id']}: {(check.get('errorMessage') or '')[:200]}"
                )
    return found


def checks_run(results: Path, scenario: str) -> int:
    dirs = [d for d in results.glob(f"server-{scenario}-*") if (d / "checks.json").exists()]
    return sum(len(json.loads((d / "checks.json").read_text())) for d in dirs)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    with server_process(tmp_path_factory.mktemp("conformance-server")) as running:
        yield running


def entries_without_reason(path: Path) -> list[str]:
    """Entries with neither a `# reason` on their line nor a comment heading their group."""
    missing = []
    heading = False
    for line in path.read_text().splitlines():
        text = line.strip()
        if text.startswith("#"):
            heading = True
        elif text.startswith("- "):
            if "#" not in text and not heading:
                missing.append(text)
        else:
            heading = False
    return missing


@pytest.mark.parametrize("revision", REVISIONS)
def test_expected_failures_have_reasons_and_excuse_no_transport_or_security_check(revision: str) -> None:
    entries = baseline_entries(baseline(revision))
    assert entries, "empty baseline"
    assert all(":" in e for e in entries), "baseline per check (scenario:check-id), never a whole scenario"
    protected = [e for e in entries if PROTECTED.match(e) and e not in FIXTURE_CHECKS]
    assert protected == [], "transport/security/lifecycle checks must pass"
    assert entries_without_reason(baseline(revision)) == []


@pytest.mark.parametrize("revision", REVISIONS)
def test_server_passes_conformance_suite(server: ServerProcess, revision: str, tmp_path: Path) -> None:
    results = tmp_path / "results"
    done = run_tool(
        [
            tool("conformance"),
            "server",
            "--url",
            server.mcp_url,
            "--suite",
            "all",
            "--spec-version",
            revision,
            "--expected-failures",
            baseline(revision),
            "-o",
            results,
        ],
        home=tmp_path / "home",
        timeout=SUITE_TIMEOUT,
    )
    summary = (
        done.stdout[done.stdout.find("=== SUMMARY ===") :]
        if "=== SUMMARY ===" in done.stdout
        else done.stdout
    )
    assert done.returncode == 0, (
        f"conformance {revision} exit {done.returncode}\n{summary[-6000:]}\n{done.stderr[-3000:]}\n"
        "failed checks:\n" + "\n".join(failed_checks(results)) + f"\n--- server log ---\n{server.log_tail()}"
    )
    for scenario in MUST_PASS[revision]:
        assert checks_run(results, scenario) > 0, f"{scenario} ran no checks"


def test_authorization_server_metadata_passes_conformance(tmp_path: Path) -> None:
    """`conformance authorization` against our RFC 8414 document (issuer = BASE_URL), auth on."""
    with run_standin() as standin:
        env = {
            "AUTH_MODE": "supabase",
            "SUPABASE_URL": standin.url,
            "SUPABASE_ANON_KEY": standin.anon_key,
            "OAUTH_CLIENT_ID": "9b0e5c1e-4a57-4c1e-9d55-3c5b1a7f0c11",
            "OAUTH_CLIENT_SECRET": "conformance-client-secret",
            "SECRET_KEY": "k3Q9vX2mN8pL5rT1wY7zA4bC6dE0fG2hJ9kM3nP5qS8",
        }
        with server_process(tmp_path / "server", **env) as server:
            probe = httpx.get(f"{server.url}{AS_METADATA_PATH}", timeout=5)
            if probe.status_code == 404:
                pytest.skip(
                    f"waiting for the OAuth facade (H5): GET {AS_METADATA_PATH} is not served yet (404)"
                )
            done = run_tool(
                [
                    tool("conformance"),
                    "authorization",
                    "--url",
                    server.url,
                    "--scenario",
                    "authorization-server-metadata-endpoint",
                    "-o",
                    tmp_path / "results",
                ],
                home=tmp_path / "home",
                timeout=120,
            )
    assert done.returncode == 0, f"{done.stdout[-4000:]}\n{done.stderr[-2000:]}"
    assert "0 failed" in done.stdout, done.stdout[-4000:]
