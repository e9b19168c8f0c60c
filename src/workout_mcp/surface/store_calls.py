"""How a tool turns store errors and refused arguments into tool errors the model can act on."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import ValidationError

from workout_mcp.store.base import StoreError

T = TypeVar("T")


async def call_store(action: Awaitable[T]) -> T:
    try:
        return await action
    except StoreError as exc:
        raise ToolError(str(exc)) from None


def refused(what: str, exc: ValidationError) -> ToolError:
    """`what`: field: problem; … with pydantic's locations, never its input echo or URLs."""
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'arguments'}: {e['msg']}"
        for e in exc.errors(include_input=False, include_url=False)
    )
    return ToolError(f"{what}: {problems}")
