"""What a chart shows, as plain data: dated series or labelled bars, a title, an axis label with its unit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

Theme = Literal["light", "dark"]
ChartKind = Literal["line", "bar", "hbar"]


@dataclass(frozen=True, slots=True)
class Series:
    """One line (or one set of bars over time): values on dates."""

    label: str
    points: Sequence[tuple[date, float]]


@dataclass(frozen=True, slots=True)
class Bar:
    """One labelled bar of a categorical chart (e.g. a muscle group and its volume)."""

    label: str
    value: float


@dataclass(frozen=True, slots=True)
class ChartSpec:
    """A chart: `line` and `bar` draw `series` over dates, `hbar` draws `bars` largest first."""

    title: str
    value_label: str
    kind: ChartKind = "line"
    series: Sequence[Series] = ()
    bars: Sequence[Bar] = ()
    subtitle: str | None = None
    theme: Theme = "light"
    width: int = 800
    height: int = 450

    def __post_init__(self) -> None:
        if self.kind == "hbar" and self.series:
            raise ValueError("an hbar chart draws bars, not series")
        if self.kind != "hbar" and self.bars:
            raise ValueError(f"a {self.kind} chart draws series, not bars")
        if not (200 <= self.width <= 2000 and 150 <= self.height <= 2000):
            raise ValueError("chart size must be 200-2000 x 150-2000 pixels")


@dataclass(frozen=True, slots=True)
class RenderedChart:
    """PNG bytes and what was drawn: `points` counts the markers and bars actually put on the canvas."""

    png: bytes
    width: int
    height: int
    points: int
    series_points: tuple[int, ...] = field(default=())
