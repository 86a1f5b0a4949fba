// The supervisor: owns one Unit per service and runs the effects of its lifecycle
// (./lifecycle.ts decides; this file does) — dependency order and readiness, restarts with
// backoff, operator stop/restart, and graceful shutdown in reverse dependency order. It never
// touches the OS directly: children go through ./child.ts (the Platform), process trees through
// an injected /proc scan, time through an injectable Clock.
import type { ResolvedConfig, ResolvedService } from "../config/resolved.ts";
import { killCgroup } from "../privilege/cgroup.ts";
import type { ExitStatus, Platform, SpawnSpec } from "../platform/types.ts";
import { type Child, type ExecContext, type OutputSink, plainContext, startChild } from "./child.ts";
import { type ExecutionContext, type SpawnAnswer, type SpawnOrder, SpawnedChildren, type SpawnedUnit } from "./children.ts";
import { type HookEvent, type HookOutcome, runHook } from "./hooks.ts";
import { type Effect, type Lifecycle, type LifecycleEvent, initialLifecycle, transition } from "./lifecycle.ts";
import { passHealthCheck, watchLiveness } from "./health.ts";
import { NotifyChannel, notifySocketPath } from "./notify.ts";
import type { PrivilegeHook } from "./privileged.ts";
import { describeProbe, probeUntilReady } from "./readiness.ts";
import { type LastExit, describeExit } from "../model/exit.ts";
import type { Level } from "../model/log-level.ts";
import { type UnitState, isSettled, satisfiesDependents } from "../model/states.ts";
import { UNIT_ENV } from "../runtime/attribution.ts";
import { type ProcEntry, type ProcScan, ProcessTree } from "./tree.ts";

export type { PrivilegeHook } from "./privileged.ts";

/** Time as the supervisor sees it; tests inject a manual one. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/** What status, state.json and events report about one unit. */
export interface UnitSnapshot {
  name: string;
  state: UnitState;
  /** the program's pid (with `isolation.pid`, the service under its namespace's init) */
  pid: number | null;
  /** with `isolation.pid`: the init's process group, where stop signals go (else the pid's own) */
  pgid?: number;
  /** ms since epoch when the current run started (null when not running) */
  started_at: number | null;
  /** ms since epoch of the last state change */
  since: number;
  restarts: number;
  last_exit: LastExit | null;
  reason: string | null;
}

export interface SupervisorOptions {
  platform: Platform;
  config: ResolvedConfig;
  scan: ProcScan;
  /** Opens a service's output sink; `onLine` is set when someone wants decoded lines. */
  sink: (service: ResolvedService, stream: "stdout" | "stderr", onLine: ((line: string) => void) | null) => OutputSink;
  /** Does anybody outside want every line (terminal echo)? */
  echo?: (service: string, stream: "stdout" | "stderr", line: string) => void;
  /** Called after every state change. */
  onState?: (unit: UnitSnapshot) => void;
  /** a dynamic child started or ended */
  onChildren?: () => void;
  report: (level: Level, service: string | null, text: string) => void;
  /** A critical service failed: the caller shuts everything down and exits with `code`. */
  onCritical?: (service: string, code: number) => void;
  /** builds each run's execution context (user, caps, cgroup, …); without it children run as the supervisor */
  privilege?: PrivilegeHook;
  random?: () => number;
  /** start only these units (the CLI adds their dependencies); the rest begin `stopped` */
  only?: string[];
  /** where `notify` readiness puts each service's sd_notify socket (the state dir) */
  notifyDir?: string;
  clock?: Clock;
  /** marks every run (SYSG_UNIT) so its processes stay attributable when re-parented to us */
  attribution?: {
    /** our pid: orphans are re-parented to us (child subreaper) */
    self: number;
    /** a new mark for one run of `unit` */
    mark(unit: string): string;
    /** the mark a process carries, if any */
    of(e: ProcEntry): string | null;
  };
  /** the control socket: services (and their children) find it in SYSG_SOCKET, for `sysg spawn` */
  controlSocket?: string;
}

interface Unit {
  svc: ResolvedService;
  /** the lifecycle's own state (./lifecycle.ts); everything below is the machinery of runs */
  m: Lifecycle;
  child: Child | null;
  tree: ProcessTree | null;
  /** bumped whenever timers are cancelled or a run begins, so callbacks of an older phase are ignored */
  gen: number;
  timer: unknown;
  probe: AbortController | null;
  stdout: OutputSink;
  stderr: OutputSink;
  lineListeners: Set<(line: string) => void>;
  stopping: Promise<void> | null;
  /** the supervisor is ending the current run (end-run effect): resolves once its tree is gone */
  ending: Promise<void> | null;
  /** kills what is left of an exited run's tree (needs a /proc scan, so it runs soon, not now) */
  sweep: ((table: ProcEntry[]) => void) | null;
  /** the first attempt has settled (for `start --daemonize`) */
  firstSettled: boolean;
  /** the current run's execution context: its main process, skip command, probes and hooks start from it */
  ctx: ExecContext | null;
  /** what only the main process of the run gets (socket-activation fds and env) */
  mainExtra: { extra: Partial<SpawnSpec>; env: Record<string, string> };
  /** cgroup v2 dir of the current run, when the privilege context made one */
  cgroupDir: string | null;
  /** the current run's sd_notify socket (notify readiness), closed when the run ends */
  notify: NotifyChannel | null;
  /** the liveness watch of the current run (`health`), while it is ready */
  liveness: { stop(): void } | null;
  /** a rolling deployment in progress: aborting it ends the new instance, the old one stays */
  deploying: { abort: AbortController; done: Promise<unknown> } | null;
}

/** One running instance of a service: the unit's current run, or a rolling deployment's new one. */
interface Instance {
  child: Child;
  tree: ProcessTree;
  notify: NotifyChannel | null;
  /** its execution context (probes and hooks of the run start from it too) */
  ctx: ExecContext;
  main: { extra: Partial<SpawnSpec>; env: Record<string, string> };
}

const DEFAULT_READY_MS = 100;
/** <linux/sched.h>: the service gets its own PID namespace (its main pid is then its init) */
const STOP_POLL_MS = 50;
/** the most a turn of the event loop spends on restarts that fell due (see restartSoon) */
const RESTART_SLICE_MS = 8;
/** sweeps after failed runs wait this long, so the runs ending meanwhile share one /proc scan */
const SWEEP_BATCH_MS = 50;

export class Supervisor {
  private units = new Map<string, Unit>();
  private config: ResolvedConfig;
  private shuttingDown = false;
  private settledWaiters: { check: () => boolean; resolve: () => void }[] = [];
  private scheduling = false;
  private scheduleAgain = false;
  /** a diff reload is inside apply(): a second one would diff against a half-swapped set */
  private applying = false;
  /** hooks still running: shutdown waits for them (each is bounded by its own timeout) */
  private readonly hooksRunning = new Set<Promise<void>>();
  /** units whose backoff elapsed, waiting for their slice (restartSoon) */
  private restartsDue: { u: Unit; gen: number }[] = [];
  /** sweeps waiting for the next shared scan */
  private sweeps: ((table: ProcEntry[]) => void)[] = [];
  private readonly clock: Clock;
  /** dynamic children (`sysg spawn`), stopped when their parent's run ends */
  private readonly children: SpawnedChildren;

  constructor(private readonly opts: SupervisorOptions) {
    this.config = opts.config;
    this.clock = opts.clock ?? realClock;
    this.children = new SpawnedChildren({
      platform: opts.platform,
      report: (level, unit, text) => opts.report(level, unit, text),
      contextOf: (name) => this.executionContext(name),
      changed: () => opts.onChildren?.(),
      mark: (unit): Record<string, string> => {
        const m = opts.attribution?.mark(unit);
        return m === undefined ? {} : { [UNIT_ENV]: m };
      },
    });
    const only = opts.only ? this.withDependencies(opts.only) : null;
    for (const name of this.config.order) {
      const u = this.makeUnit(this.config.services[name]!);
      if (only && !only.has(name) && !u.svc.cron) {
        u.m = { ...u.m, state: "stopped", reason: null };
        u.firstSettled = true;
      }
      this.units.set(name, u);
    }
  }

  private makeUnit(svc: ResolvedService): Unit {
    const lineListeners = new Set<(line: string) => void>();
    const wantsLines = this.opts.echo !== undefined || svc.readiness.probe.kind === "log";
    const sinkFor = (stream: "stdout" | "stderr") => {
      const echo = this.opts.echo;
      const onLine = wantsLines
        ? (line: string) => {
            echo?.(svc.name, stream, line);
            for (const l of lineListeners) l(line);
          }
        : null;
      return this.opts.sink(svc, stream, onLine);
    };
    return {
      svc,
      // a cron unit (also one a reload adds or changes) waits for src/cron, it never starts here
      m: initialLifecycle(svc, this.clock.now()),
      child: null,
      tree: null,
      gen: 0,
      timer: null,
      probe: null,
      stdout: sinkFor("stdout"),
      stderr: sinkFor("stderr"),
      lineListeners,
      stopping: null,
      ending: null,
      sweep: null,
      firstSettled: svc.cron !== null,
      ctx: null,
      mainExtra: { extra: {}, env: {} },
      cgroupDir: null,
      notify: null,
      liveness: null,
      deploying: null,
    };
  }

  // ── queries ────────────────────────────────────────────────────────────────

  names(): string[] {
    return [...this.units.keys()];
  }

  snapshot(name: string): UnitSnapshot | null {
    const u = this.units.get(name);
    return u ? this.snap(u) : null;
  }

  snapshots(): UnitSnapshot[] {
    return [...this.units.values()].map((u) => this.snap(u));
  }

  serviceConfig(name: string): ResolvedService | null {
    return this.units.get(name)?.svc ?? null;
  }

  private snap(u: Unit): UnitSnapshot {
    const { m } = u;
    return {
      name: u.svc.name,
      state: m.state,
      pid: u.child?.program ?? null,
      ...(u.child && u.child.pid !== u.child.program ? { pgid: u.child.pid } : {}),
      started_at: u.child ? m.startedAt : null,
      since: m.since,
      restarts: m.restarts,
      last_exit: m.lastExit,
      reason: m.reason,
    };
  }

  /**
   * Resolves once the named units (default: all) have settled: past pending/starting/stopping,
   * or pending behind a dependency that is down. At start-up this is "every first attempt has
   * settled" (SPEC §5 `start --daemonize`); after restart or reload, the new runs.
   */
  whenSettled(names?: string[]): Promise<void> {
    const check = () => this.settled(names);
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push({ check, resolve }));
  }

  private settled(names?: string[]): boolean {
    for (const u of this.units.values()) {
      if (names && !names.includes(u.svc.name)) continue;
      if (!u.firstSettled) return false;
      if (u.m.state === "starting" || u.m.state === "stopping") return false;
      if (u.m.state === "pending" && !this.blocked(u)) return false;
    }
    return true;
  }

  /** A pending unit waiting on a dependency that is crashed or stopped will not start by itself soon. */
  private blocked(u: Unit): boolean {
    return u.svc.depends_on.some((d) => {
      const s = this.units.get(d)?.m.state;
      return s === "crashed" || s === "stopped" || s === "failed";
    });
  }

  // ── the lifecycle ──────────────────────────────────────────────────────────

  /** Feeds one event to the unit's lifecycle and runs the effects it asks for, in order. */
  private dispatch(u: Unit, event: LifecycleEvent): void {
    // a new run gets a fresh execution context (config, accounts and cgroup as they are now)
    if (event.type === "launch" || event.type === "backoff-elapsed") u.ctx = null;
    const r = transition(u.svc, u.m, event, {
      now: this.clock.now(),
      shuttingDown: this.shuttingDown,
      random: this.opts.random,
    });
    u.m = r.unit;
    if (r.changed) {
      if (!u.firstSettled && isSettled(u.m.state)) u.firstSettled = true;
      this.opts.onState?.(this.snap(u));
    }
    for (const e of r.effects) this.perform(u, e);
    if (r.changed) {
      this.schedule();
      this.wakeSettledWaiters();
    }
  }

  private perform(u: Unit, e: Effect): void {
    switch (e.kind) {
      case "report":
        this.opts.report(e.level, u.svc.name, e.text);
        return;
      case "hook":
        this.hook(u, e.event, e.outcome, e.status, e.pid);
        return;
      case "check-skip":
        u.gen++;
        this.checkSkip(u, u.gen);
        return;
      case "spawn":
        u.gen++;
        this.spawnMain(u);
        return;
      case "watch-readiness":
        this.watchReadiness(u, u.gen);
        return;
      case "watch-liveness":
        this.watchLiveness(u, u.gen);
        return;
      case "cancel":
        u.gen++;
        this.clearTimers(u);
        return;
      case "end-run":
        this.endRun(u);
        return;
      case "kill-leftovers":
        this.killLeftovers(u);
        return;
      case "sweep": {
        const sweep = u.sweep;
        u.sweep = null;
        if (!sweep) return;
        // a /proc scan: after what this event launches, never before it, and one scan for all
        // the sweeps that fall due meanwhile (a crash storm ends many runs a second)
        this.sweeps.push(sweep);
        if (this.sweeps.length === 1) {
          this.clock.setTimeout(() => {
            const due = this.sweeps;
            this.sweeps = [];
            const table = this.opts.scan();
            for (const s of due) s(table);
          }, SWEEP_BATCH_MS);
        }
        return;
      }
      case "backoff": {
        const gen = u.gen;
        u.timer = this.clock.setTimeout(() => {
          u.timer = null;
          if (u.gen === gen) this.restartSoon(u, gen);
        }, e.ms);
        return;
      }
      case "critical":
        this.opts.onCritical?.(u.svc.name, e.code);
        return;
    }
  }

  /**
   * Restarts whose backoff elapsed run in slices of at most RESTART_SLICE_MS, each slice in its
   * own turn of the event loop: a spawn holds the loop until the child has exec'd (a few ms on
   * a loaded machine), and 100 crash-looping services falling due together held it for
   * hundreds of ms — every `status` waited that long. Between slices requests are answered.
   */
  private restartSoon(u: Unit, gen: number): void {
    this.restartsDue.push({ u, gen });
    if (this.restartsDue.length === 1) this.clock.setTimeout(() => this.restartSlice(), 0);
  }

  private restartSlice(): void {
    const start = performance.now();
    while (this.restartsDue.length > 0 && performance.now() - start < RESTART_SLICE_MS) {
      const { u, gen } = this.restartsDue.shift()!;
      // a stop, reload or another event meanwhile moved the unit on (it bumps gen)
      if (u.gen === gen) this.dispatch(u, { type: "backoff-elapsed" });
    }
    if (this.restartsDue.length > 0) this.clock.setTimeout(() => this.restartSlice(), 0);
  }

  private wakeSettledWaiters(): void {
    if (this.settledWaiters.length === 0) return;
    const waiting = this.settledWaiters;
    this.settledWaiters = waiting.filter((w) => !w.check());
    for (const w of waiting) if (!this.settledWaiters.includes(w)) w.resolve();
  }

  /**
   * Starts every pending unit whose dependencies are satisfied; fails those whose dependency
   * failed. Not re-entrant: a state change during a pass (a launch, a cascade) asks for one
   * more pass instead of recursing, so 1000 services start in a flat loop.
   */
  private schedule(): void {
    if (this.shuttingDown) return;
    if (this.scheduling) {
      this.scheduleAgain = true;
      return;
    }
    this.scheduling = true;
    try {
      do {
        this.scheduleAgain = false;
        this.schedulePass();
      } while (this.scheduleAgain && !this.shuttingDown);
    } finally {
      this.scheduling = false;
    }
  }

  private schedulePass(): void {
    for (const u of this.units.values()) {
      if (u.m.state !== "pending" || u.stopping) continue;
      let ready = true;
      let failedDep: string | null = null;
      for (const dep of u.svc.depends_on) {
        const d = this.units.get(dep);
        if (!d) continue; // validated at load; a reload may have removed it
        if (d.m.state === "failed") failedDep = dep;
        if (!satisfiesDependents(d.m.state)) ready = false;
        // A dependency in backoff or stopped blocks this unit: its first attempt counts as settled.
        if (d.m.state === "crashed" || d.m.state === "stopped") u.firstSettled = true;
      }
      if (failedDep !== null) this.dispatch(u, { type: "dependency-failed", dependency: failedDep });
      else if (ready) this.dispatch(u, { type: "launch" });
    }
  }

  // ── start ──────────────────────────────────────────────────────────────────

  /** The named services and everything they depend on, transitively. */
  withDependencies(names: string[]): Set<string> {
    const out = new Set<string>();
    const visit = (n: string) => {
      if (out.has(n)) return;
      out.add(n);
      for (const d of (this.units.get(n)?.svc ?? this.config.services[n])?.depends_on ?? []) visit(d);
    };
    for (const n of names) visit(n);
    return out;
  }

  /** Starts all units (or the named ones and what they depend on) in dependency order. */
  start(names?: string[]): void {
    const wanted = names ? this.withDependencies(names) : null;
    for (const u of this.units.values()) {
      if (wanted && !wanted.has(u.svc.name)) continue;
      this.dispatch(u, { type: "start" });
    }
    this.schedule();
  }

  /**
   * The run's execution context, built at its first spawn (skip command or main process) and
   * kept for everything the run starts afterwards; null (and spawn-failed) when it cannot be built.
   */
  private runContext(u: Unit): ExecContext | null {
    if (u.ctx) return u.ctx;
    const built = this.buildContext(u.svc);
    if (!built.ok) {
      this.dispatch(u, { type: "spawn-failed", reason: built.reason });
      return null;
    }
    u.ctx = built.ctx;
    u.mainExtra = built.main;
    u.cgroupDir = u.ctx.cgroupDir;
    return u.ctx;
  }

  /** A fresh execution context for a run of `svc`, and what only its main process gets. */
  private buildContext(
    svc: ResolvedService,
  ): { ok: true; ctx: ExecContext; main: { extra: Partial<SpawnSpec>; env: Record<string, string> } } | { ok: false; reason: string } {
    if (!this.opts.privilege) return { ok: true, ctx: plainContext(svc), main: { extra: {}, env: {} } };
    const p = this.opts.privilege(svc);
    return p.ok ? { ok: true, ctx: p.context, main: p.main } : p;
  }

  private checkSkip(u: Unit, gen: number): void {
    const { svc } = u;
    const ctx = this.runContext(u);
    if (!ctx) return;
    const r = startChild(this.opts.platform, ctx, { command: svc.skip as string });
    if (!r.ok) {
      this.dispatch(u, { type: "spawn-failed", reason: `skip check: ${r.error.message}` });
      return;
    }
    r.child.exit.then((s) => {
      if (u.gen === gen) this.dispatch(u, { type: "skip-checked", skip: s.code === 0 });
    });
  }

  private spawnMain(u: Unit): void {
    const ctx = this.runContext(u);
    if (!ctx) return;
    const r = this.startInstance(u, u.svc, ctx, u.mainExtra);
    if (!r.ok) {
      this.dispatch(u, { type: "spawn-failed", reason: r.reason });
      return;
    }
    this.adopt(u, r.instance);
    this.dispatch(u, { type: "spawned", pid: r.instance.child.program, at: this.clock.now() });
  }

  /** The instance becomes the unit's current run. */
  private adopt(u: Unit, inst: Instance): void {
    u.child = inst.child;
    u.notify = inst.notify;
    u.tree = inst.tree;
    u.ctx = inst.ctx;
    u.mainExtra = inst.main;
    u.cgroupDir = inst.ctx.cgroupDir;
  }

  /**
   * Starts one instance of `svc` for the unit, in the execution context `ctx` (plus what only a
   * main process gets). Its exit reaches the lifecycle only while it is the unit's current run,
   * so a rolling deployment can start a new instance beside the serving one (and end the old
   * one) without either exit being a crash.
   */
  private startInstance(
    u: Unit,
    svc: ResolvedService,
    ctx: ExecContext,
    main: { extra: Partial<SpawnSpec>; env: Record<string, string> },
  ): { ok: true; instance: Instance } | { ok: false; reason: string } {
    let notify: NotifyChannel | null = null;
    const probe = svc.readiness.probe;
    if (probe.kind === "notify") {
      // a rolling deployment's new instance must not take the serving one's socket path (the
      // old one's close would remove it): the two alternate between two names
      const dir = this.opts.notifyDir;
      const taken = dir !== undefined && u.notify?.socket.path === notifySocketPath(dir, svc.name);
      const n = dir
        ? NotifyChannel.open(this.opts.platform, dir, taken ? `${svc.name}.next` : svc.name, {
            // private to the service's user: no other user can even send
            owner: ctx.spec.uid !== undefined ? { uid: ctx.spec.uid, gid: ctx.spec.gid ?? -1 } : undefined,
            access: probe.access,
            refused: (text) => this.opts.report("warn", svc.name, text),
          })
        : { ok: false as const, reason: "notify socket: the supervisor was given no directory for it" };
      if (!n.ok) return { ok: false, reason: n.reason };
      notify = n.channel;
    }
    let env = main.env;
    if (this.opts.controlSocket) env = { ...env, SYSG_SOCKET: this.opts.controlSocket };
    const extra = main.extra;
    // only this service's own run sees NOTIFY_SOCKET (not hooks, probes or other services)
    const attribution = this.opts.attribution;
    const mark = attribution?.mark(svc.name);
    const r = startChild(this.opts.platform, ctx, {
      command: svc.command,
      env: {
        ...env,
        ...(notify ? { NOTIFY_SOCKET: notify.socket.path } : {}),
        ...(mark !== undefined ? { [UNIT_ENV]: mark } : {}),
      },
      stdout: u.stdout,
      stderr: u.stderr,
      extra: { session: true, ...extra },
    });
    if (!r.ok) {
      notify?.close();
      return { ok: false, reason: r.error.message };
    }
    const child = r.child;
    notify?.setMain(child.program);
    const tree = new ProcessTree(
      this.opts.scan,
      child.pid,
      child.pid,
      attribution && mark !== undefined ? { self: attribution.self, mark, of: attribution.of } : undefined,
    );
    child.exit.then((status) => {
      notify?.close();
      if (u.notify === notify) u.notify = null;
      tree.rootReaped = true;
      if (u.child !== child) return;
      // dynamic children belong to the serving run: they end with it
      void this.children.stopUnder(svc.name);
      u.child = null;
      this.dispatch(u, { type: "exited", status });
    });
    return { ok: true, instance: { child, tree, notify, ctx, main } };
  }

  private watchReadiness(u: Unit, gen: number): void {
    const { probe, timeout } = u.svc.readiness;
    if (probe.kind === "default") {
      u.timer = this.clock.setTimeout(() => {
        u.timer = null;
        if (u.gen === gen) this.dispatch(u, { type: "ready" });
      }, DEFAULT_READY_MS);
      return;
    }
    const exec = u.ctx;
    if (!exec) {
      // unreachable: a run that spawned has its context; never probe with more privilege than it
      this.dispatch(u, { type: "readiness-failed", why: "readiness: the run has no execution context" });
      return;
    }
    const ac = new AbortController();
    u.probe = ac;
    let lastError = "";
    const deadline = this.clock.setTimeout(() => ac.abort(), timeout);
    probeUntilReady(
      probe,
      {
        platform: this.opts.platform,
        exec,
        signal: ac.signal,
        notify: u.notify,
        onLine: (l) => {
          u.lineListeners.add(l);
          return () => u.lineListeners.delete(l);
        },
      },
      (e) => (lastError = e),
    ).then((passed) => {
      this.clock.clearTimeout(deadline);
      if (u.probe === ac) u.probe = null;
      if (u.gen !== gen) return;
      if (passed) {
        u.notify?.keepDraining();
        this.opts.report("info", u.svc.name, `ready: readiness ${describeProbe(probe)} passed after ${this.clock.now() - (u.m.startedAt ?? this.clock.now())} ms`);
        this.dispatch(u, { type: "ready" });
        return;
      }
      const why = `readiness ${describeProbe(probe)} did not pass within ${timeout} ms${lastError ? ` (${lastError})` : ""}`;
      this.dispatch(u, { type: "readiness-failed", why });
    });
  }

  /**
   * One run of a cron unit, now (src/cron calls this when it is due). A run still going is
   * not started twice: the answer is "overlap". Resolves with the run's exit, or null when it
   * could not start (the reason is the unit's).
   */
  runCron(name: string): { ok: true; exit: Promise<ExitStatus | null> } | { ok: false; overlap: boolean; reason: string } {
    const u = this.units.get(name);
    if (!u?.svc.cron) return { ok: false, overlap: false, reason: `"${name}" is not a cron unit` };
    if (this.shuttingDown) return { ok: false, overlap: false, reason: "the supervisor is shutting down" };
    if (u.child || u.stopping || u.ending) return { ok: false, overlap: true, reason: "the previous run is still going" };
    this.dispatch(u, { type: "launch" });
    const child = u.child as Child | null;
    if (!child) return { ok: true, exit: Promise.resolve(null) };
    return { ok: true, exit: child.exit.then((s) => s) };
  }

  // ── exits and restarts ─────────────────────────────────────────────────────

  /**
   * After the main process of a failed run ended, what lingers of it is killed: its process
   * group at once (one syscall), and the rest of its tree by a later sweep, which needs a /proc
   * scan — it runs after the restart is launched, so a crash→restart never waits for a scan of
   * every process on the host.
   */
  private killLeftovers(u: Unit): void {
    const tree = u.tree;
    if (!tree) return;
    this.opts.platform.kill(-tree.pgid, "SIGKILL");
    u.sweep = (table) => {
      tree.signalAll(this.opts.platform, "SIGKILL", table);
    };
  }

  /** Liveness: `health` checked every interval while this run is ready (./health.ts). */
  private watchLiveness(u: Unit, gen: number): void {
    const health = u.svc.health;
    if (!health) return;
    u.liveness?.stop();
    const exec = u.ctx;
    // an exec check runs as the service does; a run that is ready always has its context
    if (!exec) return;
    u.liveness = watchLiveness(health, { platform: this.opts.platform, exec }, (why) => {
      u.liveness = null;
      if (u.gen === gen) this.dispatch(u, { type: "liveness-failed", why });
    });
  }

  private clearTimers(u: Unit): void {
    u.liveness?.stop();
    u.liveness = null;
    if (u.timer) this.clock.clearTimeout(u.timer);
    u.timer = null;
    u.probe?.abort();
    u.probe = null;
  }

  private hook(u: Unit, event: HookEvent, outcome: HookOutcome, status: ExitStatus | null = null, pid?: number | null): void {
    const running = runHook(
      u.svc,
      event,
      outcome,
      { pid: pid !== undefined ? pid : status?.pid || u.child?.program || null, code: status?.code ?? null, signal: status?.signal ?? null },
      {
        platform: this.opts.platform,
        context: u.ctx,
        stdout: u.stdout,
        stderr: u.stderr,
        report: (level, text) => this.opts.report(level, u.svc.name, text),
      },
    );
    if (running) {
      this.hooksRunning.add(running);
      running.finally(() => this.hooksRunning.delete(running));
    }
  }

  // ── stop ───────────────────────────────────────────────────────────────────

  /** Operator stop of one unit: graceful, whole tree, then `stopped`. */
  stop(name: string): Promise<void> {
    const u = this.units.get(name);
    if (!u) return Promise.resolve();
    if (u.stopping) return u.stopping;
    u.stopping = (async () => {
      if (u.deploying) {
        u.deploying.abort.abort();
        await u.deploying.done;
      }
      this.dispatch(u, { type: "stop" });
      while (u.ending) await u.ending;
    })().finally(() => {
      u.stopping = null;
    });
    return u.stopping;
  }

  /** The end-run effect: end the current run's whole tree, then tell the lifecycle. */
  private endRun(u: Unit): void {
    const child = u.child;
    if (u.ending || !child) return;
    const ending = this.stopProcess(u)
      .then(() => child.exit)
      .then((status) => {
        if (u.ending === ending) u.ending = null;
        this.dispatch(u, { type: "run-ended", status });
      });
    u.ending = ending;
  }

  /** stop_signal to the group, wait stop_timeout, then SIGKILL to every member of the tree. */
  private async stopProcess(u: Unit): Promise<void> {
    const child = u.child;
    const tree = u.tree;
    if (!child || !tree) return;
    const { platform } = this.opts;
    tree.refresh(); // remember the members while the root still links them
    if (!platform.kill(-child.pid, u.svc.stop_signal)) platform.kill(child.pid, u.svc.stop_signal);
    const deadline = this.clock.now() + u.svc.stop_timeout;
    const exited = await this.within(child.exit, u.svc.stop_timeout);
    // Members that outlive the main process get the rest of stop_timeout to finish.
    while (exited && this.clock.now() < deadline && tree.refresh().length > 0) await this.delay(STOP_POLL_MS);
    await this.killTree(u, child, tree);
  }

  private async killTree(u: Unit, child: Child, tree: ProcessTree): Promise<void> {
    const { platform } = this.opts;
    // cgroup.kill reaches every process of the cgroup at once, even ones that escaped the tree
    if (u.cgroupDir) killCgroup(u.cgroupDir);
    platform.kill(-child.pid, "SIGKILL");
    for (let i = 0; i < 100 && tree.signalAll(platform, "SIGKILL") > 0; i++) await this.delay(10);
    await child.exit;
    if (u.child === child) u.child = null;
  }

  private delay(ms: number): Promise<void> {
    return new Promise((r) => this.clock.setTimeout(r, ms));
  }

  /** true if `p` settled within `ms`; the timer never outlives the race (it would hold the loop open). */
  private within(p: Promise<unknown>, ms: number): Promise<boolean> {
    let timer: unknown;
    const timeout = new Promise<boolean>((r) => (timer = this.clock.setTimeout(() => r(false), ms)));
    return Promise.race([p.then(() => true), timeout]).finally(() => this.clock.clearTimeout(timer));
  }

  /** Graceful shutdown of everything: nothing restarts or starts any more. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    await this.stopAll();
    await this.children.stopAll();
    // on_stop hooks of the last stops run to completion (or their timeout), not into our exit
    while (this.hooksRunning.size > 0) await Promise.all(this.hooksRunning);
  }

  /** Stops every unit (or the named ones); a unit stops only after all its dependents stopped. */
  async stopAll(names: string[] = [...this.units.keys()]): Promise<void> {
    const dependents = new Map<string, string[]>();
    for (const u of this.units.values())
      for (const d of u.svc.depends_on) dependents.set(d, [...(dependents.get(d) ?? []), u.svc.name]);
    const wanted = new Set(names);
    const done = new Map<string, Promise<void>>();
    const stopOne = (name: string): Promise<void> => {
      let p = done.get(name);
      if (!p) {
        const first = (dependents.get(name) ?? []).filter((d) => wanted.has(d)).map(stopOne);
        p = Promise.all(first).then(() => this.stop(name));
        done.set(name, p);
      }
      return p;
    };
    await Promise.all(names.map(stopOne));
  }

  /** Operator restart: stop (whole trees, reverse order), then start again in dependency order. */
  async restart(names: string[] = [...this.units.keys()]): Promise<Record<string, string>> {
    const rolling = names.filter((n) => this.rollable(n, this.units.get(n)?.svc));
    const plain = names.filter((n) => !rolling.includes(n));
    const deploys = Promise.all(rolling.map(async (n) => [n, await this.deploy(n)] as const));
    await this.stopAll(plain);
    const wanted = this.withDependencies(plain);
    for (const u of this.units.values()) if (wanted.has(u.svc.name)) this.dispatch(u, { type: "start", restart: plain.includes(u.svc.name) });
    this.schedule();
    const failed: Record<string, string> = {};
    for (const [n, why] of await deploys) if (why !== null) failed[n] = why;
    return failed;
  }

  /** A rolling deployment applies: the strategy says so and an instance is serving. */
  private rollable(name: string, svc: ResolvedService | undefined): boolean {
    const u = this.units.get(name);
    return !!u && !!svc && svc.deployment?.strategy === "rolling" && svc.deployment.health_check !== null && !svc.cron && u.child !== null && u.m.state === "running" && !u.deploying;
  }

  /**
   * Rolling deployment (SPEC §2) of `svc` (the unit's own definition, or a reload's new one):
   * pre_start once, a new instance beside the serving one, its readiness probe, then the health
   * check, then grace_period with both serving; only then the new one becomes the unit's run
   * and the old one is stopped. Any failure stops the new instance and leaves the old one
   * serving. Resolves null when deployed, else why not (also the unit's reason).
   */
  async deploy(name: string, next?: ResolvedService): Promise<string | null> {
    const u = this.units.get(name);
    if (!u) return `unknown service "${name}"`;
    const svc = next ?? u.svc;
    if (!this.rollable(name, svc)) return `${name}: no serving instance to replace`;
    const abort = new AbortController();
    const run = this.rollOut(u, svc, abort.signal);
    u.deploying = { abort, done: run };
    try {
      return await run;
    } finally {
      u.deploying = null;
    }
  }

  private async rollOut(u: Unit, svc: ResolvedService, aborted: AbortSignal): Promise<string | null> {
    const d = svc.deployment!;
    const report = (level: Level, text: string) => this.opts.report(level, svc.name, `rolling deployment: ${text}`);
    const fail = async (why: string, inst: Instance | null): Promise<string> => {
      if (inst) await this.endInstance(inst, svc);
      const serving = u.child ? ` (pid ${u.child.program} keeps serving)` : "";
      report("error", `${why}; the old instance stays${serving}`);
      this.dispatch(u, { type: "deploy-failed", why, pid: inst?.child.program ?? null });
      return why;
    };
    report("info", "started");
    // the new run's execution context: pre_start, the instance, its probes and hooks run in it
    const built = this.buildContext(svc);
    if (!built.ok) return fail(built.reason, null);
    if (d.pre_start !== null) {
      const r = startChild(this.opts.platform, built.ctx, { command: d.pre_start, stdout: u.stdout, stderr: u.stderr });
      if (!r.ok) return fail(`pre_start could not start: ${r.error.message}`, null);
      const kill = () => this.opts.platform.kill(-r.child.pid, "SIGKILL");
      aborted.addEventListener("abort", kill, { once: true });
      const status = await r.child.exit;
      aborted.removeEventListener("abort", kill);
      if (aborted.aborted) return fail("stopped by the operator during pre_start", null);
      if (status.code !== 0) return fail(`pre_start ${describeExit(status)}`, null);
    }
    const started = this.startInstance(u, svc, built.ctx, built.main);
    if (!started.ok) return fail(`the new instance could not start: ${started.reason}`, null);
    const inst = started.instance;
    report("info", `new instance pid ${inst.child.program} started beside pid ${u.child?.program ?? "?"}`);
    // every wait below ends early when the new instance exits or the operator stops the unit
    const gate = new AbortController();
    let ended: string | null = null;
    inst.child.exit.then((s) => {
      ended ??= `the new instance ${describeExit(s)}`;
      gate.abort();
    });
    aborted.addEventListener("abort", () => {
      ended ??= "stopped by the operator";
      gate.abort();
    }, { once: true });
    const why = await this.instanceReady(u, svc, inst, gate.signal);
    if (why !== null || ended) return fail(ended ?? why!, inst);
    const unhealthy = await passHealthCheck(d.health_check!, { platform: this.opts.platform, exec: built.ctx }, gate.signal);
    if (unhealthy !== null || ended) return fail(ended ?? unhealthy!, inst);
    report("info", `pid ${inst.child.program} is healthy; both serve for grace_period ${d.grace_period} ms`);
    if (d.grace_period > 0) await abortableDelay(this.clock, d.grace_period, gate.signal);
    if (ended) return fail(ended, inst);
    // the switch: the new instance is the unit's run from here; the old one is ended aside
    const old = u.child && u.tree ? { child: u.child, tree: u.tree } : null;
    u.gen++;
    this.clearTimers(u);
    u.svc = svc;
    this.adopt(u, inst);
    this.dispatch(u, { type: "deployed", pid: inst.child.program, at: inst.child.startedAt });
    if (old) {
      await this.endInstance(old, svc);
      report("info", `old pid ${old.child.program} stopped`);
    }
    return null;
  }

  /** Readiness of an instance that is not (yet) the unit's run: null when ready, else why not. */
  private async instanceReady(u: Unit, svc: ResolvedService, inst: Instance, signal: AbortSignal): Promise<string | null> {
    const { probe, timeout } = svc.readiness;
    if (probe.kind === "default") {
      await abortableDelay(this.clock, DEFAULT_READY_MS, signal);
      return signal.aborted ? "the new instance did not stay up" : null;
    }
    const ac = new AbortController();
    const deadline = this.clock.setTimeout(() => ac.abort(), timeout);
    const onOuter = () => ac.abort();
    signal.addEventListener("abort", onOuter, { once: true });
    let lastError = "";
    const passed = await probeUntilReady(
      probe,
      {
        platform: this.opts.platform,
        exec: inst.ctx,
        signal: ac.signal,
        notify: inst.notify,
        onLine: (l) => {
          u.lineListeners.add(l);
          return () => u.lineListeners.delete(l);
        },
      },
      (e) => (lastError = e),
    );
    this.clock.clearTimeout(deadline);
    signal.removeEventListener("abort", onOuter);
    if (passed) {
      inst.notify?.keepDraining();
      return null;
    }
    return `readiness ${describeProbe(probe)} did not pass within ${timeout} ms${lastError ? ` (${lastError})` : ""}`;
  }

  /** Ends an instance that is not the unit's run: stop_signal, stop_timeout, SIGKILL to its tree.
   *  Never cgroup.kill: the other instance shares the service's cgroup. */
  private async endInstance(inst: Pick<Instance, "child" | "tree">, svc: ResolvedService): Promise<void> {
    const { platform } = this.opts;
    const { child, tree } = inst;
    tree.refresh();
    if (!platform.kill(-child.pid, svc.stop_signal)) platform.kill(child.pid, svc.stop_signal);
    const deadline = this.clock.now() + svc.stop_timeout;
    const exited = await this.within(child.exit, svc.stop_timeout);
    while (exited && this.clock.now() < deadline && tree.refresh().length > 0) await this.delay(STOP_POLL_MS);
    platform.kill(-child.pid, "SIGKILL");
    for (let i = 0; i < 100 && tree.signalAll(platform, "SIGKILL") > 0; i++) await this.delay(10);
    await child.exit;
  }

  /**
   * Diff reload (SPEC §2): removed units stop and go, changed ones stop and start with the new
   * definition, added ones start, unchanged ones keep running with the same pid.
   */
  async apply(next: ResolvedConfig): Promise<{ name: string; action: "started" | "stopped" | "restarted" | "unchanged" | "deploy_failed" }[]> {
    // callers serialise reloads (./changes.ts); this is the backstop, not the queue
    if (this.applying) throw new Error("apply: a reload is already being applied (reloads go through the change queue)");
    this.applying = true;
    try {
      return await this.applyDiff(next);
    } finally {
      this.applying = false;
    }
  }

  private async applyDiff(next: ResolvedConfig): Promise<{ name: string; action: "started" | "stopped" | "restarted" | "unchanged" | "deploy_failed" }[]> {
    const actions: { name: string; action: "started" | "stopped" | "restarted" | "unchanged" | "deploy_failed" }[] = [];
    const removed = [...this.units.keys()].filter((n) => !(n in next.services));
    const changed: string[] = [];
    const added: string[] = [];
    for (const n of next.order) {
      const u = this.units.get(n);
      if (!u) added.push(n);
      else if (JSON.stringify(u.svc) !== JSON.stringify(next.services[n])) changed.push(n);
    }
    // a changed service whose new definition is rolling keeps serving while its new one starts
    const rolling = changed.filter((n) => this.rollable(n, next.services[n]));
    const replaced = changed.filter((n) => !rolling.includes(n));
    await this.stopAll([...removed, ...replaced]);
    const old = this.units;
    const units = new Map<string, Unit>();
    for (const n of next.order) {
      const u = old.get(n);
      units.set(n, u && !replaced.includes(n) ? u : this.makeUnit(next.services[n]!));
    }
    for (const n of [...removed, ...replaced]) {
      old.get(n)?.stdout.close?.();
      old.get(n)?.stderr.close?.();
    }
    this.units = units;
    this.config = next;
    this.start([...replaced, ...added]);
    const failed = new Set<string>();
    await Promise.all(rolling.map(async (n) => (await this.deploy(n, next.services[n])) !== null && failed.add(n)));
    for (const n of removed) actions.push({ name: n, action: "stopped" });
    for (const n of next.order)
      actions.push({
        name: n,
        action: failed.has(n) ? "deploy_failed" : changed.includes(n) ? "restarted" : added.includes(n) ? "started" : "unchanged",
      });
    return actions;
  }

  /**
   * Learns who belongs to each running unit now (one shared /proc scan), so descendants that
   * later leave the tree — setsid, re-parented to us when their parent dies — are still
   * known members when their run crashes or stops. Called on the 1 Hz sampler tick.
   */
  /** Every process the units' trees know of, and each live run's main process (known before
   *  its tree's first refresh): what the tick reads. */
  memberPids(): Set<number> {
    const out = new Set<number>();
    for (const u of this.units.values()) {
      if (!u.tree) continue;
      if (u.child && !u.tree.rootReaped) out.add(u.child.pid);
      for (const pid of u.tree.pids()) out.add(pid);
    }
    return out;
  }

  refreshTrees(table?: ProcEntry[]): void {
    for (const u of this.units.values()) if (u.child && u.tree && !u.tree.rootReaped) u.tree.refresh(table);
  }

  // ── dynamic children ───────────────────────────────────────────────────────

  /** `sysg spawn`: a child unit under a running service or child (SPEC §5). */
  spawnChild(order: SpawnOrder): SpawnAnswer {
    if (this.shuttingDown) return { ok: false, code: "bad_request", message: "the supervisor is shutting down" };
    return this.children.spawn(order);
  }

  spawned(): SpawnedUnit[] {
    return this.children.list();
  }

  /** Main pid → unit name, services and children: who a process belongs to (its nearest such ancestor). */
  unitPids(): Map<number, string> {
    const out = new Map<number, string>();
    for (const u of this.units.values()) if (u.child) out.set(u.child.pid, u.svc.name);
    for (const c of this.children.list()) out.set(c.pid, c.name);
    return out;
  }

  /** A running service's execution context, for its dynamic children. */
  private executionContext(name: string): { ok: true; ctx: ExecutionContext } | { ok: false; message: string } {
    const u = this.units.get(name);
    if (!u) return { ok: false, message: `unknown service "${name}"; known: ${this.names().join(", ") || "(none)"}` };
    if (!u.child || (u.m.state !== "running" && u.m.state !== "starting")) {
      return { ok: false, message: `${name} is not running (state ${u.m.state}); hint: a child lives under a running parent: sysg start -s ${name}` };
    }
    // the serving run's own context: a child never has more privilege than its service
    if (!u.ctx) return { ok: false, message: `${name}: its run has no execution context` };
    const env: Record<string, string> = this.opts.controlSocket ? { SYSG_SOCKET: this.opts.controlSocket } : {};
    return { ok: true, ctx: { svc: u.svc, exec: u.ctx, env, stdout: u.stdout, stderr: u.stderr } };
  }

  /** Sends `signal` to the process group of every running unit (PID 1 forwarding, SPEC §9). */
  forward(signal: string): number {
    let n = 0;
    for (const u of this.units.values()) if (u.child && this.opts.platform.kill(-u.child.pid, signal)) n++;
    return n;
  }

  /** Second Ctrl-C: SIGKILL every tree now. */
  async forceKill(): Promise<void> {
    this.shuttingDown = true;
    const waits: Promise<void>[] = [];
    for (const u of this.units.values()) {
      this.clearTimers(u);
      if (u.child && u.tree) waits.push(this.killTree(u, u.child, u.tree));
    }
    await Promise.all(waits);
  }
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function abortableDelay(clock: Clock, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clock.clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = clock.setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
