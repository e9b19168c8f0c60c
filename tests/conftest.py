"""Shared fixtures. Services (PostgreSQL, Redis, Chromium, Node tools) are real; when one is missing the
test skips with the reason, except under WORKOUT_MCP_REQUIRE_SERVICES=1 (set by .ci/run), where a
missing service fails the test instead."""

from __future__ import annotations

import os

import pytest

REQUIRE_SERVICES = os.environ.get("WORKOUT_MCP_REQUIRE_SERVICES") == "1"


def service_missing(reason: str) -> None:
    """Skip (or, in CI, fail) the calling test because a real service it needs is not here."""
    if REQUIRE_SERVICES:
        pytest.fail(f"required service unavailable: {reason}")
    pytest.skip(reason)
