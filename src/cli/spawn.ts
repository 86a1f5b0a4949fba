// `sysg spawn [--parent NAME | --parent-pid PID] [--name N] [--ttl 60s] [--env K=V]… -- CMD ARGS…`:
// start a dynamic child unit under a running service (SPEC §5). Run from inside a service (its
// env has SYSG_SOCKET), the parent defaults to the caller's own unit. Prints the child's pid.
// The arguments are parsed here, by hand, because everything after `--` is the child's own
// argv and `--env` repeats.
import { parseDuration } from "../model/duration.ts";
import { suggest } from "../model/suggest.ts";
import type { ArgsOf } from "../ipc/protocol.ts";
import { globalArgs } from "./args.ts";
import { ask, cliPaths, describeError, printError } from "./client.ts";
import { defineCommand } from "./command.ts";

const VALUE_OPTIONS = ["--parent", "--parent-pid", "--name", "--ttl", "--env", "--log-level"] as const;
const BOOL_OPTIONS = ["--json", "--sys", "--drop-privileges", "--color", "--no-color"] as const;
const ENV_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NAME = /^(?!\.\.?$)[A-Za-z0-9_.-]+$/;

export interface SpawnArgs {
  request: ArgsOf<"spawn">;
  json: boolean;
  sys: boolean;
}

/** argv after `spawn` → the request, or a usage error (exit 2) naming the argument. */
export function parseSpawnArgs(argv: string[]): { ok: true; value: SpawnArgs } | { ok: false; message: string; hint?: string } {
  const dash = argv.indexOf("--");
  const opts = dash < 0 ? argv : argv.slice(0, dash);
  const command = dash < 0 ? [] : argv.slice(dash + 1);
  const request: ArgsOf<"spawn"> = { argv: command };
  const env: Record<string, string> = {};
  let json = false;
  let sys = false;
  for (let i = 0; i < opts.length; i++) {
    const raw = opts[i]!;
    const eq = raw.startsWith("--") ? raw.indexOf("=") : -1;
    const flag = eq > 0 ? raw.slice(0, eq) : raw;
    if ((BOOL_OPTIONS as readonly string[]).includes(flag)) {
      if (flag === "--json") json = true;
      if (flag === "--sys") sys = true;
      continue;
    }
    if (!(VALUE_OPTIONS as readonly string[]).includes(flag)) {
      if (!flag.startsWith("-")) {
        return { ok: false, message: `unexpected argument ${JSON.stringify(raw)}`, hint: `the command goes after "--": sysg spawn --parent NAME -- ${raw} …` };
      }
      const near = suggest(flag, [...VALUE_OPTIONS, ...BOOL_OPTIONS]);
      return { ok: false, message: `unknown option ${JSON.stringify(flag)}`, hint: near ? `did you mean ${JSON.stringify(near)}?` : "see sysg spawn --help" };
    }
    const value = eq > 0 ? raw.slice(eq + 1) : opts[++i];
    if (value === undefined) return { ok: false, message: `${flag} needs a value` };
    switch (flag) {
      case "--parent":
        request.parent = value;
        break;
      case "--parent-pid": {
        const pid = Number(value);
        if (!Number.isInteger(pid) || pid < 1) return { ok: false, message: `--parent-pid: expected a process id, got ${JSON.stringify(value)}` };
        request.parent_pid = pid;
        break;
      }
      case "--name":
        if (!NAME.test(value)) {
          return { ok: false, message: `--name: invalid name ${JSON.stringify(value)}`, hint: "names use letters, digits, _ . and -" };
        }
        request.name = value;
        break;
      case "--ttl": {
        const d = parseDuration(value);
        if (!d.ok) return { ok: false, message: `--ttl: ${d.error}` };
        if (d.value <= 0) return { ok: false, message: `--ttl: must be longer than 0, got ${JSON.stringify(value)}`, hint: "leave --ttl out for a child that lives as long as its parent" };
        request.ttl = d.value / 1000;
        break;
      }
      case "--env": {
        const at = value.indexOf("=");
        const key = at < 0 ? value : value.slice(0, at);
        if (at < 0 || !ENV_KEY.test(key)) {
          return { ok: false, message: `--env: expected KEY=VALUE, got ${JSON.stringify(value)}`, hint: "names use letters, digits and _, not starting with a digit" };
        }
        env[key] = value.slice(at + 1);
        break;
      }
    }
  }
  if (request.parent !== undefined && request.parent_pid !== undefined) {
    return { ok: false, message: "--parent and --parent-pid do not go together", hint: "name the parent one way" };
  }
  if (command.length === 0) return { ok: false, message: "no command to run", hint: "sysg spawn --parent NAME -- CMD ARGS…" };
  if (Object.keys(env).length > 0) request.env = env;
  return { ok: true, value: { request, json, sys } };
}

export default defineCommand({
  meta: {
    name: "spawn",
    description: "Start a dynamic child under a running service; prints its pid",
    examples: ["sysg spawn --parent web --ttl 60s -- ./worker.sh --once", "sysg spawn --name job -- make report"],
  },
  args: {
    parent: { type: "string", description: "Parent unit (default: the caller's own service, from inside one)", valueHint: "name" },
    "parent-pid": { type: "string", description: "Parent: the unit whose process tree holds this pid", valueHint: "pid" },
    name: { type: "string", description: "The child's name under its parent (default child-N)", valueHint: "name" },
    ttl: { type: "string", description: "Stop the child after this long (e.g. 60s)", valueHint: "duration" },
    env: { type: "string", description: "KEY=VALUE laid over the parent's environment (repeatable)", valueHint: "K=V" },
    json: { type: "boolean", description: "Print the child (name, pid, parent, ttl) as JSON" },
    command: { type: "positional", variadic: true, valueHint: "-- cmd args", description: "The program and its arguments, after --" },
    ...globalArgs,
  },
  async run({ rawArgs }): Promise<number> {
    const parsed = parseSpawnArgs(rawArgs);
    if (!parsed.ok) {
      await printError(`sysg: spawn: ${parsed.message}`, parsed.hint);
      return 2;
    }
    const { request, json, sys } = parsed.value;
    // inside a service, SYSG_SOCKET names its own supervisor (whatever HOME or mode says)
    const inherited = process.env.SYSG_SOCKET;
    const paths = inherited && !sys ? { ...cliPaths({ sys }), controlSock: inherited } : cliPaths({ sys });
    const reply = await ask(paths, "spawn", request, 60_000);
    if (!reply.ok) {
      const d = describeError("spawn", reply.error, paths);
      const [what, hint] = splitHint(reply.error.message);
      await printError(`sysg: spawn: ${what}`, hint ?? d.hint);
      return 1;
    }
    if (json) console.log(JSON.stringify(reply.result, null, 2));
    else console.log(String(reply.result.pid));
    return 0;
  },
});

/** The supervisor ends a refusal with "; hint: …": shown on its own line, like every hint. */
function splitHint(message: string): [string, string | undefined] {
  const at = message.indexOf("; hint: ");
  return at < 0 ? [message, undefined] : [message.slice(0, at), message.slice(at + 8)];
}
