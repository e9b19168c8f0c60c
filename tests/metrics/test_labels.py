"""Metric labels stay bounded, the hooks cost nothing while metrics are off, and stdio never serves them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from workout_mcp import metrics
from workout_mcp.config import SettingsError, load_settings
from workout_mcp.http.upstream_metrics import supabase_endpoint


@pytest.fixture
def enabled() -> Iterator[metrics.Metrics]:
    yield metrics.enable()
    metrics.disable()


def sample(m: metrics.Metrics, name: str, **labels: str) -> float:
    return m.registry.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize(
    ("path", "label"),
    [
        ("/auth/v1/.well-known/jwks.json", "auth/jwks.json"),
        ("/auth/v1/token", "auth/token"),
        ("/auth/v1/oauth/token", "auth/oauth/token"),
        (
            "/auth/v1/oauth/authorizations/3f2a9c1e-77aa-4bb0-9d1e-0a1b2c3d4e5f/consent",
            "auth/oauth/authorizations",
        ),
        ("/rest/v1/rpc/list_workouts", "rest/rpc/list_workouts"),
        ("/rest/v1/workouts", "rest/workouts"),
        ("/rest/v1/rpc/Robert'); DROP TABLE", "rest/rpc"),
        ("/storage/v1/object/x", "other"),
    ],
)
def test_supabase_endpoint_label_never_holds_an_id(path: str, label: str) -> None:
    assert supabase_endpoint(path) == label


def test_hooks_are_no_ops_while_metrics_are_off() -> None:
    assert metrics.active() is None
    metrics.request("/mcp", 200)
    metrics.tool_call("x", "ok", 0.01)
    metrics.oauth_outcome("/oauth/token", "exchanged")
    metrics.rate_limited("user")
    metrics.jwks_fetch(ok=False)
    metrics.upstream_call("auth/token", 0.1, "ok")
    assert metrics.active() is None


def test_open_labels_are_capped_and_must_look_like_names(enabled: metrics.Metrics) -> None:
    for i in range(metrics.MAX_OPEN_VALUES + 10):
        metrics.tool_call(f"tool_{i}", "ok", 0.001)
    metrics.tool_call("not a <name>", "ok", 0.001)
    assert sample(enabled, "workout_mcp_tool_calls_total", tool="tool_0", outcome="ok") == 1
    assert (
        sample(enabled, "workout_mcp_tool_calls_total", tool=f"tool_{metrics.MAX_OPEN_VALUES}", outcome="ok")
        == 0
    )
    assert sample(enabled, "workout_mcp_tool_calls_total", tool="other", outcome="ok") == 11


def test_closed_labels_fold_unknown_values_into_other(enabled: metrics.Metrics) -> None:
    metrics.oauth_outcome("/oauth/token", "refused", "a reason an attacker chose")
    metrics.oauth_outcome("/oauth/../../etc", "pwned", "")
    metrics.tool_call("get_workout", "weird", 0.001)
    metrics.request("/mcp", 999)
    assert (
        sample(
            enabled, "workout_mcp_oauth_outcomes_total", endpoint="token", outcome="refused", reason="other"
        )
        == 1
    )
    assert (
        sample(enabled, "workout_mcp_oauth_outcomes_total", endpoint="other", outcome="other", reason="") == 1
    )
    assert sample(enabled, "workout_mcp_tool_calls_total", tool="get_workout", outcome="other") == 1
    assert sample(enabled, "workout_mcp_http_requests_total", route="/mcp", status="other") == 1


def test_metrics_are_off_over_stdio_and_on_9091_over_http() -> None:
    assert not load_settings(_env_file=None, mcp_transport="stdio").metrics_enabled
    http = load_settings(_env_file=None, mcp_transport="http", auth_mode="none")
    assert http.metrics_enabled and http.metrics_port == 9091
    off = load_settings(_env_file=None, mcp_transport="http", auth_mode="none", metrics_port=0)
    assert not off.metrics_enabled


def test_metrics_port_must_not_be_the_public_port() -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, mcp_transport="http", auth_mode="none", port=9091)
    assert "METRICS_PORT" in caught.value.problems
