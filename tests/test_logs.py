from __future__ import annotations

import io
import json
import logging

import pytest

from workout_mcp.logs import configure_logging, redact_text, request_id_var

JWT = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.c2lnbmF0dXJlLXZhbHVl"


@pytest.fixture
def captured() -> io.StringIO:
    stream = io.StringIO()
    configure_logging("DEBUG", stream=stream)
    yield stream
    configure_logging("WARNING")


def lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_lines_are_json_with_the_request_context(captured: io.StringIO) -> None:
    token = request_id_var.set("req-123456")
    try:
        logging.getLogger("workout_mcp.test").info("hello", extra={"tool": "list_workouts"})
    finally:
        request_id_var.reset(token)
    [line] = lines(captured)
    assert line["message"] == "hello"
    assert line["request_id"] == "req-123456"
    assert line["tool"] == "list_workouts"
    assert line["level"] == "INFO"


def test_tokens_codes_and_secrets_never_reach_the_log(captured: io.StringIO) -> None:
    log = logging.getLogger("workout_mcp.test")
    log.info("upstream said Authorization: Bearer %s", JWT)
    log.info("redirect to https://claude.ai/cb?code=abc123secret&state=s7ate")
    log.warning("failed", extra={"refresh_token": "rt-secret", "password": "pw-secret", "client": "Claude"})
    try:
        raise ValueError(f"bad token {JWT}")
    except ValueError:
        log.exception("crash")
    text = captured.getvalue()
    for secret in (JWT, "abc123secret", "s7ate", "rt-secret", "pw-secret"):
        assert secret not in text
    assert "Claude" in text
    assert "[redacted]" in text


def test_redact_text_keeps_ordinary_words() -> None:
    assert redact_text("logged 5 sets of squat") == "logged 5 sets of squat"
    assert "pw" not in redact_text("redis://default:pw@host:6379")
