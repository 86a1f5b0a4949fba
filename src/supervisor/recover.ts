// After a supervisor died without shutting down (SIGKILL, OOM, power to the box but not to its
// children), its services may still run — but their output pipes went with it, so they cannot be
// re-adopted with their logs intact. They are stopped (process group and every descendant,
// identity checked by pid + start time, never a recycled pid) and the new supervisor starts
// them afresh.
import type { Platform } from "../platform/types.ts";
import type { RuntimePaths } from "../runtime/paths.ts";
import { descendants, isSameProcess, procTable } from "../runtime/proc.ts";
import { PidFile, type SysgPidFile, readJsonMap } from "../runtime/state.ts";

const GRACE_MS = 5000;

/** Returns how many recorded service processes were still running and got stopped. */
export async function stopLeftovers(paths: RuntimePaths, platform: Platform, _previous: SysgPidFile): Promise<number> {
  const recorded = readJsonMap(paths.pidJson, PidFile);
  if (!recorded.ok) return 0;
  const live = Object.values(recorded.value).filter((r) => isSameProcess(r.pid, r.start_time));
  if (live.length === 0) return 0;
  // Remember every member now: once a leader dies its children are re-parented elsewhere.
  const table = procTable();
  const members = new Map<number, number>();
  for (const r of live) {
    members.set(r.pid, r.start_time);
    for (const d of descendants(r.pid, table)) members.set(d.pid, d.startTime);
    for (const e of table) if (e.pgid === r.pgid) members.set(e.pid, e.startTime);
  }
  for (const r of live) platform.kill(-r.pgid, "SIGTERM");
  const deadline = Date.now() + GRACE_MS;
  const alive = () => [...members].filter(([pid, start]) => isSameProcess(pid, start));
  while (alive().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const [pid] of alive()) platform.kill(pid, "SIGKILL");
  return live.length;
}

/**
 * At shutdown: processes re-parented to us (we are child subreaper or PID 1) that no service
 * owned any more — what one-shots left behind — get SIGTERM, then SIGKILL after `graceMs`.
 * Returns how many there were.
 */
export async function stopAdopted(platform: Platform, graceMs = 2000): Promise<number> {
  const table = procTable();
  const members = new Map<number, number>();
  for (const e of table) {
    if (e.ppid !== process.pid || e.state === "Z") continue;
    members.set(e.pid, e.startTime);
    for (const d of descendants(e.pid, table)) members.set(d.pid, d.startTime);
  }
  if (members.size === 0) return 0;
  for (const pid of members.keys()) platform.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  const alive = () => [...members].filter(([pid, start]) => isSameProcess(pid, start));
  while (alive().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const [pid] of alive()) platform.kill(pid, "SIGKILL");
  return members.size;
}
