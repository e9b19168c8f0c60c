"""What a chart library costs a server that scales to zero: import time, memory, and one render.

Each candidate runs in a fresh interpreter, `--runs` times: the time to import it, the resident memory
it adds, then the time to draw and encode one 800x450 line chart of five years of sessions (about 780
points, three a week) and the memory after that. Medians are printed.

    .venv/bin/python bench/chart_cost.py
    .venv/bin/python bench/chart_cost.py --runs 7 --points 1560

Candidates: matplotlib (Agg backend, the library the server uses, imported only when a chart is asked
for), our own renderer on top of it (`workout_mcp.charts`), pygal (SVG, PNG through CairoSVG, which
needs the system's libcairo) and plain Pillow drawing (no axes logic; the floor of what a PNG costs).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import textwrap

PROBE = textwrap.dedent(
    """
    import json, sys, time, resource
    from datetime import date, timedelta

    def rss_mb():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    kind, n = sys.argv[1], int(sys.argv[2])
    days = [date(2021, 1, 4) + timedelta(days=round(i * 7 / 3)) for i in range(n)]
    values = [100 + i * 0.05 + (i % 7) * 0.8 for i in range(n)]
    base = rss_mb()
    t0, c0 = time.perf_counter(), time.process_time()
    if kind == "matplotlib":
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.dates
    elif kind == "workout_mcp.charts":
        from workout_mcp.charts import render
        render.load()
    elif kind == "pygal":
        import pygal, cairosvg
    elif kind == "pillow":
        from PIL import Image, ImageDraw, ImageFont
    imported, imported_cpu = time.perf_counter() - t0, time.process_time() - c0
    after_import = rss_mb()

    t1, c1 = time.perf_counter(), time.process_time()
    if kind == "matplotlib":
        import io
        fig, ax = plt.subplots(figsize=(8, 4.5), dpi=100)
        ax.plot(days, values, marker="o", markersize=3)
        ax.set_ylabel("estimated 1RM (kg)")
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        png = buf.getvalue()
    elif kind == "workout_mcp.charts":
        from workout_mcp.charts import ChartSpec, Series
        spec = ChartSpec(title="Squat", value_label="estimated 1RM (kg)",
                         series=[Series("Squat", list(zip(days, values)))])
        png = render.render_png(spec).png
    elif kind == "pygal":
        chart = pygal.DateLine(width=800, height=450, show_legend=False)
        chart.add("squat", list(zip(days, values)))
        png = cairosvg.svg2png(bytestring=chart.render())
    else:
        import io
        img = Image.new("RGB", (800, 450), "white")
        draw = ImageDraw.Draw(img)
        lo, hi = min(values), max(values)
        pts = [(40 + 740 * i / (n - 1), 420 - 380 * (v - lo) / (hi - lo)) for i, v in enumerate(values)]
        draw.line(pts, fill=(37, 99, 235), width=2)
        draw.text((10, 10), "estimated 1RM (kg)", fill="black", font=ImageFont.load_default(14))
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        png = buf.getvalue()
    rendered, rendered_cpu = time.perf_counter() - t1, time.process_time() - c1

    t2, c2 = time.perf_counter(), time.process_time()
    if kind == "workout_mcp.charts":
        png = render.render_png(spec).png
    second, second_cpu = time.perf_counter() - t2, time.process_time() - c2
    print(json.dumps({"import_s": imported, "import_cpu_s": imported_cpu,
                      "rss_import_mb": after_import - base,
                      "render_s": rendered, "render_cpu_s": rendered_cpu,
                      "second_render_s": second if kind == "workout_mcp.charts" else None,
                      "second_cpu_s": second_cpu if kind == "workout_mcp.charts" else None,
                      "rss_render_mb": rss_mb() - base, "png_bytes": len(png), "base_rss_mb": base}))
    """
)

CANDIDATES = ["matplotlib", "workout_mcp.charts", "pygal", "pillow"]


def measure(kind: str, points: int, runs: int) -> dict[str, float | None]:
    samples = []
    for _ in range(runs):
        out = subprocess.run(
            [sys.executable, "-c", PROBE, kind, str(points)], capture_output=True, text=True, timeout=120
        )
        if out.returncode != 0:
            lines = out.stderr.strip().splitlines() or ["failed"]
            return {"error": lines[-1][:200]}  # type: ignore[dict-item]
        samples.append(json.loads(out.stdout))
    keys = samples[0].keys()
    return {k: (None if samples[0][k] is None else statistics.median(s[k] for s in samples)) for k in keys}


def pair(wall: float | None, cpu: float | None) -> str:
    return f"{wall or 0:.3f} ({cpu or 0:.2f})"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--points", type=int, default=780, help="points in the chart (780 = 5 years, 3/week)")
    parser.add_argument("--only", choices=CANDIDATES, action="append", help="measure only these candidates")
    args = parser.parse_args()
    print(
        f"{args.points} points, 800x450, median of {args.runs} fresh interpreters ({sys.version.split()[0]})"
    )
    print("seconds of wall clock, (CPU seconds of the process): a loaded machine inflates the first, not CPU")
    print(
        f"{'candidate':<20} {'import s':>14} {'+RSS MB':>8} {'1st render s':>14} {'2nd render s':>14} "
        f"{'+RSS after MB':>14} {'PNG KB':>7}"
    )
    for kind in args.only or CANDIDATES:
        r = measure(kind, args.points, args.runs)
        if "error" in r:
            print(f"{kind:<20} unavailable: {r['error']}")
            continue
        second = "-" if r["second_render_s"] is None else pair(r["second_render_s"], r["second_cpu_s"])
        print(
            f"{kind:<20} {pair(r['import_s'], r['import_cpu_s']):>14} {r['rss_import_mb']:>8.1f} "
            f"{pair(r['render_s'], r['render_cpu_s']):>14} {second:>14} {r['rss_render_mb']:>14.1f} "
            f"{(r['png_bytes'] or 0) / 1024:>7.1f}"
        )


if __name__ == "__main__":
    main()
