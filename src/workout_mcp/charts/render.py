"""Draw a `ChartSpec` into a PNG with matplotlib's Agg canvas (no pyplot, no global figure state).

matplotlib is imported by `load()`, on the first chart: importing it costs about a second and 60 MB,
which a server that scales to zero must not pay at start-up. Renders are serialised by a lock because
matplotlib's font and text caches are shared by every figure in the process.
"""

from __future__ import annotations

import io
import itertools
import threading
from dataclasses import dataclass
from functools import cache
from types import ModuleType
from typing import Any

from workout_mcp.charts.spec import ChartSpec, RenderedChart, Theme

_LOCK = threading.Lock()
DPI = 100
# Past this many points a marker per point is clutter; the line alone carries the trend.
MARKERS_UP_TO = 120


@dataclass(frozen=True, slots=True)
class Palette:
    background: str
    text: str
    muted: str
    grid: str
    colours: tuple[str, ...]


# Opaque backgrounds, so the image reads the same on a light or a dark chat; the colours keep a
# contrast of at least 3:1 against their own background.
PALETTES: dict[Theme, Palette] = {
    "light": Palette(
        background="#ffffff",
        text="#1f2937",
        muted="#4b5563",
        grid="#e5e7eb",
        colours=("#2563eb", "#dc2626", "#059669", "#d97706", "#7c3aed", "#0891b2"),
    ),
    "dark": Palette(
        background="#111827",
        text="#f3f4f6",
        muted="#d1d5db",
        grid="#374151",
        colours=("#60a5fa", "#f87171", "#34d399", "#fbbf24", "#a78bfa", "#22d3ee"),
    ),
}


@dataclass(frozen=True, slots=True)
class _Matplotlib:
    figure: ModuleType
    backend_agg: ModuleType
    dates: ModuleType
    ticker: ModuleType


@cache
def load() -> _Matplotlib:
    """Import matplotlib with the Agg backend (once per process)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.backends.backend_agg as backend_agg
    import matplotlib.dates as dates
    import matplotlib.figure as figure
    import matplotlib.ticker as ticker

    return _Matplotlib(figure=figure, backend_agg=backend_agg, dates=dates, ticker=ticker)


def render_png(spec: ChartSpec) -> RenderedChart:
    """The chart as PNG bytes of exactly `spec.width` x `spec.height` pixels."""
    mpl = load()
    palette = PALETTES[spec.theme]
    with _LOCK:
        fig = mpl.figure.Figure(figsize=(spec.width / DPI, spec.height / DPI), dpi=DPI)
        mpl.backend_agg.FigureCanvasAgg(fig)
        fig.patch.set_facecolor(palette.background)
        ax = fig.add_subplot()
        _style(ax, palette)
        # Grid lines only across the value axis: they help read a value, the others are clutter.
        ax.grid(True, axis="x" if spec.kind == "hbar" else "y", color=palette.grid, linewidth=0.8)
        if spec.kind == "hbar":
            counts: tuple[int, ...] = (_draw_hbars(ax, spec, palette, mpl),)
        else:
            counts = _draw_series(ax, spec, palette, mpl)
        _titles(fig, ax, spec, palette)
        _margins(fig, spec)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=DPI, facecolor=palette.background)
        fig.clear()
    return RenderedChart(
        png=buffer.getvalue(),
        width=spec.width,
        height=spec.height,
        points=sum(counts),
        series_points=tuple(counts),
    )


def _style(ax: Any, palette: Palette) -> None:
    ax.set_facecolor(palette.background)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(palette.muted)
    ax.tick_params(colors=palette.muted, labelsize=10)
    ax.set_axisbelow(True)


def _margins(fig: Any, spec: ChartSpec) -> None:
    """Fixed margins in pixels: `tight_layout` would draw the whole figure once more to measure it."""
    left = 110 if spec.kind == "hbar" else 88
    fig.subplots_adjust(
        left=left / spec.width,
        right=1 - 24 / spec.width,
        top=1 - 64 / spec.height,
        bottom=(58 if spec.kind == "hbar" else 44) / spec.height,
    )


def _titles(fig: Any, ax: Any, spec: ChartSpec, palette: Palette) -> None:
    ax.set_title(spec.title, loc="left", color=palette.text, fontsize=14, fontweight="bold", pad=18)
    if spec.subtitle:
        ax.text(0, 1.02, spec.subtitle, transform=ax.transAxes, color=palette.muted, fontsize=10, va="bottom")
    label = ax.set_xlabel if spec.kind == "hbar" else ax.set_ylabel
    label(spec.value_label, color=palette.text, fontsize=11)


def _draw_series(ax: Any, spec: ChartSpec, palette: Palette, mpl: _Matplotlib) -> tuple[int, ...]:
    counts: list[int] = []
    many = len(spec.series) > 1
    for index, series in enumerate(spec.series):
        colour = palette.colours[index % len(palette.colours)]
        days = [day for day, _ in series.points]
        values = [value for _, value in series.points]
        if spec.kind == "bar":
            width = _bar_width(days)
            bars = ax.bar(days, values, width=width, color=colour, label=series.label)
            counts.append(len(bars.patches))
            continue
        marker = "o" if len(days) <= MARKERS_UP_TO else None
        (line,) = ax.plot(
            days, values, color=colour, linewidth=2, marker=marker, markersize=5, label=series.label
        )
        counts.append(len(line.get_xdata()))
    if not any(series.points for series in spec.series):
        _no_data(ax, palette)
        return tuple(counts)
    locator = mpl.dates.AutoDateLocator(minticks=3, maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mpl.dates.ConciseDateFormatter(locator))
    ax.yaxis.set_major_locator(mpl.ticker.MaxNLocator(nbins=6))
    ax.yaxis.set_major_formatter(mpl.ticker.StrMethodFormatter("{x:,.0f}"))
    if spec.kind == "bar":
        ax.set_ylim(bottom=0)
    if many:
        legend = ax.legend(frameon=False, fontsize=10, loc="best")
        for text in legend.get_texts():
            text.set_color(palette.text)
    return tuple(counts)


def _bar_width(days: list[Any]) -> float:
    """Bars as wide as 80% of the smallest gap between periods (days), a week wide when alone."""
    ordered = sorted(set(days))
    gaps = [(later - earlier).days for earlier, later in itertools.pairwise(ordered)]
    return 0.8 * (min(gaps) if gaps else 7)


def _draw_hbars(ax: Any, spec: ChartSpec, palette: Palette, mpl: _Matplotlib) -> int:
    bars = sorted(spec.bars, key=lambda b: b.value)
    drawn = ax.barh([b.label for b in bars], [b.value for b in bars], color=palette.colours[0], height=0.6)
    ax.tick_params(axis="y", labelsize=11, colors=palette.text)
    ax.xaxis.set_major_formatter(mpl.ticker.StrMethodFormatter("{x:,.0f}"))
    if not bars:
        _no_data(ax, palette)
    return len(drawn.patches)


def _no_data(ax: Any, palette: Palette) -> None:
    ax.text(
        0.5,
        0.5,
        "no data in this period",
        transform=ax.transAxes,
        ha="center",
        va="center",
        color=palette.muted,
        fontsize=13,
    )
    ax.set_xticks([])
    ax.set_yticks([])
