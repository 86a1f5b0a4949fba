// The frame of `sysg top`, as plain data → lines: a header, one row per unit with CPU and RSS
// sparklines from the samples top keeps, the selected unit's details and its log pane, and a
// key help line. Pure: the command (top.ts) does the terminal and the supervisor.
import type { StatusResult, StatusUnit } from "../ipc/protocol.ts";
import type { LogLine } from "../runtime/logread.ts";
import { paint } from "./output.ts";
import { sparkline } from "./sparkline.ts";
import { HEALTH_COLOR } from "./status-view.ts";
import { type Column, renderTable, truncate } from "./table.ts";
import { formatBytes, formatCpu, formatExit } from "./units.ts";

export interface TopModel {
  status: StatusResult | null;
  /** why there is no status (no supervisor, …) */
  problem: string | null;
  /** per unit: recent CPU % and RSS bytes, oldest first */
  history: Map<string, { cpu: number[]; rss: number[] }>;
  selected: number;
  logs: LogLine[];
  following: boolean;
  /** the last action's outcome, shown above the key help */
  message: string;
}

const SPARK = 12;
const COLUMNS: Column[] = [
  { header: "  UNIT", shrink: true, min: 8 },
  { header: "STATE" },
  { header: "PID", align: "right" },
  { header: "CPU", align: "right" },
  { header: "CPU HISTORY" },
  { header: "RSS", align: "right" },
  { header: "RSS HISTORY" },
  { header: "RESTARTS", align: "right" },
  { header: "LAST EXIT", shrink: true, min: 6 },
];

export const KEYS = "↑/↓ j/k select · r restart · s stop · t start · f follow logs · q quit";

function row(u: StatusUnit, h: { cpu: number[]; rss: number[] } | undefined, selected: boolean): string[] {
  const live = u.pid !== null;
  return [
    `${selected ? ">" : " "} ${u.name}`,
    u.state,
    live ? String(u.pid) : "-",
    live ? formatCpu(u.cpu) : "-",
    h && h.cpu.length > 0 ? sparkline(h.cpu, SPARK).padEnd(SPARK) : " ".repeat(SPARK),
    live ? formatBytes(u.rss) : "-",
    h && h.rss.length > 0 ? sparkline(h.rss, SPARK, { fromMin: true }).padEnd(SPARK) : " ".repeat(SPARK),
    String(u.restarts),
    u.last_exit ? formatExit(u.last_exit) : "-",
  ];
}

/** Exactly `height` lines, each at most `width` wide. */
export function renderTop(m: TopModel, o: { width: number; height: number; color: boolean }): string[] {
  const c = (code: number, s: string) => paint(o.color, code, s);
  const units = m.status?.units ?? [];
  const time = m.status ? m.status.captured_at.replace("T", " ").slice(0, 19) : "";
  const head = `sysg top — ${units.length} unit${units.length === 1 ? "" : "s"}${m.status ? ` — ${m.status.overall_health}` : ""} — ${time}`;
  const out: string[] = [c(1, truncate(head, o.width))];
  if (m.problem) out.push(c(33, truncate(m.problem, o.width)));
  if (units.length > 0) {
    const rows = units.map((u, i) => row(u, m.history.get(u.name), i === m.selected));
    const table = renderTable(COLUMNS, rows, o.width, (r, col, text) => {
      const u = units[r]!;
      if (col === 1) return paint(o.color, HEALTH_COLOR[u.health] ?? 0, text);
      return text;
    });
    out.push(c(1, table[0]!));
    table.slice(1).forEach((line, i) => out.push(i === m.selected ? c(7, line) : line));
    const sel = units[m.selected];
    if (sel) {
      const why = sel.reason ? ` — ${sel.reason}` : "";
      const title = `── ${sel.name} logs${m.following ? " (following)" : " (paused: f to follow)"}${why} `;
      out.push("", c(36, truncate(title.padEnd(o.width, "─"), o.width)));
    }
  } else if (!m.problem) {
    out.push("no units");
  }
  const footer = [m.message ? c(33, truncate(m.message, o.width)) : "", c(90, truncate(KEYS, o.width))];
  const room = Math.max(0, o.height - out.length - footer.length);
  const logs = m.logs.slice(-room).map((l) => {
    const stamp = l.ts === null ? "" : `${new Date(l.ts).toISOString().slice(11, 19)} `;
    const mark = l.stream === "stderr" ? c(31, "[stderr] ") : "";
    return `${stamp}${mark}${truncate(l.text, Math.max(1, o.width - stamp.length - (l.stream === "stderr" ? 9 : 0)))}`;
  });
  out.push(...logs);
  while (out.length < o.height - footer.length) out.push("");
  out.push(...footer);
  return out.slice(0, o.height);
}

/** The non-terminal form: the table once, sparklines from the supervisor's history. */
export function plainTop(status: StatusResult, history: Map<string, { cpu: number[]; rss: number[] }>): string[] {
  const rows = status.units.map((u) => row(u, history.get(u.name), false).map((cell, i) => (i === 0 ? cell.slice(2) : cell)));
  const cols = COLUMNS.map((col, i) => (i === 0 ? { ...col, header: "UNIT" } : col));
  return status.units.length === 0 ? ["no units"] : renderTable(cols, rows, Number.POSITIVE_INFINITY, (_r, _c, t) => t);
}
