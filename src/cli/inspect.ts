// `sysg inspect NAME`: one unit in depth from the supervisor (config, process tree, CPU/RSS
// history as sparklines over --window, recent exits and restarts, cron history).
import { isatty } from "node:tty";
import { parseDuration } from "../model/duration.ts";
import { globalArgs } from "./args.ts";
import { knownUnitsHint } from "./actions.ts";
import { ask, cliPaths, describeError, printError } from "./client.ts";
import { wantColor } from "./output.ts";
import { defineCommand } from "./command.ts";

export default defineCommand({
  meta: {
    name: "inspect",
    description: "One unit in depth: config, processes, CPU/RSS history, exits, restarts",
    examples: ["sysg inspect web", "sysg inspect web --json"],
  },
  args: {
    name: { type: "positional", required: true, sameAs: "service", description: "Unit name (same as -s NAME)", valueHint: "name" },
    service: { type: "string", alias: "s", description: "The unit", valueHint: "name" },
    json: { type: "boolean", description: "Print the InspectResult document" },
    "show-env": { type: "boolean", description: "Also the values of inherited environment variables (owner/admins only)" },
    window: { type: "string", default: "5m", description: "How much CPU/RSS history (e.g. 30s, 5m, 1h)", valueHint: "duration" },
    ...globalArgs,
  },
  async run({ args }): Promise<number> {
    const paths = cliPaths(args);
    const window = parseDuration(args.window);
    if (!window.ok || window.value <= 0) {
      await printError(`sysg: inspect: --window: expected a duration greater than 0 like "30s", "5m", "1h", got "${args.window}"`);
      return 2;
    }
    const reply = await ask(paths, "inspect", { name: args.service!, window: window.value / 1000, ...(args["show-env"] ? { show_env: true } : {}) }, 10_000);
    if (!reply.ok) {
      if (reply.error.code === "unknown_service") {
        await printError(`sysg: inspect: ${reply.error.message}`, await knownUnitsHint(paths, reply.error.message));
      } else {
        const d = describeError("inspect", reply.error, paths);
        await printError(d.message, d.hint);
      }
      return 1;
    }
    if (args.json) {
      console.log(JSON.stringify(reply.result, null, 2));
      return 0;
    }
    const { renderInspect } = await import("./inspect-view.ts");
    const { terminalWidth } = await import("./status-print.ts");
    const width = Math.min(terminalWidth(), 120);
    console.log(renderInspect(reply.result, { color: wantColor(args.color, isatty(1)), width }).join("\n"));
    return 0;
  },
});
