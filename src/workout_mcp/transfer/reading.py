"""One entry for every upload: detect the format (or check the one asked for) and parse it."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workout_mcp.transfer import hevy, native, strong
from workout_mcp.transfer.building import ParsedFile
from workout_mcp.transfer.csvrows import MAX_FILE_BYTES, decode, header_of, rows
from workout_mcp.transfer.problems import ImportProblem

Source = Literal["auto", "strong", "hevy", "workout-mcp"]
SOURCES: tuple[str, ...] = ("auto", "strong", "hevy", "workout-mcp")


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImportProblem(
            f"unknown timezone {name!r}; use an IANA name like Europe/Berlin or UTC"
        ) from None


def detect(text: str) -> str | None:
    """Which app wrote `text`, from its first line alone."""
    if native.looks_native(text):
        return "workout-mcp"
    header, _ = header_of(text)
    if hevy.is_hevy(header):
        return "hevy"
    if strong.layout_of(header) is not None:
        return "workout-mcp" if strong.layout_of(header) == "workout-mcp csv" else "strong"
    return None


def parse_file(
    data: bytes,
    *,
    source: Source = "auto",
    weight_unit: Literal["kg", "lb"] = "kg",
    distance_unit: Literal["km", "mi", "m"] = "km",
    timezone: str = "UTC",
    max_bytes: int = MAX_FILE_BYTES,
) -> ParsedFile:
    """The file as an import batch plus its preview; `ImportProblem` names the first thing wrong."""
    if source not in SOURCES:
        raise ImportProblem(f"unknown source {source!r}; use one of {', '.join(SOURCES)}")
    zone = zone_of(timezone)
    text = decode(data, max_bytes=max_bytes)
    if not text.strip():
        raise ImportProblem("the file is empty")
    found = detect(text)
    if found is None:
        raise ImportProblem(
            "this is not a Strong, Hevy or workout-mcp export (the first line names none of their columns)",
            line=1,
        )
    if source != "auto" and source != found:
        raise ImportProblem(
            f"this looks like a {found} export, not {source}; pick --source {found} or auto", line=1
        )
    if found == "workout-mcp" and native.looks_native(text):
        return native.parse(text)
    header, _ = header_of(text)
    if found == "hevy":
        return hevy.parse(rows(text), header, zone)
    return strong.parse(rows(text), header, zone, weight=weight_unit, distance=distance_unit)
