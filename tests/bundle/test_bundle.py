"""The Claude Desktop bundle (`make bundle`): the manifest passes `mcpb validate`, and the bundle,
unpacked into an empty folder the way Claude Desktop unpacks it, starts on a Python that has none of our
packages, with the environment Claude Desktop builds from the manifest, and answers the SDK's stdio client."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from mcp import Client, StdioServerParameters

from tests.clients.support import NODE, NODE_MODULES, tool
from tests.conftest import service_missing

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
MCPB_CLI = NODE_MODULES / "@anthropic-ai" / "mcpb" / "dist" / "cli" / "cli.js"
TARGET = f"{sys.version_info.major}.{sys.version_info.minor}"
SQUAT_SETS = [
    {"exercise": "Squat", "reps": 5, "weight_kg": 100},
    {"exercise": "Squat", "reps": 3, "weight_kg": 110},
]


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tool("mcpb")
    out = tmp_path_factory.mktemp("dist") / "workout-mcp.mcpb"
    done = subprocess.run(
        [sys.executable, str(REPO / "bundle" / "build.py"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return out


@pytest.fixture
def unpacked(bundle: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "extension"
    folder.mkdir()
    with zipfile.ZipFile(bundle) as archive:
        archive.extractall(folder)
    return folder


def clean_python() -> Path:
    """A system Python of the bundle's version that cannot import any of our dependencies."""
    for folder in ("/usr/bin", "/usr/local/bin", "/bin"):
        for name in (f"python{TARGET}", "python3"):
            candidate = Path(folder) / name
            if not candidate.exists():
                continue
            probe = subprocess.run(
                [str(candidate), "-I", "-c", "import sys, pydantic; print(sys.version)"],
                capture_output=True,
                text=True,
                timeout=30,
            )
            version = subprocess.run(
                [str(candidate), "-c", "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"],
                capture_output=True,
                text=True,
                timeout=30,
            ).stdout.strip()
            if version == TARGET and "ModuleNotFoundError" in probe.stderr:
                return candidate
    service_missing(f"no system Python {TARGET} without our packages (apt install python{TARGET})")
    raise AssertionError("unreachable")


@pytest.fixture
def only_python(tmp_path: Path) -> dict[str, str]:
    """PATH with nothing on it but `python3` (the manifest's command), HOME in a temp dir."""
    bin_dir = tmp_path / "only-python"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(clean_python())
    home = tmp_path / "home"
    home.mkdir()
    return {"PATH": str(bin_dir), "HOME": str(home)}


def launch(
    manifest: dict[str, Any], folder: Path, user_config: dict[str, str]
) -> tuple[str, list[str], dict[str, str]]:
    """Command, args and env as Claude Desktop derives them (mcpb's getMcpConfigForManifest): `${__dirname}`
    and set fields substituted; a field the user left unset stays a literal `${user_config.…}`."""
    config = manifest["server"]["mcp_config"]

    def fill(value: str) -> str:
        value = value.replace("${__dirname}", str(folder))
        return re.sub(r"\$\{user_config\.(\w+)\}", lambda m: user_config.get(m[1], m[0]), value)

    return (
        config["command"],
        [fill(a) for a in config["args"]],
        {k: fill(v) for k, v in config["env"].items()},
    )


def test_manifest_validates_and_offers_the_settings(bundle: Path, unpacked: Path) -> None:
    done = subprocess.run(
        [str(NODE), str(MCPB_CLI), "validate", str(unpacked / "manifest.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "validation passes" in done.stdout
    manifest = json.loads((unpacked / "manifest.json").read_text())
    assert manifest["server"]["type"] == "python"
    assert (unpacked / manifest["server"]["entry_point"]).is_file()
    fields = manifest["user_config"]
    assert set(fields) == {
        "workout_db_path",
        "supabase_url",
        "supabase_anon_key",
        "supabase_email",
        "supabase_password",
    }
    assert fields["supabase_password"]["sensitive"] is True
    assert not any(f.get("required") for f in fields.values())
    env = manifest["server"]["mcp_config"]["env"]
    assert env["WORKOUT_DB_PATH"] == "${user_config.workout_db_path}"
    assert env["SUPABASE_PASSWORD"] == "${user_config.supabase_password}"
    assert manifest["compatibility"]["platforms"] == [sys.platform]
    assert manifest["compatibility"]["runtimes"]["python"] == f">={TARGET},<{TARGET[:2]}{int(TARGET[2:]) + 1}"


async def test_unpacked_bundle_serves_on_a_python_with_nothing_installed(
    unpacked: Path, only_python: dict[str, str], tmp_path: Path
) -> None:
    manifest = json.loads((unpacked / "manifest.json").read_text())
    db = tmp_path / "log" / "workouts.db"
    command, args, env = launch(manifest, unpacked, {"workout_db_path": str(db)})
    # Claude Desktop's working directory may hold anyone's .env: the bundle must not read it.
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    (elsewhere / ".env").write_text("SUPABASE_URL=https://nowhere.invalid\nMCP_TRANSPORT=http\n")
    params = StdioServerParameters(command=command, args=args, env={**only_python, **env}, cwd=elsewhere)
    async with Client(params, mode="legacy") as client:  # type: ignore[arg-type]
        listed = [t.name for t in (await client.list_tools()).tools]
        saved = await client.call_tool(
            "log_workout", {"started_at": "2026-05-02T07:30:00Z", "sets": SQUAT_SETS}
        )
        records = await client.call_tool("personal_records", {"exercise": "Squat"})
    assert listed == [t["name"] for t in manifest["tools"]]
    assert not saved.is_error and not records.is_error, (saved.content, records.content)
    assert records.structured_content is not None
    assert records.structured_content["heaviest_set"]["weight"] == 110
    assert db.is_file()  # the log went where the user's field said


def test_a_python_of_another_version_is_told_what_to_install(
    unpacked: Path, only_python: dict[str, str]
) -> None:
    target = unpacked / "server" / "lib" / "target.json"
    target.write_text(json.dumps({"python": "3.99", "platform": sys.platform}))
    manifest = json.loads(unpacked.joinpath("manifest.json").read_text())
    command, args, env = launch(manifest, unpacked, {})
    done = subprocess.run(
        [command, *args], env={**only_python, **env}, capture_output=True, text=True, timeout=60, cwd=unpacked
    )
    assert done.returncode == 1
    assert "built for Python 3.99" in done.stderr and f"started Python {TARGET}" in done.stderr
    assert done.stdout == ""


def test_unset_fields_are_dropped_and_the_log_path_made_absolute(monkeypatch: pytest.MonkeyPatch) -> None:
    spec = importlib.util.spec_from_file_location("bundle_main", REPO / "bundle" / "main.py")
    assert spec is not None and spec.loader is not None
    launcher = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(launcher)
    monkeypatch.setenv("HOME", "/home/lifter")
    settings = launcher.host_settings(
        {
            "SUPABASE_URL": "${user_config.supabase_url}",
            "SUPABASE_EMAIL": " ",
            "WORKOUT_DB_PATH": "~/w.db",
            "A": "b",
        }
    )
    assert settings == {"WORKOUT_DB_PATH": os.path.join("/home/lifter", "w.db"), "A": "b"}
