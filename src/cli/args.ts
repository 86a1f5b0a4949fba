// Flags shared by commands (SPEC §5), kept in one place so each command spreads in what it
// means: every command takes the global ones; only commands that start services take
// --drop-privileges; only commands that read a config take -c.
import type { ArgsDef } from "./command.ts";

export const LOG_LEVELS = ["off", "error", "warn", "info", "debug", "trace"] as const;

export const globalArgs = {
  sys: { type: "boolean", description: "System mode: /var/lib/systemg, /var/log/systemg, /etc/systemg (root)" },
  "log-level": { type: "enum", options: [...LOG_LEVELS], description: "off|error|warn|info|debug|trace", valueHint: "level" },
  color: { type: "boolean", default: true, description: "No colors (also NO_COLOR=1, or output that is not a terminal)" },
} as const satisfies ArgsDef;

/** Names of the global flags, so help lists them apart from a command's own. */
export const GLOBAL_ARG_NAMES: ReadonlySet<string> = new Set(Object.keys(globalArgs));

export const dropPrivilegesArg = {
  "drop-privileges": { type: "boolean", description: "Run services that name no user as nobody" },
} as const satisfies ArgsDef;

export const configArg = {
  config: { type: "string", alias: "c", description: "Config file (default systemg.yaml, then sysg.yaml)", valueHint: "file" },
} as const satisfies ArgsDef;

/** `sysg start FILE` = `sysg start -c FILE` */
export const configPositional = {
  file: { type: "positional", sameAs: "config", valueHint: "file", description: "Config file (same as -c FILE)" },
} as const satisfies ArgsDef;

/** `sysg stop web` = `sysg stop -s web` */
export function servicePositional(description: string) {
  return { name: { type: "positional", sameAs: "service", valueHint: "name", description } } as const satisfies ArgsDef;
}

/** Flags that take a value, so global flags typed before the command can be moved after it. */
export const VALUE_FLAGS = new Set(["-c", "--config", "--log-level"]);
