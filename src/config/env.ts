// Environment: env files (KEY=VALUE lines) and the precedence of every layer. Values are taken
// literally: no $VAR substitution anywhere (the shell does that when the command runs).
import { readFileSync } from "node:fs";
import { show } from "../model/parsed.ts";

/** Variables the supervisor itself consumes; a child never inherits them from sysg's own env. */
export const SUPERVISOR_ONLY = ["LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES", "NOTIFY_SOCKET"] as const;

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
const ESCAPES: Readonly<Record<string, string>> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

export type EnvFileResult = { ok: true; vars: Record<string, string> } | { ok: false; error: string };

/** Parses env-file text; `source` names the file in errors ("/srv/app/.env:3: …"). */
export function parseEnvFile(text: string, source: string): EnvFileResult {
  const vars: Record<string, string> = {};
  const lines = text.split("\n").map((l) => (l.endsWith("\r") ? l.slice(0, -1) : l));
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const fail = (what: string): EnvFileResult => ({ ok: false, error: `${source}:${lineNo}: ${what}` });
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const body = line.replace(/^export\s+/, "");
    const eq = body.indexOf("=");
    if (eq < 0) return fail(`expected KEY=VALUE, got ${show(lines[i])}`);
    const key = body.slice(0, eq).trim();
    if (!KEY.test(key)) return fail(`invalid variable name ${show(key)} (letters, digits and _, not starting with a digit)`);
    let rest = body.slice(eq + 1).trimStart();
    const quote = rest[0];
    if (quote !== '"' && quote !== "'") {
      // Unquoted: a comment starts at whitespace followed by #.
      vars[key] = rest.replace(/\s+#.*$/, "").trimEnd();
      continue;
    }
    // Quoted values may span lines until the closing quote.
    let value = "";
    let closed = -1;
    rest = rest.slice(1);
    for (;;) {
      closed = quote === '"' ? readDouble(rest, (s) => (value += s)) : readSingle(rest, (s) => (value += s));
      if (closed >= 0 || i + 1 >= lines.length) break;
      value += "\n";
      rest = lines[++i]!;
    }
    if (closed < 0) return fail(`${quote}-quoted value of ${key} is never closed`);
    const after = rest.slice(closed + 1).trim();
    if (after !== "" && !after.startsWith("#")) return fail(`unexpected text after the closing quote: ${show(after)}`);
    vars[key] = value;
  }
  return { ok: true, vars };
}

/** Appends the double-quoted text to `emit`; returns the index of the closing quote, or -1. */
function readDouble(text: string, emit: (s: string) => void): number {
  for (let j = 0; j < text.length; j++) {
    const c = text[j]!;
    if (c === '"') return j;
    if (c === "\\" && j + 1 < text.length) {
      const next = text[++j]!;
      emit(ESCAPES[next] ?? `\\${next}`);
    } else emit(c);
  }
  return -1;
}

function readSingle(text: string, emit: (s: string) => void): number {
  const end = text.indexOf("'");
  emit(end < 0 ? text : text.slice(0, end));
  return end;
}

/** Reads and parses one env file (absolute path). */
export function readEnvFile(path: string): EnvFileResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EACCES" ? "permission denied" : String(err);
    return { ok: false, error: `cannot read env file ${path}: ${why}` };
  }
  return parseEnvFile(text, path);
}

/** The environment sysg starts from: its own, minus what only the supervisor consumes. */
export function inheritedEnv(base: Readonly<Record<string, string>>): Record<string, string> {
  const env = { ...base };
  for (const k of SUPERVISOR_ONLY) delete env[k];
  return env;
}

/** Merges layers, lowest precedence first, into a new object (no layer is modified). */
export function mergeEnv(...layers: readonly Readonly<Record<string, string>>[]): Record<string, string> {
  return Object.assign({}, ...layers);
}

/** Config `vars` values as text: YAML numbers and booleans become their written form. */
export function varsAsText(vars: Readonly<Record<string, string | number | boolean>> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(vars ?? {})) out[k] = String(v);
  return out;
}
