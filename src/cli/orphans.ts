// Services a dead supervisor left running (SIGKILL, OOM): pid.json still names them and /proc
// still has them with the recorded start time. `sysg stop` and `sysg purge` end them with the
// same routine the next supervisor's recovery uses (supervisor/recover.ts), under the
// supervisor lock so no supervisor starts meanwhile, and record them stopped.
import type { Platform } from "../platform/types.ts";
import { acquireSupervisorLock } from "../runtime/lock.ts";
import type { RuntimePaths } from "../runtime/paths.ts";
import { isSameProcess } from "../runtime/proc.ts";
import { PidFile, StateFile, readJsonMap, writeJsonAtomic } from "../runtime/state.ts";
import { stopRecordedServices } from "../supervisor/index.ts";
import { VERSION } from "../version.ts";

export interface Orphan {
  name: string;
  pid: number;
}

/** Recorded services whose process still runs (identity: pid + start time). */
export function findOrphans(paths: RuntimePaths): Orphan[] {
  const recorded = readJsonMap(paths.pidJson, PidFile);
  if (!recorded.ok) return [];
  return Object.entries(recorded.value)
    .filter(([, r]) => isSameProcess(r.pid, r.start_time))
    .map(([name, r]) => ({ name, pid: r.pid }));
}

export type Ended = { ok: true; ended: Orphan[] } | { ok: false; message: string; hint?: string };

/** Ends every orphan (SIGTERM, then SIGKILL after `graceMs`, whole trees) and marks it stopped. */
export async function endOrphans(paths: RuntimePaths, platform: Platform, why: string, graceMs = 5000): Promise<Ended> {
  const lock = await acquireSupervisorLock(paths, { config: null, version: VERSION });
  if (!lock.ok) return { ok: false, message: lock.error.message, hint: lock.error.hint };
  try {
    const orphans = findOrphans(paths);
    if (orphans.length === 0) return { ok: true, ended: [] };
    await stopRecordedServices(paths, platform, graceMs);
    const state = readJsonMap(paths.stateJson, StateFile);
    const pids = readJsonMap(paths.pidJson, PidFile);
    const since = new Date().toISOString();
    if (state.ok) {
      for (const o of orphans) {
        const prev = state.value[o.name];
        state.value[o.name] = { state: "stopped", restarts: prev?.restarts ?? 0, last_exit: prev?.last_exit ?? null, reason: why, since };
      }
      writeJsonAtomic(paths.stateJson, state.value, paths.fileMode);
    }
    if (pids.ok) {
      for (const o of orphans) delete pids.value[o.name];
      writeJsonAtomic(paths.pidJson, pids.value, paths.fileMode);
    }
    return { ok: true, ended: orphans };
  } finally {
    lock.value.release();
  }
}
