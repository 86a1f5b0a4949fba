// `sysg status` when no supervisor answers: the same sysg.status.v1 built from the state files
// the last supervisor left, each recorded pid checked against /proc by its start time (a pid
// the kernel gave to another program is not ours). Reads only; never writes or repairs state.
import { existsSync, readFileSync } from "node:fs";
import type { CronInfo, StatusResult, StatusUnit } from "../ipc/protocol.ts";
import type { RuntimeError } from "../runtime/errors.ts";
import type { RuntimePaths } from "../runtime/paths.ts";
import { cpuPercentLifetime, isSameProcess, processAgeSeconds, readStat, uptimeSeconds } from "../runtime/proc.ts";
import { CronStateFile, PidFile, StateFile, SysgPidFile, readJsonFile, readJsonMap } from "../runtime/state.ts";
import { type UnitState, healthOf, overallHealth } from "../model/states.ts";

export interface OfflineStatus {
  status: StatusResult;
  /** the supervisor that wrote the files, as sysg.pid recorded it (null: no sysg.pid) */
  supervisor: { pid: number; alive: boolean } | null;
}

/** `empty`: no supervisor and no state at all (nothing ever ran here, or it was purged) */
export type OfflineResult = { ok: true; value: OfflineStatus } | { ok: false; message: string; hint?: string; empty?: boolean };

const STATES = new Set(["pending", "starting", "running", "stopping", "stopped", "exited", "crashed", "failed", "skipped"]);
/** States that need a supervisor (or a live process) to be true. */
const ACTIVE = new Set(["pending", "starting", "running", "stopping", "crashed"]);

/** `cronConfig` gives a cron job's expression and timezone (from the config the supervisor ran). */
export function offlineStatus(
  paths: RuntimePaths,
  opts: { service?: string; cronConfig?: (name: string) => { expression: string; timezone: string } | null } = {},
  now: number = Date.now(),
): OfflineResult {
  const state = readJsonMap(paths.stateJson, StateFile);
  const pids = readJsonMap(paths.pidJson, PidFile);
  const cron = readJsonMap(paths.cronStateJson, CronStateFile);
  if (!state.ok) return fileError(state.error);
  if (!pids.ok) return fileError(pids.error);
  if (!cron.ok) return fileError(cron.error);
  const sup = readJsonFile(paths.sysgPid, SysgPidFile);
  const supervisor = sup.ok ? { pid: sup.value.pid, alive: isSameProcess(sup.value.pid, sup.value.start_time) } : null;

  const names = [...new Set([...Object.keys(state.value), ...Object.keys(pids.value), ...Object.keys(cron.value)])];
  if (names.length === 0 && supervisor === null) {
    return {
      ok: false,
      message: `no supervisor is running (and no state in ${paths.stateDir})`,
      empty: true,
    };
  }
  if (opts.service !== undefined && !names.includes(opts.service)) {
    return {
      ok: false,
      message: `no unit named "${opts.service}" in ${paths.stateJson}`,
      hint: names.length > 0 ? `known units: ${names.join(", ")}` : "no unit is recorded there",
    };
  }
  const bootUptime = uptimeSeconds();
  const units: StatusUnit[] = [];
  for (const name of names) {
    if (opts.service !== undefined && name !== opts.service) continue;
    const rec = state.value[name];
    const proc = pids.value[name];
    const st = proc ? readStat(proc.pid) : null;
    const alive = proc !== undefined && st !== null && st.startTime === proc.start_time && st.state !== "Z" && st.state !== "X";
    const recorded = rec && STATES.has(rec.state) ? (rec.state as UnitState) : "stopped";
    let unitState: UnitState = recorded;
    let reason = rec?.reason ?? null;
    if (alive && !ACTIVE.has(recorded)) unitState = "running";
    if (!alive && ACTIVE.has(recorded)) {
      unitState = "failed";
      reason = `not running: the state file says ${recorded}, but ${proc ? `process ${proc.pid} is gone` : "no process is recorded"} and no supervisor runs`;
    }
    // alive while its supervisor is dead: nobody restarts it, captures its output or stops it
    const orphaned = alive && !supervisor?.alive;
    if (orphaned) {
      reason = `orphaned: its supervisor${supervisor ? ` (pid ${supervisor.pid})` : ""} is gone; \`${paths.sys ? "sysg --sys" : "sysg"} stop\` ends it, \`start\` runs it afresh`;
    }
    const job = cron.value[name];
    let cronInfo: CronInfo | null = null;
    if (job) {
      const conf = opts.cronConfig?.(name) ?? null;
      const last = [...job.runs].reverse().find((r) => r.end !== null && !r.overlap);
      cronInfo = {
        expression: conf?.expression ?? "unknown",
        timezone: conf?.timezone ?? "unknown",
        // nothing runs the job while no supervisor does
        next_run: supervisor?.alive ? job.next_run : null,
        last_run: last ? { code: last.code, signal: last.signal, at: last.end! } : null,
      };
    }
    units.push({
      name,
      kind: orphaned ? "orphaned" : job ? "cron" : "service",
      state: unitState,
      pid: alive ? proc!.pid : null,
      cpu: alive ? round1(cpuPercentLifetime(st!, bootUptime)) : 0,
      rss: alive ? st!.rss : 0,
      uptime: alive ? round1(processAgeSeconds(st!, bootUptime)) : 0,
      restarts: rec?.restarts ?? 0,
      last_exit: rec?.last_exit ?? null,
      health: orphaned ? "degraded" : healthOf(unitState),
      reason,
      cron: cronInfo,
    });
  }
  return {
    ok: true,
    value: {
      status: {
        schema: "sysg.status.v1",
        captured_at: new Date(now).toISOString(),
        overall_health: overallHealth(units.map((u) => u.health)),
        units,
      },
      supervisor,
    },
  };
}

function fileError(e: RuntimeError): OfflineResult {
  return { ok: false, message: e.message, hint: e.hint };
}

function round1(n: number): number {
  return Math.round(n * 10) / 10;
}

/** The config path the last supervisor ran (sysg.pid, else config_hint), or null. */
export function lastConfigPath(paths: RuntimePaths): string | null {
  const sup = readJsonFile(paths.sysgPid, SysgPidFile);
  if (sup.ok && sup.value.config) return sup.value.config;
  try {
    const hint = readFileSync(paths.configHint, "utf8").trim();
    return hint !== "" && existsSync(hint) ? hint : null;
  } catch {
    return null;
  }
}
