// `sysg stop -s NAME`: stop one service (the supervisor keeps running, and the service stays
// stopped until started again). `sysg stop`: stop every service and the supervisor — a
// `shutdown` request, then wait until the supervisor's process is gone.
import type { UnitAction } from "../ipc/protocol.ts";
import type { RuntimePaths } from "../runtime/paths.ts";
import { globalArgs, servicePositional } from "./args.ts";
import { renderActions, runAction } from "./actions.ts";
import { ask, cliPaths, printError } from "./client.ts";
import { wantColor } from "./output.ts";
import { defineCommand } from "./command.ts";

export default defineCommand({
  meta: {
    name: "stop",
    description: "Stop one service, or every service and the supervisor",
    examples: ["sysg stop web", "sysg stop"],
  },
  args: {
    ...servicePositional("Service to stop (same as -s NAME); without it, everything and the supervisor"),
    service: { type: "string", alias: "s", description: "Only this service; the supervisor keeps running", valueHint: "name" },
    json: { type: "boolean", description: "Print what was stopped as JSON" },
    ...globalArgs,
  },
  async run({ args }): Promise<number> {
    const paths = cliPaths(args);
    const out = { json: args.json === true, color: args.color };
    if (args.service !== undefined) return runAction(paths, "stop", { service: args.service }, out);
    return stopAll(paths, out);
  },
});

/** No supervisor: end what a dead one left running, or say there is nothing to stop (exit 0:
 *  `stop` twice in a row succeeds twice). */
async function stopOrphans(paths: RuntimePaths, out: { json: boolean; color: boolean | undefined }): Promise<number> {
  const { endOrphans, findOrphans } = await import("./orphans.ts");
  if (findOrphans(paths).length === 0) {
    if (out.json) console.log(JSON.stringify({ supervisor: null, units: [] }, null, 2));
    else console.error(`note: nothing to stop: no supervisor is running (${paths.controlSock})`);
    return 0;
  }
  const { loadPlatform } = await import("./index.ts");
  const done = await endOrphans(paths, await loadPlatform(), "stopped by `sysg stop` after its supervisor was gone");
  if (!done.ok) {
    await printError(`sysg: stop: ${done.message}`, done.hint);
    return 1;
  }
  const units = done.ended.map((o): UnitAction => ({ name: o.name, action: "stopped", state: "stopped", reason: `orphaned (pid ${o.pid}): its supervisor was gone` }));
  if (out.json) {
    console.log(JSON.stringify({ supervisor: null, units }, null, 2));
  } else {
    const { isatty } = await import("node:tty");
    console.error("note: no supervisor is running; ending the services it left running");
    console.log(renderActions({ units }, wantColor(out.color, isatty(1))).join("\n"));
  }
  return 0;
}

async function stopAll(paths: RuntimePaths, out: { json: boolean; color: boolean | undefined }): Promise<number> {
  const { liveSupervisor, shutdownBudgetMs, shutdownSupervisor } = await import("./supervisor-stop.ts");
  const ping = await ask(paths, "ping", {}, 10_000);
  const before = await ask(paths, "status", { all: true }, 10_000);
  const units = before.ok ? before.result.units.map((u) => u.name) : [];
  const config = ping.ok ? ping.result.config : (liveSupervisor(paths)?.config ?? null);
  const budget = await shutdownBudgetMs(config, units.length, paths.sys);
  const { startProgress } = await import("./progress.ts");
  const progress = startProgress(paths, { enabled: !out.json });
  const done = await shutdownSupervisor(paths, "stop", budget).finally(() => progress.stop());
  if (!done.ok) {
    if (done.reason === "no_supervisor") return stopOrphans(paths, out);
    await printError(done.message, done.hint);
    return 1;
  }
  // The supervisor recorded each unit's final state on its way out.
  const { offlineStatus } = await import("./offline-status.ts");
  const after = await offlineStatus(paths);
  const finals = after.ok ? after.value.status.units.filter((u) => units.length === 0 || units.includes(u.name)) : [];
  const result = {
    supervisor: { pid: done.pid },
    units: finals.map((u): UnitAction => ({ name: u.name, action: "stopped", state: u.state, reason: u.reason })),
  };
  if (out.json) {
    console.log(JSON.stringify(result, null, 2));
  } else {
    const { isatty } = await import("node:tty");
    const lines = renderActions({ units: result.units }, wantColor(out.color, isatty(1)));
    console.log([...(finals.length > 0 ? lines : []), `supervisor (pid ${done.pid}) stopped`].join("\n"));
  }
  return finals.some((u) => u.state === "failed") ? 1 : 0;
}
