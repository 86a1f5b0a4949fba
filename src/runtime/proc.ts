// Readings from /proc: identity of a process (pid + start time, so a recycled pid is never
// mistaken for ours), its parent, group, session and state, CPU ticks and RSS, and the
// process table walks the supervisor needs to find every descendant of a service.
import { closeSync, openSync, readFileSync, readSync, readdirSync } from "node:fs";

export interface ProcStat {
  pid: number;
  /** executable name (stat field 2), at most 15 bytes */
  comm: string;
  /** R, S, D, Z, T, t, X, I … (stat field 3) */
  state: string;
  ppid: number;
  pgid: number;
  sid: number;
  /** user + system CPU time, clock ticks (fields 14, 15) */
  cpuTicks: number;
  /** clock ticks after boot (field 22): with the pid, the identity of a process */
  startTime: number;
  /** resident set size, bytes (field 24 × page size) */
  rss: number;
}

/** Parses /proc/<pid>/stat; null when the process does not exist (or /proc is unreadable). */
export function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "latin1");
  } catch {
    return null;
  }
  return parseStat(text);
}

/** One /proc/<pid>/stat line. comm may hold spaces and ")", so fields are counted from the last ")". */
export function parseStat(text: string): ProcStat | null {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return null;
  // f[0] is field 3 (state)
  const f = text.slice(close + 2).split(" ");
  if (f.length < 22) return null;
  const num = (field: number) => Number(f[field - 3]);
  return {
    pid: Number(text.slice(0, open - 1)),
    comm: text.slice(open + 1, close),
    state: f[0]!,
    ppid: num(4),
    pgid: num(5),
    sid: num(6),
    cpuTicks: num(14) + num(15),
    startTime: num(22),
    rss: num(24) * auxv().pageSize,
  };
}

/** True when `pid` is the very process that started at `startTime` and has not finished
 *  (a zombie has finished: it only waits for its parent to collect the status). */
export function isSameProcess(pid: number, startTime: number): boolean {
  const st = readStat(pid);
  return st !== null && st.startTime === startTime && st.state !== "Z" && st.state !== "X";
}

/** Every process visible in /proc (processes that vanish while we scan are skipped). */
export function procTable(): ProcStat[] {
  const table: ProcStat[] = [];
  let names: string[];
  try {
    names = readdirSync("/proc");
  } catch {
    return table;
  }
  for (const name of names) {
    const c = name.charCodeAt(0);
    if (c < 48 || c > 57) continue;
    const st = scanStat(name);
    if (st) table.push(st);
  }
  return table;
}

/** /proc/<pid>/stat of one known pid, read the cheap way (the tick reads every member's). */
export function statOf(pid: number): ProcStat | null {
  return scanStat(String(pid));
}

/** The pid the kernel handed out last (/proc/loadavg, field 5): unchanged means no process or
 *  thread was created anywhere since it was read before. null when unreadable. */
export function lastPid(): number | null {
  try {
    const n = Number(readFileSync("/proc/loadavg", "latin1").trim().split(" ")[4]);
    return Number.isInteger(n) ? n : null;
  } catch {
    return null;
  }
}

/** One buffer for every stat read of a scan: the 1 Hz sampler reads every process each tick. */
const statBuf = new Uint8Array(1024);

/**
 * /proc/<pid>/stat read into the shared buffer and parsed from bytes (no string split): the
 * same result as readStat, at a fraction of the garbage, for the per-tick scan.
 */
function scanStat(pid: string): ProcStat | null {
  let fd: number;
  try {
    fd = openSync(`/proc/${pid}/stat`, "r");
  } catch {
    return null;
  }
  let n = 0;
  try {
    n = readSync(fd, statBuf, 0, statBuf.length, null);
  } catch {
    n = 0;
  } finally {
    closeSync(fd);
  }
  const b = statBuf;
  // comm ends at the last ")" (comm itself may contain ")")
  let close = n - 1;
  while (close > 0 && b[close] !== 41) close--;
  let open = 0;
  while (open < close && b[open] !== 40) open++;
  if (close <= open || close + 2 >= n) return null;
  let comm = "";
  for (let i = open + 1; i < close; i++) comm += String.fromCharCode(b[i]!);
  const state = String.fromCharCode(b[close + 2]!);
  // fields from 4 on, space-separated non-negative integers (we need 4,5,6,14,15,22,24)
  let field = 3;
  let i = close + 3;
  let ppid = 0, pgid = 0, sid = 0, ticks = 0, threads = 1, start = 0, rss = 0;
  while (i < n && field < 24) {
    i++; // the space
    field++;
    let v = 0;
    let neg = false;
    if (b[i] === 45) {
      neg = true;
      i++;
    }
    while (i < n && b[i]! >= 48 && b[i]! <= 57) v = v * 10 + (b[i++]! - 48);
    if (neg) v = -v;
    switch (field) {
      case 4: ppid = v; break;
      case 5: pgid = v; break;
      case 6: sid = v; break;
      case 14:
      case 15: ticks += v; break;
      case 20: threads = v; break;
      case 22: start = v; break;
      case 24: rss = v; break;
    }
    while (i < n && b[i] !== 32) i++;
  }
  if (field < 24) return null;
  lastThreads = threads;
  return { pid: Number(pid), comm, state, ppid, pgid, sid, cpuTicks: ticks, startTime: start, rss: rss * auxv().pageSize };
}
let lastThreads = 1;

/** Children of `pid` from /proc/<pid>/task/<tid>/children (every thread's, as any thread may fork). */
function childPids(pid: number, threads: number): number[] {
  const out: number[] = [];
  const tids = threads <= 1 ? [String(pid)] : safeReaddir(`/proc/${pid}/task`);
  for (const tid of tids) {
    let text: string;
    try {
      text = readFileSync(`/proc/${pid}/task/${tid}/children`, "latin1");
    } catch {
      continue;
    }
    for (const w of text.split(" ")) if (w) out.push(Number(w));
  }
  return out;
}

/** The names in `dir`; none when it is missing or unreadable. */
export function safeReaddir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * The processes below `root` (itself included) and below each of `extra`, read by following
 * children links: two small reads per process instead of one per process on the machine. For
 * a supervisor that is child subreaper, its own descendants are every process it could own.
 */
export function descendantTable(root: number, extra: Iterable<number> = []): ProcStat[] {
  const table: ProcStat[] = [];
  const seen = new Set<number>();
  const queue = [root, ...extra];
  while (queue.length > 0) {
    const pid = queue.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const st = scanStat(String(pid));
    if (!st) continue;
    table.push(st);
    for (const c of childPids(pid, lastThreads)) if (!seen.has(c)) queue.push(c);
  }
  return table;
}

/** parent pid → its children, from one scan (shared by every tree walk over that scan). */
export function childrenByParent<T extends { ppid: number }>(table: readonly T[]): Map<number, T[]> {
  const children = new Map<number, T[]>();
  for (const e of table) {
    const list = children.get(e.ppid);
    if (list) list.push(e);
    else children.set(e.ppid, [e]);
  }
  return children;
}

/** Every descendant of `pid` by parent links (setsid does not break them; re-parenting to a
 *  subreaper does). Pass `table` to reuse one scan for several questions. */
export function descendants(pid: number, table: ProcStat[] = procTable()): ProcStat[] {
  const children = childrenByParent(table);
  const out: ProcStat[] = [];
  const queue = [pid];
  const seen = new Set<number>(queue);
  while (queue.length > 0) {
    for (const c of children.get(queue.pop()!) ?? []) {
      if (seen.has(c.pid)) continue;
      seen.add(c.pid);
      out.push(c);
      queue.push(c.pid);
    }
  }
  return out;
}

/** Members of process group `pgid`. */
export function processGroup(pgid: number, table: ProcStat[] = procTable()): ProcStat[] {
  return table.filter((e) => e.pgid === pgid);
}

/** Seconds since boot (/proc/uptime). */
export function uptimeSeconds(): number {
  return Number(readFileSync("/proc/uptime", "latin1").split(" ")[0]);
}

/** Seconds `st` has been running. */
export function processAgeSeconds(st: ProcStat, now: number = uptimeSeconds()): number {
  return Math.max(0, now - st.startTime / auxv().clockTicks);
}

/** Wall-clock ms at which a process with this start time started. */
export function startedAtMs(startTime: number): number {
  return Date.now() - (uptimeSeconds() - startTime / auxv().clockTicks) * 1000;
}

let aux: { pageSize: number; clockTicks: number } | undefined;

/** Page size and clock ticks per second from the ELF auxiliary vector (AT_PAGESZ, AT_CLKTCK),
 *  which is what sysconf() reads; the usual Linux values if it cannot be read. The entries are
 *  read as 64-bit little-endian pairs (x86-64, arm64). */
export function auxv(): { pageSize: number; clockTicks: number } {
  if (aux) return aux;
  aux = { pageSize: 4096, clockTicks: 100 };
  try {
    const b = readFileSync("/proc/self/auxv");
    const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
    for (let off = 0; off + 16 <= b.byteLength; off += 16) {
      const key = Number(v.getBigUint64(off, true));
      const val = Number(v.getBigUint64(off + 8, true));
      if (key === 0) break;
      if (key === 6) aux.pageSize = val;
      if (key === 17) aux.clockTicks = val;
    }
  } catch {
    // keep the defaults
  }
  return aux;
}

/** One reading of a unit's process tree: CPU time and resident memory of its members. */
export interface TreeReading {
  /** user + system CPU time of the members, clock ticks */
  ticks: number;
  /** resident memory of the members, bytes */
  rss: number;
  /** ms since epoch when read */
  at: number;
}

/** `root` and every descendant (parent links) summed, from one /proc reading; null when root is gone. */
export function treeTotals<T extends { pid: number; cpuTicks: number; rss: number }>(
  root: number,
  index: { byPid: ReadonlyMap<number, T>; children: ReadonlyMap<number, readonly T[]> },
  at: number,
  /** sees each member once (e.g. to remember its own ticks) */
  visit?: (member: T) => void,
): TreeReading | null {
  const first = index.byPid.get(root);
  if (!first) return null;
  let ticks = 0;
  let rss = 0;
  const seen = new Set<number>();
  const stack = [first];
  while (stack.length > 0) {
    const m = stack.pop()!;
    if (seen.has(m.pid)) continue;
    seen.add(m.pid);
    ticks += m.cpuTicks;
    rss += m.rss;
    visit?.(m);
    for (const c of index.children.get(m.pid) ?? []) stack.push(c);
  }
  return { ticks, rss, at };
}

/** The tree of `root` read now by children links (two small reads per member). */
export function readTree(root: number): TreeReading | null {
  const table = descendantTable(root);
  return treeTotals(root, { byPid: new Map(table.map((e) => [e.pid, e] as const)), children: childrenByParent(table) }, Date.now());
}

/**
 * CPU % (100 = one core) of a tree between two readings. A member that exited between them
 * takes its ticks along, so never below 0. `before` may be `{ticks: 0, at: start}`: a run
 * measured since it started (its processes were all born after `start`).
 */
export function treeCpuPercent(before: Pick<TreeReading, "ticks" | "at">, after: Pick<TreeReading, "ticks" | "at">): number {
  const ms = after.at - before.at;
  if (ms <= 0) return 0;
  return Math.max(0, (((after.ticks - before.ticks) / auxv().clockTicks) * 100_000) / ms);
}
