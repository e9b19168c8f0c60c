"""Tools built when they are first needed, from modules imported when they are first needed, and `tools/list`
answered from a listing generated ahead of time.

The SDK builds a tool when it is registered: a pydantic model of its arguments, a validator of its answer
and both JSON schemas. For our 24 tools that was about 70 ms and 2 MiB on every start (most of it the JSON
schema generator), paid again on every scale-from-zero, although a `tools/call` needs one tool and a
`tools/list` needs only the schemas. Importing the modules that define them (the tools, the domain models
their annotations name, the chart renderer, the importers) cost as much again. So:

- `add_tool` keeps what it was given and the tool is built (the SDK's own `Tool.from_function`, unchanged)
  on the first call, or on the first lookup of its input schema;
- `add_tool_group(register, names, *args)` records tools by name only: `register` ("module:function") is
  imported and called as `register(server, *args)` when one of `names` is first needed, and adds them;
- a tool function may be a `DeferredFunction`, loaded when the tool is built (the MCP Apps extension's
  tool, which the extension registers itself);
- `tools/list` shows each tool as `tool_schemas.json` lists it, written from the built tools by

    python -m workout_mcp.surface.deferred_tools          (or `make tool-schemas`)

  and read on the first `tools/list`. A tool missing from the file is built there and then (its group
  loaded), so a new tool works before the file is written again; `tests/surface/test_deferred_tools.py`
  fails while the file differs from what the SDK lists, and checks the answers are the same with and
  without deferral.

A tool the file knows is listed from the file whether it is built or not: the SDK takes descriptions from
docstrings (the tool's and its models'), which the image strips (`PYTHONOPTIMIZE=2`), and the file holds
what it builds with them (`tests/surface/test_optimized.py`).
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cache
from importlib import import_module, resources
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
class DeferredFunction:
    """A tool function that `load()` returns when the tool is built; `__name__` for the SDK's messages."""

    load: Callable[[], Callable[..., Any]]
    __name__: str


@dataclass(frozen=True, slots=True)
class ToolGroup:
    """Tools named ahead of their module: `register` ("module:function") adds them when called as
    `register(server, *args)`."""

    register: str
    names: tuple[str, ...]
    args: tuple[Any, ...]


@cache
def shipped_schemas() -> Mapping[str, MCPTool]:
    """The generated listing shipped in the package (read once, on the first `tools/list`). Without the
    file (a build that left it out) every tool is built when listed: slower, never wrong."""
    try:
        text = resources.files("workout_mcp.surface").joinpath(SCHEMAS_FILE).read_text("utf-8")
    except FileNotFoundError:
        log.warning("%s is missing: tools/list builds every tool instead", SCHEMAS_FILE)
        return {}
    return {name: MCPTool.model_validate(listed) for name, listed in json.loads(text).items()}


class DeferredToolsServer(MCPServer):
    """`MCPServer` whose tools are built, and their modules imported, on first use; see the module
    docstring."""

    def __init__(
        self,
        *args: Any,
        tool_schemas: Callable[[], Mapping[str, MCPTool]] = shipped_schemas,
        **kwargs: Any,
    ) -> None:
        # Extensions add their tools from MCPServer.__init__, so the registry exists before it runs.
        self._pending: dict[str, PendingTool] = {}
        self._unloaded: dict[str, ToolGroup] = {}  # name -> the group that will add it
        self._loading: ToolGroup | None = None
        self._tool_order: list[str] = []
        self._tool_schemas = tool_schemas
        super().__init__(*args, **kwargs)

    def _known(self, name: str) -> bool:
        built = self._tool_manager.get_tool(name) is not None
        return built or name in self._pending or name in self._unloaded

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
        loading = self._loading
        if loading is not None:  # its group adding it: it keeps its place in the order
            if name not in loading.names:
                raise ValueError(f"{loading.register} added {name!r}, which its group does not name")
            if self._unloaded.get(name) is not loading:
                return  # removed before its group was loaded
            del self._unloaded[name]
        elif self._known(name):
            if self.settings.warn_on_duplicate_tools:
                log.warning("Tool already exists: %s", name)
            return
        else:
            self._tool_order.append(name)
        self._pending[name] = PendingTool(
            fn, name, title, description, annotations, icons, meta, structured_output
        )

    def add_tool_group(self, register: str, names: tuple[str, ...], *args: Any) -> None:
        """Tools `names`, added by `register(self, *args)` ("module:function") when one is first needed."""
        group = ToolGroup(register, names, args)
        if clash := [n for n in names if self._known(n)]:
            raise ValueError(f"{register}: tools already registered: {clash}")
        for name in names:
            self._unloaded[name] = group
            self._tool_order.append(name)

    def _load_group(self, group: ToolGroup) -> None:
        module, _, function = group.register.partition(":")
        register = getattr(import_module(module), function)
        self._loading = group
        try:
            register(self, *group.args)
        except BaseException:
            for name in group.names:  # back to unloaded: the next use tries again (and fails the same way)
                if self._pending.pop(name, None) is not None:
                    self._unloaded[name] = group
            raise
        finally:
            self._loading = None
        if missing := [n for n in group.names if self._unloaded.get(n) is group]:
            for name in missing:
                del self._unloaded[name]
                self._tool_order.remove(name)
            raise RuntimeError(f"{group.register} did not add {missing}, which its group names")

    def remove_tool(self, name: str) -> None:
        if self._unloaded.pop(name, None) is None and self._pending.pop(name, None) is None:
            super().remove_tool(name)
        self._tool_order.remove(name)

    def pending_tool(self, name: str) -> PendingTool | None:
        """What `add_tool` was given for a tool not built yet (its group loaded, its function loaded)."""
        if (group := self._unloaded.get(name)) is not None:
            self._load_group(group)
        pending = self._pending.get(name)
        if pending is not None and isinstance(pending.fn, DeferredFunction):
            pending = self._pending[name] = replace(pending, fn=pending.fn.load())
        return pending

    def built_tool(self, name: str) -> Tool | None:
        """The SDK's `Tool` for `name`, built now if it was still pending; None for an unknown name."""
        pending = self.pending_tool(name)
        if pending is not None:
            del self._pending[name]
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
        """Tools not built yet, in order (whether their group is loaded or not)."""
        return [name for name in self._tool_order if name in self._pending or name in self._unloaded]

    def _tool_input_schema(self, name: str) -> dict[str, Any] | None:
        tool = self.built_tool(name)
        return None if tool is None else tool.parameters

    async def list_tools(self) -> list[MCPTool]:
        schemas = self._tool_schemas()
        unknown = [name for name in self._tool_order if name not in schemas]
        for name in unknown:
            self.built_tool(name)  # a tool the file does not know: built (its group loaded) here
        # ...and listed as the SDK lists its built tools.
        listed = {t.name: t for t in await super().list_tools()} if unknown else {}
        return [schemas.get(name) or listed[name] for name in self._tool_order]

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        self.built_tool(name)  # an unknown name is the SDK's own "Unknown tool" error
        return await super().call_tool(name, arguments, context)


async def generate(server: DeferredToolsServer) -> dict[str, dict[str, Any]]:
    """Every tool of `server` built by the SDK and listed by the SDK's own `MCPServer.list_tools`, as the
    file holds them (name -> the tool as `tools/list` shows it)."""
    if sys.flags.optimize >= 2:
        raise RuntimeError("docstrings are stripped (PYTHONOPTIMIZE=2): the descriptions would be empty")
    for name in list(server._tool_order):
        server.built_tool(name)
    return {
        tool.name: tool.model_dump(by_alias=True, mode="json", exclude_none=True)
        for tool in await MCPServer.list_tools(server)
    }


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
    import asyncio

    path = Path(__file__).with_name(SCHEMAS_FILE)
    path.write_text(dumps(asyncio.run(generate(every_tool_server()))), encoding="utf-8")
    print(f"wrote {path.name}")


if __name__ == "__main__":
    main()
