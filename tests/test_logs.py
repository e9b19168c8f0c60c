from __future__ import annotations

import io
import json
import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workout_mcp.logs import _SECRET_TEXT, configure_logging, log_fields, redact_text, request_id_var

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


@pytest.mark.parametrize(
    "code", ["23505", "42P01", "PGRST116", "invalid_credentials", "refresh_token_not_found"]
)
def test_error_codes_in_store_warnings_stay_readable(captured: io.StringIO, code: str) -> None:
    logging.getLogger("workout_mcp.store").warning("supabase %s refused: status=%d code=%s", "rpc", 409, code)
    [line] = lines(captured)
    assert line["message"] == f"supabase rpc refused: status=409 code={code}"


@pytest.mark.parametrize(
    "text",
    [
        "GET /oauth/callback?code=23505&state=abcde",
        "body code=3f2a9c1e-77aa-4bb0-9d1e-0a1b2c3d4e5f&grant_type=authorization_code",
        "exchange code=Zk9x_Q2mLp7vR4tY8wN1cB6dF3hJ5sA0 failed",
        "code=invalid_grant",
        "resume with state=abcdefgh",
    ],
)
def test_oauth_codes_and_states_are_still_masked(text: str) -> None:
    redacted = redact_text(text)
    for value in ("23505&", "abcde", "3f2a9c1e", "Zk9x", "invalid_grant", "abcdefgh"):
        assert value not in redacted, redacted
    assert "[redacted]" in redacted


def test_uvicorn_color_message_copy_is_dropped(
    captured: io.StringIO, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An in-process uvicorn.Config elsewhere in the suite applies uvicorn's own dictConfig ("uvicorn"
    # stops propagating, levels set); the server itself runs with log_config=None, as here.
    monkeypatch.setattr(logging.getLogger("uvicorn"), "propagate", True)
    monkeypatch.setattr(logging.getLogger("uvicorn.error"), "level", logging.NOTSET)
    logging.getLogger("uvicorn.error").info(
        "Started server process [%d]",
        42,
        extra={"color_message": "Started server process [\x1b[36m%d\x1b[0m]"},
    )
    [line] = lines(captured)
    assert line["message"] == "Started server process [42]"
    assert "color_message" not in line
    assert "\x1b" not in captured.getvalue() and "\\u001b" not in captured.getvalue()


def test_redact_text_keeps_ordinary_words() -> None:
    assert redact_text("logged 5 sets of squat") == "logged 5 sets of squat"
    assert "pw" not in redact_text("redis://default:pw@host:6379")


FRAGMENTS = st.sampled_from(
    [
        "Bearer ",
        "bearer\\t",
        "eyJ",
        "eyJhbGciOi.eyJzdWIiOiJ4.sig",
        "sb_secret_",
        "sb_publishable_x",
        "code=",
        "state=",
        "access_token=",
        "Password=",
        "client_secret=",
        "code_verifier=",
        "redis://u:p@h",
        "rediss://:x@",
        "=",
        "&",
        " ",
        "abc",
        "Token",
        "?",
        '"',
        "'",
    ]
)


def slow_redact(text: str) -> str:
    for pattern, replacement in _SECRET_TEXT:
        text = pattern.sub(replacement, text)
    return text


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(FRAGMENTS, st.text(max_size=8)), max_size=12).map("".join))
def test_the_redaction_shortcut_never_changes_the_result(text: str) -> None:
    assert redact_text(text) == slow_redact(text)


def _line_via_logging(fields: dict[str, object]) -> dict[str, object]:
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    logging.getLogger("workout_mcp.access").info("request", extra=fields)
    return json.loads(stream.getvalue())


def _line_via_shortcut(fields: dict[str, object]) -> dict[str, object]:
    stream = io.StringIO()
    configure_logging("INFO", stream=stream)
    log_fields(logging.getLogger("workout_mcp.access"), logging.INFO, "request", fields)
    return json.loads(stream.getvalue())


@pytest.mark.parametrize(
    "fields",
    [
        {"method": "POST", "path": "/mcp", "status": 200, "duration_ms": 1.5, "user_id": "u-1"},
        {"method": "GET", "path": f"/oauth/callback?code={JWT}", "status": 302, "user_id": None},
        {
            "method": "POST",
            "path": "/mcp",
            "status": 401,
            "tool": "log_workout",
            "refresh_token": "rt",
            "note": "ü ✓",
        },
        {
            "method": "POST",
            "path": "/mcp",
            "status": 200,
            "nested": {"password": "pw", "ok": [1, "Bearer abc"]},
        },
    ],
)
def test_the_access_line_shortcut_writes_what_logging_would(fields: dict[str, object]) -> None:
    token = request_id_var.set("req-abcdef")
    try:
        slow, fast = _line_via_logging(dict(fields)), _line_via_shortcut(dict(fields))
    finally:
        request_id_var.reset(token)
        configure_logging("WARNING")
    slow.pop("time"), fast.pop("time")
    assert fast == slow
    assert JWT not in json.dumps(fast) and "rt" != fast.get("refresh_token")


def test_the_access_line_falls_back_to_logging_for_values_json_cannot_hold(captured: io.StringIO) -> None:
    log_fields(logging.getLogger("workout_mcp.access"), logging.INFO, "request", {"when": object()})
    [line] = lines(captured)
    assert line["message"] == "request" and "when" in line
