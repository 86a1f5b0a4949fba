// Ending processes nobody supervises any more. After a supervisor died without shutting down
// (SIGKILL, OOM), its services may still run — but their output pipes went with it, so they
// cannot be re-adopted with their logs intact: the next supervisor (and `sysg purge`) ends them
// and starts afresh. At shutdown, processes re-parented to us that no service owns end too.
// Every target is identified by pid + start time, so a recycled pid is never signalled.
import { constants, openSync, readFileSync, readlinkSync } from "node:fs";
import type { Platform, PumpedLog } from "../platform/types.ts";
import { orphanedByDeadSupervisors, stateDirId } from "../runtime/attribution.ts";
import type { RuntimePaths } from "../runtime/paths.ts";
import { type ProcStat, childrenByParent, isSameProcess, procTable, readStat } from "../runtime/proc.ts";
import { PidFile, readJsonMap } from "../runtime/state.ts";

/** pid → start time */
type Members = Map<number, number>;

/** Where the output a dead supervisor's services still hold goes (their log files). */
export type RecoverySink = (unit: string, stream: "stdout" | "stderr") => Pick<PumpedLog, "attach" | "sync"> | null;

/**
 * Ends what dead supervisors of this state dir left running: the service processes pid.json
 * records (checked by pid + start time, with their process groups and descendants), and every
 * process whose SYSG_UNIT mark names a supervisor of this state dir that is gone — the
 * double-fork + setsid daemons no tree walk can link, and runs started too shortly before the
 * kill to be in pid.json. SIGTERM, then SIGKILL after `graceMs`. With `sink`, the output
 * still in their pipes (services write to a pipe they also hold open for reading, so it
 * outlives the supervisor) is drained into their logs until the last writer is gone.
 * Returns how many services had processes left.
 */
export async function stopRecordedServices(paths: RuntimePaths, platform: Platform, graceMs = 5000, sink?: RecoverySink): Promise<number> {
  const recorded = readJsonMap(paths.pidJson, PidFile);
  const table = procTable();
  const children = childrenByParent(table);
  const byUnit = new Map<string, Members>();
  const add = (unit: string, pid: number, start: number) => {
    let m = byUnit.get(unit);
    if (!m) byUnit.set(unit, (m = new Map()));
    m.set(pid, start);
    for (const d of walk(pid, children)) m.set(d.pid, d.startTime);
  };
  // Remember every member now: once a leader dies its children are re-parented elsewhere.
  for (const [unit, r] of Object.entries(recorded.ok ? recorded.value : {})) {
    if (!isSameProcess(r.pid, r.start_time)) continue;
    add(unit, r.pid, r.start_time);
    for (const e of table) if (e.pgid === r.pgid && e.state !== "Z") add(unit, e.pid, e.startTime);
  }
  for (const [unit, procs] of orphanedByDeadSupervisors(stateDirId(paths.stateDir), table)) for (const e of procs) add(unit, e.pid, e.startTime);
  if (byUnit.size === 0) return 0;
  const all: Members = new Map();
  for (const m of byUnit.values()) for (const [pid, start] of m) all.set(pid, start);
  const pipes = sink ? [...byUnit].flatMap(([unit, members]) => openPipes(unit, members, sink)) : [];
  let drains: Promise<void>[] = [];
  if (pipes.length > 0) {
    // Freeze them, then empty their pipes into the logs: what they wrote up to now is on disk
    // before anything can end them (a pipe's content dies with its last holder). The pump
    // consumes only what is in the file, so a kill meanwhile leaves the rest in the pipe.
    for (const pid of alive(all)) platform.kill(pid, "SIGSTOP");
    await waitStopped(all, 1000);
    // What they write while stopping is copied until the last writer is gone (EOF).
    drains = pipes.map((p) => p.sink.attach(p.fd));
    await Promise.race([Promise.all(pipes.map((p) => p.sink.sync())), new Promise((r) => setTimeout(r, 5000))]);
    for (const pid of alive(all)) platform.kill(pid, "SIGCONT");
  }
  await endProcesses(platform, all, graceMs);
  await Promise.race([Promise.all(drains), new Promise((r) => setTimeout(r, 2000))]);
  return byUnit.size;
}

interface OpenPipe {
  fd: number;
  sink: Pick<PumpedLog, "attach" | "sync">;
}

/**
 * Opens the service's own stdout/stderr pipes through /proc (one reader per pipe). Only pipes
 * a member holds read-write are ours: sysg gives every service its output that way
 * (./child.ts), while a pipe of the service's own plumbing is write-only on its side.
 */
function openPipes(unit: string, members: Members, sink: RecoverySink): OpenPipe[] {
  const seen = new Set<string>();
  const out: OpenPipe[] = [];
  for (const pid of members.keys()) {
    for (const [fd, stream] of [[1, "stdout"], [2, "stderr"]] as const) {
      let link: string;
      let flags: number;
      try {
        link = readlinkSync(`/proc/${pid}/fd/${fd}`);
        flags = Number.parseInt(/^flags:\s*([0-7]+)/m.exec(readFileSync(`/proc/${pid}/fdinfo/${fd}`, "latin1"))?.[1] ?? "0", 8);
      } catch {
        continue;
      }
      if (!link.startsWith("pipe:") || (flags & 3) !== constants.O_RDWR || seen.has(link)) continue;
      seen.add(link);
      const target = sink(unit, stream);
      if (!target) continue;
      try {
        out.push({ fd: openSync(`/proc/${pid}/fd/${fd}`, constants.O_RDONLY | constants.O_NONBLOCK), sink: target });
      } catch {
        // gone meanwhile
      }
    }
  }
  return out;
}

function alive(members: Members): number[] {
  return [...members].filter(([pid, start]) => isSameProcess(pid, start)).map(([pid]) => pid);
}

/** Until every member is stopped (state T) or gone, at most `ms`. */
async function waitStopped(members: Members, ms: number): Promise<void> {
  const end = Date.now() + ms;
  const running = () => alive(members).some((pid) => readStat(pid)?.state !== "T");
  while (running() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
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
  for (const d of walk(pid, childrenByParent(table))) members.set(d.pid, d.startTime);
}

/** Every live descendant of `pid` by parent links. */
function walk(pid: number, children: Map<number, ProcStat[]>): ProcStat[] {
  const out: ProcStat[] = [];
  const queue = [pid];
  const seen = new Set(queue);
  while (queue.length > 0)
    for (const c of children.get(queue.pop()!) ?? []) {
      if (seen.has(c.pid)) continue;
      seen.add(c.pid);
      if (c.state !== "Z") out.push(c);
      queue.push(c.pid);
    }
  return out;
}

/** SIGTERM to every member still running, up to `graceMs` for them to go, then SIGKILL. */
async function endProcesses(platform: Platform, members: Members, graceMs: number): Promise<void> {
  for (const pid of alive(members)) platform.kill(pid, "SIGTERM");
  const deadline = Date.now() + graceMs;
  while (alive(members).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  for (const pid of alive(members)) platform.kill(pid, "SIGKILL");
}
