// The training dashboard MCP App. It talks to the host with the ext-apps bridge (postMessage), and
// gets every figure by calling the server's own tools through the host: nothing is fetched directly.

import { App, applyDocumentTheme } from "@modelcontextprotocol/ext-apps";
import { lineChart, type Point } from "./chart";

type Json = Record<string, any>;

const app = new App({ name: "workout-mcp-dashboard", version: "1.0.0" }, {});
const $ = (id: string) => document.getElementById(id) as HTMLElement;
const state = { unit: "kg", exercise: "", metric: "estimated_1rm" };

function setStatus(text: string, error = false): void {
  const status = $("status");
  status.textContent = text;
  status.className = error ? "error" : "muted";
}

async function call(name: string, args: Json): Promise<Json> {
  const result = await app.callServerTool({ name, arguments: args });
  if (result.isError) {
    const text = (result.content ?? []).map((b: Json) => b.text ?? "").join(" ");
    throw new Error(`${name}: ${text}`);
  }
  return (result.structuredContent ?? {}) as Json;
}

function cell(tag: "td" | "th", text: string, numeric = false): HTMLElement {
  const node = document.createElement(tag);
  node.textContent = text;
  if (numeric) node.className = "num";
  return node;
}

function table(head: string[], rows: string[][], numericFrom: number): HTMLTableElement {
  const t = document.createElement("table");
  const tr = t.createTHead().insertRow();
  head.forEach((h, i) => tr.appendChild(cell("th", h, i >= numericFrom)));
  const body = t.createTBody();
  for (const row of rows) {
    const r = body.insertRow();
    row.forEach((v, i) => r.appendChild(cell("td", v, i >= numericFrom)));
  }
  return t;
}

const fmt = (v: number | null | undefined) => (v == null ? "–" : (Math.round(v * 10) / 10).toLocaleString("en"));

function showSessions(list: Json): string[] {
  const rows = (list.workouts ?? []).map((w: Json) => [
    w.started_at.slice(0, 10),
    w.title ?? (w.exercises ?? []).slice(0, 2).join(", "),
    String(w.set_count),
    `${fmt(w.volume)} ${list.unit}`,
  ]);
  const body = $("sessions-body");
  body.replaceChildren(rows.length ? table(["day", "session", "sets", "volume"], rows, 2) : "No sessions yet.");
  body.className = "";
  const counts = new Map<string, number>();
  for (const w of list.workouts ?? []) for (const e of w.exercises ?? []) counts.set(e, (counts.get(e) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([e]) => e);
}

// The records board: personal_records without an exercise, one line per lift, newest record first.
async function showRecords(): Promise<string[]> {
  const board = await call("personal_records", { unit: state.unit, limit: 12 });
  // Lifts with a loaded record; holds and cardio have nothing to show in these columns.
  const lines = ((board.records ?? []) as Json[]).filter((r) => r.heaviest_set || r.best_estimated_1rm).slice(0, 8);
  const rows = lines.map((r) => [
    r.exercise_name,
    r.heaviest_set ? `${fmt(r.heaviest_set.weight)} × ${r.heaviest_set.reps}` : "–",
    fmt(r.best_estimated_1rm?.estimated_1rm),
    (r.record_at ?? "").slice(5, 10),
  ]);
  const body = $("records-body");
  body.replaceChildren(
    rows.length ? table(["exercise", `heaviest (${state.unit})`, `best e1RM (${state.unit})`, "set on"], rows, 1) : "No records yet.",
  );
  body.className = "";
  return lines.filter((r) => r.best_estimated_1rm).map((r) => r.exercise_name);
}

async function showWeek(): Promise<void> {
  const summary = await call("training_summary", { period: "week", periods: 1, unit: state.unit });
  const week = (summary.periods ?? []).at(-1) ?? { volume_by_muscle_group: {} };
  const groups = Object.entries(week.volume_by_muscle_group as Record<string, number>);
  const body = $("week-body");
  body.className = "";
  if (!groups.length) {
    body.textContent = "Nothing logged this week yet.";
    return;
  }
  const top = Math.max(...groups.map(([, v]) => v));
  body.replaceChildren(
    ...groups.map(([group, volume]) => {
      const row = document.createElement("div");
      row.className = "bar";
      const fill = document.createElement("div");
      fill.className = "fill";
      fill.style.width = `${(100 * volume) / top}%`;
      const track = document.createElement("div");
      track.appendChild(fill);
      row.append(cell("td", group.replace("_", " ")), track, cell("td", `${fmt(volume)} ${summary.unit}`, true));
      return row;
    }),
  );
}

function drawProgress(chart: Json): void {
  const points = (chart.points ?? []) as Point[];
  const width = Math.max(320, Math.min(1400, $("chart").clientWidth || 720));
  $("chart").replaceChildren(lineChart(points, chart.value_label, width));
  $("chart").dataset.points = String(points.length);
  $("progress-summary").textContent = points.length
    ? `best ${fmt(chart.best)} ${chart.unit}, latest ${fmt(chart.latest)}, change ${chart.change >= 0 ? "+" : ""}${fmt(chart.change)}`
    : "";
}

async function showProgress(): Promise<void> {
  if (!state.exercise) return;
  const chart = await call("progress_chart", {
    exercise: state.exercise,
    metric: state.metric,
    period: "week",
    periods: 12,
    unit: state.unit,
    include_image: false,
  });
  drawProgress(chart);
}

function fillSelect(exercises: string[]): void {
  const select = $("exercise") as HTMLSelectElement;
  if (state.exercise && !exercises.includes(state.exercise)) exercises.unshift(state.exercise);
  select.replaceChildren(...exercises.map((e) => new Option(e, e, false, e === state.exercise)));
  state.exercise ||= exercises[0] ?? "";
  select.value = state.exercise;
}

async function load(): Promise<void> {
  setStatus("Loading…");
  const [list, lifts] = await Promise.all([call("list_workouts", { limit: 6, unit: state.unit }), showRecords()]);
  const recent = showSessions(list);
  // Lifts with an estimated 1RM first (the board's order), then what was trained lately.
  fillSelect([...new Set([...lifts, ...recent])]);
  await Promise.all([showWeek(), showProgress()]);
  setStatus(`Weights in ${state.unit}.`);
  document.body.dataset.ready = "true";
}

// The tool call that opened the dashboard: follow its unit and exercise, and show its figures at once.
app.ontoolinput = ({ arguments: args }) => {
  if (args?.unit === "lb" || args?.unit === "kg") state.unit = args.unit;
  if (typeof args?.exercise === "string" && args.exercise) state.exercise = args.exercise;
};
app.ontoolresult = (result) => {
  const chart = result.structuredContent as Json | undefined;
  if (chart?.exercise_name && chart.points && (chart.metric === "estimated_1rm" || chart.metric === "top_set")) {
    state.exercise = chart.exercise_name;
    state.metric = chart.metric;
    ($("metric") as HTMLSelectElement).value = chart.metric;
    drawProgress(chart);
  }
};
app.onhostcontextchanged = (context) => {
  if (context.theme) applyDocumentTheme(context.theme);
};

$("exercise").addEventListener("change", (event) => {
  state.exercise = (event.target as HTMLSelectElement).value;
  showProgress().catch((e) => setStatus(String(e.message ?? e), true));
});
$("metric").addEventListener("change", (event) => {
  state.metric = (event.target as HTMLSelectElement).value;
  showProgress().catch((e) => setStatus(String(e.message ?? e), true));
});

app
  .connect()
  .then(() => {
    const theme = app.getHostContext()?.theme;
    if (theme) applyDocumentTheme(theme);
    return load();
  })
  .catch((e) => setStatus(String(e?.message ?? e), true));
