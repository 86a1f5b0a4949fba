// The config module's entry: find, read, validate and resolve a config file in one call.
// Pure apart from reading files (the config and its env files).
import { dirname } from "node:path";
import { tidyErrors } from "./errors.ts";
import { findConfig, readConfig } from "./find.ts";
import { type ResolveContext, resolveConfig } from "./resolve.ts";
import type { ConfigError, ResolvedConfig } from "./resolved.ts";
import type { RawConfig } from "./schema.ts";
import { validateSchema } from "./validate.ts";

export { formatErrors } from "./errors.ts";
export type { ConfigError, ResolvedConfig, ResolvedService } from "./resolved.ts";
// what the CLI uses beyond loading (the import table in docs/architecture.md: other modules
// reach config/ through this file and the resolved model, resolved.ts)
export { CAPABILITY_NAMES } from "./capabilities.ts";
export { commandText } from "./command.ts";
export { findConfig } from "./find.ts";
export { hostErrors } from "./host.ts";
export { validateSchema } from "./validate.ts";

export interface LoadOptions {
  /** -c/--config as given */
  config?: string;
  cwd: string;
  home: string;
  /** --sys: look in /etc/systemg instead of ~/.config/systemg */
  sys: boolean;
  /** the environment sysg was started with */
  baseEnv: Record<string, string>;
}

export type LoadResult =
  | { ok: true; config: ResolvedConfig }
  /** `path` is the config file when one was found (for formatErrors) */
  | { ok: false; errors: ConfigError[]; path?: string };

export async function loadConfig(opts: LoadOptions): Promise<LoadResult> {
  const found = findConfig(opts);
  if (!found.ok) return { ok: false, errors: [found.error] };
  const path = found.path;
  const read = await readConfig(path);
  if (!read.ok) return { ok: false, errors: [read.error], path };
  const raw = withoutExtensions(read.raw);
  const schemaErrors = validateSchema(raw);
  const isMap = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  // Without a services map there is nothing to resolve; the schema errors say why.
  if (!isMap(raw) || !isMap((raw as Record<string, unknown>).services)) {
    return { ok: false, errors: tidyErrors(schemaErrors, raw), path };
  }
  const rejectedPaths = schemaErrors.map((e) => e.path);
  const ctx: ResolveContext = {
    path,
    dir: dirname(path),
    home: opts.home,
    baseEnv: opts.baseEnv,
    rejected: (p) => rejectedPaths.some((r) => r === p || r.startsWith(`${p}.`) || r.startsWith(`${p}[`)),
  };
  const { config, errors } = resolveConfig(raw as RawConfig, ctx);
  const all = tidyErrors([...schemaErrors, ...errors], raw);
  return all.length > 0 ? { ok: false, errors: all, path } : { ok: true, config };
}

/**
 * Top-level keys starting with "x-" are the user's own (as in docker-compose), typically a place
 * for YAML anchors: they are dropped before validation.
 */
function withoutExtensions(raw: unknown): unknown {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return raw;
  return Object.fromEntries(Object.entries(raw).filter(([k]) => !k.startsWith("x-")));
}
