// `sysg status` when no supervisor answers: the same sysg.status.v1 built from the state files
// the last supervisor left, each recorded pid checked against /proc by its start time (a pid
// the kernel gave to another program is not ours). The rows come from src/model/status.ts, as
// the supervisor's do: CPU is measured here over OFFLINE_INTERVAL_MS (two readings of each
// running unit's tree), so it means what it means online. Reads only; never writes or repairs state.
import { existsSync, readFileSync } from "node:fs";
import type { CronInfo, StatusResult } from "../ipc/protocol.ts";
import { OFFLINE_INTERVAL_MS, type UnitFacts, statusDocument } from "../ipc/status.ts";
import type { RuntimeError } from "../runtime/errors.ts";
import type { RuntimePaths } from "../runtime/paths.ts";
import { type ProcStat, type TreeReading, isSameProcess, readStat, readTree, startedAtMs, treeCpuPercent } from "../runtime/proc.ts";
import { CronStateFile, PidFile, StateFile, SysgPidFile, readJsonFile, readJsonMap } from "../runtime/state.ts";
import type { UnitState } from "../model/states.ts";

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

/** `cronConfig` gives a cron job's expression and timezone (from the config the supervisor ran);
 *  `intervalMs`: how long CPU is measured over when a unit runs. */
export async function offlineStatus(
  paths: RuntimePaths,
  opts: { service?: string; cronConfig?: (name: string) => { expression: string; timezone: string } | null; intervalMs?: number } = {},
  now?: number,
): Promise<OfflineResult> {
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
  const facts: UnitFacts[] = [];
  /** each running unit's main process, for the two CPU readings */
  const running = new Map<UnitFacts, ProcStat>();
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
    const f: UnitFacts = {
      name,
      kind: orphaned ? "orphaned" : job ? "cron" : "service",
      state: unitState,
      pid: alive ? proc!.pid : null,
      startedAt: alive ? startedAtMs(st!.startTime) : null,
      restarts: rec?.restarts ?? 0,
      last_exit: rec?.last_exit ?? null,
      reason,
      ...(orphaned ? { health: "degraded" as const } : {}),
      cron: cronInfo,
      usage: null,
    };
    facts.push(f);
    if (alive) running.set(f, st!);
  }
  await measure(running, opts.intervalMs ?? OFFLINE_INTERVAL_MS);
  return { ok: true, value: { status: statusDocument(facts, now ?? Date.now()), supervisor } };
}

/** CPU and RSS of each running unit's tree: two readings `intervalMs` apart (nothing to wait
 *  for when nothing runs), as the supervisor's sampler does a second apart. */
async function measure(running: Map<UnitFacts, ProcStat>, intervalMs: number): Promise<void> {
  if (running.size === 0) return;
  const before = new Map<UnitFacts, TreeReading | null>();
  for (const [f] of running) before.set(f, readTree(f.pid!));
  await new Promise((r) => setTimeout(r, intervalMs));
  for (const [f, main] of running) {
    const after = readTree(f.pid!);
    const first = before.get(f);
    // the same process still (not a recycled pid)
    if (!after || !isSameProcess(f.pid!, main.startTime)) continue;
    // no first reading (a race with its start): since it started, as for a young run online
    const from = first ?? { ticks: 0, at: f.startedAt ?? after.at };
    f.usage = { cpu: treeCpuPercent(from, after), rss: after.rss };
  }
}

function fileError(e: RuntimeError): OfflineResult {
  return { ok: false, message: e.message, hint: e.hint };
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
