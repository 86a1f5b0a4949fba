// `sysg start`: load and validate the config (nothing starts if anything is wrong), then run the
// supervisor in the foreground with every service's output on the terminal.
import { homedir } from "node:os";
import { isatty } from "node:tty";
import { defineCommand } from "citty";
import { formatErrors, loadConfig } from "../config/index.ts";
import { runtimePaths } from "../runtime/paths.ts";
import { runSupervisor } from "../supervisor/run.ts";
import { configArg, globalArgs } from "./args.ts";
import { loadPlatform } from "./index.ts";
import { PrefixedOutput, wantColor } from "./output.ts";
import { parseLogLevel } from "./loglevel.ts";

export default defineCommand({
  meta: { name: "start", description: "Start the services of a config (foreground)" },
  args: {
    ...globalArgs,
    ...configArg,
    daemonize: { type: "boolean", description: "Run the supervisor in the background" },
    service: { type: "string", alias: "s", description: "Start only this service (and what it depends on)", valueHint: "name" },
  },
  async run({ args }): Promise<number> {
    const level = parseLogLevel(args["log-level"]);
    if (!level.ok) {
      console.error(level.error);
      return 2;
    }
    const home = process.env.HOME ?? homedir();
    const loaded = await loadConfig({
      config: args.config,
      cwd: process.cwd(),
      home,
      sys: args.sys === true,
      baseEnv: process.env as Record<string, string>,
    });
    if (!loaded.ok) {
      console.error(formatErrors(loaded.errors, args.config ?? "config"));
      return 1;
    }
    const config = loaded.config;
    const platform = await loadPlatform();
    const terminal = new PrefixedOutput(config.order, wantColor(args.color, isatty(1)));
    return runSupervisor({
      platform,
      config,
      paths: runtimePaths({ sys: args.sys === true, home }),
      terminal,
      logLevel: level.value,
    });
  },
});
