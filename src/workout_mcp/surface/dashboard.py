"""The dashboard MCP App (`io.modelcontextprotocol/ui`): its `ui://` resource and the `progress_chart` tool
linked to it, registered without importing the chart code.

Hosts with the extension render the dashboard linked from the tool's `_meta`; hosts without it see an
ordinary tool and an ordinary resource. The tool's function, the chart renderer and the domain models it
answers with (`surface.progress`) are imported when the tool is first built (`DeferredFunction`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from importlib import resources
from typing import Any, cast

from mcp.server.apps import APP_MIME_TYPE, Apps, ResourceCsp
from mcp.server.mcpserver.resources import Resource
from mcp.types import ToolAnnotations

from workout_mcp.store.base import WorkoutStore
from workout_mcp.surface.deferred_tools import DeferredFunction

__all__ = ["APP_MIME_TYPE", "DASHBOARD_URI", "progress_app"]

DASHBOARD_URI = "ui://workout-mcp/dashboard.html"
# The extension's older, flat spelling of `_meta.ui.resourceUri`, still read by some hosts.
LEGACY_TOOL_META: dict[str, Any] = {"ui/resourceUri": DASHBOARD_URI}
# The dashboard is one self-contained file: no network, no outside scripts, styles, images or frames.
DASHBOARD_CSP = ResourceCsp(connect_domains=[], resource_domains=[])
# `_meta.ui` as `Apps.add_html_resource(..., csp=DASHBOARD_CSP, prefers_border=True)` writes it.
DASHBOARD_META: dict[str, Any] = {
    "ui": {"csp": DASHBOARD_CSP.model_dump(by_alias=True, exclude_none=True), "prefersBorder": True}
}


def dashboard_html() -> str:
    """The built dashboard (one self-contained HTML file, shipped inside the package)."""
    return resources.files("workout_mcp.surface.apps").joinpath("dashboard.html").read_text("utf-8")


class DashboardResource(Resource):
    """The dashboard read from the package when a host opens it: half a megabyte of HTML (a whole
    megabyte as a Python string) is not worth keeping in every server's memory for a rare read."""

    async def read(self) -> str:
        return dashboard_html()


def progress_app(store: WorkoutStore, *, today: Callable[[], date]) -> Apps:
    """The MCP Apps extension for `MCPServer(extensions=[...])`: `progress_chart`, linked through
    `_meta.ui.resourceUri` to the `ui://` dashboard it also serves."""
    apps = Apps()
    apps.add_resource(
        DashboardResource(
            uri=DASHBOARD_URI,
            name="training-dashboard",
            title="Training dashboard",
            description="MCP App: recent sessions, the records board, a progress chart per exercise, this "
            "week's volume per muscle group.",
            mime_type=APP_MIME_TYPE,
            meta=DASHBOARD_META,
        )
    )

    def load() -> Callable[..., Any]:
        from workout_mcp.surface.progress import progress_chart_tool

        return progress_chart_tool(store, today=today)

    apps.tool(
        resource_uri=DASHBOARD_URI,
        meta=LEGACY_TOOL_META,
        name="progress_chart",
        title="Progress chart",
        annotations=ToolAnnotations(readOnlyHint=True, openWorldHint=False),
    )(cast(Callable[..., Any], DeferredFunction(load, "progress_chart")))
    return apps
