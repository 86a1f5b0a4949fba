// Writes state.json and pid.json from the supervisor's snapshots. Changes are coalesced (one
// write per burst of state changes) and every write is atomic, so a reader — or the next
// supervisor after a SIGKILL — always sees a whole, recent file. The writes that follow state
// changes skip the fsyncs (a crash storm changes states many times a second, and each fsync on
// a busy disk held the event loop for up to tens of ms; a power loss ends every service
// anyway); flush() — when start-up settled, at shutdown — writes durably.
import { readStat } from "../runtime/proc.ts";
import type { RuntimePaths } from "../runtime/paths.ts";
import { type PidFile, type StateFile, writeJsonAtomic } from "../runtime/state.ts";
import type { UnitSnapshot } from "./supervisor.ts";

const COALESCE_MS = 25;

export class StatePersister {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly startTimes = new Map<number, number>();

  constructor(
    private readonly paths: RuntimePaths,
    private readonly snapshots: () => UnitSnapshot[],
    private readonly onError: (message: string) => void,
  ) {}

  /** A state changed: write soon (atomically, not durably). */
  changed(): void {
    if (!this.timer) this.timer = setTimeout(() => this.write(false), COALESCE_MS);
  }

  /** Writes both files now, durably. */
  flush(): void {
    this.write(true);
  }

  private write(durable: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const state: StateFile = {};
    const pids: PidFile = {};
    const live = new Set<number>();
    for (const u of this.snapshots()) {
      state[u.name] = {
        state: u.state,
        restarts: u.restarts,
        last_exit: u.last_exit ? { code: u.last_exit.code, signal: u.last_exit.signal, at: iso(u.last_exit.at) } : null,
        reason: u.reason,
        since: iso(u.since),
      };
      if (u.pid !== null) {
        const start = this.startTime(u.pid);
        if (start !== null) {
          // a PID-namespace run's group is its init's: recovery ends the init and all under it
          pids[u.name] = { pid: u.pid, pgid: u.pgid ?? u.pid, start_time: start };
          live.add(u.pid);
        }
      }
    }
    for (const pid of this.startTimes.keys()) if (!live.has(pid)) this.startTimes.delete(pid);
    for (const [path, value] of [
      [this.paths.stateJson, state],
      [this.paths.pidJson, pids],
    ] as const) {
      const r = writeJsonAtomic(path, value, this.paths.fileMode, durable);
      if (!r.ok) this.onError(r.error.message);
    }
  }

  private startTime(pid: number): number | null {
    let t = this.startTimes.get(pid);
    if (t === undefined) {
      const st = readStat(pid);
      if (!st) return null;
      t = st.startTime;
      this.startTimes.set(pid, t);
    }
    return t;
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
