// `sysg __complete units [-c FILE]` (hidden; for the completion scripts): service names, one a
// line — from the running supervisor, else from the config, else from the log dir. Never fails
// loudly: a completion that cannot find names prints nothing.
import { homedir } from "node:os";
import { globalArgs } from "./args.ts";
import { defineCommand } from "./command.ts";
import { ask, cliPaths } from "./client.ts";

export default defineCommand({
  meta: { name: "__complete", description: "Service names for shell completion" },
  args: {
    what: { type: "positional", required: true, options: ["units"], description: "units", valueHint: "what" },
    config: { type: "string", alias: "c", description: "Config file", valueHint: "file" },
    ...globalArgs,
  },
  async run({ args }): Promise<number> {
    if (args.what !== "units") return 2;
    const paths = cliPaths(args);
    let names: string[] = [];
    if (args.config === undefined) {
      const reply = await ask(paths, "status", {}, 1000);
      if (reply.ok) names = reply.result.units.map((u) => u.name);
    }
    if (names.length === 0) {
      const { loadConfig } = await import("../config/index.ts");
      const loaded = await loadConfig({ config: args.config, cwd: process.cwd(), home: process.env.HOME || homedir(), sys: args.sys === true, baseEnv: {} });
      if (loaded.ok) names = Object.keys(loaded.config.services);
    }
    if (names.length === 0) {
      const { servicesWithLogs } = await import("../runtime/logread.ts");
      names = servicesWithLogs(paths.logDir);
    }
    if (names.length > 0) console.log([...new Set(names)].sort().join("\n"));
    return 0;
  },
});
