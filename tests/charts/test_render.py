"""The renderer on its own: exact size, a PNG that decodes, one marker or bar per data point, both themes."""

from __future__ import annotations

import io
import subprocess
import sys
from datetime import date, timedelta

import pytest
from PIL import Image

from workout_mcp.charts import Bar, ChartSpec, Series
from workout_mcp.charts.render import PALETTES, render_png


def weekly(n: int, start: float = 100.0) -> list[tuple[date, float]]:
    return [(date(2026, 1, 5) + timedelta(weeks=i), start + 2.5 * i) for i in range(n)]


def decode(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image.convert("RGB")


def count_blobs(image: Image.Image, colour: str, tolerance: int = 40) -> int:
    """Connected regions of pixels within `tolerance` of `colour` (4-neighbour flood fill)."""
    target = tuple(int(colour[i : i + 2], 16) for i in (1, 3, 5))
    width, height = image.size
    pixels = image.load()
    assert pixels is not None
    hit = [
        [
            sum(abs(a - b) for a, b in zip(pixels[x, y], target, strict=True)) <= tolerance
            for x in range(width)
        ]
        for y in range(height)
    ]
    blobs = 0
    for y in range(height):
        for x in range(width):
            if not hit[y][x]:
                continue
            blobs += 1
            stack = [(x, y)]
            hit[y][x] = False
            while stack:
                cx, cy = stack.pop()
                for nx, ny in ((cx + 1, cy), (cx - 1, cy), (cx, cy + 1), (cx, cy - 1)):
                    if 0 <= nx < width and 0 <= ny < height and hit[ny][nx]:
                        hit[ny][nx] = False
                        stack.append((nx, ny))
    return blobs


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_line_chart_is_an_800x450_png_with_one_marker_per_point(theme: str) -> None:
    points = weekly(17)
    chart = render_png(
        ChartSpec(
            title="Squat", value_label="estimated 1RM (kg)", series=[Series("Squat", points)], theme=theme
        )  # type: ignore[arg-type]
    )
    image = decode(chart.png)
    assert image.size == (800, 450) == (chart.width, chart.height)
    assert chart.points == len(points) == 17
    # The opaque background is the theme's, so the chart reads the same on a light or a dark page.
    background = PALETTES[theme].background  # type: ignore[index]
    assert image.getpixel((2, 2)) == tuple(int(background[i : i + 2], 16) for i in (1, 3, 5))


def test_bars_are_counted_from_the_canvas_one_blob_per_period() -> None:
    """Bars are separate rectangles in the series colour: counting them in the pixels checks the drawing."""
    points = weekly(9)
    chart = render_png(
        ChartSpec(title="Volume", value_label="volume (kg)", kind="bar", series=[Series("v", points)])
    )
    assert chart.points == 9
    assert count_blobs(decode(chart.png), PALETTES["light"].colours[0]) == 9


def test_horizontal_bars_one_per_muscle_group() -> None:
    bars = [Bar("quads", 12_000), Bar("chest", 8_000), Bar("back", 9_500), Bar("core", 500)]
    chart = render_png(
        ChartSpec(title="Volume per muscle group", value_label="volume (kg)", kind="hbar", bars=bars)
    )
    assert chart.points == 4
    assert count_blobs(decode(chart.png), PALETTES["light"].colours[0]) == 4


def test_several_series_are_counted_apart() -> None:
    chart = render_png(
        ChartSpec(
            title="Lifts",
            value_label="top set (lb)",
            series=[Series("Squat", weekly(5)), Series("Bench", weekly(3, 60))],
        )
    )
    assert chart.series_points == (5, 3) and chart.points == 8


def test_an_empty_chart_still_renders_at_size() -> None:
    chart = render_png(ChartSpec(title="Nothing yet", value_label="volume (kg)", series=[Series("v", [])]))
    assert chart.points == 0
    assert decode(chart.png).size == (800, 450)


def test_five_years_of_weekly_points_render_at_size() -> None:
    points = weekly(260)
    chart = render_png(
        ChartSpec(title="5 years", value_label="estimated 1RM (kg)", series=[Series("s", points)])
    )
    assert chart.points == 260
    assert decode(chart.png).size == (800, 450)


def test_bad_specs_say_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="hbar"):
        ChartSpec(title="x", value_label="y", kind="hbar", series=[Series("s", weekly(2))])
    with pytest.raises(ValueError, match="size"):
        ChartSpec(title="x", value_label="y", width=10)


def test_importing_the_server_does_not_import_the_plotting_library() -> None:
    """matplotlib costs about a second at import: the server must not load it until a chart is asked for."""
    probe = (
        "import sys\n"
        "import workout_mcp.server, workout_mcp.app, workout_mcp.cli, workout_mcp.charts.render\n"
        "from workout_mcp.app import create_app\n"
        "from workout_mcp.config import load_settings\n"
        "create_app(load_settings(_env_file=None, mcp_transport='http', auth_mode='none'))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'matplotlib', 'numpy', 'PIL'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    # The probe can fail: the same process after one chart has matplotlib loaded.
    after = probe.replace(
        "print(",
        "from workout_mcp.charts import ChartSpec, Series\n"
        "workout_mcp.charts.render.render_png(ChartSpec(title='t', value_label='v', series=[Series('s', [])]))\n"
        "print(",
    )
    loaded = subprocess.run([sys.executable, "-c", after], capture_output=True, text=True, timeout=60)
    assert "'matplotlib'" in loaded.stdout, loaded.stderr
