// Flags every command accepts (SPEC §5). Kept in one place so each command spreads them in.
import type { ArgsDef } from "citty";

export const globalArgs = {
  sys: { type: "boolean", description: "System mode: /var/lib/systemg, /var/log/systemg, /etc/systemg (root)" },
  "drop-privileges": { type: "boolean", description: "Run services that name no user as nobody" },
  "log-level": { type: "string", description: "off|error|warn|info|debug|trace", valueHint: "level" },
  color: { type: "boolean", default: true, description: "Colored output (--no-color, or NO_COLOR=1, turns it off)" },
} as const satisfies ArgsDef;

export const configArg = {
  config: { type: "string", alias: "c", description: "Config file (default systemg.yaml, then sysg.yaml)", valueHint: "file" },
} as const satisfies ArgsDef;

/** Flags that take a value, so argv can be reordered without eating the command name. */
export const VALUE_FLAGS = new Set(["-c", "--config", "--log-level"]);
