"""Both layers through the real server process, over stdio and over HTTP (AUTH_MODE=none, loopback):
`progress_chart`'s PNG and figures, and the dashboard resource with its MIME type and UI metadata."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters
from PIL import Image

from tests.e2e.test_stdio import COMMAND, demo_db, env_for  # noqa: F401  (demo_db is a fixture)
from tests.live_server import free_port, server_process
from workout_mcp.surface.dashboard import APP_MIME_TYPE, DASHBOARD_URI


@asynccontextmanager
async def client_for(transport: str, db: Path) -> AsyncIterator[Client]:
    if transport == "stdio":
        async with Client(StdioServerParameters(command=COMMAND, args=[], env=env_for(db))) as client:
            yield client
        return
    env = env_for(db) | {"MCP_TRANSPORT": "http", "AUTH_MODE": "none", "PORT": str(free_port())}
    with server_process(env):
        async with Client(f"http://127.0.0.1:{env['PORT']}/mcp") as client:
            yield client


@pytest.mark.parametrize("transport", ["stdio", "http"])
async def test_chart_and_dashboard_over_the_wire(transport: str, demo_db: Path) -> None:  # noqa: F811
    async with client_for(transport, demo_db) as client:
        tools = {t.name: t for t in (await client.list_tools()).tools}
        chart = await client.call_tool("progress_chart", {"exercise": "Squat", "unit": "lb", "theme": "dark"})
        resources = {str(r.uri): r for r in (await client.list_resources()).resources}
        read = await client.read_resource(DASHBOARD_URI)

    assert tools["progress_chart"].meta == {
        "ui": {"resourceUri": DASHBOARD_URI},
        "ui/resourceUri": DASHBOARD_URI,
    }
    assert not chart.is_error
    figures = chart.structured_content
    assert figures is not None and figures["unit"] == "lb" and figures["points"]
    (image_block,) = [b for b in chart.content if b.type == "image"]
    image = Image.open(io.BytesIO(base64.b64decode(image_block.data)))
    assert image.format == "PNG" and image.size == (800, 450)
    assert figures["image"]["points_drawn"] == len(figures["points"])

    assert resources[DASHBOARD_URI].mime_type == APP_MIME_TYPE
    (content,) = read.contents
    assert content.mime_type == APP_MIME_TYPE
    assert content.meta == {
        "ui": {"csp": {"connectDomains": [], "resourceDomains": []}, "prefersBorder": True}
    }
    assert "Training dashboard" in content.text  # type: ignore[union-attr]
