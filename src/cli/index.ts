// The command table and the runner. The table is plain data (name, summary, lazy loader) so
// help, completions and the man page are generated from it; each command's own args table
// (command.ts) is the single source of what it accepts. Commands are imported lazily so each
// pays only for itself. Every command gets the same strict parsing (parse.ts): unknown
// options and extra arguments are usage errors (exit 2) naming the argument.
import type { Connector, Platform } from "../platform/types.ts";
import { VALUE_FLAGS, globalArgs } from "./args.ts";
import type { CommandDef } from "./command.ts";
import { VERSION, VERSION_LINE } from "../version.ts";

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

// biome-ignore lint: each command's CommandDef is generic over its own args
type AnyCommand = CommandDef<any>;

export interface CommandEntry {
  name: string;
  /** one line for `sysg --help` */
  summary: string;
  load: () => Promise<AnyCommand>;
  /** other names that run it (`sysg cron run` style aliases are separate entries) */
  aliases?: string[];
  /** internal (the completion scripts' helper): runs, but is never listed */
  hidden?: boolean;
}

/** Every command, in the order `sysg --help` lists them. To add one: an entry here, and a
 *  file exporting `defineCommand({meta, args, run})` as default. */
export const COMMANDS: readonly CommandEntry[] = [
  { name: "start", summary: "run the services of a config (foreground; --daemonize to detach)", load: () => import("./start.ts").then((m) => m.default) },
  { name: "check", summary: "validate a config and exit", load: () => import("./check.ts").then((m) => m.default) },
  { name: "status", summary: "show every unit (exit 0 healthy, 1 degraded, 2 failing, 3 not running)", load: () => import("./status.ts").then((m) => m.default) },
  { name: "stop", summary: "stop one service, or everything and the supervisor", load: () => import("./stop.ts").then((m) => m.default) },
  { name: "restart", summary: "restart one service, all, or apply a config (-c)", load: () => import("./restart.ts").then((m) => m.default) },
  { name: "reload", summary: "apply the config again, or another one: only what changed", load: () => import("./reload.ts").then((m) => m.default) },
  { name: "logs", summary: "show (and follow with -f) the logs of one or every service", load: () => import("./logs.ts").then((m) => m.default) },
  { name: "inspect", summary: "one unit in depth: config, processes, CPU/RSS history, exits", load: () => import("./inspect.ts").then((m) => m.default) },
  { name: "run-now", summary: "run a cron job once, now (its schedule is unchanged)", load: () => import("./run-now.ts").then((m) => m.default) },
  { name: "purge", summary: "stop this mode's supervisor and delete its state", load: () => import("./purge.ts").then((m) => m.default) },
  { name: "spawn", summary: "start a dynamic child under a running service (-- CMD ARGS…)", load: () => import("./spawn.ts").then((m) => m.default) },
  { name: "doctor", summary: "what this host supports, the state dir's health, what a config gets", load: () => import("./doctor.ts").then((m) => m.default) },
  { name: "export", summary: "translate a config: systemd units, Kubernetes manifests, a Nomad job", load: () => import("./export.ts").then((m) => m.default) },
  { name: "import", summary: "write a config from a PM2 ecosystem file, a supervisord.conf or a Procfile", load: () => import("./import.ts").then((m) => m.default) },
  { name: "top", summary: "live view: units, CPU/RSS sparklines, restarts, logs; keys restart/stop/start", load: () => import("./top.ts").then((m) => m.default) },
  { name: "completion", summary: "print the completion script for bash, zsh or fish", load: () => import("./completion.ts").then((m) => m.default) },
  { name: "man", summary: "print the sysg(1) man page (roff)", load: () => import("./man.ts").then((m) => m.default) },
  { name: "security", summary: "score each service's exposure (0.0 locked down … 10.0 unprotected) and what to set", load: () => import("./security.ts").then((m) => m.default) },
  { name: "__complete", summary: "service names for the completion scripts", hidden: true, load: () => import("./complete.ts").then((m) => m.default) },
];

export function findCommand(name: string): CommandEntry | undefined {
  return COMMANDS.find((c) => c.name === name || c.aliases?.includes(name));
}

function topUsage(color: boolean): string {
  const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[22m` : s);
  const listed = COMMANDS.filter((c) => !c.hidden);
  const width = Math.max(...listed.map((c) => c.name.length));
  return [
    `sysg ${VERSION} — process supervisor`,
    "",
    `${bold("Usage:")} sysg [--sys] [--log-level LEVEL] [--no-color] <command> [options]`,
    "",
    bold("Commands:"),
    ...listed.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `sysg help <command>` (or `sysg <command> --help`) for the options of a command.",
  ].join("\n");
}

/** Global flags may come before the command: move them after it. */
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

/** Colors on stdout: a terminal, no NO_COLOR, no --no-color. */
async function stdoutColor(argv: readonly string[]): Promise<boolean> {
  if (argv.includes("--no-color")) return false;
  const { wantColor } = await import("./output.ts");
  const { isatty } = await import("node:tty");
  return wantColor(undefined, isatty(1));
}

/** A usage error, in the one voice: `sysg: <where>: <what>` then the hint. Exit code 2. */
function usageError(where: string, what: string, hint?: string): number {
  console.error(`sysg: ${where ? `${where}: ` : ""}${what}${hint ? `\n  hint: ${hint}` : ""}`);
  return 2;
}

/** Runs one command line; returns the process exit code (0 ok, 1 error, 2 usage). */
export async function runCli(rawArgv: string[], backend: Backend): Promise<number> {
  loadPlatform = backend.platform;
  loadConnector = backend.connector;
  if (rawArgv.includes("--version") || rawArgv.includes("-V")) {
    console.log(`sysg ${VERSION_LINE}`);
    return 0;
  }
  const argv = reorderArgv(rawArgv);
  const name = argv[0];
  if (name === undefined || name.startsWith("-")) {
    if (name === "-h" || name === "--help") {
      console.log(topUsage(await stdoutColor(argv)));
      return 0;
    }
    if (name === undefined) {
      console.error(topUsage(false));
      return 2;
    }
    return usageError("", `unknown option "${name}" before the command`, "global options are --sys, --log-level LEVEL, --no-color; see `sysg --help`");
  }
  if (name === "help") {
    const topic = argv.slice(1).filter((a) => !a.startsWith("-"));
    if (topic.length === 0) {
      console.log(topUsage(await stdoutColor(argv)));
      return 0;
    }
    if (topic.length > 1) return usageError("help", `unexpected argument "${topic[1]}"`, "usage: sysg help <command>");
    const entry = findCommand(topic[0]!);
    if (!entry) return unknownCommand(topic[0]!);
    return printHelp(await entry.load(), argv);
  }
  const entry = findCommand(name);
  if (!entry) return unknownCommand(name);
  const cmd = await entry.load();
  return runCommand(cmd, argv.slice(1));
}

function unknownCommand(name: string): Promise<number> {
  return import("../model/suggest.ts").then(({ suggest }) => {
    const listed = COMMANDS.filter((c) => !c.hidden).map((c) => c.name);
    const near = suggest(name, listed);
    const known = listed.join(", ");
    return usageError("", `unknown command "${name}"`, near ? `did you mean \`sysg ${near}\`? commands are ${known}` : `commands are ${known}`);
  });
}

/** Every command takes the global flags (SPEC §5: before or after the command), whether or not
 *  its table spreads them in, so `--log-level` is checked everywhere. */
function withGlobals(cmd: AnyCommand): AnyCommand {
  const args = { ...(cmd.args ?? {}) };
  for (const [name, def] of Object.entries(globalArgs)) if (!(name in args)) args[name] = def;
  return { ...cmd, args };
}

async function printHelp(cmd: AnyCommand, argv: readonly string[]): Promise<number> {
  const { renderUsage } = await import("./usage.ts");
  console.log(renderUsage(withGlobals(cmd), await stdoutColor(argv)));
  return 0;
}

/** Parses `rest` strictly against the command's args and runs it (also used by commands that
 *  hand over to another, like `restart --daemonize` → start). */
export async function runCommand(cmd: AnyCommand, rest: string[]): Promise<number> {
  const dashdash = rest.indexOf("--");
  const own = dashdash < 0 ? rest : rest.slice(0, dashdash);
  if (own.includes("--help") || own.includes("-h")) return printHelp(cmd, rest);
  const { parseArgv } = await import("./parse.ts");
  const parsed = parseArgv(withGlobals(cmd).args, rest, cmd.meta.name);
  if (!parsed.ok) return usageError(cmd.meta.name, parsed.error.message, parsed.error.hint);
  try {
    const result = await cmd.run({ args: parsed.values as never, rawArgs: rest });
    return typeof result === "number" ? result : 0;
  } catch (err) {
    console.error(`sysg: ${cmd.meta.name}: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n  hint: this is a bug in sysg; please report it with the command line`);
    return 1;
  }
}
