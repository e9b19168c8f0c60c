"""How a tool turns store errors and refused arguments into tool errors the model can act on."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TypeVar

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import ValidationError

from workout_mcp.store.base import StoreError
from workout_mcp.surface.errors import explain

T = TypeVar("T")


async def call_store(action: Awaitable[T]) -> T:
    try:
        return await action
    except StoreError as exc:
        raise ToolError(str(exc)) from None


def refused(what: str, exc: ValidationError) -> ToolError:
    """`what`: set 2: reps must be …, in the same coach-like words as refused tool arguments."""
    return ToolError(f"{what}: {explain(exc)}")
