// What `inspect` shows about the past: CPU/RSS of each unit's whole process tree sampled at
// 1 Hz into fixed-size typed-array rings (memory stays flat however long the daemon runs), and
// the last exits and restarts derived from the supervisor's state changes.
import { type ProcStat, treeCpuPercent, treeTotals } from "../runtime/proc.ts";
import { indexOf } from "./tree.ts";
import type { UnitSnapshot } from "./supervisor.ts";

/** 10 minutes at 1 Hz: the longest `inspect --window`. */
export const HISTORY_SECONDS = 600;
const EVENTS_KEPT = 20;

export interface Sample {
  at: number;
  cpu: number;
  rss: number;
}

/** 12 bytes a sample (7 KiB a unit): whole seconds since the epoch (the ring is 1 Hz), CPU %,
 *  and RSS in KiB (the kernel counts pages, so nothing is lost). */
class Ring {
  private readonly at = new Uint32Array(HISTORY_SECONDS);
  private readonly cpu = new Float32Array(HISTORY_SECONDS);
  private readonly rss = new Uint32Array(HISTORY_SECONDS);
  private next = 0;
  private size = 0;

  push(s: Sample): void {
    this.at[this.next] = Math.round(s.at / 1000);
    this.cpu[this.next] = s.cpu;
    this.rss[this.next] = Math.min(Math.round(s.rss / 1024), 0xffffffff);
    this.next = (this.next + 1) % HISTORY_SECONDS;
    if (this.size < HISTORY_SECONDS) this.size++;
  }

  latest(): Sample | null {
    if (this.size === 0) return null;
    const i = (this.next - 1 + HISTORY_SECONDS) % HISTORY_SECONDS;
    return this.sample(i);
  }

  private sample(i: number): Sample {
    return { at: this.at[i]! * 1000, cpu: this.cpu[i]!, rss: this.rss[i]! * 1024 };
  }

  since(t: number): Sample[] {
    const out: Sample[] = [];
    for (let k = this.size; k > 0; k--) {
      const i = (this.next - k + HISTORY_SECONDS) % HISTORY_SECONDS;
      if (this.at[i]! * 1000 >= t) out.push(this.sample(i));
    }
    return out;
  }
}

export interface ExitEvent {
  at: number;
  code: number | null;
  signal: string | null;
  reason: string | null;
}
export interface RestartEvent {
  at: number;
  reason: string;
}

/** Each member's own CPU ticks at one sample, in reused typed arrays (no garbage per tick). */
class MemberTicks {
  pids = new Int32Array(4);
  ticks = new Float64Array(4);
  n = 0;
  at = 0;
  /** the run (main pid) these members belong to */
  root = 0;

  reset(at: number, root: number): void {
    this.n = 0;
    this.at = at;
    this.root = root;
  }

  add(pid: number, ticks: number): void {
    if (this.n === this.pids.length) {
      const pids = new Int32Array(this.n * 2);
      const t = new Float64Array(this.n * 2);
      pids.set(this.pids);
      t.set(this.ticks);
      this.pids = pids;
      this.ticks = t;
    }
    this.pids[this.n] = pid;
    this.ticks[this.n] = ticks;
    this.n++;
  }

  find(pid: number): number | null {
    for (let i = 0; i < this.n; i++) if (this.pids[i] === pid) return this.ticks[i]!;
    return null;
  }
}

interface Track {
  ring: Ring;
  /** previous tick's CPU ticks of the tree, to turn totals into a rate */
  prev: { at: number; ticks: number; pid: number } | null;
  /** each member's ticks at the last two samples: one process's CPU over the last interval (inspect) */
  members: [MemberTicks, MemberTicks];
  exits: ExitEvent[];
  restarts: RestartEvent[];
  lastExitAt: number | null;
  restartCount: number;
}

export class History {
  private readonly tracks = new Map<string, Track>();

  private track(name: string): Track {
    let t = this.tracks.get(name);
    if (!t) {
      t = { ring: new Ring(), prev: null, members: [new MemberTicks(), new MemberTicks()], exits: [], restarts: [], lastExitAt: null, restartCount: 0 };
      this.tracks.set(name, t);
    }
    return t;
  }

  /** One sample of every running unit from one /proc scan: its whole tree's CPU since the last
   *  sample (the run's first: since it started) and RSS — what status shows (src/ipc/status.ts). */
  sample(units: { name: string; pid: number | null; started_at?: number | null }[], table: ProcStat[], now = Date.now()): void {
    // one index per scan, shared with the tree refresh of the same tick
    const index = indexOf(table);
    for (const u of units) {
      if (u.pid === null) continue;
      const t = this.track(u.name);
      // the older buffer becomes this sample's: [previous, current]
      const cur = t.members[0];
      t.members[0] = t.members[1];
      t.members[1] = cur;
      cur.reset(now, u.pid);
      const r = treeTotals(u.pid, index, now, (m) => cur.add(m.pid, m.cpuTicks));
      if (!r) continue;
      const from = t.prev && t.prev.pid === u.pid ? t.prev : u.started_at != null && u.started_at < now ? { ticks: 0, at: u.started_at } : null;
      t.prev = { at: now, ticks: r.ticks, pid: u.pid };
      t.ring.push({ at: now, cpu: from ? treeCpuPercent(from, r) : 0, rss: r.rss });
    }
  }

  /** Derives exits and restarts from a state change. */
  observe(u: UnitSnapshot): void {
    const t = this.track(u.name);
    if (u.last_exit && u.last_exit.at !== t.lastExitAt) {
      t.lastExitAt = u.last_exit.at;
      pushBounded(t.exits, { at: u.last_exit.at, code: u.last_exit.code, signal: u.last_exit.signal, reason: u.reason });
    }
    if (u.restarts > t.restartCount) {
      t.restartCount = u.restarts;
      pushBounded(t.restarts, { at: Date.now(), reason: u.reason ?? "restart policy" });
    }
  }

  /** An operator action (restart, reload) that restarted the unit. */
  restartedBy(name: string, reason: string): void {
    pushBounded(this.track(name).restarts, { at: Date.now(), reason });
  }

  /** CPU % of one member of the unit's run over the last interval between samples (null: not
   *  seen at both, e.g. started since): the same quantity as the unit's, for one process. */
  memberCpu(name: string, root: number, pid: number): number | null {
    const t = this.tracks.get(name);
    if (!t) return null;
    const [before, after] = t.members;
    if (before.root !== root || after.root !== root) return null;
    const a = before.find(pid);
    const b = after.find(pid);
    if (a === null || b === null) return null;
    return treeCpuPercent({ ticks: a, at: before.at }, { ticks: b, at: after.at });
  }

  latest(name: string, pid: number | null): Sample | null {
    const t = this.tracks.get(name);
    if (!t || pid === null || t.prev?.pid !== pid) return null;
    return t.ring.latest();
  }

  samples(name: string, windowMs: number, now = Date.now()): Sample[] {
    return this.tracks.get(name)?.ring.since(now - windowMs) ?? [];
  }

  exits(name: string): ExitEvent[] {
    return this.tracks.get(name)?.exits ?? [];
  }

  restarts(name: string): RestartEvent[] {
    return this.tracks.get(name)?.restarts ?? [];
  }

  forget(name: string): void {
    this.tracks.delete(name);
  }
}

function pushBounded<T>(list: T[], item: T): void {
  list.push(item);
  if (list.length > EVENTS_KEPT) list.shift();
}
