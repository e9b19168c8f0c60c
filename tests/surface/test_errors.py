"""`describe`: pydantic's validation errors as a coach would say them, from the tool's own schema."""

from __future__ import annotations

from typing import Annotated, Any

import pytest
from pydantic import BaseModel, Field, ValidationError

from workout_mcp.domain.models import CalendarDay, Name, NewSet
from workout_mcp.surface.errors import describe


class Item(BaseModel):
    exercise: Annotated[Name, Field(min_length=1, max_length=80)]
    target_reps: int | None = Field(None, ge=0, le=1000)


class Session(BaseModel):
    exercises: list[Item] = Field(max_length=3)


class Args(BaseModel):
    sessions: list[Session] = Field(min_length=1)
    sets: list[NewSet] = []
    since: CalendarDay | None = None
    weight: float | int | None = Field(None, ge=0, le=1500)


def _explain(data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as caught:
        Args.model_validate(data)
    return describe(caught.value.errors(include_url=False), Args.model_json_schema())


def test_nested_lists_are_named_by_their_singular_and_a_1_based_position() -> None:
    text = _explain(
        {"sessions": [{"exercises": []}, {"exercises": [{"exercise": "Squat", "target_reps": 5000}]}]}
    )
    assert text == "session 2: exercise 1: target_reps must be between 0 and 1000"


def test_union_member_tags_never_show_and_one_problem_is_said_once() -> None:
    text = _explain({"sessions": [{"exercises": []}], "weight": "heavy"})
    assert text.startswith("weight must be") and "float" not in text and "function" not in text
    assert text.count("weight") == 1


def test_lengths_speak_of_characters_for_text_and_items_for_lists() -> None:
    text = _explain({"sessions": [{"exercises": [{"exercise": "x" * 81}] * 4}]})
    assert "session 1: exercises holds at most 3 items" in text
    assert (
        _explain({"sessions": [{"exercises": [{"exercise": ""}]}]})
        == "session 1: exercise 1: exercise must not be empty"
    )
    assert _explain({"sessions": []}) == "sessions needs at least 1 item"


def test_nan_is_not_a_number_only_where_a_number_belongs() -> None:
    assert "weight is not a number" in _explain({"sessions": [], "weight": float("nan")})
    assert "since must be a day like 2026-05-01" in _explain(
        {"sessions": [{"exercises": []}], "since": float("nan")}
    )


def test_our_own_validators_keep_their_sentence_and_the_value_is_never_echoed() -> None:
    text = _explain({"sessions": [{"exercises": []}], "sets": [{"exercise": "Squat"}], "since": "0001-01-01"})
    assert "set 1: a set needs reps, duration_s or distance_m" in text
    assert "since: year 1 is outside 1900" in text
    secret = _explain({"sessions": [{"exercises": [{"exercise": 12345678}]}]})
    assert "12345678" not in secret and "must be text" in secret
