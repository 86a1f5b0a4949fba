// The command table and the runner. Commands are imported lazily so each pays only for itself.
import type { CommandDef } from "citty";
import type { Connector } from "../ipc/client.ts";
import type { Platform } from "../platform/types.ts";
import { VALUE_FLAGS } from "./args.ts";
import { VERSION } from "../version.ts";

/** What the entry file provides: lazy loaders for the runtime backend. */
export interface Backend {
  platform: () => Promise<Platform>;
  /** transport for IPC clients (the portable node:net one is the client's default) */
  connector: () => Promise<Connector>;
}

/** Set by runCli before a command runs; commands that spawn call it. */
export let loadPlatform: Backend["platform"] = () => Promise.reject(new Error("platform not wired"));
/** Set by runCli; commands that talk to the supervisor pass it to connectIpc/callIpc. */
export let loadConnector: Backend["connector"] = () => Promise.reject(new Error("connector not wired"));

// biome-ignore lint: citty's CommandDef is generic over each command's args
type AnyCommand = CommandDef<any>;
const commands: Record<string, () => Promise<AnyCommand>> = {
  start: () => import("./start.ts").then((m) => m.default),
  check: () => import("./check.ts").then((m) => m.default),
  status: () => import("./status.ts").then((m) => m.default),
  stop: () => import("./stop.ts").then((m) => m.default),
  restart: () => import("./restart.ts").then((m) => m.default),
  reload: () => import("./reload.ts").then((m) => m.default),
  logs: () => import("./logs.ts").then((m) => m.default),
  inspect: () => import("./inspect.ts").then((m) => m.default),
  purge: () => import("./purge.ts").then((m) => m.default),
};

const USAGE = `sysg ${VERSION} — process supervisor

Usage: sysg [--sys] [--log-level L] [--no-color] <command> [options]

Commands:
  start     run the services of a config (foreground; --daemonize to detach)
  check     validate a config and exit
  status    show every unit (exit 0 healthy, 1 degraded, 2 failing)
  stop      stop one service (-s), or everything and the supervisor
  restart   restart one service (-s), all, or apply a config (-c)
  reload    apply the config again, or another one (-c): only what changed
  logs      show (and follow with -f) the logs of one or every service
  inspect   one unit in depth: config, processes, CPU/RSS history, exits
  purge     stop this mode's supervisor and delete its state

Run 'sysg <command> --help' for the options of a command.`;

/** Global flags may come before the command: move them after it, where citty parses them. */
export function reorderArgv(argv: string[]): string[] {
  const before: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("-") || a === "--") break;
    before.push(a);
    if (VALUE_FLAGS.has(a) && i + 1 < argv.length) before.push(argv[++i]!);
  }
  if (i >= argv.length) return argv;
  return [argv[i]!, ...before, ...argv.slice(i + 1)];
}

/** Runs one command line; returns the process exit code (0 ok, 1 error, 2 usage). */
export async function runCli(rawArgv: string[], backend: Backend): Promise<number> {
  loadPlatform = backend.platform;
  loadConnector = backend.connector;
  if (rawArgv.includes("--version") || rawArgv.includes("-V")) {
    console.log(`sysg ${VERSION}`);
    return 0;
  }
  const argv = reorderArgv(rawArgv);
  const name = argv[0];
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    console.log(USAGE);
    return name === undefined ? 2 : 0;
  }
  const load = commands[name];
  if (!load) {
    const known = Object.keys(commands).join(", ");
    console.error(`sysg: unknown command "${name}"\n  hint: commands are ${known}`);
    return 2;
  }
  const { runCommand, showUsage } = await import("citty");
  const cmd = await load();
  const rest = argv.slice(1);
  if (rest.includes("--help") || rest.includes("-h")) {
    await showUsage(cmd);
    return 0;
  }
  try {
    const { result } = await runCommand(cmd, { rawArgs: rest });
    return typeof result === "number" ? result : 0;
  } catch (err) {
    console.error(`sysg ${name}: ${err instanceof Error ? err.message : String(err)}`);
    return 2;
  }
}
