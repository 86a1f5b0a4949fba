// Ending this mode's supervisor (stop without -s, purge): ask it to shut down and wait until
// its process is gone; purge may then fall back to signals, but only at the pid sysg.pid
// names and only while that pid still has the recorded start time (never a recycled pid).
import { readFileSync } from "node:fs";
import type { RuntimePaths } from "../runtime/paths.ts";
import { isSameProcess, readStat } from "../runtime/proc.ts";
import { ask, describeError, modeCommand } from "./client.ts";

export interface Supervisor {
  pid: number;
  startTime: number;
  /** config file it runs, when it said */
  config: string | null;
}

/** sysg.pid, if it names a process that is still the supervisor that wrote it. Plain JSON
 *  parsing: a hand check of three fields is all this needs. */
export function liveSupervisor(paths: RuntimePaths): Supervisor | null {
  try {
    const rec = JSON.parse(readFileSync(paths.sysgPid, "utf8")) as { pid?: unknown; start_time?: unknown; config?: unknown };
    if (typeof rec.pid !== "number" || typeof rec.start_time !== "number") return null;
    if (!isSameProcess(rec.pid, rec.start_time)) return null;
    return { pid: rec.pid, startTime: rec.start_time, config: typeof rec.config === "string" ? rec.config : null };
  } catch {
    return null;
  }
}

/** Resolves true once the process is gone (or a zombie), false at the deadline. */
export async function waitGone(pid: number, startTime: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isSameProcess(pid, startTime)) {
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
  return true;
}

/** How long a graceful shutdown may take: every service's stop_timeout in turn (the worst case
 *  of a chain of dependencies) plus its stop hooks, and a margin. Read from the config the
 *  supervisor runs; without it, 10 s (the default stop_timeout) per unit. */
export async function shutdownBudgetMs(config: string | null, units: number, sys: boolean): Promise<number> {
  const margin = 5_000;
  if (config !== null) {
    const { loadConfig } = await import("../config/index.ts");
    const loaded = await loadConfig({ config, cwd: "/", home: process.env.HOME ?? "/", sys, baseEnv: {} });
    if (loaded.ok) {
      let sum = 0;
      for (const s of Object.values(loaded.config.services)) {
        const hook = Math.max(s.hooks.on_stop?.success?.timeout ?? 0, s.hooks.on_stop?.error?.timeout ?? 0);
        sum += s.stop_timeout + hook;
      }
      return sum + margin;
    }
  }
  return Math.max(1, units) * 10_000 + margin;
}

export type Shutdown =
  | { ok: true; pid: number }
  | { ok: false; reason: "no_supervisor" | "no_answer" | "still_running"; message: string; hint?: string; pid: number | null };

/** Sends `shutdown` and waits until the supervisor's process is gone. */
export async function shutdownSupervisor(paths: RuntimePaths, command: string, budgetMs: number): Promise<Shutdown> {
  const before = liveSupervisor(paths);
  const reply = await ask(paths, "shutdown", {}, 5_000);
  if (!reply.ok) {
    const d = describeError(command, reply.error, paths);
    const reason = reply.error.code === "no_supervisor" ? "no_supervisor" : "no_answer";
    return { ok: false, reason, ...d, pid: before?.pid ?? null };
  }
  const pid = reply.result.pid;
  const startTime = before?.pid === pid ? before.startTime : readStat(pid)?.startTime;
  if (startTime === undefined) return { ok: true, pid };
  if (await waitGone(pid, startTime, budgetMs)) return { ok: true, pid };
  return {
    ok: false,
    reason: "still_running",
    message: `sysg: ${command}: the supervisor (pid ${pid}) is still running ${Math.round(budgetMs / 1000)} s after it was asked to shut down`,
    hint: `see ${paths.supervisorLog}; \`${modeCommand(paths)} purge\` stops it by force`,
    pid,
  };
}
