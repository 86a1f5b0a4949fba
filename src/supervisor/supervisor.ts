// The supervisor: owns one Unit per service and drives it through SPEC §2's states —
// dependency order and readiness, restart policy with backoff, operator stop/restart, and
// graceful shutdown in reverse dependency order. It never touches the OS directly: children go
// through ./child.ts (the Platform), process trees through an injected /proc scan.
import type { ResolvedConfig, ResolvedService } from "../config/resolved.ts";
import { signalNumber } from "../config/signals.ts";
import { killCgroup } from "../privilege/cgroup.ts";
import type { ExitStatus, Platform, SpawnSpec } from "../platform/types.ts";
import { backoffDelay } from "./backoff.ts";
import { type Child, type OutputSink, describeExit, startChild } from "./child.ts";
import { type HookEvent, type HookOutcome, runHook } from "./hooks.ts";
import { NotifyChannel } from "./notify.ts";
import { describeProbe, probeUntilReady } from "./readiness.ts";
import { type UnitState, isSettled, satisfiesDependents } from "./states.ts";
import { type ProcScan, ProcessTree } from "./tree.ts";

export type Level = "error" | "warn" | "info" | "debug";

export interface LastExit {
  code: number | null;
  signal: string | null;
  /** ms since epoch */
  at: number;
}

/** What status, state.json and events report about one unit. */
export interface UnitSnapshot {
  name: string;
  state: UnitState;
  pid: number | null;
  /** ms since epoch when the current run started (null when not running) */
  started_at: number | null;
  /** ms since epoch of the last state change */
  since: number;
  restarts: number;
  last_exit: LastExit | null;
  reason: string | null;
}

/** Per-service spawn additions from the privilege context (user, limits, caps, fds…). */
export type PrivilegeHook = (svc: ResolvedService) =>
  | {
      ok: true;
      extra: Partial<SpawnSpec>;
      env: Record<string, string>;
      /** the service's cgroup v2 directory: stop ends it with cgroup.kill */
      cgroupDir?: string;
      /** called once the spawn is done (closes the cgroup fd) */
      release?: () => void;
    }
  | { ok: false; reason: string };

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
  report: (level: Level, service: string | null, text: string) => void;
  /** A critical service failed: the caller shuts everything down and exits with `code`. */
  onCritical?: (service: string, code: number) => void;
  privilege?: PrivilegeHook;
  random?: () => number;
  /** start only these units (the CLI adds their dependencies); the rest begin `stopped` */
  only?: string[];
  /** where `notify` readiness puts each service's sd_notify socket (the state dir) */
  notifyDir?: string;
}

interface Unit {
  svc: ResolvedService;
  state: UnitState;
  reason: string | null;
  since: number;
  child: Child | null;
  tree: ProcessTree | null;
  startedAt: number | null;
  restarts: number;
  /** consecutive failed runs: drives backoff and max_restarts */
  streak: number;
  lastExit: LastExit | null;
  /** bumped on every launch and stop, so callbacks of an older run are ignored */
  gen: number;
  timer: ReturnType<typeof setTimeout> | null;
  probe: AbortController | null;
  stdout: OutputSink;
  stderr: OutputSink;
  lineListeners: Set<(line: string) => void>;
  stopping: Promise<void> | null;
  /** the first attempt has settled (for `start --daemonize`) */
  firstSettled: boolean;
  /** cgroup v2 dir of the current run, when the privilege context made one */
  cgroupDir: string | null;
  /** the current run's sd_notify socket (notify readiness), closed when the run ends */
  notify: NotifyChannel | null;
}

const DEFAULT_READY_MS = 100;
const STOP_POLL_MS = 50;

export class Supervisor {
  private units = new Map<string, Unit>();
  private config: ResolvedConfig;
  private shuttingDown = false;
  private settledWaiters: { check: () => boolean; resolve: () => void }[] = [];
  private scheduling = false;
  private scheduleAgain = false;
  /** hooks still running: shutdown waits for them (each is bounded by its own timeout) */
  private readonly hooksRunning = new Set<Promise<void>>();

  constructor(private readonly opts: SupervisorOptions) {
    this.config = opts.config;
    const only = opts.only ? this.withDependencies(opts.only) : null;
    for (const name of this.config.order) {
      const u = this.makeUnit(this.config.services[name]!);
      if ((only && !only.has(name)) || u.svc.cron) {
        // cron jobs run when their schedule says (src/cron), not at start
        u.state = "stopped";
        u.reason = u.svc.cron ? "waiting for its schedule" : null;
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
      state: svc.cron ? "stopped" : "pending",
      reason: svc.cron ? "waiting for its schedule" : null,
      since: Date.now(),
      child: null,
      tree: null,
      startedAt: null,
      restarts: 0,
      streak: 0,
      lastExit: null,
      gen: 0,
      timer: null,
      probe: null,
      stdout: sinkFor("stdout"),
      stderr: sinkFor("stderr"),
      lineListeners,
      stopping: null,
      firstSettled: svc.cron !== null,
      cgroupDir: null,
      notify: null,
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
    return {
      name: u.svc.name,
      state: u.state,
      pid: u.child?.pid ?? null,
      started_at: u.child ? u.startedAt : null,
      since: u.since,
      restarts: u.restarts,
      last_exit: u.lastExit,
      reason: u.reason,
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
      if (u.state === "starting" || u.state === "stopping") return false;
      if (u.state === "pending" && !this.blocked(u)) return false;
    }
    return true;
  }

  /** A pending unit waiting on a dependency that is crashed or stopped will not start by itself soon. */
  private blocked(u: Unit): boolean {
    return u.svc.depends_on.some((d) => {
      const s = this.units.get(d)?.state;
      return s === "crashed" || s === "stopped" || s === "failed";
    });
  }

  // ── state changes ──────────────────────────────────────────────────────────

  private setState(u: Unit, state: UnitState, reason: string | null = null): void {
    u.state = state;
    u.reason = reason;
    u.since = Date.now();
    if (!u.firstSettled && isSettled(state)) u.firstSettled = true;
    this.opts.onState?.(this.snap(u));
    if (state === "failed" && u.svc.critical && !this.shuttingDown) {
      const code = u.lastExit?.code ?? (u.lastExit?.signal ? 128 + (signalNumber(u.lastExit.signal) ?? 0) : 1);
      this.opts.onCritical?.(u.svc.name, code === 0 ? 1 : code);
    }
    this.schedule();
    if (this.settledWaiters.length > 0) {
      const waiting = this.settledWaiters;
      this.settledWaiters = waiting.filter((w) => !w.check());
      for (const w of waiting) if (!this.settledWaiters.includes(w)) w.resolve();
    }
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
      if (u.state !== "pending" || u.stopping) continue;
      let ready = true;
      let failedDep: string | null = null;
      for (const dep of u.svc.depends_on) {
        const d = this.units.get(dep);
        if (!d) continue; // validated at load; a reload may have removed it
        if (d.state === "failed") failedDep = dep;
        if (!satisfiesDependents(d.state)) ready = false;
        // A dependency in backoff or stopped blocks this unit: its first attempt counts as settled.
        if (d.state === "crashed" || d.state === "stopped") u.firstSettled = true;
      }
      if (failedDep !== null) this.setState(u, "failed", `dependency '${failedDep}' failed`);
      else if (ready) this.launch(u);
    }
  }

  // ── start ──────────────────────────────────────────────────────────────────

  /** The named services and everything they depend on, transitively. */
  private withDependencies(names: string[]): Set<string> {
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
      if (u.svc.cron) continue;
      if (u.state === "stopped" || u.state === "failed" || u.state === "exited" || u.state === "skipped") {
        u.streak = 0;
        this.setState(u, "pending");
      }
    }
    this.schedule();
  }

  private launch(u: Unit): void {
    u.gen++;
    const gen = u.gen;
    const { svc } = u;
    if (svc.skip === true) {
      this.setState(u, "skipped", "skip: true");
      return;
    }
    if (typeof svc.skip === "string") {
      this.setState(u, "starting", "checking skip condition");
      const r = startChild(this.opts.platform, { command: svc.skip, env: svc.env, cwd: svc.working_dir });
      if (!r.ok) {
        this.runFailed(u, `skip check: ${r.error.message}`, null);
        return;
      }
      r.child.exit.then((s) => {
        if (u.gen !== gen || u.state !== "starting") return;
        if (s.code === 0) this.setState(u, "skipped", `skip command exited 0`);
        else this.spawnMain(u, gen);
      });
      return;
    }
    this.spawnMain(u, gen);
  }

  private spawnMain(u: Unit, gen: number): void {
    const { svc } = u;
    let extra: Partial<SpawnSpec> = { session: true };
    let env = svc.env;
    let release: (() => void) | undefined;
    let notify: NotifyChannel | null = null;
    if (svc.readiness.probe.kind === "notify") {
      const n = this.opts.notifyDir
        ? NotifyChannel.open(this.opts.platform, this.opts.notifyDir, svc.name)
        : { ok: false as const, reason: "notify socket: the supervisor was given no directory for it" };
      if (!n.ok) {
        this.runFailed(u, n.reason, null);
        return;
      }
      notify = n.channel;
    }
    if (this.opts.privilege) {
      const p = this.opts.privilege(svc);
      if (!p.ok) {
        notify?.close();
        this.runFailed(u, p.reason, null);
        return;
      }
      extra = { ...extra, ...p.extra };
      env = { ...env, ...p.env };
      u.cgroupDir = p.cgroupDir ?? null;
      release = p.release;
    }
    // only this service's own run sees NOTIFY_SOCKET (not hooks, probes or other services)
    if (notify) env = { ...env, NOTIFY_SOCKET: notify.socket.path };
    const r = startChild(this.opts.platform, {
      command: svc.command,
      env,
      cwd: svc.working_dir,
      stdout: u.stdout,
      stderr: u.stderr,
      extra,
    });
    release?.();
    if (!r.ok) {
      notify?.close();
      this.runFailed(u, r.error.message, null);
      return;
    }
    const child = r.child;
    u.child = child;
    u.notify = notify;
    u.startedAt = child.startedAt;
    u.tree = new ProcessTree(this.opts.scan, child.pid, child.pid);
    this.setState(u, "starting");
    this.opts.report("info", svc.name, `started (pid ${child.pid})`);
    child.exit.then((status) => {
      notify?.close();
      if (u.notify === notify) u.notify = null;
      this.onExit(u, gen, child, status);
    });
    this.watchReadiness(u, gen);
  }

  private watchReadiness(u: Unit, gen: number): void {
    const { probe, timeout } = u.svc.readiness;
    if (probe.kind === "default") {
      u.timer = setTimeout(() => {
        u.timer = null;
        if (u.gen === gen && u.state === "starting") this.ready(u);
      }, DEFAULT_READY_MS);
      return;
    }
    const ac = new AbortController();
    u.probe = ac;
    let lastError = "";
    const deadline = setTimeout(() => ac.abort(), timeout);
    probeUntilReady(
      probe,
      {
        platform: this.opts.platform,
        env: u.svc.env,
        cwd: u.svc.working_dir,
        signal: ac.signal,
        notify: u.notify?.socket ?? null,
        onLine: (l) => {
          u.lineListeners.add(l);
          return () => u.lineListeners.delete(l);
        },
      },
      (e) => (lastError = e),
    ).then((passed) => {
      clearTimeout(deadline);
      if (u.probe === ac) u.probe = null;
      if (u.gen !== gen || u.state !== "starting") return;
      if (passed) {
        u.notify?.keepDraining();
        this.ready(u);
        return;
      }
      const why = `readiness ${describeProbe(probe)} did not pass within ${timeout} ms${lastError ? ` (${lastError})` : ""}`;
      this.opts.report("error", u.svc.name, why);
      this.stopProcess(u).then(() => {
        this.setState(u, "failed", why);
        this.hook(u, "on_start", "error");
      });
    });
  }

  /** The current state, unnarrowed: calls like launch() may change it synchronously. */
  private stateOf(u: Unit): UnitState {
    return u.state;
  }

  private ready(u: Unit): void {
    this.setState(u, "running");
    this.hook(u, "on_start", "success");
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
    if (u.child || u.stopping) return { ok: false, overlap: true, reason: "the previous run is still going" };
    this.spawnMain(u, ++u.gen);
    const child = u.child as Child | null;
    if (!child) return { ok: true, exit: Promise.resolve(null) };
    return { ok: true, exit: child.exit.then((s) => s) };
  }

  // ── exits and restarts ─────────────────────────────────────────────────────

  private onExit(u: Unit, gen: number, child: Child, status: ExitStatus): void {
    if (u.tree) u.tree.rootReaped = true;
    u.lastExit = { code: status.code, signal: status.signal, at: status.at };
    if (u.child === child) u.child = null;
    // An operator stop or a readiness failure awaits the exit itself.
    if (u.gen !== gen || u.stopping) return;
    this.clearTimers(u);
    const clean = status.code === 0;
    const ranFor = status.at - (u.startedAt ?? status.at);
    if (ranFor >= u.svc.restart_reset) u.streak = 0;
    const policy = u.svc.restart_policy;
    // a cron run is never restarted: the schedule decides when it runs again
    const restart = !u.svc.cron && (policy === "always" || (policy === "on-failure" && !clean));
    const what = describeExit(status);
    this.opts.report(clean ? "info" : "warn", u.svc.name, what);
    if (!restart) {
      if (!clean) setTimeout(this.killLeftovers(u), 0);
      if (clean) {
        this.setState(u, "exited");
        this.hook(u, "on_stop", "success", status);
      } else {
        this.setState(u, "failed", what);
        this.hook(u, "on_stop", "error", status);
      }
      return;
    }
    const sweep = this.killLeftovers(u);
    if (!clean) this.hook(u, "on_stop", "error", status);
    this.scheduleRestart(u, what, status, sweep);
  }

  /** A run that could not even start (exec failure, privilege step): counts as a failed run. */
  private runFailed(u: Unit, reason: string, status: ExitStatus | null): void {
    this.opts.report("error", u.svc.name, reason);
    const policy = u.svc.restart_policy;
    if (policy === "never" || u.svc.cron) {
      this.setState(u, "failed", reason);
      this.hook(u, "on_start", "error", status);
      return;
    }
    this.hook(u, "on_start", "error", status);
    this.scheduleRestart(u, reason, status);
  }

  private scheduleRestart(u: Unit, reason: string, status: ExitStatus | null, sweep: () => void = () => {}): void {
    u.streak++;
    const max = u.svc.max_restarts;
    if (max !== null && u.streak > max) {
      const why = `${reason}; gave up after ${max} restart${max === 1 ? "" : "s"}`;
      this.opts.report("error", u.svc.name, why);
      this.setState(u, "failed", why);
      setTimeout(sweep, 0);
      return;
    }
    const delay = backoffDelay(u.svc.backoff, u.svc.backoff_max, u.streak, this.opts.random);
    this.setState(u, "crashed", reason);
    this.opts.report("info", u.svc.name, `restarting in ${delay} ms (attempt ${u.streak})`);
    const gen = u.gen;
    u.timer = setTimeout(() => {
      u.timer = null;
      if (u.gen !== gen || u.state !== "crashed" || this.shuttingDown) {
        sweep();
        return;
      }
      u.restarts++;
      this.launch(u);
      sweep();
      // launch may already have failed synchronously (exec error), so read the state afresh
      this.hook(u, "on_restart", this.stateOf(u) === "failed" ? "error" : "success", status);
    }, delay);
  }

  /**
   * After the main process of a failed run ended, what lingers of it is killed: its process
   * group at once (one syscall), and the rest of its tree by the returned sweep, which needs a
   * /proc scan — the caller runs it after the restart is launched, so a crash→restart never
   * waits for a scan of every process on the host.
   */
  private killLeftovers(u: Unit): () => void {
    const tree = u.tree;
    if (tree) this.opts.platform.kill(-tree.pgid, "SIGKILL");
    return () => {
      tree?.signalAll(this.opts.platform, "SIGKILL");
    };
  }

  private clearTimers(u: Unit): void {
    if (u.timer) clearTimeout(u.timer);
    u.timer = null;
    u.probe?.abort();
    u.probe = null;
  }

  private hook(u: Unit, event: HookEvent, outcome: HookOutcome, status: ExitStatus | null = null): void {
    const running = runHook(
      u.svc,
      event,
      outcome,
      { pid: status?.pid || u.child?.pid || null, code: status?.code ?? null, signal: status?.signal ?? null },
      {
        platform: this.opts.platform,
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
      u.gen++;
      this.clearTimers(u);
      const wasLive = u.child !== null;
      const pid = u.child?.pid ?? 0;
      if (wasLive) {
        this.setState(u, "stopping");
        await this.stopProcess(u);
      }
      this.setState(u, "stopped");
      if (wasLive) this.opts.report("info", u.svc.name, `stopped (${u.lastExit ? describeExit(u.lastExit) : "gone"})`);
      if (wasLive) this.hook(u, "on_stop", "success", u.lastExit ? { ...u.lastExit, pid } : null);
    })().finally(() => {
      u.stopping = null;
    });
    return u.stopping;
  }

  /** stop_signal to the group, wait stop_timeout, then SIGKILL to every member of the tree. */
  private async stopProcess(u: Unit): Promise<void> {
    const child = u.child;
    const tree = u.tree;
    if (!child || !tree) return;
    const { platform } = this.opts;
    tree.refresh(); // remember the members while the root still links them
    if (!platform.kill(-child.pid, u.svc.stop_signal)) platform.kill(child.pid, u.svc.stop_signal);
    const deadline = Date.now() + u.svc.stop_timeout;
    const exited = await within(child.exit, u.svc.stop_timeout);
    // Members that outlive the main process get the rest of stop_timeout to finish.
    while (exited && Date.now() < deadline && tree.refresh().length > 0) await delay(STOP_POLL_MS);
    await this.killTree(u, child, tree);
  }

  private async killTree(u: Unit, child: Child, tree: ProcessTree): Promise<void> {
    const { platform } = this.opts;
    // cgroup.kill reaches every process of the cgroup at once, even ones that escaped the tree
    if (u.cgroupDir) killCgroup(u.cgroupDir);
    platform.kill(-child.pid, "SIGKILL");
    for (let i = 0; i < 100 && tree.signalAll(platform, "SIGKILL") > 0; i++) await delay(10);
    await child.exit;
    if (u.child === child) u.child = null;
  }

  /** Graceful shutdown of everything: nothing restarts or starts any more. */
  async shutdown(): Promise<void> {
    this.shuttingDown = true;
    await this.stopAll();
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
  async restart(names: string[] = [...this.units.keys()]): Promise<void> {
    await this.stopAll(names);
    this.start(names);
  }

  /**
   * Diff reload (SPEC §2): removed units stop and go, changed ones stop and start with the new
   * definition, added ones start, unchanged ones keep running with the same pid.
   */
  async apply(next: ResolvedConfig): Promise<{ name: string; action: "started" | "stopped" | "restarted" | "unchanged" }[]> {
    const actions: { name: string; action: "started" | "stopped" | "restarted" | "unchanged" }[] = [];
    const removed = [...this.units.keys()].filter((n) => !(n in next.services));
    const changed: string[] = [];
    const added: string[] = [];
    for (const n of next.order) {
      const u = this.units.get(n);
      if (!u) added.push(n);
      else if (JSON.stringify(u.svc) !== JSON.stringify(next.services[n])) changed.push(n);
    }
    await this.stopAll([...removed, ...changed]);
    const old = this.units;
    const units = new Map<string, Unit>();
    for (const n of next.order) {
      const u = old.get(n);
      units.set(n, u && !changed.includes(n) ? u : this.makeUnit(next.services[n]!));
    }
    for (const n of [...removed, ...changed]) {
      old.get(n)?.stdout.close?.();
      old.get(n)?.stderr.close?.();
    }
    this.units = units;
    this.config = next;
    this.start([...changed, ...added]);
    for (const n of removed) actions.push({ name: n, action: "stopped" });
    for (const n of next.order)
      actions.push({ name: n, action: changed.includes(n) ? "restarted" : added.includes(n) ? "started" : "unchanged" });
    return actions;
  }

  /**
   * Learns who belongs to each running unit now (one shared /proc scan), so descendants that
   * later leave the tree — setsid, re-parented to us when their parent dies — are still
   * known members when their run crashes or stops. Called on the 1 Hz sampler tick.
   */
  refreshTrees(): void {
    for (const u of this.units.values()) if (u.child && u.tree && !u.tree.rootReaped) u.tree.refresh();
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

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** true if `p` settled within `ms`; the timer never outlives the race (it would hold the loop open). */
function within(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<boolean>((r) => (timer = setTimeout(() => r(false), ms)));
  return Promise.race([p.then(() => true), timeout]).finally(() => clearTimeout(timer));
}
