"""The tool suite runs against every store (`store_kind`), so local and Supabase answer alike."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from workout_mcp.config import load_settings
from workout_mcp.store.base import LOCAL_USER_ID, WorkoutStore
from workout_mcp.store.local import LocalStore
from workout_mcp.surface.server import build_mcp_server

TODAY = date(2026, 11, 20)
USER_A = LOCAL_USER_ID
USER_B = "00000000-0000-0000-0000-0000000000b2"


@dataclass
class Who:
    """Which user the store acts for; tests switch it to interleave two users."""

    user: str = USER_A

    def __call__(self) -> str:
        return self.user


STORE_KINDS = ["local"]


@pytest.fixture(params=STORE_KINDS)
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def store_and_who(store_kind: str, tmp_path: Path) -> AsyncIterator[tuple[WorkoutStore, Who]]:
    who = Who()
    store = LocalStore(tmp_path / "w.db", user_id=who)
    try:
        yield store, who
    finally:
        await store.aclose()


@asynccontextmanager
async def connect(store: WorkoutStore, **settings: Any) -> AsyncIterator[Client]:
    mcp = build_mcp_server(load_settings(_env_file=None, **settings), store, today=lambda: TODAY)
    async with Client(mcp) as client:
        yield client
