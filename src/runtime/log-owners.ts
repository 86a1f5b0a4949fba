// Service logs are named by service (`<name>_stdout.log`), so two configs that both have a
// `web`, run one after the other in the same state dir, would write into one history and
// `sysg logs web` would mix them. `log-owners.json` in the log dir records which config
// each service's files belong to. When a supervisor starts a config, the files of a same-named
// service another config wrote are moved aside to `by-config/<id>/`, and this config's own
// earlier files come back from there: each config reads only its own logs. A reload to another
// file keeps the files (its services continue, writing on) and records the new owner.
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, renameSync } from "node:fs";
import { join } from "node:path";
import { writeJsonAtomic } from "./state.ts";

export const OWNERS_FILE = "log-owners.json";
export const BY_CONFIG_DIR = "by-config";

/** The folder a config's set-aside logs live in: readable, and unique per config path. */
export function configLogDir(logDir: string, configPath: string): string {
  const base = configPath.slice(configPath.lastIndexOf("/") + 1).replace(/[^A-Za-z0-9_.-]/g, "_");
  const id = createHash("sha256").update(configPath).digest("hex").slice(0, 8);
  return join(logDir, BY_CONFIG_DIR, `${base}-${id}`);
}

/** Claims `names`' log files for `configPath`; returns a line per service whose files moved.
 *  `move: false` (a reload) records the owner without moving anything. */
export function claimLogs(
  logDir: string,
  configPath: string,
  names: readonly string[],
  modes: { file: number; dir: number },
  move = true,
): string[] {
  const ownersPath = join(logDir, OWNERS_FILE);
  let owners: Record<string, string> = {};
  try {
    const parsed = JSON.parse(readFileSync(ownersPath, "utf8"));
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) owners = parsed as Record<string, string>;
  } catch {
    // none yet (or unreadable): every present file counts as this config's, as before
  }
  const said: string[] = [];
  let changed = false;
  for (const name of names) {
    const owner = owners[name];
    if (owner === configPath) continue;
    changed = true;
    owners[name] = configPath;
    if (owner === undefined || !move) continue;
    const aside = configLogDir(logDir, owner);
    const moved = moveLogs(name, logDir, aside, modes.dir);
    const back = moveLogs(name, configLogDir(logDir, configPath), logDir, modes.dir);
    if (moved > 0) said.push(`${name}: the logs of ${owner}'s "${name}" were moved to ${aside}${back > 0 ? "; this config's earlier logs are back" : ""}`);
  }
  if (changed) {
    const w = writeJsonAtomic(ownersPath, owners, modes.file);
    if (!w.ok) throw new Error(w.error.message);
  }
  return said;
}

/** Moves `<name>_stdout.log*` and `<name>_stderr.log*` from one dir to another; returns how many. */
function moveLogs(name: string, from: string, to: string, dirMode: number): number {
  let files: string[];
  try {
    files = readdirSync(from).filter((f) => f.startsWith(`${name}_stdout.log`) || f.startsWith(`${name}_stderr.log`));
  } catch {
    return 0;
  }
  const own = new RegExp(`^${name.replace(/[.]/g, "\\.")}_(stdout|stderr)\\.log(\\.\\d+)?$`);
  let n = 0;
  for (const f of files.filter((f) => own.test(f))) {
    mkdirSync(to, { recursive: true, mode: dirMode });
    renameSync(join(from, f), join(to, f));
    n++;
  }
  return n;
}
