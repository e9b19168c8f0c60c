"""Fixtures for the deployment tests: the Supabase stand-in (start-up must not need it, but the
production server is pointed at it as it would be at Supabase)."""

from __future__ import annotations

from tests.standin import fixtures as standin_fixtures

standin = standin_fixtures.standin
