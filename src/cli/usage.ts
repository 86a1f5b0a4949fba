// Help text of one command, from its args table: `sysg <command> [options] ARGS`, arguments,
// options, the global options, examples. Plain text unless the caller allows color (a TTY and
// no NO_COLOR/--no-color); hidden (internal) options never appear.
import type { ArgDef, CommandDef } from "./command.ts";
import { spellings } from "./command.ts";
import { GLOBAL_ARG_NAMES } from "./args.ts";

const typeOf = (def: ArgDef) => def.type ?? "string";

export function renderUsage(cmd: CommandDef, color: boolean): string {
  const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[22m` : s);
  const name = cmd.meta.name;
  const entries = Object.entries(cmd.args).filter(([, d]) => !d.hidden);
  const positionals = entries.filter(([, d]) => typeOf(d) === "positional");
  const own = entries.filter(([n, d]) => typeOf(d) !== "positional" && !GLOBAL_ARG_NAMES.has(n));
  const globals = entries.filter(([n, d]) => typeOf(d) !== "positional" && GLOBAL_ARG_NAMES.has(n));
  const posWords = positionals.map(([n, d]) => {
    const word = (d.valueHint ?? n).toUpperCase() + (d.variadic ? "…" : "");
    return d.required ? word : `[${word}]`;
  });
  const lines = [`${bold("Usage:")} sysg ${name} [options]${posWords.length > 0 ? ` ${posWords.join(" ")}` : ""}`, "", cmd.meta.description];
  const table = (title: string, rows: [string, string][]) => {
    if (rows.length === 0) return;
    const width = Math.min(28, Math.max(...rows.map((r) => r[0].length)));
    lines.push("", bold(title));
    for (const [left, right] of rows) {
      lines.push(left.length > width ? `  ${left}\n  ${" ".repeat(width)}  ${right}` : `  ${left.padEnd(width)}  ${right}`);
    }
  };
  table(
    "Arguments:",
    positionals.map(([n, d]) => [(d.valueHint ?? n).toUpperCase(), describe(d)]),
  );
  table("Options:", [...own.map(([n, d]) => optionRow(n, d)), ["-h, --help", "Show this help"]]);
  table("Global options:", globals.map(([n, d]) => optionRow(n, d)));
  if (cmd.meta.examples && cmd.meta.examples.length > 0) {
    lines.push("", bold("Examples:"), ...cmd.meta.examples.map((e) => `  ${e}`));
  }
  return lines.join("\n");
}

function optionRow(name: string, def: ArgDef): [string, string] {
  const s = spellings(name, def);
  let left: string;
  if (typeOf(def) === "boolean" && def.default === true) left = `    --no-${name}`;
  else left = s[0]!.length === 2 ? s.join(", ") : `    ${s.join(", ")}`;
  if (typeOf(def) !== "boolean") left += ` ${(def.valueHint ?? (def.options ? def.options.join("|") : "value")).toUpperCase()}`;
  return [left, describe(def)];
}

function describe(def: ArgDef): string {
  const parts = [def.description ?? ""];
  if (typeOf(def) === "enum" && def.options && !def.description?.includes("|")) parts.push(`(${def.options.join(", ")})`);
  if (def.default !== undefined && typeOf(def) !== "boolean") parts.push(`(default ${def.default})`);
  return parts.filter(Boolean).join(" ");
}
