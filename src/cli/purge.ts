// `sysg purge`: stop this mode's supervisor — gracefully (`shutdown`), else by SIGTERM then
// SIGKILL at the pid sysg.pid records, only while that pid still has the recorded start time —
// end any service process it left behind (pid.json, checked the same way), then delete the
// state dir (and, under --sys, /var/log/systemg).
import { existsSync, rmSync } from "node:fs";
import { isSameProcess } from "../runtime/proc.ts";
import { stopRecordedServices } from "../supervisor/index.ts";
import { globalArgs } from "./args.ts";
import { ask, cliPaths, printError } from "./client.ts";
import { loadPlatform } from "./index.ts";
import { liveSupervisor, shutdownBudgetMs, shutdownSupervisor, waitGone } from "./supervisor-stop.ts";
import { defineCommand } from "./command.ts";

/** How long a SIGKILLed supervisor may take to disappear. */
const TERM_GRACE_MS = 5_000;

export default defineCommand({
  meta: { name: "purge", description: "Stop this mode's supervisor, end services it left running, delete its state (and --sys logs)" },
  args: { json: { type: "boolean", description: "Print {schema, supervisor, ended, removed} instead" }, ...globalArgs },
  async run({ args }): Promise<number> {
    const paths = cliPaths(args);
    if (paths.sys && process.geteuid?.() !== 0) {
      await printError("sysg: purge --sys: permission denied: only root may stop the system supervisor and delete /var/lib/systemg", "run it as root (sudo sysg --sys purge)");
      return 1;
    }
    const said: string[] = [];
    const outcome: { supervisor: { pid: number; how: "shutdown" | "signal" } | null; ended: number; removed: string[] } = { supervisor: null, ended: 0, removed: [] };
    const sup = liveSupervisor(paths);
    if (sup !== null) {
      const budget = await shutdownBudgetMs(sup.config, 0, paths.sys);
      // a supervisor that cannot even answer ping is not asked to shut down: it gets signals
      const ping = await ask(paths, "ping", {}, 3_000);
      const done = ping.ok ? await shutdownSupervisor(paths, "purge", budget) : null;
      if (done?.ok) {
        said.push(`stopped the supervisor (pid ${done.pid})`);
        outcome.supervisor = { pid: done.pid, how: "shutdown" };
      } else {
        const why = done ? done.message : `sysg: purge: the supervisor (pid ${sup.pid}) does not answer: ${ping.ok ? "" : ping.error.message}`;
        console.error(`${why}; stopping it by signal`); // a note: purge goes on
        if (!(await kill(sup.pid, sup.startTime, budget))) {
          await printError(`sysg: purge: the supervisor (pid ${sup.pid}) survived SIGKILL`, "it may be stuck in the kernel (state D); try again");
          return 1;
        }
        said.push(`stopped the supervisor (pid ${sup.pid}) by signal`);
        outcome.supervisor = { pid: sup.pid, how: "signal" };
      }
    }
    const left = await stopRecordedServices(paths, await loadPlatform());
    outcome.ended = left;
    if (left > 0) said.push(`ended ${left} service process${left === 1 ? "" : "es"} left running`);
    for (const dir of paths.sys ? [paths.stateDir, paths.logDir] : [paths.stateDir]) {
      if (!existsSync(dir)) continue;
      try {
        rmSync(dir, { recursive: true, force: true });
        said.push(`removed ${dir}`);
        outcome.removed.push(dir);
      } catch (err) {
        await printError(`sysg: purge: cannot remove ${dir}: ${err instanceof Error ? err.message : err}`, "check its permissions and try again");
        return 1;
      }
    }
    if (args.json) console.log(JSON.stringify({ schema: "sysg.purge.v1", ...outcome }, null, 2));
    else console.log(said.length > 0 ? said.join("\n") : `nothing to purge: no supervisor and no ${paths.stateDir}`);
    return 0;
  },
});

/** SIGTERM (the supervisor's graceful shutdown, given `graceMs`), then SIGKILL; each only while
 *  pid is still that process. SIGCONT follows SIGTERM so a stopped supervisor can act on it. */
async function kill(pid: number, startTime: number, graceMs: number): Promise<boolean> {
  for (const [signal, wait] of [["SIGTERM", graceMs], ["SIGKILL", TERM_GRACE_MS]] as const) {
    if (!isSameProcess(pid, startTime)) return true;
    try {
      process.kill(pid, signal);
      if (signal === "SIGTERM") process.kill(pid, "SIGCONT");
    } catch {
      return !isSameProcess(pid, startTime);
    }
    if (await waitGone(pid, startTime, wait)) return true;
  }
  return false;
}
