"""The committed dashboard (`src/workout_mcp/surface/apps/dashboard.html`) is fresh: it names the SHA-256
of the sources it was built from, which must be today's sources, and rebuilding it gives the same bytes."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
from pathlib import Path

from tests.conftest import service_missing

REPO = Path(__file__).resolve().parents[2]
APP_DIR = REPO / "apps" / "dashboard"
BUILT = REPO / "src" / "workout_mcp" / "surface" / "apps" / "dashboard.html"


def source_digest() -> str:
    """The digest `apps/dashboard/build.mjs` stamps: each source's path and bytes, in a fixed order."""
    files = ["build.mjs", "index.html", "package-lock.json", "package.json"]
    files += [f"src/{p.name}" for p in sorted((APP_DIR / "src").iterdir(), key=lambda p: p.name)]
    digest = hashlib.sha256()
    for name in files:
        digest.update(f"{name}\n".encode())
        digest.update((APP_DIR / name).read_bytes())
        digest.update(b"\n")
    return digest.hexdigest()


def test_committed_dashboard_was_built_from_the_current_sources() -> None:
    stamp = re.search(r"sources sha256:([0-9a-f]{64})", BUILT.read_text("utf-8")[:400])
    assert stamp, "dashboard.html has no build stamp: run `npm run build` in apps/dashboard"
    assert stamp.group(1) == source_digest(), (
        "apps/dashboard changed since the build: run `npm run build` there"
    )


def test_rebuilding_the_dashboard_gives_the_committed_bytes(tmp_path: Path) -> None:
    if shutil.which("node") is None or not (APP_DIR / "node_modules" / ".bin" / "esbuild").exists():
        service_missing("the dashboard's Node packages are not installed (npm ci --prefix apps/dashboard)")
    out = tmp_path / "dashboard.html"
    done = subprocess.run(
        ["node", "build.mjs", "--out", str(out)], cwd=APP_DIR, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == BUILT.read_bytes()


def test_the_built_file_is_self_contained() -> None:
    """One file: inline script and styles, nothing loaded from elsewhere (no CDN at run time)."""
    html = BUILT.read_text("utf-8")
    assert html.startswith("<!doctype html>")
    assert re.search(r"<script[^>]*\bsrc=", html) is None
    assert re.search(r"<link\b", html) is None
    assert "@import" not in html
    assert html.count("<script>") == 1 and len(html) > 100_000  # the bridge is bundled in
