// What the 1 Hz tick reads from /proc. Every second it needs the CPU ticks and RSS of each
// unit's processes; it reads /proc/<pid>/stat of the processes the trees already know (one
// small read each), never the whole of /proc (a readdir of /proc alone costs ~2 ms with 1000
// processes on the host). New descendants are found by following children links from the
// supervisor and the known members (a second read per process), and only when a process can
// have appeared: the kernel's newest pid moved since the last such walk, and at most every
// DISCOVER_MS; what a walk found is read every tick after it. Until then a fresh descendant is
// not counted yet; a kill still finds it (the kill path scans afresh, ./tree.ts).
import type { ProcStat } from "../runtime/proc.ts";

export interface ProcSource {
  /** /proc/<pid>/stat, null once the process is gone */
  stat(pid: number): ProcStat | null;
  /** `root` and `extra` and everything below them, by children links */
  descendants(root: number, extra: number[]): ProcStat[];
  /** the newest pid handed out on the host, null when unknown */
  lastPid(): number | null;
}

/** How stale the list of a unit's processes may get while new processes appear on the host. */
export const DISCOVER_MS = 5000;

export class TickReader {
  private walkedAt = Number.NEGATIVE_INFINITY;
  private walkedLastPid: number | null = null;

  constructor(
    private readonly source: ProcSource,
    /** the supervisor (child subreaper: every process a unit could own descends from it) */
    private readonly self: number,
    private readonly discoverMs = DISCOVER_MS,
  ) {}

  /** What the last reading found: read again next tick, with the members known by then. */
  private known: number[] = [];

  /** The live processes of the units this tick, given every pid the trees know now. */
  read(members: Iterable<number>, now: number): ProcStat[] {
    const newest = this.source.lastPid();
    const quiet = newest !== null && newest === this.walkedLastPid;
    let table: ProcStat[];
    if (!quiet && now - this.walkedAt >= this.discoverMs) {
      this.walkedAt = now;
      this.walkedLastPid = newest;
      table = this.source.descendants(this.self, [...members]).filter((e) => e.pid !== this.self && live(e));
    } else {
      const pids = new Set(this.known);
      for (const pid of members) pids.add(pid);
      table = [];
      for (const pid of pids) {
        const st = this.source.stat(pid);
        if (st && live(st)) table.push(st);
      }
    }
    this.known = table.map((e) => e.pid);
    return table;
  }
}

/** Zombies have finished: they only wait for the reaper. */
function live(e: ProcStat): boolean {
  return e.state !== "Z" && e.state !== "X";
}
