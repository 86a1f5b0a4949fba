// `sysg status`: the supervisor's view of every unit (SPEC §5), or — when no supervisor runs —
// the same view rebuilt from its state files. Exit code = overall health: 0 healthy,
// 1 degraded (or an error), 2 failing. The --json path loads no typebox, consola or renderer.
import { existsSync } from "node:fs";
import type { StatusResult } from "../ipc/protocol.ts";
import { type RuntimePaths, runtimePaths } from "../runtime/paths.ts";
import { globalArgs, servicePositional } from "./args.ts";
import { ask, cliPaths, describeError, printError } from "./client.ts";
import { healthExitCode } from "./status-view.ts";
import { defineCommand } from "./command.ts";

export default defineCommand({
  meta: {
    name: "status",
    description: "Show the state of every unit (exit 0 healthy, 1 degraded, 2 failing, 3 no supervisor running)",
    examples: ["sysg status", "sysg status web", "sysg status --json"],
  },
  args: {
    ...servicePositional("Only this unit (same as -s NAME)"),
    service: { type: "string", alias: "s", description: "Only this unit", valueHint: "name" },
    json: { type: "boolean", description: "Print the sysg.status.v1 document" },
    all: { type: "boolean", description: "Include every unit the supervisor knows (orphaned processes too)" },
    watch: { type: "string", description: "Redraw every SECS seconds until Ctrl-C", valueHint: "secs" },
    ...globalArgs,
  },
  async run({ args }): Promise<number> {
    const paths = cliPaths(args);
    const query = { service: args.service, all: args.all === true };
    if (args.watch !== undefined) {
      const { watchStatus } = await import("./status-watch.ts");
      return watchStatus(paths, query, args.watch, { json: args.json === true, color: args.color });
    }
    const got = await getStatus(paths, query);
    if (!got.ok) {
      // systemctl's "not running" is 3; any other failure is an error (1)
      if (got.notRunning) {
        console.error(got.message);
        return NOT_RUNNING;
      }
      await printError(got.message, got.hint);
      return 1;
    }
    // notes (where the data came from) go to stderr, data to stdout
    if (got.note) console.error(`note: ${got.note}`);
    if (args.json) {
      console.log(JSON.stringify(got.status, null, 2));
    } else {
      const { printStatus } = await import("./status-print.ts");
      printStatus(got.status, null, args.color);
    }
    return got.live ? healthExitCode(got.status.overall_health) : NOT_RUNNING;
  },
});

/** `sysg status` exit code when no supervisor runs (systemctl's "not running"). */
export const NOT_RUNNING = 3;

/** `live`: a supervisor answered (else the data was rebuilt from its state files). */
export type GotStatus =
  | { ok: true; status: StatusResult; note: string | null; live: boolean }
  | { ok: false; message: string; hint?: string; notRunning?: boolean };

/** The supervisor's answer, or the state files' when no supervisor answers. `note` says which
 *  source a human is looking at when it is not a live supervisor. */
export async function getStatus(paths: RuntimePaths, query: { service?: string; all?: boolean }): Promise<GotStatus> {
  const args = { ...(query.service !== undefined ? { service: query.service } : {}), ...(query.all ? { all: true } : {}) };
  const reply = await ask(paths, "status", args, 10_000);
  if (reply.ok) return { ok: true, status: reply.result, note: null, live: true };
  if (reply.error.code === "unknown_service") {
    const { knownUnitsHint } = await import("./actions.ts");
    return { ok: false, message: `sysg: status: ${reply.error.message}`, hint: await knownUnitsHint(paths, reply.error.message) };
  }
  if (reply.error.code !== "no_supervisor") {
    return { ok: false, ...describeError("status", reply.error, paths) };
  }
  const system = await systemSupervisorStatus(paths, args);
  if (system) return system;
  const { offlineStatus, lastConfigPath } = await import("./offline-status.ts");
  const cron = existsSync(paths.cronStateJson) ? await cronConfigs(lastConfigPath(paths), paths.sys) : undefined;
  const off = await offlineStatus(paths, { service: query.service, cronConfig: cron });
  if (!off.ok) return { ok: false, message: `sysg: status: ${off.message}`, hint: off.hint, notRunning: off.empty === true };
  const sup = off.value.supervisor;
  const note = sup?.alive
    ? `the supervisor (pid ${sup.pid}) does not answer on ${paths.controlSock}; showing its state files`
    : `no supervisor is running${sup ? ` (pid ${sup.pid} is gone)` : ""}; showing the state it left in ${paths.stateDir}`;
  return { ok: true, status: off.value.status, note, live: false };
}

/** SPEC §8: a non-root user with no supervisor (and no state) of their own sees the system
 *  supervisor's status instead of an empty table. */
async function systemSupervisorStatus(paths: RuntimePaths, args: { service?: string; all?: boolean }): Promise<GotStatus | null> {
  if (paths.sys || process.getuid?.() === 0 || existsSync(paths.stateJson)) return null;
  const reply = await ask(runtimePaths({ sys: true, home: "/" }), "status", args, 10_000);
  if (!reply.ok) return null;
  return { ok: true, status: reply.result, note: "you have no supervisor of your own; showing the system supervisor (sysg --sys)", live: true };
}

/** Cron expressions come only from the config; without a readable config they are "unknown". */
async function cronConfigs(path: string | null, sys: boolean) {
  if (path === null) return undefined;
  const { loadConfig } = await import("../config/index.ts");
  const loaded = await loadConfig({ config: path, cwd: "/", home: process.env.HOME ?? "/", sys, baseEnv: {} });
  if (!loaded.ok) return undefined;
  const services = loaded.config.services;
  return (name: string) => services[name]?.cron ?? null;
}
