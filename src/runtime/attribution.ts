// Which service a process belongs to, without a cgroup and without an extra process: every
// service run gets SYSG_UNIT=<name>:<state dir id>.<supervisor pid>.<supervisor start>.<run>
// in its environment. Descendants inherit it, and the kernel keeps the environment a process
// was exec'd with in /proc/<pid>/environ — so a double-fork + setsid daemon that was
// re-parented to the supervisor (child subreaper) the instant its parent exited still says
// whose it is. Limits: a process that exec's with a cleared or rewritten environment loses the
// mark (docs/reliability.md), and reading another user's environ needs root.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { isSameProcess, procTable, type ProcStat } from "./proc.ts";

export const UNIT_ENV = "SYSG_UNIT";

export interface UnitMark {
  unit: string;
  /** the state dir the supervisor ran for (hash) */
  dir: string;
  supervisorPid: number;
  supervisorStart: number;
  run: number;
}

/** A short, stable, non-secret id of a state dir (its path hashed). */
export function stateDirId(stateDir: string): string {
  return createHash("sha256").update(stateDir).digest("hex").slice(0, 12);
}

export function formatMark(m: UnitMark): string {
  return `${m.unit}:${m.dir}.${m.supervisorPid}.${m.supervisorStart}.${m.run}`;
}

export function parseMark(value: string): UnitMark | null {
  const colon = value.lastIndexOf(":");
  if (colon <= 0) return null;
  const parts = value.slice(colon + 1).split(".");
  if (parts.length !== 4) return null;
  const [dir, pid, start, run] = parts as [string, string, string, string];
  const n = [pid, start, run].map(Number);
  if (!/^[0-9a-f]{12}$/.test(dir) || n.some((x) => !Number.isSafeInteger(x) || x < 0)) return null;
  return { unit: value.slice(0, colon), dir, supervisorPid: n[0]!, supervisorStart: n[1]!, run: n[2]! };
}

/** The SYSG_UNIT value in a process's environment (as exec'd); null when absent or unreadable. */
export function readMark(pid: number): string | null {
  let env: string;
  try {
    env = readFileSync(`/proc/${pid}/environ`, "latin1");
  } catch {
    return null;
  }
  const key = `${UNIT_ENV}=`;
  let at = 0;
  if (!env.startsWith(key)) {
    const i = env.indexOf(`\0${key}`);
    if (i < 0) return null;
    at = i + 1;
  }
  const end = env.indexOf("\0", at);
  return env.slice(at + key.length, end < 0 ? env.length : end);
}

/**
 * Marks read once per process (pid + start time), for the supervisor's tree walks: a walk only
 * asks about processes re-parented to the supervisor, and each is read once in its life.
 * Entries of processes gone from the latest scan are dropped (`retain`): under a crash loop
 * every run is a new process, and a cache that only forgot at a size cap grew the resident
 * daemon's heap for as long as it took to fill.
 */
export class MarkCache {
  private readonly cache = new Map<number, { startTime: number; mark: string | null }>();

  of(e: { pid: number; startTime: number }): string | null {
    const hit = this.cache.get(e.pid);
    if (hit && hit.startTime === e.startTime) return hit.mark;
    const mark = readMark(e.pid);
    this.cache.set(e.pid, { startTime: e.startTime, mark });
    return mark;
  }

  /** Keeps only the processes of `table` (a scan that holds at least every child of the supervisor). */
  retain(table: { pid: number }[]): void {
    if (this.cache.size === 0) return;
    const live = new Set<number>();
    for (const e of table) live.add(e.pid);
    for (const pid of this.cache.keys()) if (!live.has(pid)) this.cache.delete(pid);
  }

  get size(): number {
    return this.cache.size;
  }
}

/**
 * Every live process marked by a supervisor of `dir` that is not running any more (a
 * supervisor killed by SIGKILL, or one killed before it finished cleaning up after another):
 * one pass over /proc reading each environ. Grouped by unit name.
 */
export function orphanedByDeadSupervisors(dir: string, table: ProcStat[] = procTable(), self = process.pid): Map<string, ProcStat[]> {
  const out = new Map<string, ProcStat[]>();
  const deadCache = new Map<string, boolean>();
  for (const e of table) {
    if (e.state === "Z" || e.state === "X" || e.pid === self) continue;
    const raw = readMark(e.pid);
    const m = raw === null ? null : parseMark(raw);
    if (!m || m.dir !== dir) continue;
    const sup = `${m.supervisorPid}.${m.supervisorStart}`;
    let dead = deadCache.get(sup);
    if (dead === undefined) {
      dead = !(m.supervisorPid === self || isSameProcess(m.supervisorPid, m.supervisorStart));
      deadCache.set(sup, dead);
    }
    if (!dead) continue;
    const list = out.get(m.unit);
    if (list) list.push(e);
    else out.set(m.unit, [e]);
  }
  return out;
}
