// The cron scheduler (SPEC §3): one timer per job; when a job is due it asks the Supervisor for
// one run (same spawner, env, privileges and logs as a service). A run still going when the next
// is due is not started twice: that due time is recorded as an overlap. The last CRON_HISTORY
// runs per job and the next due time live in cron_state.json, rewritten atomically after every
// change and read back at start, so history survives a supervisor restart.
import type { ExitStatus } from "../platform/types.ts";
import type { CronRun as ProtocolRun, LastExit } from "../ipc/protocol.ts";
import { CRON_HISTORY, type CronJobRecord, type CronRun, CronStateFile, readJsonMap, writeJsonAtomic } from "../runtime/state.ts";
import { type CronSchedule, nextFire, parseSchedule } from "./schedule.ts";

/** What the scheduler needs of the Supervisor. */
export interface CronHost {
  names(): string[];
  serviceConfig(name: string): { cron: { expression: string; timezone: string } | null } | null;
  runCron(name: string): { ok: true; exit: Promise<ExitStatus | null> } | { ok: false; overlap: boolean; reason: string };
}

export interface CronSchedulerOptions {
  host: CronHost;
  /** paths.cronStateJson */
  statePath: string;
  /** paths.fileMode */
  fileMode: number;
  report: (level: "error" | "warn" | "info" | "debug", service: string | null, text: string) => void;
}

/**
 * Longest single sleep. Far below setTimeout's 2^31-1 ms limit on purpose: timers run on the
 * monotonic clock, so after a wall-clock step (NTP, suspend/resume) a job is re-checked against
 * the wall clock within this long instead of firing hours early or late.
 */
export const MAX_SLEEP_MS = 60_000;

/**
 * A wall clock set back further than this is taken as a new time, as Vixie cron does: the
 * schedule restarts from it, so times that already ran may run again. A smaller step back only
 * delays the job until the clock reaches a due time it has not run yet.
 */
export const CLOCK_RESET_MS = 3 * 3_600_000;

/** Was the wall clock set back by more than CLOCK_RESET_MS while `monoElapsed` ms went by? */
export function clockWasReset(wallElapsed: number, monoElapsed: number): boolean {
  return wallElapsed - monoElapsed < -CLOCK_RESET_MS;
}

/** How long to sleep before looking at a job due at `due` again. */
export function sleepFor(due: number, now: number): number {
  return Math.min(Math.max(0, due - now), MAX_SLEEP_MS);
}

interface Job {
  key: string;
  schedule: CronSchedule;
  /** ms since epoch, null when the expression never matches again */
  next: number | null;
  timer: ReturnType<typeof setTimeout> | null;
  runs: CronRun[];
}

export class CronScheduler {
  private jobs = new Map<string, Job>();
  private stopped = false;

  constructor(private readonly opts: CronSchedulerOptions) {}

  /** Loads the previous history, then schedules every cron unit. */
  start(): void {
    const prev = readJsonMap(this.opts.statePath, CronStateFile);
    if (!prev.ok) this.opts.report("warn", null, `${prev.error.message}; cron history starts afresh`);
    const saved: CronStateFile = prev.ok ? prev.value : {};
    const now = Date.now();
    for (const rec of Object.values(saved)) {
      // a run without an end was cut short by a supervisor that died: its time is unknown
      for (const r of rec.runs) if (r.end === null) Object.assign(r, { end: iso(now), duration: null });
    }
    this.sync(saved);
  }

  /** Brings the jobs in line with the Supervisor's cron units (at start and after a reload). */
  sync(saved: CronStateFile = {}): void {
    if (this.stopped) return;
    const wanted = new Map<string, { expression: string; timezone: string }>();
    for (const name of this.opts.host.names()) {
      const cron = this.opts.host.serviceConfig(name)?.cron;
      if (cron) wanted.set(name, cron);
    }
    for (const [name, job] of this.jobs) {
      if (!wanted.has(name)) {
        this.disarm(job);
        this.jobs.delete(name);
      }
    }
    for (const [name, cron] of wanted) {
      const key = `${cron.expression}\u0000${cron.timezone}`;
      const old = this.jobs.get(name);
      if (old?.key === key) continue;
      const parsed = parseSchedule(cron.expression, cron.timezone);
      if (!parsed.ok) {
        this.opts.report("error", name, `${parsed.error}; the job is not scheduled`);
        continue;
      }
      if (old) this.disarm(old);
      const job: Job = { key, schedule: parsed.value, next: null, timer: null, runs: old?.runs ?? saved[name]?.runs ?? [] };
      this.jobs.set(name, job);
      this.plan(name, job, Date.now());
    }
    this.persist();
  }

  /** Clears every timer; runs already going are still recorded when they end. Without a
   *  supervisor nothing is due, so next_run becomes null in cron_state.json. */
  stop(): void {
    this.stopped = true;
    for (const job of this.jobs.values()) {
      this.disarm(job);
      job.next = null;
    }
    this.persist();
  }

  /** For `status`: the next due time and the last finished run. */
  info(name: string): { next_run: string | null; last_run: LastExit | null } | null {
    const job = this.jobs.get(name);
    if (!job) return null;
    const last = job.runs.findLast((r) => !r.overlap && r.end !== null);
    return {
      next_run: job.next === null ? null : iso(job.next),
      last_run: last ? { code: last.code, signal: last.signal, at: last.end! } : null,
    };
  }

  /** For `inspect`: the recorded runs, oldest first, in the protocol's shape (duration in seconds). */
  history(name: string): ProtocolRun[] {
    return (this.jobs.get(name)?.runs ?? []).map((r) => ({
      started_at: r.start,
      ended_at: r.end,
      code: r.code,
      signal: r.signal,
      duration: r.duration === null ? null : r.duration / 1000,
      overlap: r.overlap ?? false,
    }));
  }

  /**
   * One run now, outside the schedule (`sysg run-now`): recorded in the history like a due
   * run, the schedule left as it is; a run still going is not started twice. Resolves when
   * the run ended, in the protocol's shape.
   */
  async runNow(name: string): Promise<{ ok: true; run: ProtocolRun } | { ok: false; reason: string }> {
    const job = this.jobs.get(name);
    if (!job) return { ok: false, reason: "not a cron job" };
    const started = Date.now();
    const r = this.opts.host.runCron(name);
    if (!r.ok) return { ok: false, reason: r.reason };
    this.opts.report("info", name, "run now, on request (sysg run-now)");
    const run: CronRun = { start: iso(started), end: null, code: null, signal: null, duration: null, overlap: false };
    this.record(job, run);
    this.persist();
    const status = await r.exit;
    const end = status?.at ?? Date.now();
    Object.assign(run, { end: iso(end), code: status?.code ?? null, signal: status?.signal ?? null, duration: Math.max(0, end - started) });
    this.persist();
    return {
      ok: true,
      run: { started_at: run.start, ended_at: run.end, code: run.code, signal: run.signal, duration: run.duration === null ? null : run.duration / 1000, overlap: false },
    };
  }

  // ── timers ─────────────────────────────────────────────────────────────────

  /** Computes the next due time strictly after `after` and sleeps towards it. */
  private plan(name: string, job: Job, after: number): void {
    job.next = nextFire(job.schedule, after);
    if (job.next === null) this.opts.report("warn", name, "the cron expression matches no future time; the job will not run");
    this.arm(name, job);
  }

  private arm(name: string, job: Job): void {
    if (this.stopped || job.next === null) return;
    const due = job.next;
    const wall0 = Date.now();
    const mono0 = performance.now();
    job.timer = setTimeout(() => {
      job.timer = null;
      if (this.jobs.get(name) !== job) return;
      const now = Date.now();
      if (clockWasReset(now - wall0, performance.now() - mono0)) {
        this.opts.report("info", name, "the wall clock was set back by hours; the schedule restarts from the new time");
        this.plan(name, job, now);
        this.persist();
      } else if (now < due) {
        // woke early: a chained long sleep, or the clock was set back a little
        this.arm(name, job);
      } else {
        this.fire(name, job, due);
      }
    }, sleepFor(due, wall0));
  }

  private disarm(job: Job): void {
    if (job.timer) clearTimeout(job.timer);
    job.timer = null;
  }

  private fire(name: string, job: Job, due: number): void {
    const now = Date.now();
    const r = this.opts.host.runCron(name);
    if (r.ok) {
      const run: CronRun = { start: iso(now), end: null, code: null, signal: null, duration: null, overlap: false };
      this.record(job, run);
      r.exit.then((status) => {
        const end = status?.at ?? Date.now();
        Object.assign(run, { end: iso(end), code: status?.code ?? null, signal: status?.signal ?? null, duration: Math.max(0, end - now) });
        this.persist();
      });
    } else if (r.overlap) {
      this.opts.report("warn", name, `run due at ${iso(due)} skipped: ${r.reason}`);
      this.record(job, { start: iso(now), end: iso(now), code: null, signal: null, duration: null, overlap: true });
    } else {
      this.opts.report("warn", name, `run due at ${iso(due)} not started: ${r.reason}`);
    }
    // From now, and never at or before this due time again, even if the clock went back.
    this.plan(name, job, Math.max(now, due));
    this.persist();
  }

  private record(job: Job, run: CronRun): void {
    job.runs.push(run);
    if (job.runs.length > CRON_HISTORY) job.runs.splice(0, job.runs.length - CRON_HISTORY);
  }

  private persist(): void {
    const file: Record<string, CronJobRecord> = {};
    for (const [name, job] of this.jobs) file[name] = { runs: job.runs, next_run: job.next === null ? null : iso(job.next) };
    const w = writeJsonAtomic(this.opts.statePath, file, this.opts.fileMode);
    if (!w.ok) this.opts.report("error", null, w.error.message);
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
