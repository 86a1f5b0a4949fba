// The command line as data, for completions and the man page: every command of the table with
// its options and arguments, read from the same args tables `--help` and the parser use.
import { type ArgDef, type CommandDef, spellings } from "./command.ts";
import { COMMANDS } from "./index.ts";

/** What a value is completed with. */
export type ValueKind = { kind: "none" } | { kind: "words"; words: string[] } | { kind: "units" } | { kind: "file" } | { kind: "dir" } | { kind: "any" };

export interface OptionSpec {
  name: string;
  /** ["-s", "--service"] */
  flags: string[];
  /** boolean options take no value */
  value: ValueKind;
  valueHint: string | null;
  description: string;
  global: boolean;
}

export interface CommandSpec {
  name: string;
  summary: string;
  description: string;
  examples: string[];
  options: OptionSpec[];
  positionals: { name: string; value: ValueKind; description: string; required: boolean; variadic: boolean }[];
}

const GLOBAL = new Set(["sys", "log-level", "color"]);

export function valueKind(def: ArgDef): ValueKind {
  const type = def.type ?? "string";
  if (type === "boolean") return { kind: "none" };
  if (def.options && def.options.length > 0) return { kind: "words", words: [...def.options] };
  const hint = (def.valueHint ?? "").toLowerCase();
  if (hint === "name") return { kind: "units" };
  if (hint === "file") return { kind: "file" };
  if (hint === "dir") return { kind: "dir" };
  return { kind: "any" };
}

function optionOf(name: string, def: ArgDef): OptionSpec {
  const bool = (def.type ?? "string") === "boolean";
  // a boolean defaulting to true is written as its negation (--no-color)
  const flags = bool && def.default === true ? [`--no-${name}`] : spellings(name, def);
  return { name, flags, value: valueKind(def), valueHint: bool ? null : (def.valueHint ?? (def.options ? def.options.join("|") : "value")), description: def.description ?? "", global: GLOBAL.has(name) };
}

export function specOf(name: string, summary: string, cmd: CommandDef): CommandSpec {
  const entries = Object.entries(cmd.args).filter(([, d]) => !d.hidden);
  return {
    name,
    summary,
    description: cmd.meta.description,
    examples: cmd.meta.examples ?? [],
    options: entries.filter(([, d]) => d.type !== "positional").map(([n, d]) => optionOf(n, d)),
    positionals: entries
      .filter(([, d]) => d.type === "positional")
      .map(([n, d]) => ({ name: (d.valueHint ?? n).toUpperCase(), value: valueKind(d), description: d.description ?? "", required: d.required === true, variadic: d.variadic === true })),
  };
}

/** Every visible command, loaded (each command's module is imported). */
export async function cliSpec(): Promise<CommandSpec[]> {
  const out: CommandSpec[] = [];
  for (const c of COMMANDS) {
    if (c.hidden) continue;
    out.push(specOf(c.name, c.summary, (await c.load()) as CommandDef));
  }
  return out;
}
