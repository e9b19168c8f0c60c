"""Tool errors that read like a coach: the one place argument-validation failures become plain text.

The SDK reports arguments that fail a tool's input schema as pydantic's own dump ("1 validation error
for log_workoutArguments ... https://errors.pydantic.dev/..."), prefixed with "Error executing tool".
`CoachingMCPServer` catches those in `call_tool`, the seam every tool call passes, and answers
"set 2: reps must be between 0 and 1000" instead, so every tool, present or future, gets it for free.
Values the caller sent are never echoed (they are the caller's data and may be huge).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from mcp.server.lowlevel.helper_types import ReadResourceContents
from mcp.server.mcpserver.context import Context
from mcp.server.mcpserver.exceptions import (
    ResourceError,
    ToolError,
    UnexpectedResourceError,
    UnexpectedToolError,
)
from mcp.types import CallToolResult, InputRequiredResult
from pydantic import AnyUrl, ValidationError
from pydantic_core import ErrorDetails

from workout_mcp.surface.deferred_tools import DeferredToolsServer

Schema = Mapping[str, Any]


def _number(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _singular(name: str) -> str:
    return name[:-1] if name.endswith("s") and len(name) > 1 else name


def _resolve(schema: Schema, root: Schema) -> Schema:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return _resolve(root.get("$defs", {}).get(ref.rsplit("/", 1)[-1], {}), root)
    return schema


def _branches(schema: Schema, root: Schema) -> list[Schema]:
    schema = _resolve(schema, root)
    options = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(options, list):
        return [b for o in options for b in _branches(o, root) if b.get("type") != "null"]
    return [schema]


def _locate(loc: Sequence[int | str], root: Schema | None) -> tuple[str, str, Schema]:
    """(where: "set 2: ", the field's own name, the field's schema) for a pydantic error location."""
    where: list[str] = []
    field = ""
    current: Schema = root or {}
    parent_field = ""
    for part in loc:
        branches = _branches(current, root or {})
        if isinstance(part, int):
            where.append(f"{_singular(parent_field or field or 'item')} {part + 1}")
            field = ""
            current = next((b["items"] for b in branches if isinstance(b.get("items"), Mapping)), {})
            continue
        found = next((b["properties"][part] for b in branches if part in b.get("properties", {})), None)
        if found is None and root is not None:
            continue  # a union member's tag such as "function-after[...]" or "float"
        if field:
            where.append(field)
        field = parent_field = part
        current = found or {}
    prefix = "".join(f"{w}: " for w in where)
    return prefix, field, _merged(current, root or {})


def _merged(schema: Schema, root: Schema) -> Schema:
    merged: dict[str, Any] = {}
    for branch in reversed(_branches(schema, root)):
        merged.update(branch)
    return merged


def _range(schema: Schema, fallback: str) -> str:
    low = schema.get("minimum", schema.get("exclusiveMinimum"))
    high = schema.get("maximum", schema.get("exclusiveMaximum"))
    if low is not None and high is not None:
        return f"must be between {_number(low)} and {_number(high)}"
    return fallback


_TYPE_WORDS = {
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be an object",
    "model_type": "must be an object",
    "model_attributes_type": "must be an object",
    "date_type": "must be a day like 2026-05-01",
    "date_parsing": "must be a day like 2026-05-01",
    "date_from_datetime_parsing": "must be a day like 2026-05-01",
    "date_from_datetime_inexact": "must be a day like 2026-05-01, without a time",
    "datetime_type": "must be a time with an offset, like 2026-05-01T18:00:00Z",
    "datetime_parsing": "must be a time with an offset, like 2026-05-01T18:00:00Z",
    "datetime_from_date_parsing": "must be a time with an offset, like 2026-05-01T18:00:00Z",
    "datetime_object_invalid": "must be a time with an offset, like 2026-05-01T18:00:00Z",
    "finite_number": "is not a number (NaN and infinity are not accepted)",
    "extra_forbidden": "is not an argument of this tool",
    "uuid_parsing": "must be an id as returned by another tool",
    "uuid_type": "must be an id as returned by another tool",
    "json_invalid": "is not valid JSON",
    "recursion_loop": "is nested too deeply",
}


def _predicate(error: ErrorDetails, schema: Schema, field: str) -> str:
    kind = error["type"]
    ctx: dict[str, Any] = dict(error.get("ctx") or {})
    value = error.get("input")
    numeric = kind.startswith(("int", "float", "greater", "less", "finite", "multiple"))
    if numeric and isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return "is not a number (NaN and infinity are not accepted)"
    if kind in _TYPE_WORDS:
        return _TYPE_WORDS[kind]
    if kind == "missing":
        return "is required"
    if kind in ("greater_than_equal", "greater_than"):
        bound = ctx.get("ge", ctx.get("gt"))
        return _range(
            schema, f"must be {'at least' if kind.endswith('equal') else 'more than'} {_number(bound)}"
        )
    if kind in ("less_than_equal", "less_than"):
        bound = ctx.get("le", ctx.get("lt"))
        return _range(
            schema, f"must be {'at most' if kind.endswith('equal') else 'less than'} {_number(bound)}"
        )
    text = isinstance(value, str) or schema.get("type") == "string"
    if kind == "string_too_short" or (kind == "too_short" and text):
        least = ctx.get("min_length")
        return "must not be empty" if least == 1 else f"needs at least {least} characters"
    if kind == "string_too_long" or (kind == "too_long" and text):
        return f"must be at most {ctx.get('max_length')} characters"
    if kind in ("too_short", "too_long"):
        count = ctx.get("min_length" if kind == "too_short" else "max_length")
        items = "item" if count == 1 else "items"
        return f"needs at least {count} {items}" if kind == "too_short" else f"holds at most {count} {items}"
    if kind in ("literal_error", "enum"):
        return f"must be one of {ctx.get('expected')}"
    if kind in ("value_error", "assertion_error"):
        return str(ctx.get("error") or error["msg"]).removeprefix("Value error, ")
    # Anything else: pydantic's own sentence, which never carries the input or a URL.
    message = str(error["msg"])
    return message[:1].lower() + message[1:]


def describe(errors: Sequence[ErrorDetails], schema: Schema | None = None) -> str:
    """One problem per place, joined: "set 2: reps must be between 0 and 1000; started_at ...".

    A value that fits none of a union's members fails each of them; the first failure is the one said.
    """
    lines: list[str] = []
    places: set[str] = set()
    for error in errors:
        prefix, field, leaf = _locate(error["loc"], schema)
        if (place := f"{prefix}{field}") in places:
            continue
        places.add(place)
        predicate = _predicate(error, leaf, field)
        if error["type"] in ("value_error", "assertion_error"):
            line = f"{prefix}{field}: {predicate}" if field else f"{prefix}{predicate}"
        else:
            line = f"{prefix}{field} {predicate}" if field else f"{prefix}{predicate}"
        line = line.rstrip(": ").strip()
        if line not in lines:
            lines.append(line)
    return "; ".join(lines[:10]) + (f" (and {len(lines) - 10} more)" if len(lines) > 10 else "")


def explain(exc: ValidationError, schema: Schema | None = None) -> str:
    return describe(exc.errors(include_url=False), schema)


class CoachingMCPServer(DeferredToolsServer):
    """`MCPServer` whose tool errors are plain sentences: argument-validation failures translated by
    `describe`, deliberate tool errors without the SDK's "Error executing tool" prefix, and a
    resource read the store refused ("no workout with id ...") said as such rather than as a crash.
    Real crashes keep the SDK's generic text (and its logged traceback)."""

    async def read_resource(
        self, uri: AnyUrl | str, context: Context[Any, Any] | None = None
    ) -> Iterable[ReadResourceContents] | InputRequiredResult:
        try:
            return await super().read_resource(uri, context)
        except UnexpectedResourceError as exc:
            if isinstance(exc.__cause__, ToolError) and not isinstance(exc.__cause__, UnexpectedToolError):
                raise ResourceError(str(exc.__cause__)) from exc.__cause__
            raise

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        try:
            return await super().call_tool(name, arguments, context)
        except UnexpectedToolError:
            raise
        except ToolError as exc:
            cause = exc.__cause__
            if isinstance(cause, ValidationError):
                tool = self.built_tool(name)
                schema = None if tool is None else tool.parameters
                problems = describe(cause.errors(include_url=False), schema)
                raise ToolError(
                    f"{problems}. Nothing was done; fix the arguments and call {name} again."
                ) from cause
            if isinstance(cause, ToolError | ResourceError):
                raise ToolError(str(cause)) from cause
            raise
