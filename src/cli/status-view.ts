// The human view of a StatusResult: the table of SPEC §5, plus an indented line under a unit
// for what a cell cannot hold (a failure reason, a cron job's last and next run).
import type { StatusResult, StatusUnit } from "../ipc/protocol.ts";
import { paint } from "./output.ts";
import { type Column, renderTable } from "./table.ts";
import { formatBytes, formatCpu, formatDuration, formatExit, formatRelative } from "./units.ts";

const COLUMNS: Column[] = [
  { header: "UNIT", shrink: true, min: 8 },
  { header: "KIND" },
  { header: "STATE" },
  { header: "PID", align: "right" },
  { header: "CPU", align: "right" },
  { header: "RSS", align: "right" },
  { header: "UPTIME", align: "right" },
  { header: "RESTARTS", align: "right" },
  { header: "LAST_EXIT", shrink: true, min: 6 },
  { header: "HEALTH" },
];

export const HEALTH_COLOR: Record<string, number> = { healthy: 32, inactive: 90, degraded: 33, failing: 31 };

/** Exit code of `sysg status` for an overall health (SPEC §5): 0 healthy, 1 degraded, 2 failing. */
export function healthExitCode(health: StatusResult["overall_health"]): number {
  return health === "failing" ? 2 : health === "degraded" ? 1 : 0;
}

function row(u: StatusUnit): string[] {
  const live = u.pid !== null;
  return [
    u.name,
    u.kind,
    u.state,
    live ? String(u.pid) : "-",
    live ? formatCpu(u.cpu) : "-",
    live ? formatBytes(u.rss) : "-",
    live ? formatDuration(u.uptime) : "-",
    String(u.restarts),
    u.last_exit ? formatExit(u.last_exit) : "-",
    u.health,
  ];
}

/** The line under a unit, or null: why it failed/crashed/was skipped; for cron, last and next run. */
function detail(u: StatusUnit, now: number): string | null {
  const parts: string[] = [];
  if (u.cron) {
    const last = u.cron.last_run ? `last run ${formatExit(u.cron.last_run)} ${formatRelative(u.cron.last_run.at, now)}` : "never run";
    const next = u.cron.next_run ? `next ${formatRelative(u.cron.next_run, now)}` : "no next run";
    parts.push(`${u.cron.expression} (${u.cron.timezone}): ${last}, ${next}`);
  }
  if (u.reason) parts.push(u.reason);
  return parts.length > 0 ? parts.join("; ") : null;
}

/** The table as lines at most `width` wide (the detail lines are cut to fit too). */
export function renderStatus(status: StatusResult, opts: { color: boolean; width: number; now?: number }): string[] {
  const now = opts.now ?? Date.parse(status.captured_at);
  if (status.units.length === 0) return ["no units"];
  const rows = status.units.map(row);
  const table = renderTable(COLUMNS, rows, opts.width, (r, c, text) => {
    const u = status.units[r]!;
    if (c === 9) return paint(opts.color, HEALTH_COLOR[u.health] ?? 0, text);
    if (c === 2) return paint(opts.color, HEALTH_COLOR[u.health] ?? 0, text);
    return text;
  });
  const out = [paint(opts.color, 1, table[0]!)];
  status.units.forEach((u, i) => {
    out.push(table[i + 1]!);
    const d = detail(u, now);
    if (d !== null) {
      const line = `  └ ${d}`;
      const cut = [...line].length > opts.width ? `${[...line].slice(0, Math.max(1, opts.width - 1)).join("")}…` : line;
      out.push(paint(opts.color, 90, cut));
    }
  });
  return out;
}
