// The privilege warnings `start` would log for a config on this host (a key ignored or not
// applied because the supervisor is not root, a namespace the kernel lacks, …), for `sysg
// check` to print before anything runs — the same function start's spawn path uses.
import type { ResolvedConfig } from "../config/resolved.ts";
import { buildPrivilegeContext, type PrivilegeOptions } from "./context.ts";

export function privilegeWarnings(config: ResolvedConfig, opts: PrivilegeOptions): string[] {
  const out: string[] = [];
  for (const name of Object.keys(config.services)) {
    const ctx = buildPrivilegeContext(config.services[name]!, opts);
    if (ctx.ok) for (const w of ctx.warnings) if (!out.includes(w)) out.push(w);
  }
  return out;
}
