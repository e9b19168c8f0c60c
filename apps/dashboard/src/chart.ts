// A small SVG line chart: values over dates, axes labelled with the unit. Drawn in the page, so it
// needs no image source in the CSP and follows the host's theme through CSS variables.

export interface Point {
  start: string;
  value: number;
}

const NS = "http://www.w3.org/2000/svg";

function el(name: string, attrs: Record<string, string | number>, text?: string): SVGElement {
  const node = document.createElementNS(NS, name);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function niceStep(range: number, ticks: number): number {
  const raw = range / ticks;
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = [1, 2, 2.5, 5, 10].find((m) => m * power >= raw) ?? 10;
  return unit * power;
}

export function lineChart(points: Point[], valueLabel: string, width = 720, height = 240): SVGElement {
  const svg = el("svg", { viewBox: `0 0 ${width} ${height}`, width, height, role: "img", "aria-label": valueLabel });
  const left = 52, right = 12, top = 12, bottom = 28;
  if (points.length === 0) {
    svg.appendChild(el("text", { x: width / 2, y: height / 2, "text-anchor": "middle" }, "no data in this period"));
    return svg;
  }
  const times = points.map((p) => Date.parse(p.start));
  const values = points.map((p) => p.value);
  let lo = Math.min(...values), hi = Math.max(...values);
  if (hi === lo) { lo -= 1; hi += 1; }
  const step = niceStep(hi - lo, 4);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const t0 = Math.min(...times), t1 = Math.max(...times);
  const x = (t: number) => left + (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0)) * (width - left - right);
  const y = (v: number) => top + (1 - (v - lo) / (hi - lo)) * (height - top - bottom);

  for (let v = lo; v <= hi + step / 2; v += step) {
    svg.appendChild(el("line", { class: "axis", x1: left, x2: width - right, y1: y(v), y2: y(v) }));
    svg.appendChild(el("text", { x: left - 6, y: y(v) + 4, "text-anchor": "end" }, String(Math.round(v * 10) / 10)));
  }
  svg.appendChild(el("text", { x: 12, y: height / 2, transform: `rotate(-90 12 ${height / 2})`, "text-anchor": "middle" }, valueLabel));
  const labels = Math.min(points.length, 6);
  for (let i = 0; i < labels; i++) {
    const index = labels === 1 ? 0 : Math.round((i * (points.length - 1)) / (labels - 1));
    const anchor = labels > 1 && i === labels - 1 ? "end" : i === 0 && labels > 1 ? "start" : "middle";
    svg.appendChild(el("text", { x: x(times[index]), y: height - 8, "text-anchor": anchor }, points[index].start.slice(5)));
  }
  const path = points.map((p, i) => `${i ? "L" : "M"}${x(times[i]).toFixed(1)},${y(p.value).toFixed(1)}`).join("");
  svg.appendChild(el("path", { class: "series", d: path }));
  points.forEach((p, i) => {
    const dot = el("circle", { class: "point", cx: x(times[i]), cy: y(p.value), r: 3.5 });
    dot.appendChild(el("title", {}, `${p.start}: ${p.value}`));
    svg.appendChild(dot);
  });
  return svg;
}
