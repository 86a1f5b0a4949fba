// Under systemd with `Delegate=yes` (the systemg.service unit), the unit's cgroup belongs to
// sysg: systemd will not touch anything below it. sysg then puts services there instead of
// <cgroup2 mount>/systemg (which systemd owns and may rearrange): each service gets
// <unit cgroup>/services/<name>/. sysg itself moves into the leaf <unit cgroup>/supervisor/
// first, because cgroup v2 lets a cgroup hand controllers to its children only while it holds
// no processes itself ("no internal processes").
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { findCgroup2Mount } from "./cgroup.ts";

/** The unified-hierarchy path in a /proc/PID/cgroup text ("0::/system.slice/x.service"), or null. */
export function unifiedCgroupPath(procCgroup: string): string | null {
  const line = procCgroup.split("\n").find((l) => l.startsWith("0::"));
  return line ? line.slice(3) : null;
}

export interface DelegationPaths {
  procCgroup?: string;
  mountinfo?: string;
}

export type Delegation = { ok: true; root: string; supervisor: string } | { ok: false; reason: string };

/**
 * When systemd started this process as a service (INVOCATION_ID is set and its cgroup is a
 * `*.service`), moves `pid` into `<unit cgroup>/supervisor/` and returns `<unit cgroup>/services`
 * as the default root for services' cgroups. null when not started that way.
 */
export function adoptDelegatedCgroup(
  env: Record<string, string | undefined>,
  pid: number,
  paths: DelegationPaths = {},
): Delegation | null {
  if (!env.INVOCATION_ID) return null;
  let own: string | null;
  try {
    own = unifiedCgroupPath(readFileSync(paths.procCgroup ?? "/proc/self/cgroup", "utf8"));
  } catch {
    return null;
  }
  if (own === null || !own.endsWith(".service")) return null;
  const mount = findCgroup2Mount(paths.mountinfo);
  if (mount === null) return { ok: false, reason: "this host has no cgroup2 mount" };
  const unit = join(mount, own);
  const supervisor = join(unit, "supervisor");
  try {
    mkdirSync(supervisor, { recursive: true });
    writeFileSync(join(supervisor, "cgroup.procs"), String(pid));
  } catch (e) {
    return {
      ok: false,
      reason: `cannot move sysg into ${supervisor}: ${e instanceof Error ? e.message : String(e)} (is Delegate=yes set in the unit?)`,
    };
  }
  return { ok: true, root: join(unit, "services"), supervisor };
}
