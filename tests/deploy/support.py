"""What the deploy tests share: the repository's paths, the Dockerfile read by stage, settings for a
production-like server, and polling a loopback port with a deadline (the only waiting these tests do)."""

from __future__ import annotations

import re
import secrets
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]
CLIENT_ID = "4f9c2d1e-7b3a-4e8f-9a6d-1c2b3d4e5f60"


@dataclass
class Instruction:
    keyword: str
    args: str


def dockerfile_stages() -> list[list[Instruction]]:
    """The Dockerfile's instructions, continuation lines joined and ARG defaults substituted, by stage."""
    text = (REPO / "Dockerfile").read_text(encoding="utf-8")
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    args: dict[str, str] = {}
    stages: list[list[Instruction]] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        rest = re.sub(r"\$\{(\w+)\}", lambda m: args.get(m.group(1), m.group(0)), rest.strip())
        if keyword == "ARG" and "=" in rest:
            name, _, default = rest.partition("=")
            args[name] = default
        if keyword == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(Instruction(keyword, rest))
    return stages


def final_stage() -> list[Instruction]:
    return dockerfile_stages()[-1]


def of(stage: list[Instruction], keyword: str) -> list[str]:
    return [i.args for i in stage if i.keyword == keyword]


def final_stage_env() -> dict[str, str]:
    """The final stage's ENV settings, name -> value as written (the image's runtime environment)."""
    pairs = (setting.partition("=") for setting in " ".join(of(final_stage(), "ENV")).split())
    return {name: value for name, _, value in pairs}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def strong_secret(prefix: str) -> str:
    """A distinctive value (easy to grep for in output) that passes SECRET_KEY's strength check."""
    return f"{prefix}-{secrets.token_urlsafe(40)}"


def wait_for_http(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    deadline_seconds: float = 30.0,
    process: subprocess.Popen[bytes] | None = None,
) -> httpx.Response:
    """Poll `url` until it answers 200; fail early if `process` dies, late if the deadline passes."""
    deadline = time.monotonic() + deadline_seconds
    last_error = "no answer"
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            out, err = process.communicate()
            tail = ((out or b"") + (err or b"")).decode(errors="replace")[-4000:]
            raise AssertionError(f"server exited with {process.returncode} before answering {url}:\n{tail}")
        try:
            response = httpx.get(url, headers=headers, timeout=2.0)
            if response.status_code == 200:
                return response
            last_error = f"status {response.status_code}"
        except httpx.TransportError as exc:
            last_error = type(exc).__name__
        time.sleep(0.05)
    raise AssertionError(f"{url} did not answer 200 within {deadline_seconds} s ({last_error})")
