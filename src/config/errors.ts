// Config errors: where (a dotted path), what, and how to fix it. Helpers to build paths,
// order errors as the file reads, drop follow-on noise, and print them for the CLI.
import type { ConfigError } from "./resolved.ts";

export type { ConfigError };

/** One step into the config: a key or a list index. */
export type Segment = string | number;

/**
 * ["services", "web", "depends_on", 0] → "services.web.depends_on[0]". A key that is not a
 * plain word (a service named "web.v2") is quoted, `services["web.v2"].command`, so paths
 * stay unambiguous.
 */
export function pathOf(segments: readonly Segment[]): string {
  let out = "";
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (!/^[A-Za-z0-9_-]+$/.test(s)) out += `[${JSON.stringify(s)}]`;
    else out += out === "" ? s : `.${s}`;
  }
  return out;
}

/**
 * Keeps one error per place — a later error at the same path or below an earlier one is the
 * same mistake seen again (callers pass schema errors before semantic ones) — then orders them
 * by where their path first appears in the document (keys in file order).
 */
export function tidyErrors(errors: readonly ConfigError[], raw: unknown): ConfigError[] {
  // An error already kept at this place or an enclosing one covers this one. Looked up by
  // walking up the path (its depth), not by comparing with every kept error: 100,000 errors
  // (a mutated depends_on) took minutes that way (found by the chaos suite).
  const kept: ConfigError[] = [];
  const keptPaths = new Set<string>();
  for (const e of errors) {
    let covered = false;
    for (let p = e.path; ; p = parentOf(p)) {
      if (keptPaths.has(p) && covers(p, e.path)) {
        covered = true;
        break;
      }
      if (p === "") break;
    }
    if (covered) continue;
    kept.push(e);
    keptPaths.add(e.path);
  }
  const position = documentOrder(raw);
  const rank = (path: string): number => {
    // A missing key sorts with its nearest present ancestor.
    for (let p = path; ; p = parentOf(p)) {
      const at = position.get(p);
      if (at !== undefined) return at;
      if (p === "") return -1;
    }
  };
  return kept.map((e, i) => ({ e, i, r: rank(e.path) })).sort((a, b) => a.r - b.r || a.i - b.i).map((x) => x.e);
}

function covers(outer: string, inner: string): boolean {
  if (outer === inner) return true;
  return outer !== "" && inner.startsWith(outer) && (inner[outer.length] === "." || inner[outer.length] === "[");
}

/** "services.web.env.file[1]" → "services.web.env.file"; "services" → "". */
export function parentOf(path: string): string {
  const last = /(\.[A-Za-z0-9_-]+|\[\d+\]|\["(?:[^"\\]|\\.)*"\])$/.exec(path);
  return last ? path.slice(0, last.index) : "";
}

/** The path of `key` inside `parent`. */
export function childOf(parent: string, key: Segment): string {
  if (parent === "") return pathOf([key]);
  return typeof key === "number" ? `${parent}[${key}]` : parent + pathOf(["x", key]).slice(1);
}

function documentOrder(raw: unknown): Map<string, number> {
  const order = new Map<string, number>();
  const walk = (value: unknown, segments: Segment[]): void => {
    order.set(pathOf(segments), order.size);
    if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...segments, i]));
    else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) walk(v, [...segments, k]);
    }
  };
  walk(raw, []);
  return order;
}

/** For the CLI: `<file>: <path>: <message>` per error, then an indented `hint: …` line. */
export function formatErrors(errors: readonly ConfigError[], file: string): string {
  const lines: string[] = [];
  for (const e of errors) {
    lines.push(e.path === "" ? `${file}: ${e.message}` : `${file}: ${e.path}: ${e.message}`);
    if (e.hint) lines.push(`  hint: ${e.hint}`);
  }
  return lines.join("\n");
}
