"""Shared fixtures. Services (PostgreSQL, Redis, Chromium, Node tools) are real; when one is missing the
test skips with the reason, except under WORKOUT_MCP_REQUIRE_SERVICES=1 (set by .ci/run), where a
missing service fails the test instead."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

# `make test` runs under coverage's tracer, which makes generating examples several times slower: the
# speed health check and the deadline would then fail on tracing overhead, not on the strategies.
settings.register_profile("coverage", suppress_health_check=[HealthCheck.too_slow], deadline=None)

REQUIRE_SERVICES = os.environ.get("WORKOUT_MCP_REQUIRE_SERVICES") == "1"


def service_missing(reason: str) -> None:
    """Skip (or, in CI, fail) the calling test because a real service it needs is not here."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service unavailable: {reason}")
    pytest.skip(reason)
