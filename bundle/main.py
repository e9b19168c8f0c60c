"""Claude Desktop's entry point in the workout-mcp bundle: the bundled libraries, then the stdio server.

Runs on the user's own Python (`python3 -I server/main.py`, isolated from their site-packages and
PYTHONPATH). The libraries in `lib/` were installed for one OS and Python version; `lib/target.json`
says which, so a mismatch stops with a message that says what to install instead of an ImportError.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LIB = HERE / "lib"


def host_settings(environ: dict[str, str]) -> dict[str, str]:
    """The environment without the fields the user left empty: Claude Desktop passes an unset optional
    field as an empty string or, in some versions, as the literal `${user_config.…}` placeholder."""
    settings = {
        name: value for name, value in environ.items() if value.strip() and "${user_config." not in value
    }
    if "WORKOUT_DB_PATH" in settings:  # before the chdir below, and `~` as people type it
        settings["WORKOUT_DB_PATH"] = str(Path(settings["WORKOUT_DB_PATH"]).expanduser().absolute())
    return settings


def target_problem() -> str | None:
    try:
        target = json.loads((LIB / "target.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"the bundle is incomplete: {LIB / 'target.json'} is missing; reinstall workout-mcp.mcpb"
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if target["python"] != running or target["platform"] != sys.platform:
        return (
            f"this workout-mcp bundle was built for Python {target['python']} on {target['platform']}, "
            f"but Claude Desktop started Python {running} on {sys.platform}. Install Python "
            f"{target['python']} (python.org), or build the bundle on this computer with `make bundle`."
        )
    return None


def main() -> None:
    problem = target_problem()
    if problem:
        print(f"workout-mcp: {problem}", file=sys.stderr)
        raise SystemExit(1)
    settings = host_settings(dict(os.environ))
    os.environ.clear()
    os.environ.update(settings)
    sys.path.insert(0, str(LIB))
    # The settings come from Claude Desktop's environment only, never from a `.env` in whatever
    # directory Claude Desktop was started from.
    os.chdir(HERE)
    from workout_mcp.cli import main as workout_mcp

    workout_mcp(["serve"])


if __name__ == "__main__":
    main()
