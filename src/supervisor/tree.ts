// The set of processes that belong to one service: its main process, its process group, and
// every descendant — including ones that called setsid and ones re-parented to us (we are the
// child subreaper) after their parent died. Members are remembered with their start time so a
// recycled pid is never signalled.
import type { Platform } from "../platform/types.ts";
import { childrenByParent } from "../runtime/proc.ts";

export interface ProcEntry {
  pid: number;
  ppid: number;
  pgid: number;
  /** clock ticks since boot (stat field 22): identity against pid reuse */
  startTime: number;
}

/** One pass over /proc (injected so the supervisor stays testable and platform-free). */
export type ProcScan = () => ProcEntry[];

/** A run's SYSG_UNIT mark (src/runtime/attribution.ts): processes re-parented to the
 *  supervisor (`self`) that carry it are members, however they left the tree. */
export interface Adoption {
  self: number;
  mark: string;
  /** the mark of a process (cached per pid + start time) */
  of(e: ProcEntry): string | null;
}

export class ProcessTree {
  private readonly members = new Map<number, number>();
  /** Once we reaped the main process its pid may be recycled: stop walking from it. */
  rootReaped = false;

  constructor(
    private readonly scan: ProcScan,
    private readonly root: number,
    readonly pgid: number,
    private readonly adoption?: Adoption,
  ) {}

  /** Adds every live process descending from the root or a known member, or in its group
   *  (from `table` when the caller already scanned, e.g. the 1 Hz tick). */
  refresh(table: ProcEntry[] = this.scan()): ProcEntry[] {
    const { byPid, children, groups } = indexOf(table);
    const live: ProcEntry[] = [];
    // drop members that died or whose pid was recycled
    for (const [pid, start] of this.members) {
      const e = byPid.get(pid);
      if (!e || e.startTime !== start) this.members.delete(pid);
    }
    const queue: number[] = [...this.members.keys()];
    if (!this.rootReaped) queue.push(this.root);
    for (const e of groups.get(this.pgid) ?? []) if (e.pid !== this.root) queue.push(e.pid);
    // a double-fork + setsid daemon is re-parented to us before any walk sees whose it was
    const a = this.adoption;
    if (a) for (const c of adoptedByMark(table, children, a).get(a.mark) ?? []) if (c.pid !== this.root) queue.push(c.pid);
    const seen = new Set<number>();
    while (queue.length > 0) {
      const pid = queue.pop()!;
      if (seen.has(pid)) continue;
      seen.add(pid);
      const e = byPid.get(pid);
      if (e) {
        this.members.set(pid, e.startTime);
        live.push(e);
      }
      for (const c of children.get(pid) ?? []) queue.push(c.pid);
    }
    return live;
  }

  /** The members found by the last refresh (the root included while it lives). */
  pids(): IterableIterator<number> {
    return this.members.keys();
  }

  /** Signals every live member (after a fresh scan, or `table`); returns how many were signalled. */
  signalAll(platform: Platform, signal: string, table?: ProcEntry[]): number {
    let n = 0;
    for (const e of this.refresh(table)) if (platform.kill(e.pid, signal)) n++;
    return n;
  }
}

interface TableIndex {
  byPid: Map<number, ProcEntry>;
  children: Map<number, ProcEntry[]>;
  groups: Map<number, ProcEntry[]>;
}

/** The supervisor's children grouped by their mark, once per scan: every tree asks for its own
 *  mark, and asking each child per tree made a tick O(units²) (1000 units: 10⁶ lookups). */
const adoptedIndexes = new WeakMap<ProcEntry[], Map<string | null, ProcEntry[]>>();

function adoptedByMark(table: ProcEntry[], children: Map<number, ProcEntry[]>, a: Adoption): Map<string | null, ProcEntry[]> {
  let byMark = adoptedIndexes.get(table);
  if (byMark) return byMark;
  byMark = new Map();
  for (const c of children.get(a.self) ?? []) {
    const m = a.of(c);
    const list = byMark.get(m);
    if (list) list.push(c);
    else byMark.set(m, [c]);
  }
  adoptedIndexes.set(table, byMark);
  return byMark;
}

/** One index per scan: many trees refreshed from the same (shared) scan reuse it. */
const indexes = new WeakMap<ProcEntry[], TableIndex>();

export function indexOf<T extends ProcEntry>(table: T[]): { byPid: Map<number, T>; children: Map<number, T[]>; groups: Map<number, T[]> };
export function indexOf(table: ProcEntry[]): TableIndex {
  let idx = indexes.get(table);
  if (idx) return idx;
  idx = { byPid: new Map(), children: childrenByParent(table), groups: new Map() };
  for (const e of table) {
    idx.byPid.set(e.pid, e);
    push(idx.groups, e.pgid, e);
  }
  indexes.set(table, idx);
  return idx;
}

function push(map: Map<number, ProcEntry[]>, key: number, e: ProcEntry): void {
  const list = map.get(key);
  if (list) list.push(e);
  else map.set(key, [e]);
}
