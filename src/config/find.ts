// Finding and reading the config file (SPEC §1): where to look, and YAML/JSON/TOML by extension.
import { readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import type { ConfigError } from "./errors.ts";

export const DEFAULT_NAMES = ["systemg.yaml", "sysg.yaml"] as const;

export type Found = { ok: true; path: string } | { ok: false; error: ConfigError };

/**
 * -c PATH: absolute as is; else relative to cwd; else in the config dir (~/.config/systemg,
 * --sys /etc/systemg). Without -c: systemg.yaml then sysg.yaml in cwd, then the same in the
 * config dir — a project's own file wins over the per-user one.
 */
export function findConfig(opts: { config?: string; cwd: string; home: string; sys: boolean }): Found {
  const configDir = opts.sys ? "/etc/systemg" : join(opts.home, ".config", "systemg");
  const names = opts.config !== undefined ? [opts.config] : [...DEFAULT_NAMES];
  const tried = isAbsolute(names[0]!)
    ? [names[0]!]
    : [...new Set([opts.cwd, configDir].flatMap((dir) => names.map((name) => resolve(dir, name))))];
  const path = tried.find(isFile);
  if (path !== undefined) return { ok: true, path };
  const dir = opts.config !== undefined ? tried.find(isDirectory) : undefined;
  if (dir !== undefined) {
    return {
      ok: false,
      error: { path: "", message: `${dir} is a directory, not a config file`, hint: `pass the file inside it, e.g. -c ${join(opts.config!, DEFAULT_NAMES[0])}` },
    };
  }
  const what = opts.config !== undefined ? `config file ${JSON.stringify(opts.config)} not found` : "no config file found";
  return {
    ok: false,
    error: {
      path: "",
      message: `${what}; tried ${tried.join(", ")}`,
      hint: opts.config !== undefined ? "check the path of the config file (given as FILE or -c FILE)" : "create systemg.yaml here, or pass -c FILE",
    },
  };
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

export type Read = { ok: true; raw: unknown } | { ok: false; error: ConfigError };

/** Reads and parses by extension: .json, .toml, else YAML (.yaml, .yml and anything unknown). */
export async function readConfig(path: string): Promise<Read> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    return { ok: false, error: { path: "", message: `cannot read: ${(err as Error).message}` } };
  }
  if (text.trim() === "") {
    return { ok: false, error: { path: "", message: "the file is empty", hint: 'start with version: "1" and a services map' } };
  }
  const ext = path.slice(path.lastIndexOf(".") + 1).toLowerCase();
  const format = ext === "json" ? "JSON" : ext === "toml" ? "TOML" : "YAML";
  try {
    // confbox is split per format so only the parser in use is loaded.
    const raw =
      format === "JSON"
        ? (await import("confbox/json")).parseJSON(text)
        : format === "TOML"
          ? (await import("confbox/toml")).parseTOML(text)
          : (await import("confbox/yaml")).parseYAML(text);
    const depth = nestingDepth(raw, MAX_DEPTH);
    if (depth > MAX_DEPTH) {
      return {
        ok: false,
        error: { path: "", message: `${format} nesting deeper than ${MAX_DEPTH} levels`, hint: "a config is a few levels deep; this file is not one" },
      };
    }
    if (format !== "YAML") return { ok: true, raw };
    // Aliases share one parsed object, so a small file can stand for billions of values
    // ("billion laughs"): refuse before anything walks the expanded tree.
    const size = expandedSize(raw, MAX_VALUES);
    if (size > MAX_VALUES) {
      return {
        ok: false,
        error: {
          path: "",
          message: `YAML aliases expand to more than ${MAX_VALUES.toLocaleString("en-US")} values`,
          hint: "a config this size is an alias bomb or a mistake; expand fewer aliases",
        },
      };
    }
    return { ok: true, raw: applyMergeKeys(raw) };
  } catch (err) {
    let message = syntaxMessage(err);
    if (format === "JSON" && !/^line \d/.test(message)) {
      const { jsonErrorPosition } = await import("./json-position.ts");
      const at = jsonErrorPosition(text);
      if (at) message = `line ${at.line}, column ${at.column}: unexpected ${at.found} (${message.replace(/^JSON Parse error: /, "")})`;
    }
    return { ok: false, error: { path: "", message: `${format} syntax error: ${message}` } };
  }
}

/** The YAML parser's own limit, applied to every format (the validator walks the tree). */
const MAX_DEPTH = 100;

/** Levels of nesting of `value`, counting stops past `cap`; breadth-first, each object once. */
function nestingDepth(value: unknown, cap: number): number {
  const seen = new Set<object>();
  let level: unknown[] = [value];
  let depth = 0;
  while (level.length > 0 && depth <= cap) {
    const next: unknown[] = [];
    for (const v of level) {
      if (v === null || typeof v !== "object" || seen.has(v)) continue;
      seen.add(v);
      for (const c of Object.values(v)) if (c !== null && typeof c === "object") next.push(c);
    }
    depth++;
    level = next;
  }
  return depth;
}

/** More values than any real config has: 1,000,000 (a 10 MB file of plain services has ~300k). */
const MAX_VALUES = 1_000_000;

/**
 * How many values `value` stands for once its aliases are expanded, counting shared objects
 * once per reference (memoised by identity, so it costs the size of the file, not of the
 * expansion); stops counting past `cap`. Iterative: deep nesting cannot overflow the stack.
 */
function expandedSize(value: unknown, cap: number): number {
  const sizes = new Map<object, number>();
  // post-order over distinct objects: a node's size is 1 + the sizes of its children
  const stack: [object, boolean][] = [];
  const push = (v: unknown) => {
    if (v !== null && typeof v === "object" && !sizes.has(v)) stack.push([v, false]);
  };
  push(value);
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [node, expanded] = top;
    if (!expanded && sizes.has(node)) {
      stack.pop(); // a second reference, already counted (or a cycle: in progress)
      continue;
    }
    const children = Object.values(node as Record<string, unknown>);
    if (!expanded) {
      top[1] = true;
      sizes.set(node, -1); // in progress: a cycle through aliases counts as the cap
      for (const c of children) push(c);
      continue;
    }
    stack.pop();
    let n = 1;
    for (const c of children) {
      if (c === null || typeof c !== "object") n++;
      else {
        const s = sizes.get(c) ?? 0;
        n += s < 0 ? cap + 1 : s;
      }
      if (n > cap) break;
    }
    sizes.set(node, Math.min(n, cap + 1));
  }
  if (value === null || typeof value !== "object") return 1;
  return sizes.get(value) ?? 0;
}

/**
 * YAML merge keys (`<<: *defaults`, or a list of aliases), which this parser leaves as a plain
 * "<<" key: keys written in the map win, then the merged maps in order. Builds new objects, as
 * aliases share theirs.
 */
function applyMergeKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(applyMergeKeys);
  if (value === null || typeof value !== "object") return value;
  const own = Object.entries(value as Record<string, unknown>);
  const merge = (value as Record<string, unknown>)["<<"];
  const sources = merge === undefined ? [] : Array.isArray(merge) ? merge : [merge];
  if (!sources.every((m) => m !== null && typeof m === "object" && !Array.isArray(m))) {
    return Object.fromEntries(own.map(([k, v]) => [k, applyMergeKeys(v)])); // not maps: leave "<<" for the schema to reject
  }
  const out: Record<string, unknown> = {};
  for (const source of [...sources].reverse()) Object.assign(out, applyMergeKeys(source));
  for (const [k, v] of own) if (k !== "<<") out[k] = applyMergeKeys(v);
  return out;
}

/** The parser's message on one line, with the line and column where the parser gives them. */
function syntaxMessage(err: unknown): string {
  const e = err as { message?: string; mark?: { line: number; column: number }; reason?: string };
  const first = String(e.message ?? err).split("\n")[0]!.replace(/^Invalid TOML document: /, "");
  // YAML (js-yaml) gives a 0-based mark; TOML gives 1-based own line/column properties.
  if (e.mark) return `line ${e.mark.line + 1}, column ${e.mark.column + 1}: ${e.reason ?? first}`;
  const own = err !== null && typeof err === "object" ? (err as Record<string, unknown>) : {};
  if (Object.keys(own).includes("line") && typeof own.line === "number") {
    return `line ${own.line}, column ${Number(own.column)}: ${first}`;
  }
  return first;
}
