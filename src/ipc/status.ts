// The sysg.status.v1 rows, computed in one place (issue 15 item 6): the supervisor's `status`
// answer (src/supervisor/control.ts) and `status` without a supervisor (src/cli/offline-status.ts)
// both describe each unit as UnitFacts — from the supervisor's memory, or from the state files
// it left and /proc — and get their rows here, so every field means one thing (docs/status.md,
// "The numbers"):
//   cpu     percent of one CPU used by the unit's process tree (its main process and every
//           descendant) over the last measurement interval: the supervisor's 1 Hz sample, or
//           two readings OFFLINE_INTERVAL_MS apart when no supervisor runs; a run younger than
//           one interval is measured since it started;
//   rss     resident memory of the same tree at the latest reading, bytes;
//   uptime  seconds since the current run's main process started.
// Both paths read the tree with runtime/proc.ts's treeTotals/readTree and treeCpuPercent.
import { type Health, type UnitState, healthOf, overallHealth } from "../model/states.ts";
import type { CronInfo, StatusResult, StatusUnit } from "./protocol.ts";

/** Without a supervisor, `status` measures CPU over this long itself (only when a unit runs). */
export const OFFLINE_INTERVAL_MS = 250;

/** What either path knows about one unit. */
export interface UnitFacts {
  name: string;
  kind: StatusUnit["kind"];
  state: UnitState;
  /** the current run's main process, while it is alive */
  pid: number | null;
  /** ms since epoch when that process started */
  startedAt: number | null;
  restarts: number;
  last_exit: StatusUnit["last_exit"];
  reason: string | null;
  /** when it is not the state's (an orphaned service is degraded whatever its state) */
  health?: Health;
  cron: CronInfo | null;
  /** CPU % and RSS of the run's tree (module comment); null when nothing runs or it could not be read */
  usage: { cpu: number; rss: number } | null;
}

export function statusRow(f: UnitFacts, now: number): StatusUnit {
  const live = f.pid !== null;
  return {
    name: f.name,
    kind: f.kind,
    state: f.state,
    pid: f.pid,
    cpu: live && f.usage ? round1(f.usage.cpu) : 0,
    rss: live && f.usage ? f.usage.rss : 0,
    uptime: live && f.startedAt !== null ? round1(Math.max(0, (now - f.startedAt) / 1000)) : 0,
    restarts: f.restarts,
    last_exit: f.last_exit,
    health: f.health ?? healthOf(f.state),
    reason: f.reason,
    cron: f.cron,
  };
}

export function statusDocument(facts: UnitFacts[], now: number): StatusResult {
  const units = facts.map((f) => statusRow(f, now));
  return {
    schema: "sysg.status.v1",
    captured_at: new Date(now).toISOString(),
    overall_health: overallHealth(units.map((u) => u.health)),
    units,
  };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}
