// Health checks of a running instance: liveness (`health`, SPEC §1 "later liveness") and the
// gate of a rolling deployment (`deployment.health_check`). Both only observe and report; the
// Supervisor decides what a failure means (restart by policy, or keep the old instance).
import type { LivenessProbe, ResolvedService } from "../config/resolved.ts";
import { type CheckContext, describeProbe, probeOnce } from "./readiness.ts";

export type Health = NonNullable<ResolvedService["health"]>;
export type HealthCheck = NonNullable<NonNullable<ResolvedService["deployment"]>["health_check"]>;
export type CheckDeps = Omit<CheckContext, "signal">;

/** Pause between tries of a deployment health check. */
export const HEALTH_CHECK_PAUSE_MS = 1000;

/** One check bounded by `timeout` (and `outer`): null when it passed, else why not. */
export async function checkWithin(probe: LivenessProbe, deps: CheckDeps, timeout: number, outer?: AbortSignal): Promise<string | null> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), timeout);
  const onOuter = () => ac.abort();
  outer?.addEventListener("abort", onOuter, { once: true });
  try {
    const aborted = new Promise<string>((resolve) =>
      ac.signal.addEventListener("abort", () => resolve(`no answer within ${timeout} ms`), { once: true }),
    );
    return await Promise.race([probeOnce(probe, { ...deps, signal: ac.signal }), aborted]);
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", onOuter);
    ac.abort(); // ends an exec probe still running, and the race's listener
  }
}

/**
 * Liveness: checks `health.probe` every `interval` while the instance runs; after `failures`
 * failed checks in a row, calls `onFailed` once with the reason and stops. `stop()` ends the watch.
 */
export function watchLiveness(health: Health, deps: CheckDeps, onFailed: (why: string) => void): { stop(): void } {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const running = new AbortController();
  let inRow = 0;
  const tick = async () => {
    timer = null;
    const error = await checkWithin(health.probe, deps, health.timeout, running.signal);
    if (stopped) return;
    if (error === null) inRow = 0;
    else if (++inRow >= health.failures) {
      stopped = true;
      onFailed(`liveness ${describeProbe(health.probe)} failed ${inRow} time${inRow === 1 ? "" : "s"} in a row (${error})`);
      return;
    }
    timer = setTimeout(tick, health.interval);
  };
  timer = setTimeout(tick, health.interval);
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      running.abort();
    },
  };
}

/**
 * The gate of a rolling deployment: the URL must answer 2xx; it is tried up to 1 + `retries`
 * times, HEALTH_CHECK_PAUSE_MS apart, each try bounded by `timeout`. Resolves null when it
 * passed, else the reason (also when `signal` aborted the wait).
 */
export async function passHealthCheck(hc: HealthCheck, deps: CheckDeps, signal: AbortSignal): Promise<string | null> {
  const probe: LivenessProbe = { kind: "http", url: hc.url, status: "2xx" };
  let last = "";
  for (let attempt = 0; attempt <= hc.retries; attempt++) {
    if (signal.aborted) return `health check ${hc.url} abandoned: the instance ended`;
    if (attempt > 0) await pause(HEALTH_CHECK_PAUSE_MS, signal);
    if (signal.aborted) return `health check ${hc.url} abandoned: the instance ended`;
    const error = await checkWithin(probe, deps, hc.timeout, signal);
    if (error === null) return null;
    last = error;
  }
  const tries = hc.retries + 1;
  return `health check ${hc.url} failed ${tries} time${tries === 1 ? "" : "s"} (${last})`;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
