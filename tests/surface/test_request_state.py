from __future__ import annotations

from pathlib import Path

from mcp import Client

from workout_mcp.config import load_settings
from workout_mcp.store.local import LocalStore
from workout_mcp.surface.server import build_mcp_server, request_state_security

SECRET = "k3Yq9v2XbW7pLm4NcR8sTd1FgH6jZu0AeIoPy5QwEr-"


def test_request_state_keys_come_from_secret_key_only_when_set() -> None:
    assert request_state_security(load_settings(_env_file=None)) is None
    assert request_state_security(load_settings(_env_file=None, secret_key=SECRET)) is not None


async def test_a_server_with_shared_request_state_keys_serves_modern_clients(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "w.db")
    try:
        mcp = build_mcp_server(load_settings(_env_file=None, secret_key=SECRET), store)
        async with Client(mcp, mode="auto") as client:  # type: ignore[arg-type]
            found = await client.call_tool("search_exercises", {"query": "deadlift"})
        assert not found.is_error
        assert found.structured_content is not None and found.structured_content["total"] >= 1
    finally:
        await store.aclose()
