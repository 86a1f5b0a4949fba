// `sysg restart -s NAME`: restart that service only. `sysg restart`: every service.
// `sysg restart -c FILE`: apply FILE as the new config — a diff reload (added start, removed
// stop, changed restart, unchanged keep their pid). With --daemonize and no supervisor
// running, start one instead (what `start --daemonize` does).
import { configArg, dropPrivilegesArg, globalArgs, servicePositional } from "./args.ts";
import { runAction } from "./actions.ts";
import { cliPaths, printError } from "./client.ts";
import { configForSupervisor } from "./config-path.ts";
import { defineCommand } from "./command.ts";

export default defineCommand({
  meta: {
    name: "restart",
    description: "Restart one service, every service, or apply a config (-c FILE)",
    examples: ["sysg restart web", "sysg restart", "sysg restart -c new.yaml"],
  },
  args: {
    ...servicePositional("Service to restart (same as -s NAME); without it, every service"),
    ...configArg,
    service: { type: "string", alias: "s", description: "Only this service", valueHint: "name" },
    daemonize: { type: "boolean", description: "Start a supervisor in the background when none runs" },
    json: { type: "boolean", description: "Print what changed as JSON" },
    ...dropPrivilegesArg,
    ...globalArgs,
  },
  async run({ args }): Promise<number> {
    const paths = cliPaths(args);
    if (args.service !== undefined && args.config !== undefined) {
      await printError("sysg: restart: -s and -c do not go together", "use -s NAME to restart one service, or -c FILE to apply a config");
      return 2;
    }
    let config: string | undefined;
    if (args.config !== undefined) {
      const found = configForSupervisor(args.config, paths.sys);
      if (!found.ok) {
        await printError(`sysg: restart: ${found.message}`, found.hint);
        return 1;
      }
      config = found.path;
    }
    if (args.daemonize) {
      const { liveSupervisor } = await import("./supervisor-stop.ts");
      if (liveSupervisor(paths) === null) {
        const { runCommand } = await import("./index.ts");
        const start = (await import("./start.ts")).default;
        const startArgs = ["--daemonize", ...(config !== undefined ? ["-c", config] : []), ...(args.service !== undefined ? ["-s", args.service] : [])];
        if (args.sys) startArgs.push("--sys");
        if (args["drop-privileges"]) startArgs.push("--drop-privileges");
        if (args["log-level"] !== undefined) startArgs.push("--log-level", args["log-level"]);
        if (args.color === false) startArgs.push("--no-color");
        return runCommand(start, startArgs);
      }
    }
    const request = {
      ...(args.service !== undefined ? { service: args.service } : {}),
      ...(config !== undefined ? { config } : {}),
    };
    return runAction(paths, "restart", request, { json: args.json === true, color: args.color });
  },
});
