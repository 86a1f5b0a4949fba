// cgroup v2 for services: find the real cgroup2 mount, create <root>/<service>/, write limits in
// the kernel's form, kill and clean up. Writes are best effort (SPEC §8): a denied write is a
// warning returned to the caller, never a thrown error. Joining the cgroup is the child's job:
// the supervisor opens the returned directory (O_RDONLY|O_DIRECTORY) and passes the fd as
// SpawnSpec.cgroupFd.
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";

/** `limits.cgroup` normalised: what prepareCgroup writes. */
export interface CgroupSettings {
  /** bytes; Infinity = "max" */
  memory_max?: number;
  /** the kernel's cpu.max form: "max", "max 100000", "50000" or "50000 100000" */
  cpu_max?: string;
  /** 1..10000 */
  cpu_weight?: number;
  /** Infinity = "max" */
  pids_max?: number;
}

interface Mount {
  point: string;
  fstype: string;
}

/** mountinfo(5) escapes space, tab, newline and backslash as octal. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8)));
}

function parseMountinfo(text: string): Mount[] {
  const out: Mount[] = [];
  for (const line of text.split("\n")) {
    const f = line.split(" ");
    const dash = f.indexOf("-");
    if (dash < 0 || f[4] === undefined || f[dash + 1] === undefined) continue;
    out.push({ point: unescape(f[4]), fstype: f[dash + 1]! });
  }
  return out;
}

function readMounts(mountinfo: string): Mount[] {
  try {
    return parseMountinfo(readFileSync(mountinfo, "utf8"));
  } catch {
    return [];
  }
}

/** The first cgroup2 mount (the unified hierarchy), or null when the host has none. */
export function findCgroup2Mount(mountinfo = "/proc/self/mountinfo"): string | null {
  return readMounts(mountinfo).find((m) => m.fstype === "cgroup2")?.point ?? null;
}

/** `<cgroup2 mount>/systemg`, or null without cgroup2. */
export function defaultCgroupRoot(mountinfo = "/proc/self/mountinfo"): string | null {
  const mount = findCgroup2Mount(mountinfo);
  return mount === null ? null : join(mount, "systemg");
}

/** The filesystem a path lives on, by the longest mount point containing it. The last
 *  mount listed for a point wins, since later mounts stack on top of earlier ones. */
function mountOf(path: string, mounts: Mount[]): Mount | undefined {
  let best: Mount | undefined;
  for (const m of mounts) {
    const inside = path === m.point || path.startsWith(m.point.endsWith(sep) ? m.point : m.point + sep);
    if (inside && (!best || m.point.length >= best.point.length)) best = m;
  }
  return best;
}

/** Resolves symlinks of the longest existing prefix, so a path not created yet is judged too. */
function canonical(path: string): string {
  let head = resolve(path);
  const tail: string[] = [];
  while (!existsSync(head)) {
    const up = dirname(head);
    if (up === head) break;
    tail.unshift(head.slice(up.length + (up.endsWith(sep) ? 0 : 1)));
    head = up;
  }
  return join(realpathSync(head), ...tail);
}

/** Where a path sits on cgroup2: its mount point, or why it does not. */
export function cgroup2MountOf(
  path: string,
  mountinfo = "/proc/self/mountinfo",
): { ok: true; mount: string } | { ok: false; reason: string } {
  const real = canonical(path);
  const m = mountOf(real, readMounts(mountinfo));
  if (m?.fstype === "cgroup2") return { ok: true, mount: m.point };
  const what = m ? `${m.fstype} at ${m.point}` : "no known mount";
  return { ok: false, reason: `${path} is not on a cgroup2 filesystem (${what})` };
}

const CONTROLLER: Record<keyof CgroupSettings, string> = {
  memory_max: "memory",
  cpu_max: "cpu",
  cpu_weight: "cpu",
  pids_max: "pids",
};

const FILE: Record<keyof CgroupSettings, string> = {
  memory_max: "memory.max",
  cpu_max: "cpu.max",
  cpu_weight: "cpu.weight",
  pids_max: "pids.max",
};

/** The text the kernel expects in each file. */
export function kernelValue(value: number | string): string {
  if (typeof value === "number") return value === Number.POSITIVE_INFINITY ? "max" : String(Math.floor(value));
  return value.trim();
}

function errText(e: unknown): string {
  // node's fs messages already start with the errno name ("EACCES: permission denied, …").
  return e instanceof Error ? e.message : String(e);
}

function words(path: string): string[] {
  try {
    return readFileSync(path, "utf8").split(/\s+/).filter((w) => w !== "");
  } catch {
    return [];
  }
}

export type PrepareResult = { ok: true; dir: string; warnings: string[] } | { ok: false; reason: string; warnings: string[] };

/**
 * Creates `<root>/<service>/`, enables the controllers the settings need from the cgroup2
 * mount down to `root` (each parent's cgroup.subtree_control), and writes the settings.
 * `ok: false` only when there is no usable directory at all (root not on cgroup2, mkdir
 * denied); each refused controller or value is a warning next to an `ok: true`.
 */
export function prepareCgroup(
  root: string,
  service: string,
  settings: CgroupSettings,
  mountinfo = "/proc/self/mountinfo",
): PrepareResult {
  const warnings: string[] = [];
  const where = cgroup2MountOf(root, mountinfo);
  if (!where.ok) return { ok: false, reason: where.reason, warnings };
  const base = canonical(root);
  const dir = join(base, service);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    return { ok: false, reason: `cannot create cgroup ${dir}: ${errText(e)}`, warnings };
  }

  const keys = (Object.keys(FILE) as (keyof CgroupSettings)[]).filter((k) => settings[k] !== undefined);
  const needed = [...new Set(keys.map((k) => CONTROLLER[k]))];
  // Every cgroup from the mount down to `root` must delegate the controller to its children.
  const chain = [where.mount];
  for (const part of relative(where.mount, base).split(sep).filter((p) => p !== "")) {
    chain.push(join(chain[chain.length - 1]!, part));
  }
  // controller → why it cannot be used below `root`
  const unavailable = new Map<string, string>();
  for (const ctrl of needed) {
    for (const cg of chain) {
      if (!words(join(cg, "cgroup.controllers")).includes(ctrl)) {
        unavailable.set(ctrl, `controller "${ctrl}" is not available in ${cg} (bound to cgroup v1, or not delegated)`);
        break;
      }
      if (words(join(cg, "cgroup.subtree_control")).includes(ctrl)) continue;
      try {
        writeFileSync(join(cg, "cgroup.subtree_control"), `+${ctrl}`);
      } catch (e) {
        unavailable.set(ctrl, `cannot enable controller "${ctrl}" in ${join(cg, "cgroup.subtree_control")}: ${errText(e)}`);
        break;
      }
    }
  }

  for (const key of keys) {
    const why = unavailable.get(CONTROLLER[key]);
    if (why !== undefined) {
      warnings.push(`services.${service}.limits.cgroup.${key} not applied: ${why}`);
      continue;
    }
    const file = join(dir, FILE[key]);
    try {
      writeFileSync(file, kernelValue(settings[key]!));
    } catch (e) {
      warnings.push(`services.${service}.limits.cgroup.${key} not applied: cannot write ${file}: ${errText(e)}`);
    }
  }
  return { ok: true, dir, warnings };
}

/** Kills every process in the cgroup at once (cgroup.kill, Linux 5.14+). */
export function killCgroup(dir: string): { ok: true } | { ok: false; unsupported: boolean; reason: string } {
  const file = join(dir, "cgroup.kill");
  if (!existsSync(file)) return { ok: false, unsupported: true, reason: `${file} does not exist (kernel < 5.14?)` };
  try {
    writeFileSync(file, "1");
    return { ok: true };
  } catch (e) {
    return { ok: false, unsupported: false, reason: `cannot write ${file}: ${errText(e)}` };
  }
}

/** Pids in the cgroup and its descendants; [] when it is gone. */
export function cgroupPids(dir: string): number[] {
  const pids = words(join(dir, "cgroup.procs")).map(Number);
  let children: string[] = [];
  try {
    children = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  } catch {
    return pids;
  }
  for (const child of children) pids.push(...cgroupPids(join(dir, child)));
  return pids;
}

/** rmdir the cgroup and its child cgroups, deepest first. Fails (EBUSY) while processes remain. */
export function removeCgroup(dir: string): { ok: true } | { ok: false; reason: string } {
  if (!existsSync(dir)) return { ok: true };
  try {
    for (const d of readdirSync(dir, { withFileTypes: true })) {
      if (!d.isDirectory()) continue;
      const r = removeCgroup(join(dir, d.name));
      if (!r.ok) return r;
    }
    // cgroupfs directories are removed with rmdir even though they list control files.
    rmdirSync(dir);
    return { ok: true };
  } catch (e) {
    return { ok: false, reason: `cannot remove cgroup ${dir}: ${errText(e)}` };
  }
}
