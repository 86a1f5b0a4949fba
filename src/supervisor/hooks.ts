// Lifecycle hooks (SPEC §1): run in the run's execution context (the service's user, caps,
// cgroup, sandbox, env and working dir) plus SYSG_* variables — or, written with a leading "+",
// with the supervisor's own privileges; never awaited by the supervisor loop; a hook that
// outlives its timeout loses its whole group.
import type { ResolvedService } from "../config/resolved.ts";
import type { Platform } from "../platform/types.ts";
import { describeExit } from "../model/exit.ts";
import { type ExecContext, type OutputSink, plainContext, startChild } from "./child.ts";

export type HookEvent = "on_start" | "on_stop" | "on_restart";
export type HookOutcome = "success" | "error";

export interface HookFacts {
  pid: number | null;
  code: number | null;
  signal: string | null;
}

export interface HookDeps {
  platform: Platform;
  /** the run's execution context; null when it could not be built (the hook is then not run) */
  context: ExecContext | null;
  stdout: OutputSink;
  stderr: OutputSink;
  report: (level: "info" | "warn", text: string) => void;
}

/** Starts the hook if configured; the returned promise is for tests and shutdown, not the loop. */
export function runHook(
  svc: ResolvedService,
  event: HookEvent,
  outcome: HookOutcome,
  facts: HookFacts,
  deps: HookDeps,
): Promise<void> | null {
  const hook = svc.hooks[event]?.[outcome];
  if (!hook) return null;
  const label = `${svc.name}: hook ${event}.${outcome}`;
  const context = hook.full_privileges ? plainContext(svc) : deps.context;
  if (!context) {
    deps.report("warn", `${label} not run: the service's execution context could not be built`);
    return null;
  }
  const env = {
    SYSG_SERVICE: svc.name,
    SYSG_EVENT: `${event}.${outcome}`,
    SYSG_PID: facts.pid === null ? "" : String(facts.pid),
    SYSG_EXIT_CODE: facts.code === null ? "" : String(facts.code),
    SYSG_SIGNAL: facts.signal ?? "",
  };
  const r = startChild(deps.platform, context, {
    command: hook.command,
    env,
    stdout: deps.stdout,
    stderr: deps.stderr,
  });
  if (!r.ok) {
    deps.report("warn", `${label} could not start: ${r.error.message}`);
    return Promise.resolve();
  }
  const { child } = r;
  const timer = setTimeout(() => {
    deps.report("warn", `${label} timed out after ${hook.timeout} ms; killing its process group`);
    deps.platform.kill(-child.pid, "SIGKILL");
  }, hook.timeout);
  return child.exit.then((status) => {
    clearTimeout(timer);
    if (status.code !== 0) deps.report("warn", `${label} ${describeExit(status)}`);
  });
}
