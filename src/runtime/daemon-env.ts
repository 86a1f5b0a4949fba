// The JavaScript engine settings the resident supervisor runs with. JSC reads BUN_JSC_*
// variables once, at start, so `start --daemonize` hands them to the daemon it executes, and
// the daemon takes them out of its environment before anything builds a service's env from it.
//
// Why: the optimizing JIT (DFG) compiles whatever runs ~1000 times, and start-up (config
// parsing, validators, 100s of spawns) runs that often once and never again. Those
// compilations keep their code, their compiler's code pages and its data resident: ~7–9 MiB of
// a 45 MiB daemon with 100 services (docs/benchmarks.md). Raised 20×, the threshold still lets
// the truly hot loops (the log path: millions of iterations) reach the DFG.
const TUNING: Record<string, string> = {
  BUN_JSC_thresholdForOptimizeAfterWarmUp: "20000",
  BUN_JSC_thresholdForOptimizeAfterLongWarmUp: "20000",
  BUN_JSC_thresholdForOptimizeSoon: "20000",
};
/** which variables were added for the runtime (not the user's own), comma-separated */
const ADDED = "SYSG_RUNTIME_ENV";

/** The daemon's environment: ours, plus each setting the user did not set, and the list of those. */
export function daemonEnv(env: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(env)) if (v !== undefined && k !== ADDED) out.push(`${k}=${v}`);
  const added = Object.keys(TUNING).filter((k) => env[k] === undefined);
  for (const k of added) out.push(`${k}=${TUNING[k]}`);
  if (added.length > 0) out.push(`${ADDED}=${added.join(",")}`);
  return out;
}

/** In the daemon: the settings added for the runtime leave the environment (the services'
 *  env is built from it); a user's own BUN_JSC_* stays. */
export function dropRuntimeEnv(env: Record<string, string | undefined>): void {
  const added = env[ADDED];
  if (added === undefined) return;
  for (const k of added.split(",")) if (k in TUNING) delete env[k];
  delete env[ADDED];
}
