// Ending processes nobody supervises any more. After a supervisor died without shutting down
// (SIGKILL, OOM), its services may still run — but their output pipes went with it, so they
// cannot be re-adopted with their logs intact: the next supervisor (and `sysg purge`) ends them
// and starts afresh. At shutdown, processes re-parented to us that no service owns end too.
// Every target is identified by pid + start time, so a recycled pid is never signalled.
import type { Platform } from "../platform/types.ts";
import type { RuntimePaths } from "../runtime/paths.ts";
import { type ProcStat, descendants, isSameProcess, procTable } from "../runtime/proc.ts";
import { PidFile, readJsonMap } from "../runtime/state.ts";

/** pid → start time */
type Members = Map<number, number>;

/**
 * The service processes pid.json records that still run — each with its process group and
 * every descendant — get SIGTERM, then SIGKILL after `graceMs`. Returns how many recorded
 * services were still running.
 */
export async function stopRecordedServices(paths: RuntimePaths, platform: Platform, graceMs = 5000): Promise<number> {
  const recorded = readJsonMap(paths.pidJson, PidFile);
  if (!recorded.ok) return 0;
  const live = Object.values(recorded.value).filter((r) => isSameProcess(r.pid, r.start_time));
  if (live.length === 0) return 0;
  // Remember every member now: once a leader dies its children are re-parented elsewhere.
  const table = procTable();
  const members: Members = new Map();
  for (const r of live) {
    members.set(r.pid, r.start_time);
    addTree(members, r.pid, table);
    for (const e of table) if (e.pgid === r.pgid) members.set(e.pid, e.startTime);
  }
  await endProcesses(platform, members, graceMs);
  return live.length;
}

/**
 * At shutdown: processes re-parented to us (we are child subreaper or PID 1) that no service
 * owned any more — what one-shots left behind — and their descendants. Returns how many.
 */
export async function stopAdopted(platform: Platform, graceMs = 2000): Promise<number> {
  const table = procTable();
  const members: Members = new Map();
  for (const e of table) {
    if (e.ppid !== process.pid || e.state === "Z") continue;
    members.set(e.pid, e.startTime);
    addTree(members, e.pid, table);
  }
  await endProcesses(platform, members, graceMs);
  return members.size;
}

function addTree(members: Members, pid: number, table: ProcStat[]): void {
  for (const d of descendants(pid, table)) members.set(d.pid, d.startTime);
}

/** SIGTERM to every member still running, up to `graceMs` for them to go, then SIGKILL. */
async function endProcesses(platform: Platform, members: Members, graceMs: number): Promise<void> {
  const alive = () => [...members].filter(([pid, start]) => isSameProcess(pid, start)).map(([pid]) => pid);
  for (const pid of alive()) platform.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (alive().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const pid of alive()) platform.kill(pid, "SIGKILL");
}
