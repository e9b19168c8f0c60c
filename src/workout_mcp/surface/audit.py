"""An audit record per tool call: tool, outcome, duration, sizes; never argument or result values.

Over HTTP it rides on the request's access line; over stdio it is a line of its own.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from mcp.server.context import CallNext, HandlerResult, ServerRequestContext

from workout_mcp.logs import audit_fields_var

log = logging.getLogger("workout_mcp.audit")


def _result_size(result: HandlerResult) -> int:
    content = getattr(result, "content", None)
    if content is None and isinstance(result, dict):
        content = result.get("content")
    size = 0
    for block in content or ():
        text = getattr(block, "text", None)
        if text is None and isinstance(block, dict):
            text = block.get("text")
        if isinstance(text, str):
            size += len(text)
    return size


def _is_error(result: HandlerResult) -> bool:
    if isinstance(result, dict):
        return bool(result.get("isError") or result.get("is_error"))
    return bool(getattr(result, "is_error", False) or getattr(result, "isError", False))


class ToolAuditMiddleware:
    """SDK server middleware; passes every other method straight through."""

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> HandlerResult:
        if ctx.method != "tools/call":
            return await call_next(ctx)
        params = ctx.params or {}
        tool = str(params.get("name", "?"))[:64]
        args_size = len(json.dumps(params.get("arguments") or {}, default=str))
        started = time.perf_counter()
        outcome = "error"
        result: HandlerResult = None
        try:
            result = await call_next(ctx)
            outcome = "tool_error" if _is_error(result) else "ok"
            return result
        finally:
            fields = {
                "tool": tool,
                "outcome": outcome,
                "tool_duration_ms": round((time.perf_counter() - started) * 1000, 2),
                "arguments_bytes": args_size,
                "result_bytes": _result_size(result),
            }
            request_line = audit_fields_var.get()
            if request_line is not None:
                request_line.update(fields)
            else:
                log.info("tool call", extra=fields)
