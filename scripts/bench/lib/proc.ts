// /proc readers for the benchmarks: process trees, names, start times and memory. Reading /proc
// is the one yardstick that works the same for every supervisor we compare.
import { readFileSync, readdirSync } from "node:fs";

function read(path: string): string | null {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return null;
  }
}

/** Direct children of `pid`, over all its threads (a child belongs to the thread that forked it). */
export function children(pid: number): number[] {
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const t of tasks) {
    const s = read(`/proc/${pid}/task/${t}/children`);
    if (!s) continue;
    for (const p of s.trim().split(" ")) if (p) out.push(Number(p));
  }
  return out;
}

/** Every descendant of `pid` (not `pid` itself). */
export function descendants(pid: number): number[] {
  const out: number[] = [];
  const todo = [pid];
  while (todo.length > 0) {
    for (const c of children(todo.pop()!)) {
      out.push(c);
      todo.push(c);
    }
  }
  return out;
}

export function comm(pid: number): string | null {
  return read(`/proc/${pid}/comm`)?.trimEnd() ?? null;
}

/** Field 22 of /proc/<pid>/stat: tells a live process from a recycled pid. */
export function startTime(pid: number): string | null {
  const s = read(`/proc/${pid}/stat`);
  if (!s) return null;
  return s.slice(s.lastIndexOf(")") + 2).split(" ")[19] ?? null;
}

/** Parent pid (field 4 of stat), or null when gone. */
export function parentPid(pid: number): number | null {
  const s = read(`/proc/${pid}/stat`);
  return s ? Number(s.slice(s.lastIndexOf(")") + 2).split(" ")[1]) : null;
}

/** CPU time used so far, user + system, in clock ticks (fields 14 and 15 of stat; 100 per second). */
export function cpuTicks(pid: number): number {
  const s = read(`/proc/${pid}/stat`);
  if (!s) return 0;
  const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
  return Number(f[11]) + Number(f[12]);
}

/** State letter (R, S, Z…) or null when gone. */
export function procState(pid: number): string | null {
  const s = read(`/proc/${pid}/stat`);
  return s ? (s.slice(s.lastIndexOf(")") + 2)[0] ?? null) : null;
}

/** Is `pid` alive and not a zombie? */
export function alive(pid: number): boolean {
  const st = procState(pid);
  return st !== null && st !== "Z" && st !== "X";
}

/** Children of `pid` (or all its descendants) whose name is `name`. */
export function childrenNamed(pid: number, name: string, deep = false): number[] {
  return (deep ? descendants(pid) : children(pid)).filter((c) => comm(c) === name);
}

export interface Memory {
  /** kB */
  rss: number;
  /** kB of RSS that is anonymous (heap, stacks): the part no other process can share */
  anon: number;
  /** kB, from smaps_rollup (shared pages split between their users) */
  pss: number;
  threads: number;
}

export function memory(pid: number): Memory | null {
  const status = read(`/proc/${pid}/status`);
  if (!status) return null;
  const field = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, "m").exec(text)?.[1] ?? NaN);
  const rollup = read(`/proc/${pid}/smaps_rollup`) ?? "";
  return { rss: field(status, "VmRSS"), anon: field(status, "RssAnon"), pss: field(rollup, "Pss"), threads: field(status, "Threads") };
}

/** Sums memory over several processes (a supervision tree such as runsvdir + every runsv). */
export function sumMemory(pids: number[]): Memory & { processes: number } {
  const total = { rss: 0, anon: 0, pss: 0, threads: 0, processes: 0 };
  for (const p of pids) {
    const m = memory(p);
    if (!m) continue;
    total.rss += m.rss;
    total.anon += m.anon;
    total.pss += m.pss;
    total.threads += m.threads;
    total.processes++;
  }
  return total;
}

/**
 * Busy-polls `pred` every `intervalMs` (synchronously, so timings are not at the mercy of the
 * event loop) and returns performance.now() of the first true, or null after `timeoutMs`.
 */
export function pollSync(pred: () => boolean, timeoutMs: number, intervalMs = 0.25): number | null {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (pred()) return performance.now();
    if (performance.now() > deadline) return null;
    Bun.sleepSync(intervalMs);
  }
}

/** Async variant for long waits, letting the event loop reap our own children meanwhile. */
export async function pollAsync(pred: () => boolean, timeoutMs: number, intervalMs = 20): Promise<boolean> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    if (pred()) return true;
    if (performance.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
