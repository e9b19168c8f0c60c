"""A store whose one read records who called it: proof that a request reached a tool, and as whom."""

from __future__ import annotations

from typing import Any

from mcp.server.auth.middleware.auth_context import get_access_token

from workout_mcp.store.base import Page


class RecordingStore:
    def __init__(self) -> None:
        self.callers: list[str | None] = []

    async def list_workouts(self, *, since: Any, until: Any, limit: int, offset: int) -> Page[Any]:
        token = get_access_token()
        self.callers.append(token.subject if token else None)
        return Page(items=[], total=0, offset=offset)

    async def aclose(self) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        raise AttributeError(name)
