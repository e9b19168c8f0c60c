"""Tools built when they are first needed, and `tools/list` answered from schemas generated ahead of time.

The SDK builds a tool when it is registered: a pydantic model of its arguments, a validator of its answer
and both JSON schemas. For our 24 tools that was about 70 ms and 2 MiB on every start (most of it the JSON
schema generator), paid again on every scale-from-zero, although a `tools/call` needs one tool and a
`tools/list` needs only the schemas. `DeferredToolsServer` keeps what `add_tool` was given and builds a
tool (the SDK's own `Tool.from_function`, unchanged) on the first call, or on the first lookup of its input
schema. `tools/list` takes each tool's description and schemas from `tool_schemas.json`, written from the
built tools by

    python -m workout_mcp.surface.deferred_tools          (or `make tool-schemas`)

and read on the first `tools/list`. A tool missing from the file is built there and then, so a new tool
works before the file is written again; `tests/surface/test_deferred_tools.py` fails while the file
differs from what the SDK builds, and checks the answers are the same with and without deferral.

A tool the file knows is listed from the file whether it is built or not: the SDK takes descriptions from
docstrings (the tool's and its models'), which the image strips (`PYTHONOPTIMIZE=2`), and the file holds
what it builds with them (`tests/surface/test_optimized.py`).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, cast

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.context import Context
from mcp.server.mcpserver.tools.base import Tool
from mcp.types import CallToolResult, Icon, InputRequiredResult, ToolAnnotations
from mcp.types import Tool as MCPTool

log = logging.getLogger("workout_mcp.surface")

SCHEMAS_FILE = "tool_schemas.json"


@dataclass(frozen=True, slots=True)
class PendingTool:
    """What `add_tool` was given, kept until the tool is needed."""

    fn: Callable[..., Any]
    name: str
    title: str | None
    description: str | None
    annotations: ToolAnnotations | None
    icons: list[Icon] | None
    meta: dict[str, Any] | None
    structured_output: bool | None


@dataclass(frozen=True, slots=True)
class ToolSchemas:
    description: str
    input: dict[str, Any]
    output: dict[str, Any] | None


@cache
def shipped_schemas() -> Mapping[str, ToolSchemas]:
    """The generated schemas shipped in the package (read once, on the first `tools/list`). Without the
    file (a build that left it out) every tool is built when listed: slower, never wrong."""
    try:
        text = resources.files("workout_mcp.surface").joinpath(SCHEMAS_FILE).read_text("utf-8")
    except FileNotFoundError:
        log.warning("%s is missing: tools/list builds every tool instead", SCHEMAS_FILE)
        return {}
    return {
        name: ToolSchemas(s["description"], s["input"], s["output"]) for name, s in json.loads(text).items()
    }


class DeferredToolsServer(MCPServer):
    """`MCPServer` whose tools are built on first use; see the module docstring."""

    def __init__(
        self,
        *args: Any,
        tool_schemas: Callable[[], Mapping[str, ToolSchemas]] = shipped_schemas,
        **kwargs: Any,
    ) -> None:
        # Extensions add their tools from MCPServer.__init__, so the registry exists before it runs.
        self._pending: dict[str, PendingTool] = {}
        self._tool_order: list[str] = []
        self._tool_schemas = tool_schemas
        super().__init__(*args, **kwargs)

    def add_tool(
        self,
        fn: Callable[..., Any],
        name: str | None = None,
        title: str | None = None,
        description: str | None = None,
        annotations: ToolAnnotations | None = None,
        icons: list[Icon] | None = None,
        meta: dict[str, Any] | None = None,
        structured_output: bool | None = None,
    ) -> None:
        name = name or fn.__name__
        if name == "<lambda>":
            raise ValueError("You must provide a name for lambda functions")
        if name in self._pending or self._tool_manager.get_tool(name) is not None:
            if self.settings.warn_on_duplicate_tools:
                log.warning("Tool already exists: %s", name)
            return
        self._pending[name] = PendingTool(
            fn, name, title, description, annotations, icons, meta, structured_output
        )
        self._tool_order.append(name)

    def remove_tool(self, name: str) -> None:
        if self._pending.pop(name, None) is None:
            super().remove_tool(name)
        self._tool_order.remove(name)

    def built_tool(self, name: str) -> Tool | None:
        """The SDK's `Tool` for `name`, built now if it was still pending; None for an unknown name."""
        pending = self._pending.pop(name, None)
        if pending is not None:
            try:
                return self._tool_manager.add_tool(
                    pending.fn,
                    name=pending.name,
                    title=pending.title,
                    description=pending.description,
                    annotations=pending.annotations,
                    icons=pending.icons,
                    meta=pending.meta,
                    structured_output=pending.structured_output,
                )
            except BaseException:
                self._pending[name] = pending
                raise
        return self._tool_manager.get_tool(name)

    def pending_tools(self) -> list[str]:
        return [name for name in self._tool_order if name in self._pending]

    def _tool_input_schema(self, name: str) -> dict[str, Any] | None:
        tool = self.built_tool(name)
        return None if tool is None else tool.parameters

    async def list_tools(self) -> list[MCPTool]:
        schemas = self._tool_schemas()
        listed: list[MCPTool] = []
        for name in self._tool_order:
            known = schemas.get(name)
            # Title, annotations, icons and _meta are what add_tool was given; an unknown tool is built here.
            shown: Any = (self._pending.get(name) if known is not None else None) or self.built_tool(name)
            assert shown is not None
            if known is not None:
                description, input_schema, output_schema = known.description, known.input, known.output
            else:
                description = shown.description
                input_schema, output_schema = shown.parameters, shown.output_schema
            listed.append(
                MCPTool(
                    name=name,
                    title=shown.title,
                    description=description,
                    input_schema=input_schema,
                    output_schema=output_schema,
                    annotations=shown.annotations,
                    icons=shown.icons,
                    _meta=shown.meta,
                )
            )
        return listed

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        self.built_tool(name)  # an unknown name is the SDK's own "Unknown tool" error
        return await super().call_tool(name, arguments, context)


def generate(server: DeferredToolsServer) -> dict[str, dict[str, Any]]:
    """Every tool of `server` built by the SDK, as the file holds them (name -> description, input and output
    schema)."""
    if sys.flags.optimize >= 2:
        raise RuntimeError("docstrings are stripped (PYTHONOPTIMIZE=2): the descriptions would be empty")
    out: dict[str, dict[str, Any]] = {}
    for name in list(server._tool_order):
        tool = server.built_tool(name)
        assert tool is not None
        out[name] = {"description": tool.description, "input": tool.parameters, "output": tool.output_schema}
    return out


def dumps(schemas: Mapping[str, Any]) -> str:
    return json.dumps(schemas, indent=1, ensure_ascii=False) + "\n"


def every_tool_server() -> DeferredToolsServer:
    """The server with every tool there is (writes allowed), over a store that is never called."""
    from workout_mcp.config import load_settings
    from workout_mcp.surface.server import build_mcp_server

    settings = load_settings(_env_file=None, auth_mode="none", read_only=False)
    # The tools are built here, never called: no store is needed.
    return cast(DeferredToolsServer, build_mcp_server(settings, store=cast(Any, None)))


def main() -> None:
    path = Path(__file__).with_name(SCHEMAS_FILE)
    path.write_text(dumps(generate(every_tool_server())), encoding="utf-8")
    print(f"wrote {path.name}")


if __name__ == "__main__":
    main()
