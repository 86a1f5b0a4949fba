// The human view of an InspectResult: the unit's line, its config in short, the process tree,
// CPU/RSS sparklines over the window, recent exits and restarts, cron history.
import type { InspectResult, ProcessNode } from "../ipc/protocol.ts";
import { commandText } from "../config/index.ts";
import { paint } from "./output.ts";
import { sparkline, timeSlots } from "./sparkline.ts";
import { HEALTH_COLOR } from "./status-view.ts";
import { truncate } from "./table.ts";
import { formatBytes, formatCpu, formatDuration, formatExit, formatRelative } from "./units.ts";

const RECENT = 5;

export function renderInspect(r: InspectResult, opts: { color: boolean; width: number; now?: number }): string[] {
  const now = opts.now ?? Date.now();
  const width = Math.max(40, Math.min(opts.width, 120));
  const bold = (s: string) => paint(opts.color, 1, s);
  const dim = (s: string) => paint(opts.color, 90, s);
  const u = r.unit;
  const out: string[] = [];
  const facts = [u.kind, paint(opts.color, HEALTH_COLOR[u.health] ?? 0, `${u.state} (${u.health})`)];
  if (u.pid !== null) facts.push(`pid ${u.pid}`, `up ${formatDuration(u.uptime)}`);
  if (u.kind !== "cron") facts.push(`${u.restarts} restart${u.restarts === 1 ? "" : "s"}`);
  out.push(`${bold(u.name)}  ${facts.join("  ")}`);
  if (u.reason) out.push(`  reason: ${u.reason}`);
  if (u.last_exit) out.push(`  last exit: ${formatExit(u.last_exit)} ${formatRelative(u.last_exit.at, now)}`);

  if (r.config) {
    const c = r.config;
    const ms = (n: number) => formatMs(n);
    out.push("", bold("Config"));
    const rows: [string, string][] = [
      ["command", commandText(c.command)],
      ["working_dir", c.working_dir],
    ];
    // a cron job runs on its schedule: restart policy and backoff never apply to it
    if (c.cron) {
      rows.push(["cron", `${c.cron.expression} (${c.cron.timezone})`]);
      if (u.cron?.next_run) rows.push(["next run", `${u.cron.next_run} (${formatRelative(u.cron.next_run, now)})`]);
      if (u.cron?.last_run) rows.push(["last run", `${formatExit(u.cron.last_run)} ${formatRelative(u.cron.last_run.at, now)}`]);
    } else {
      rows.push(["restart", `${c.restart_policy}, backoff ${ms(c.backoff)}..${ms(c.backoff_max)}, max_restarts ${c.max_restarts ?? "unlimited"}`]);
    }
    rows.push(["stop", `${c.stop_signal}, then SIGKILL after ${ms(c.stop_timeout)}`]);
    if (c.depends_on.length > 0) rows.push(["depends_on", c.depends_on.join(", ")]);
    for (const [k, v] of Object.entries(c.env)) rows.push([rows.some((x) => x[0] === "env") ? "" : "env", `${k}=${v}`]);
    const inherited = Object.keys(r.inherited_env ?? {});
    if (inherited.length > 0) {
      const shown = Object.values(r.inherited_env ?? {}).some((v) => v !== null);
      rows.push(["inherited", `${inherited.length} variable${inherited.length === 1 ? "" : "s"} from the environment of \`sysg start\`${shown ? "" : " (names only; --show-env for values)"}: ${inherited.sort().join(" ")}`]);
    }
    if (c.readiness.probe.kind !== "default") rows.push(["readiness", `${describeProbe(c.readiness.probe)}, timeout ${ms(c.readiness.timeout)}`]);
    if (c.user) rows.push(["user", c.group ? `${c.user}:${c.group}` : c.user]);
    if (c.critical) rows.push(["critical", "yes"]);
    for (const [k, v] of rows) out.push(truncate(`  ${k.padEnd(12)} ${v}`, width));
  }

  out.push("", bold("Processes"));
  if (r.processes.length === 0) out.push(dim("  none running"));
  for (const { node, depth } of tree(r.processes)) {
    const nums = `${String(node.pid).padStart(7)} ${formatCpu(node.cpu).padStart(6)} ${formatBytes(node.rss).padStart(6)}`;
    out.push(truncate(`${nums}  ${"  ".repeat(depth)}${node.command}`, width));
  }

  const first = r.samples.length > 0 ? Date.parse(r.samples[0]!.at) : 0;
  const end = r.samples.length > 0 ? Date.parse(r.samples[r.samples.length - 1]!.at) : 0;
  // a unit younger than the window: draw the time it has, not a line of empty slots
  const start = Math.min(Math.max(end - r.window * 1000, first), end - 1000);
  const covered = r.samples.length > 1 && end - start < r.window * 1000 - 1000 ? `${formatDuration((end - start) / 1000)} of ` : "";
  const count = `${r.samples.length} sample${r.samples.length === 1 ? "" : "s"}`;
  out.push("", bold(`Usage (${covered}the last ${formatDuration(r.window)}, ${count})`));
  if (r.samples.length === 0) {
    out.push(dim("  no samples yet"));
  } else {
    // no more columns than samples, so a gap means a missing sample, not a sparse timeline
    const cols = Math.max(1, Math.min(60, width - 36, r.samples.length));
    const cpu = r.samples.map((s) => s.cpu);
    const rss = r.samples.map((s) => s.rss);
    const lastCpu = cpu[cpu.length - 1]!;
    const lastRss = rss[rss.length - 1]!;
    const cpuLine = sparkline(timeSlots(r.samples.map((s) => ({ at: s.at, value: s.cpu })), start, end, cols), cols);
    const rssLine = sparkline(timeSlots(r.samples.map((s) => ({ at: s.at, value: s.rss })), start, end, cols), cols, { fromMin: true });
    out.push(`  CPU ${cpuLine}  now ${formatCpu(lastCpu)} max ${formatCpu(Math.max(...cpu))}`);
    out.push(`  RSS ${rssLine}  now ${formatBytes(lastRss)} max ${formatBytes(Math.max(...rss))}`);
  }

  out.push("", bold("Recent exits"));
  if (r.exits.length === 0) out.push(dim("  none"));
  for (const e of r.exits.slice(-RECENT).reverse()) {
    out.push(truncate(`  ${formatRelative(e.at, now).padEnd(12)} ${formatExit(e).padEnd(8)} ${e.reason ?? ""}`.trimEnd(), width));
  }
  if (r.cron_history === null) {
    out.push("", bold("Restarts"));
    if (r.restarts.length === 0) out.push(dim("  none"));
    for (const x of r.restarts.slice(-RECENT).reverse()) out.push(truncate(`  ${formatRelative(x.at, now).padEnd(12)} ${x.reason}`, width));
  }

  if (r.cron_history !== null) {
    out.push("", bold("Cron history"));
    if (r.cron_history.length === 0) out.push(dim("  no runs yet"));
    for (const run of [...r.cron_history].reverse()) {
      const result = run.overlap
        ? "skipped: previous run still going"
        : run.ended_at === null
          ? "running"
          : `${formatExit(run)}, ${run.duration === null ? "?" : formatMs(run.duration * 1000)}`;
      out.push(`  ${formatRelative(run.started_at, now).padEnd(12)} ${result}`);
    }
    if (u.cron?.next_run) out.push(`  next run ${formatRelative(u.cron.next_run, now)}`);
  }
  return out;
}

/** Milliseconds in config terms: 250ms, 1.5s, 10s, 1m, 3m12s. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000 && ms % 1000 !== 0) return `${(ms / 1000).toFixed(1)}s`;
  if (ms % 60_000 === 0 && ms < 3_600_000) return `${ms / 60_000}m`;
  return formatDuration(ms / 1000);
}

function describeProbe(p: NonNullable<InspectResult["config"]>["readiness"]["probe"]): string {
  switch (p.kind) {
    case "tcp":
      return `tcp ${p.host}:${p.port}`;
    case "http":
      return `http ${p.url} (${p.status})`;
    case "exec":
      return `exec ${p.command}`;
    case "log":
      return `log /${p.regex}/`;
    default:
      return p.kind;
  }
}

/** Depth-first order of the flat process list; roots are processes whose parent is not listed. */
export function tree(nodes: ProcessNode[]): { node: ProcessNode; depth: number }[] {
  const pids = new Set(nodes.map((n) => n.pid));
  const children = new Map<number, ProcessNode[]>();
  for (const n of nodes) {
    const list = children.get(n.ppid) ?? [];
    list.push(n);
    children.set(n.ppid, list);
  }
  const out: { node: ProcessNode; depth: number }[] = [];
  const seen = new Set<number>();
  const walk = (n: ProcessNode, depth: number) => {
    if (seen.has(n.pid)) return;
    seen.add(n.pid);
    out.push({ node: n, depth });
    for (const c of (children.get(n.pid) ?? []).sort((a, b) => a.pid - b.pid)) walk(c, depth + 1);
  };
  for (const n of nodes.filter((n) => !pids.has(n.ppid)).sort((a, b) => a.pid - b.pid)) walk(n, 0);
  return out;
}
