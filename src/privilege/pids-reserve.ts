// Headroom for the supervisor under a pids limit. When the supervisor itself runs in a cgroup
// whose pids.max is finite (a systemd unit's TasksMax, a container's pids limit), every process
// of its services counts against the same limit — and a service that forks without bound takes
// every task the supervisor has. The runtime then cannot start a thread it needs (its JIT, GC
// and I/O threads come and go) and aborts: that cannot be caught from JavaScript. So sysg keeps
// a share of the limit for itself: services without a cgroup of their own join a child cgroup,
// `sysg-services-<pid>`, whose pids.max is the limit minus a reserve. A fork bomb then exhausts
// that child, its spawns fail with EAGAIN, and the supervisor keeps its threads.
// Works on the cgroup v1 pids hierarchy and on cgroup2 (where the pids controller must be
// enabled for the child: a threaded controller, allowed beside the supervisor's own process).
import { mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

/** Tasks kept for the supervisor: its threads (about a dozen, some started on demand), the
 *  processes it starts outside the services' cgroup (`+` hooks), and slack. */
export const RESERVE = 32;
const PREFIX = "sysg-services-";

export interface PidsReserve {
  /** the services' cgroup directory (each spawn joins it) */
  dir: string;
  /** the effective pids limit of the supervisor's cgroup */
  limit: number;
  /** the services' share: pids.max of `dir` */
  servicesMax: number;
  /** removes the directory (once it is empty) */
  release(): void;
}

interface Where {
  /** the supervisor's own pids cgroup directory */
  own: string;
  /** the mount point of that hierarchy (the walk for limits stops there) */
  mount: string;
  v2: boolean;
}

/** The supervisor's pids cgroup: from /proc/self/cgroup and the mount table. */
export function ownPidsCgroup(procCgroup = "/proc/self/cgroup", mountinfo = "/proc/self/mountinfo"): Where | null {
  let lines: string[];
  let mounts: string[];
  try {
    lines = readFileSync(procCgroup, "utf8").split("\n");
    mounts = readFileSync(mountinfo, "utf8").split("\n");
  } catch {
    return null;
  }
  const mountOf = (v2: boolean): { point: string; root: string } | null => {
    for (const line of mounts) {
      const f = line.split(" ");
      const dash = f.indexOf("-");
      if (dash < 0) continue;
      const fstype = f[dash + 1];
      const opts = (f[dash + 3] ?? "").split(",");
      if (v2 ? fstype === "cgroup2" : fstype === "cgroup" && opts.includes("pids")) return { point: unescape(f[4]!), root: unescape(f[3]!) };
    }
    return null;
  };
  for (const v2 of [false, true]) {
    const line = lines.find((l) => (v2 ? l.startsWith("0::") : l.split(":")[1]?.split(",").includes("pids")));
    if (!line) continue;
    const path = line.slice(line.indexOf(":", line.indexOf(":") + 1) + 1);
    const m = mountOf(v2);
    if (!m) continue;
    // inside a cgroup namespace the path is relative to the mount's root already
    const rel = m.root !== "/" && (path === m.root || path.startsWith(`${m.root}/`)) ? relative(m.root, path) : path;
    const own = join(m.point, rel);
    if (v2 && !readWords(join(own, "cgroup.controllers")).includes("pids") && readMax(join(own, "pids.max")) === null) continue;
    return { own, mount: m.point, v2 };
  }
  return null;
}

function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

function readWords(path: string): string[] {
  try {
    return readFileSync(path, "utf8").split(/\s+/).filter(Boolean);
  } catch {
    return [];
  }
}

/** pids.max as a number; Infinity for "max"; null when unreadable. */
function readMax(path: string): number | null {
  try {
    const t = readFileSync(path, "utf8").trim();
    return t === "max" ? Number.POSITIVE_INFINITY : Number(t);
  } catch {
    return null;
  }
}

/** The smallest pids.max from `own` up to the mount: what the supervisor's tasks count against. */
export function effectiveLimit(w: Where): number {
  let limit = Number.POSITIVE_INFINITY;
  let dir = w.own;
  for (;;) {
    const m = readMax(join(dir, "pids.max"));
    if (m !== null && Number.isFinite(m)) limit = Math.min(limit, m);
    if (dir === w.mount || dir.length <= w.mount.length) break;
    dir = join(dir, "..");
  }
  return limit;
}

/**
 * Creates the services' cgroup when the supervisor's own pids limit is finite. `ok: null`: no
 * limit applies (or no pids hierarchy), nothing to do; `ok: false`: a limit applies but the
 * child could not be made (not root, a read-only cgroupfs) — the reason names it.
 */
export function reservePids(
  where: Where | null = ownPidsCgroup(),
  alive: (pid: number) => boolean = pidAlive,
): { ok: true; reserve: PidsReserve } | { ok: null } | { ok: false; reason: string } {
  if (!where) return { ok: null };
  const limit = effectiveLimit(where);
  if (!Number.isFinite(limit)) return { ok: null };
  sweepStale(where.own, alive);
  const reserve = Math.min(RESERVE, Math.floor(limit / 2));
  const servicesMax = Math.max(1, limit - reserve);
  const dir = join(where.own, `${PREFIX}${process.pid}`);
  try {
    if (where.v2 && !readWords(join(where.own, "cgroup.subtree_control")).includes("pids")) {
      writeFileSync(join(where.own, "cgroup.subtree_control"), "+pids");
    }
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "pids.max"), String(servicesMax));
  } catch (e) {
    try {
      rmdirSync(dir);
    } catch {
      // never made
    }
    return { ok: false, reason: `cannot keep pids for the supervisor under its limit of ${limit} (${where.own}): ${e instanceof Error ? e.message : String(e)}` };
  }
  return {
    ok: true,
    reserve: {
      dir,
      limit,
      servicesMax,
      release() {
        try {
          rmdirSync(dir);
        } catch {
          // still populated (a leftover process): the next supervisor sweeps it
        }
      },
    },
  };
}

/** Empty services' cgroups of supervisors that no longer run (SIGKILLed ones never removed theirs). */
function sweepStale(own: string, alive: (pid: number) => boolean): void {
  let names: string[];
  try {
    names = readdirSync(own);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(PREFIX)) continue;
    const pid = Number(name.slice(PREFIX.length));
    if (!Number.isInteger(pid) || pid === process.pid || alive(pid)) continue;
    try {
      rmdirSync(join(own, name));
    } catch {
      // populated: its processes are the recovery's to end
    }
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}
