// `sysg run-now NAME`: run a cron job once, now, outside its schedule (which stays as it is),
// and wait for it to end: exit 0 when it exited 0, else 1. The run is recorded in the job's
// history (status, inspect) like a scheduled one; a run still going is not started twice.
import { globalArgs } from "./args.ts";
import { knownUnitsHint } from "./actions.ts";
import { ask, cliPaths, describeError, printError } from "./client.ts";
import { defineCommand } from "./command.ts";

/** A cron job may run long; Ctrl-C leaves it running under the supervisor. */
const RUN_TIMEOUT_MS = 24 * 3600_000;

export default defineCommand({
  meta: {
    name: "run-now",
    description: "Run a cron job once, now (its schedule is unchanged); wait for it to end",
    examples: ["sysg run-now backup"],
  },
  args: {
    name: { type: "positional", required: true, sameAs: "service", valueHint: "name", description: "The cron job (same as -s NAME)" },
    service: { type: "string", alias: "s", description: "The cron job", valueHint: "name" },
    json: { type: "boolean", description: "Print the run ({started_at, ended_at, code, signal, duration}) as JSON" },
    ...globalArgs,
  },
  async run({ args }): Promise<number> {
    const paths = cliPaths(args);
    const name = args.service!;
    const reply = await ask(paths, "run", { service: name }, RUN_TIMEOUT_MS);
    if (!reply.ok) {
      if (reply.error.code === "unknown_service") {
        await printError(`sysg: run-now: ${reply.error.message}`, await knownUnitsHint(paths, reply.error.message));
      } else {
        const d = describeError("run-now", reply.error, paths);
        await printError(d.message, d.hint ?? (reply.error.code === "busy" ? `wait for it: \`sysg status ${name}\`` : undefined));
      }
      return 1;
    }
    const run = reply.result;
    if (args.json) console.log(JSON.stringify(run, null, 2));
    else console.log(`${name}: ran${run.duration === null ? "" : ` for ${run.duration.toFixed(1)}s`}, ended with ${run.signal ?? `exit code ${run.code}`}`);
    return run.code === 0 ? 0 : 1;
  },
});
