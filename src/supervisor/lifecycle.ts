// The unit lifecycle as a pure function (SPEC §2): (state, event) → (state, effects). It owns
// every decision — restart policy, backoff, max_restarts, which hook runs, when a unit is
// failed — and performs none of them: the Supervisor runs the effects (spawn, signals, timers,
// hooks) and feeds the outcomes back as events. A run the supervisor itself ends carries one
// explicit stop reason, so its exit is never mistaken for a crash.
import type { ResolvedService } from "../config/resolved.ts";
import { signalNumber } from "../model/signals.ts";
import type { ExitStatus } from "../platform/types.ts";
import { backoffDelay } from "./backoff.ts";
import { type LastExit, describeExit } from "../model/exit.ts";
import type { HookEvent, HookOutcome } from "./hooks.ts";
import type { UnitState } from "../model/states.ts";

/** Why the supervisor is ending the current run (null: nobody asked it to end). */
export type StopReason =
  /** operator stop, restart, reload or shutdown: the unit ends `stopped` */
  | { kind: "operator" }
  /** readiness did not pass in time: the unit ends `failed` with `why` */
  | { kind: "readiness"; why: string }
  /** liveness (`health`) failed: the run ends like a crash, and the restart policy decides */
  | { kind: "liveness"; why: string };

export interface Lifecycle {
  state: UnitState;
  reason: string | null;
  /** ms since epoch of the last state change */
  since: number;
  /** pid of the current run's main process; null when none is alive */
  pid: number | null;
  /** ms since epoch when the current run started */
  startedAt: number | null;
  restarts: number;
  /** consecutive failed runs: drives backoff and max_restarts */
  streak: number;
  lastExit: LastExit | null;
  stop: StopReason | null;
  /** a restart is being launched: the exit it follows (null: an operator restart), else undefined;
   *  on_restart fires once the new run is ready (success) or could not get there (error) */
  restartOf: ExitStatus | null | undefined;
  /** why the supervisor itself restarted the current run (liveness), shown while it runs */
  restartWhy: string | null;
}

export type LifecycleEvent =
  /** operator start: a unit at rest becomes pending; `restart`: an operator restart (on_restart) */
  | { type: "start"; restart?: boolean }
  /** its dependencies are ready (or a cron run is due): begin a run */
  | { type: "launch" }
  | { type: "dependency-failed"; dependency: string }
  | { type: "skip-checked"; skip: boolean }
  | { type: "spawned"; pid: number; at: number }
  | { type: "spawn-failed"; reason: string }
  | { type: "ready" }
  | { type: "readiness-failed"; why: string }
  /** liveness: `health` failed N times in a row while running */
  | { type: "liveness-failed"; why: string }
  /** a rolling deployment swapped in a new, healthy run (the old one is being stopped) */
  | { type: "deployed"; pid: number; at: number }
  /** a rolling deployment failed: the new instance (pid) is gone, the old one still serves */
  | { type: "deploy-failed"; why: string; pid: number | null }
  | { type: "exited"; status: ExitStatus }
  /** the process tree of a run the supervisor ended is gone; `status`: how its main process ended */
  | { type: "run-ended"; status: ExitStatus | null }
  | { type: "stop" }
  | { type: "backoff-elapsed" };

export type Effect =
  | { kind: "report"; level: "error" | "warn" | "info"; text: string }
  /** `pid`: SYSG_PID when it is not the status's (on_restart: the new run's) */
  | { kind: "hook"; event: HookEvent; outcome: HookOutcome; status: ExitStatus | null; pid?: number | null }
  /** run the `skip` command; its result comes back as skip-checked */
  | { kind: "check-skip" }
  /** spawn the main process; the result comes back as spawned or spawn-failed */
  | { kind: "spawn" }
  | { kind: "watch-readiness" }
  /** check `health` every interval while the run is ready; failures come back as liveness-failed */
  | { kind: "watch-liveness" }
  /** cancel the readiness watch and any timer of the unit */
  | { kind: "cancel" }
  /** stop_signal, stop_timeout, SIGKILL the tree; completion comes back as run-ended */
  | { kind: "end-run" }
  /** SIGKILL what is left of a run whose main process exited (group now, tree sweep soon) */
  | { kind: "kill-leftovers" }
  /** run a pending leftover sweep now */
  | { kind: "sweep" }
  | { kind: "backoff"; ms: number }
  /** a critical unit failed: the supervisor shuts down and exits with `code` */
  | { kind: "critical"; code: number };

/** What the transition reads of the world besides the unit. */
export interface LifecycleContext {
  now: number;
  shuttingDown: boolean;
  random?: () => number;
}

type Policy = Pick<
  ResolvedService,
  "restart_policy" | "backoff" | "backoff_max" | "max_restarts" | "restart_reset" | "critical" | "skip" | "cron" | "health"
>;

export function initialLifecycle(svc: Pick<ResolvedService, "cron">, now: number): Lifecycle {
  return {
    // a cron unit waits for src/cron; it never starts through the dependency scheduler
    state: svc.cron ? "stopped" : "pending",
    reason: svc.cron ? "waiting for its schedule" : null,
    since: now,
    pid: null,
    startedAt: null,
    restarts: 0,
    streak: 0,
    lastExit: null,
    stop: null,
    restartOf: undefined,
    restartWhy: null,
  };
}

/** States with nothing running and nothing scheduled: an operator start makes them pending. */
const AT_REST: ReadonlySet<UnitState> = new Set(["stopped", "failed", "exited", "skipped"]);

export function transition(
  svc: Policy,
  unit: Lifecycle,
  event: LifecycleEvent,
  ctx: LifecycleContext,
): { unit: Lifecycle; effects: Effect[]; changed: boolean } {
  const m: Lifecycle = { ...unit };
  const fx: Effect[] = [];
  let changed = false;
  const enter = (state: UnitState, reason: string | null = null) => {
    changed = true;
    m.state = state;
    m.reason = reason;
    m.since = ctx.now;
    if (state === "failed" && svc.critical && !ctx.shuttingDown) fx.push({ kind: "critical", code: criticalCode(m.lastExit) });
  };
  const hook = (event: HookEvent, outcome: HookOutcome, status: ExitStatus | null = null, pid?: number | null) =>
    fx.push({ kind: "hook", event, outcome, status, ...(pid !== undefined ? { pid } : {}) });
  const report = (level: "error" | "warn" | "info", text: string) => fx.push({ kind: "report", level, text });
  /** the on_restart hook once a restart has an outcome: success = the new run is ready (SYSG_PID
   *  is its pid), error = it could not start or get ready; SYSG_EXIT_CODE/SIGNAL: the exit it follows */
  const restartHook = (outcome: HookOutcome) => {
    if (m.restartOf === undefined) return;
    const status = m.restartOf;
    m.restartOf = undefined;
    hook("on_restart", outcome, status, m.pid);
  };
  const scheduleRestart = (reason: string) => {
    m.streak++;
    const max = svc.max_restarts;
    if (max !== null && m.streak > max) {
      const why = `${reason}; gave up after ${max} restart${max === 1 ? "" : "s"}`;
      report("error", why);
      enter("failed", why);
      fx.push({ kind: "sweep" });
      return;
    }
    const ms = backoffDelay(svc.backoff, svc.backoff_max, m.streak, ctx.random);
    enter("crashed", reason);
    report("info", `restarting in ${ms} ms (attempt ${m.streak})`);
    fx.push({ kind: "backoff", ms });
  };
  /** a run that could not even start counts as a failed run */
  const runFailed = (reason: string) => {
    report("error", reason);
    hook("on_start", "error", null);
    if (svc.restart_policy === "never" || svc.cron) enter("failed", reason);
    else scheduleRestart(reason);
  };
  const launch = () => {
    // a cron run is due by its schedule: `skip` is for the dependency start only
    if (svc.cron) fx.push({ kind: "spawn" });
    else if (svc.skip === true) {
      enter("skipped", "skip: true");
      restartHook("success");
    } else if (typeof svc.skip === "string") {
      enter("starting", "checking skip condition");
      fx.push({ kind: "check-skip" });
    } else fx.push({ kind: "spawn" });
  };

  switch (event.type) {
    case "start":
      if (AT_REST.has(m.state) && !svc.cron) {
        m.streak = 0;
        m.restartWhy = null;
        if (event.restart) m.restartOf = null;
        enter("pending");
      }
      break;
    case "launch":
      launch();
      break;
    case "dependency-failed":
      if (m.state === "pending") enter("failed", `dependency '${event.dependency}' failed`);
      break;
    case "skip-checked":
      if (m.state !== "starting" || m.pid !== null) break;
      if (event.skip) {
        enter("skipped", "skip command exited 0");
        restartHook("success");
      } else fx.push({ kind: "spawn" });
      break;
    case "spawned":
      m.pid = event.pid;
      m.startedAt = event.at;
      m.stop = null;
      enter("starting");
      report("info", `started (pid ${event.pid})`);
      fx.push({ kind: "watch-readiness" });
      break;
    case "spawn-failed":
      runFailed(event.reason);
      restartHook("error");
      break;
    case "ready":
      if (m.state !== "starting" || m.pid === null || m.stop) break;
      enter("running", m.restartWhy ? `restarted: ${m.restartWhy}` : null);
      if (svc.health) fx.push({ kind: "watch-liveness" });
      hook("on_start", "success");
      restartHook("success");
      break;
    case "liveness-failed":
      if (m.state !== "running" || m.pid === null || m.stop) break;
      report("error", event.why);
      m.stop = { kind: "liveness", why: event.why };
      enter("stopping", event.why);
      fx.push({ kind: "cancel" }, { kind: "end-run" });
      break;
    case "deployed":
      m.pid = event.pid;
      m.startedAt = event.at;
      m.restarts++;
      m.streak = 0;
      m.restartWhy = null;
      enter("running");
      if (svc.health) fx.push({ kind: "watch-liveness" });
      report("info", `rolling deployment: pid ${event.pid} serves now`);
      hook("on_restart", "success", null, event.pid);
      break;
    case "deploy-failed":
      // the state is the old instance's (still serving); the reason says what failed. If the old
      // one ended meanwhile, its own state and reason (crashed, failed) stay as they are.
      if (m.state === "running") enter("running", `rolling deployment failed: ${event.why}`);
      hook("on_restart", "error", null, event.pid);
      break;
    case "readiness-failed":
      if (m.state !== "starting" || m.pid === null || m.stop) break;
      report("error", event.why);
      m.stop = { kind: "readiness", why: event.why };
      enter("stopping", event.why);
      fx.push({ kind: "cancel" }, { kind: "end-run" });
      restartHook("error");
      break;
    case "exited": {
      const { status } = event;
      m.pid = null;
      m.lastExit = { code: status.code, signal: status.signal, at: status.at };
      // the supervisor ended this run itself: run-ended finishes it, not the restart policy
      if (m.stop) break;
      // a restarted run that ends before it was ready: the restart failed
      restartHook("error");
      fx.push({ kind: "cancel" });
      const clean = status.code === 0;
      if (status.at - (m.startedAt ?? status.at) >= svc.restart_reset) m.streak = 0;
      const policy = svc.restart_policy;
      // a cron run is never restarted: the schedule decides when it runs again
      const restart = !svc.cron && (policy === "always" || (policy === "on-failure" && !clean));
      const what = describeExit(status);
      report(clean ? "info" : "warn", what);
      if (!restart) {
        if (clean) {
          enter("exited");
          hook("on_stop", "success", status);
        } else {
          fx.push({ kind: "kill-leftovers" }, { kind: "sweep" });
          enter("failed", what);
          hook("on_stop", "error", status);
        }
        break;
      }
      fx.push({ kind: "kill-leftovers" });
      if (!clean) hook("on_stop", "error", status);
      m.restartOf = status;
      scheduleRestart(what);
      if (m.state !== "crashed") m.restartOf = undefined;
      break;
    }
    case "run-ended": {
      const stop = m.stop;
      if (!stop) break;
      m.stop = null;
      m.pid = null;
      const { status } = event;
      if (stop.kind === "readiness") {
        enter("failed", stop.why);
        hook("on_start", "error", null);
      } else if (stop.kind === "liveness") {
        // like a crash: the restart policy decides, and the reason stays visible
        if (status) m.lastExit = { code: status.code, signal: status.signal, at: status.at };
        hook("on_stop", "error", status);
        if (svc.restart_policy === "never" || svc.cron) {
          enter("failed", stop.why);
        } else {
          if (status && status.at - (m.startedAt ?? status.at) >= svc.restart_reset) m.streak = 0;
          m.restartOf = status;
          m.restartWhy = stop.why;
          scheduleRestart(stop.why);
          if (m.state !== "crashed") m.restartOf = undefined;
        }
      } else {
        enter("stopped");
        report("info", `stopped (${status ? describeExit(status) : "gone"})`);
        hook("on_stop", "success", status);
      }
      break;
    }
    case "stop":
      m.restartOf = undefined;
      if (m.pid !== null) {
        // a run already being ended (readiness) now ends as the operator asked: stopped
        const already = m.stop !== null;
        m.stop = { kind: "operator" };
        enter("stopping");
        if (!already) fx.push({ kind: "cancel" }, { kind: "end-run" });
      } else {
        fx.push({ kind: "cancel" }, { kind: "sweep" });
        enter("stopped");
      }
      break;
    case "backoff-elapsed":
      if (m.state !== "crashed" || ctx.shuttingDown) {
        m.restartOf = undefined;
        fx.push({ kind: "sweep" });
        break;
      }
      m.restarts++;
      launch();
      fx.push({ kind: "sweep" });
      break;
  }
  return { unit: m, effects: fx, changed };
}

/** The exit code a failed critical unit ends the supervisor with (128+signal when killed). */
export function criticalCode(last: LastExit | null): number {
  const code = last?.code ?? (last?.signal ? 128 + (signalNumber(last.signal) ?? 0) : 1);
  return code === 0 ? 1 : code;
}
