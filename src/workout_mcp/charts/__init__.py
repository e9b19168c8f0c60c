"""Charts as PNG images, drawn server-side from plain series.

`spec` holds what to draw (no plotting library); `render` draws it with matplotlib, which is imported on
the first chart, never at server start (it costs about a second and 60 MB; see `bench/chart_cost.py`).
"""

from __future__ import annotations

from workout_mcp.charts.spec import Bar, ChartSpec, RenderedChart, Series, Theme

__all__ = ["Bar", "ChartSpec", "RenderedChart", "Series", "Theme"]
