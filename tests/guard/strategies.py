"""Hypothesis strategies for a tool's arguments, derived from its `inputSchema` (as `tools/list` gives it).

Mostly values the schema allows (so writes really happen), mixed with what careless or hostile
clients send: NaN and infinities, numbers just past a bound and far past it, control and invisible
characters, impossible and out-of-range dates, wrong types, unknown arguments. Strings named like an
exercise or an id draw from `pool` too, so reads and deletes hit rows that exist.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

Schema = Mapping[str, Any]
NOW = datetime.now(UTC)

NASTY_CHARS = [
    "\x00",
    "\u202e",
    "\u2066",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\x07",
    "\n",
    "\t",
    "\u2028",
    "'",
    '"',
    "%",
]
NASTY_CHARS += ["_", "\\", ";--", "🏋️", "é", "ß", "İ", " ", "\u00a0", "\x1b[31m"]
NASTY_NUMBERS = [float("nan"), float("inf"), float("-inf"), 1e308, -1e308, -0.0, 2**63, 10**30, -(2**63) - 1]
ODD_DAYS = [
    "0001-01-01",
    "9999-12-31",
    "1899-12-31",
    "2026-02-30",
    "2026-13-01",
    "",
    "today",
    "2026-11-20T10:00:00Z",
]
ODD_TIMES = [
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59-05:00",
    "1900-01-01T00:00:00+05:00",
    "2026-02-30T10:00:00Z",
    "2026-11-20T10:00:00",
    "2026-11-20T25:00:00Z",
    "2026-11-20T10:00:00+25:00",
    (NOW + timedelta(days=3)).isoformat(),
    "1e12",
    "",
    "now",
]
EXERCISE_NAMES = [
    "Squat",
    "squat",
    "  Bench   Press ",
    "Deadlift",
    "Running",
    "Plank",
    "Moon Squat",
    "Race Lift",
]

_text = st.lists(
    st.one_of(st.characters(blacklist_categories=("Cs",)), st.sampled_from(NASTY_CHARS)), max_size=20
).map("".join)
wrong_type = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.sampled_from(NASTY_NUMBERS),
    _text,
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.sampled_from(["a", "$ref", "__proto__"]), st.integers(), max_size=2),
)


def _resolve(schema: Schema, root: Schema) -> Schema:
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return _resolve(root.get("$defs", {}).get(ref.rsplit("/", 1)[-1], {}), root)
    return schema


def _iso_day(days_back: int) -> str:
    return (NOW - timedelta(days=days_back)).date().isoformat()


def _days(hostile: bool) -> st.SearchStrategy[str]:
    good = st.integers(min_value=-300, max_value=3000).map(_iso_day)
    return st.one_of(good, st.sampled_from(ODD_DAYS)) if hostile else good


def _times(hostile: bool) -> st.SearchStrategy[str]:
    good = st.builds(
        lambda minutes, offset: (
            (NOW - timedelta(minutes=minutes)).astimezone(timezone(timedelta(minutes=offset))).isoformat()
        ),
        st.integers(min_value=-60 * 20, max_value=60 * 24 * 900),
        st.sampled_from([0, 60, -300, 330, 840, -720]),
    )
    return st.one_of(good, st.sampled_from(ODD_TIMES)) if hostile else good


def _cursors() -> st.SearchStrategy[str]:
    def forge(offset: Any, fingerprint: str) -> str:
        raw = json.dumps({"o": offset, "f": fingerprint}).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    return st.one_of(
        st.builds(
            forge,
            st.one_of(st.integers(min_value=-5, max_value=10**40), st.sampled_from([True, 1.5, "3"])),
            _text,
        ),
        st.sampled_from(["", "!!!", "e30", "W10", "bnVsbA", "eyJvIjoxfQ", "x" * 600]),
        _text,
    )


def _integers(schema: Schema, hostile: bool) -> st.SearchStrategy[Any]:
    low, high = schema.get("minimum"), schema.get("maximum")
    inside = st.integers(
        min_value=int(low) if low is not None else -1000, max_value=int(high) if high is not None else 1000
    )
    if not hostile:
        return inside
    near = [int(e) + d for e in (low, high) if e is not None for d in (-1, 1)]
    return st.one_of(inside, st.sampled_from([*near, 0, -1, 2**31, 2**63, 10**30, 1.5, True]))


def _numbers(schema: Schema, hostile: bool) -> st.SearchStrategy[Any]:
    low, high = schema.get("minimum"), schema.get("maximum")
    inside = st.floats(
        min_value=float(low) if low is not None else -1e6,
        max_value=float(high) if high is not None else 1e6,
        allow_nan=False,
    )
    if not hostile:
        return inside
    near = [float(e) + d for e in (low, high) if e is not None for d in (-0.001, 0.001)]
    return st.one_of(inside, st.sampled_from([*near, *NASTY_NUMBERS, "7", True]))


def _strings(
    name: str, schema: Schema, pool: Mapping[str, list[str]], hostile: bool
) -> st.SearchStrategy[Any]:
    fmt = schema.get("format")
    if fmt == "date":
        return _days(hostile)
    if fmt == "date-time":
        return _times(hostile)
    if name == "cursor":
        return _cursors() if hostile else st.none()
    limit = schema.get("maxLength")
    known = pool.get("ids", []) if name.endswith("_id") or name == "id" else []
    if name in ("exercise", "query") or "exercise" in name:
        known = [*EXERCISE_NAMES, *pool.get("exercise_ids", [])]
    if not hostile:
        plain = st.text(
            st.characters(whitelist_categories=("L", "N", "Zs")), min_size=1, max_size=min(limit or 30, 30)
        )
        return st.one_of(st.sampled_from(known), st.sampled_from(known), plain) if known else plain
    extremes = ["", *(["x" * limit, "y" * (limit + 1)] if limit else [])]
    choices: list[st.SearchStrategy[Any]] = [_text, st.sampled_from(extremes)]
    if known:
        choices.insert(0, st.sampled_from(known))
    return st.one_of(*choices)


def arguments(schema: Schema, pool: Mapping[str, list[str]]) -> st.SearchStrategy[Any]:
    """A tool's whole arguments object: two cases in three within its schema, the third hostile."""
    valid = value_of(schema, pool, hostile=False)
    return st.one_of(valid, valid, value_of(schema, pool, hostile=True))


def value_of(
    schema: Schema,
    pool: Mapping[str, list[str]],
    *,
    hostile: bool,
    name: str = "",
    root: Schema | None = None,
) -> st.SearchStrategy[Any]:
    """One value of `schema`: within it, or (`hostile`) anything a bad client might send in its place."""
    root = root if root is not None else schema
    schema = _resolve(schema, root)
    if "anyOf" in schema or "oneOf" in schema:
        options = schema.get("anyOf") or schema["oneOf"]
        return st.one_of(*[value_of(b, pool, hostile=hostile, name=name, root=root) for b in options])
    if "enum" in schema or "const" in schema:
        values = list(schema.get("enum") or [schema["const"]])
        if not hostile:
            return st.sampled_from(values)
        return st.one_of(st.sampled_from(values), st.sampled_from(["", str(values[0]).upper(), "decade"]))
    kind = schema.get("type")
    if kind == "integer":
        value: st.SearchStrategy[Any] = _integers(schema, hostile)
    elif kind == "number":
        value = _numbers(schema, hostile)
    elif kind == "string":
        value = _strings(name, schema, pool, hostile)
    elif kind == "boolean":
        value = st.one_of(st.booleans(), st.sampled_from(["true", 1, None])) if hostile else st.booleans()
    elif kind == "null":
        return st.none()
    elif kind == "array":
        items = value_of(schema.get("items", {}), pool, hostile=hostile, name=name, root=root)
        most = schema.get("maxItems")
        least = schema.get("minItems", 0)
        lists = st.lists(items, min_size=least, max_size=max(least, min(most or 5, 5)))
        if not hostile:
            return lists
        over = (
            st.lists(items, min_size=1, max_size=1).map(lambda one: one * (most + 1))
            if most
            else st.nothing()
        )
        value = st.one_of(lists, lists, lists, over)
    elif kind == "object" or "properties" in schema:
        return _objects(schema, pool, root, hostile)
    else:
        return wrong_type if hostile else st.none()
    # Now and then a value of the wrong type entirely.
    return st.one_of(value, value, value, wrong_type) if hostile else value


def _objects(
    schema: Schema, pool: Mapping[str, list[str]], root: Schema, hostile: bool
) -> st.SearchStrategy[dict[str, Any]]:
    properties: Mapping[str, Schema] = schema.get("properties", {})
    required = set(schema.get("required", []))
    fields = {k: value_of(v, pool, hostile=hostile, name=k, root=root) for k, v in properties.items()}
    always = {k: v for k, v in fields.items() if k in required}
    shaped = st.fixed_dictionaries(always, optional={k: v for k, v in fields.items() if k not in required})
    if not hostile:
        # Every optional field given too: a set with all its measures is a set that can be saved.
        return st.one_of(st.fixed_dictionaries(fields), shaped)
    missing = st.fixed_dictionaries({}, optional=fields)
    extra = st.builds(lambda d, v: {**d, "unexpected_argument": v}, shaped, wrong_type)
    return st.one_of(shaped, shaped, shaped, missing, extra)
