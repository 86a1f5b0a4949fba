// `sysg restart -s NAME`: restart that service only. `sysg restart`: every service.
// `sysg restart -c FILE`: apply FILE as the new config — a diff reload (added start, removed
// stop, changed restart, unchanged keep their pid). With --daemonize and no supervisor
// running, start one instead (what `start --daemonize` does).
import { defineCommand } from "citty";
import { configArg, globalArgs } from "./args.ts";
import { runAction } from "./actions.ts";
import { cliPaths, printError } from "./client.ts";
import { configForSupervisor } from "./config-path.ts";

export default defineCommand({
  meta: { name: "restart", description: "Restart one service (-s), every service, or apply a config (-c)" },
  args: {
    ...globalArgs,
    ...configArg,
    service: { type: "string", alias: "s", description: "Only this service", valueHint: "name" },
    daemonize: { type: "boolean", description: "Start a supervisor in the background when none runs" },
    json: { type: "boolean", description: "Print what changed as JSON" },
  },
  async run({ args, rawArgs }): Promise<number> {
    const paths = cliPaths(args);
    if (args.service !== undefined && args.config !== undefined) {
      await printError("sysg restart: -s and -c do not go together", "use -s NAME to restart one service, or -c FILE to apply a config");
      return 2;
    }
    let config: string | undefined;
    if (args.config !== undefined) {
      const found = configForSupervisor(args.config, paths.sys);
      if (!found.ok) {
        await printError(`sysg restart: ${found.message}`, found.hint);
        return 1;
      }
      config = found.path;
    }
    if (args.daemonize) {
      const { liveSupervisor } = await import("./supervisor-stop.ts");
      if (liveSupervisor(paths) === null) {
        const { runCommand } = await import("citty");
        const start = (await import("./start.ts")).default;
        const { result } = await runCommand(start, { rawArgs: ["--daemonize", ...rawArgs.filter((a) => a !== "--daemonize")] });
        return typeof result === "number" ? result : 0;
      }
    }
    const request = {
      ...(args.service !== undefined ? { service: args.service } : {}),
      ...(config !== undefined ? { config } : {}),
    };
    return runAction(paths, "restart", request, { json: args.json === true, color: args.color });
  },
});
