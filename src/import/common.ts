// What the importers share: the result shape, service-name cleaning, and shell quoting.
import { SERVICE_NAME } from "../config/schema.ts";

export interface ImportResult {
  /** the sysg config as a plain object (version, services, …) */
  config: { version: "1"; services: Record<string, Record<string, unknown>>; env?: Record<string, unknown> };
  /** what could not be carried over (or only approximately), as "name: key: why" */
  notes: string[];
}

export type ImportError = { ok: false; message: string; hint?: string };

/** A valid, unused service name for `raw` (invalid characters become "-"). */
export function serviceName(raw: string, taken: Set<string>, notes: string[]): string {
  let name = raw.trim().replace(/[^A-Za-z0-9_.-]+/g, "-").replace(/^-+|-+$/g, "");
  if (name === "" || !SERVICE_NAME.test(name)) name = "service";
  const base = name;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  if (name !== raw) notes.push(`${raw}: name: renamed to "${name}" (service names use letters, digits, _ . -)`);
  taken.add(name);
  return name;
}

/** One shell word: as is when it is plain, else single-quoted. */
export function shellWord(w: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`;
}

/** A duration in ms as a sysg duration string. */
export function duration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
