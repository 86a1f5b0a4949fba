// `sysg reload`: the supervisor reads its config again and applies the difference (added
// start, removed stop, changed restart, unchanged keep running with the same pid).
// `sysg reload -c FILE`: the same with another file, which becomes the supervisor's config.
import { configArg, configPositional, globalArgs } from "./args.ts";
import { runAction } from "./actions.ts";
import { cliPaths, printError } from "./client.ts";
import { configForSupervisor } from "./config-path.ts";
import { defineCommand } from "./command.ts";

export default defineCommand({
  meta: {
    name: "reload",
    description: "Apply the config again (or FILE): only what changed restarts",
    examples: ["sysg reload", "sysg reload cfg/new.yaml"],
  },
  args: {
    ...configPositional,
    ...configArg,
    json: { type: "boolean", description: "Print what changed as JSON" },
    ...globalArgs,
  },
  async run({ args }): Promise<number> {
    const paths = cliPaths(args);
    let config: string | undefined;
    if (args.config !== undefined) {
      const found = configForSupervisor(args.config, paths.sys);
      if (!found.ok) {
        await printError(`sysg: reload: ${found.message}`, found.hint);
        return 1;
      }
      config = found.path;
    }
    return runAction(paths, "reload", config !== undefined ? { config } : {}, { json: args.json === true, color: args.color });
  },
});
