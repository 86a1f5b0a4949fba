// The filesystem half of the sandbox: isolation keys + a view of the host → the ordered list of
// mount operations the C child replays in the service's new mount namespace (ffi/sandbox.c),
// right after MS_REC|MS_SLAVE on "/". Pure: the host is read through `HostView`.
//
// Model (systemd's namespace.c, simplified):
//   rules   path → "ro" | "rw" | "keep": the mode of every mount at or below the path, the
//           longest matching path winning (so read_write_paths nested in protect_system win);
//   covers  paths replaced by a fresh mount: private /tmp, /var/tmp, /dev, protect_home
//           tmpfs/true, inaccessible paths (an empty mode-000 tmpfs, or a mode-000 file);
//   grafts  rule paths inside a cover: a copy of the host's tree is taken before the cover
//           and attached inside it (so read_write_paths win over protect_home as well).
// Order: clones for grafts → binds that make rule paths mount points → private /dev → covers
// and grafts, parents first → read-only on every visible mount whose rule is "ro" → flags of
// the covers. Each setattr is per mount (not recursive), so a mount the host had read-only is
// never made writable.
import type { RawIsolation } from "../config/schema.ts";
import type { ConfigError } from "../config/resolved.ts";
import type { MountOp } from "../platform/types.ts";

export interface HostView {
  /** canonical path (symlinks resolved), or null when it does not exist */
  realpath(path: string): string | null;
  isDir(path: string): boolean;
  /** mount points of the supervisor's namespace, from /proc/self/mountinfo, in order */
  mountPoints: string[];
  /** an empty regular file of mode 0000 that file masks are bound from */
  maskFile: string;
}

const MS_NOSUID = 0x2, MS_NODEV = 0x4, MS_NOEXEC = 0x8, MS_REC = 0x4000, MS_STRICTATIME = 1 << 24;
export const MOUNT_ATTR = { RDONLY: 0x1, NOSUID: 0x2, NODEV: 0x4, NOEXEC: 0x8 } as const;

type Mode = "ro" | "rw" | "keep";
type CoverKind = "tmp" | "dev" | "mask" | "home-tmpfs";

interface Cover {
  path: string;
  kind: CoverKind;
  dir: boolean;
}

export interface MountPlan {
  ops: MountOp[];
  errors: ConfigError[];
  /** the keys that need a mount namespace were set */
  needed: boolean;
}

/** Sandbox keys that work by mounts. */
export const MOUNT_KEYS = [
  "private_tmp",
  "private_devices",
  "protect_system",
  "protect_home",
  "read_only_paths",
  "read_write_paths",
  "inaccessible_paths",
  "protect_kernel_tunables",
  "protect_kernel_modules",
  "protect_kernel_logs",
  "protect_control_groups",
] as const;

// systemd's tables (namespace.c), as of v252.
const KERNEL_TUNABLES_RO = [
  "/proc/acpi", "/proc/apm", "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/latency_stats",
  "/proc/mtrr", "/proc/scsi", "/proc/sys", "/proc/sysrq-trigger", "/proc/timer_stats", "/sys",
];
const KERNEL_TUNABLES_HIDDEN = ["/proc/kallsyms", "/proc/kcore"];
const KERNEL_MODULES_HIDDEN = ["/lib/modules", "/usr/lib/modules"];
const KERNEL_LOGS_HIDDEN = ["/proc/kmsg", "/dev/kmsg"];
const HOME_DIRS = ["/home", "/root", "/run/user"];
const DEV_NODES = ["null", "zero", "full", "random", "urandom", "tty", "ptmx"];

/** "/a/b" is inside "/a" (and inside itself); "/" contains everything. */
export function within(path: string, dir: string): boolean {
  return dir === "/" || path === dir || path.startsWith(`${dir}/`);
}

const depth = (p: string) => (p === "/" ? 0 : p.split("/").length - 1);
const byPath = <T extends { path: string }>(a: T, b: T) => depth(a.path) - depth(b.path) || (a.path < b.path ? -1 : 1);

export function planMounts(iso: RawIsolation, base: string, host: HostView): MountPlan {
  const errors: ConfigError[] = [];
  const rules = new Map<string, Mode>();
  const covers = new Map<string, Cover>();
  const needed = MOUNT_KEYS.some((k) => {
    const v = iso[k];
    return Array.isArray(v) ? v.length > 0 : v !== undefined && v !== false;
  });
  if (!needed) return { ops: [], errors, needed };

  // A path from a built-in table is skipped when missing; a configured one is an error unless "-".
  const resolve = (raw: string, key: string | null, i = 0): string | null => {
    const optional = raw.startsWith("-");
    const path = optional ? raw.slice(1) : raw;
    const real = host.realpath(path);
    if (real === null && key !== null && !optional) {
      errors.push({
        path: `${base}.${key}[${i}]`,
        message: `${JSON.stringify(path)} does not exist`,
        hint: `create it, or write "-${path}" to ignore it when missing (as systemd does)`,
      });
    }
    return real;
  };
  // Precedence on the same path: inaccessible > rw > ro > keep (read_write_paths win over
  // protect_*; "keep" only exempts /dev, /proc, /sys from protect_system=strict).
  const rank = { keep: 0, ro: 1, rw: 2 } as const;
  const rule = (path: string | null, mode: Mode) => {
    if (path === null || covers.get(path)?.kind === "mask") return;
    const had = rules.get(path);
    if (had === undefined || rank[mode] > rank[had]) rules.set(path, mode);
  };
  /** builtin: from a protect_* key, which a configured rule on the very same path overrides */
  const cover = (path: string | null, kind: CoverKind, builtin = true) => {
    if (path === null) return;
    if (builtin && kind !== "tmp" && kind !== "dev" && rules.has(path)) return;
    rules.delete(path);
    covers.set(path, { path, kind, dir: host.isDir(path) });
  };

  const ps = iso.protect_system;
  if (ps === true || ps === "full" || ps === "strict") {
    for (const p of ["/usr", "/boot", "/efi"]) rule(resolve(p, null), "ro");
    if (ps !== true) rule(resolve("/etc", null), "ro");
    if (ps === "strict") {
      rule("/", "ro");
      for (const p of ["/dev", "/proc", "/sys"]) rule(resolve(p, null), "keep");
    }
  }
  const ph = iso.protect_home;
  if (ph === "read-only") for (const p of HOME_DIRS) rule(resolve(p, null), "ro");
  if (iso.protect_kernel_tunables) for (const p of KERNEL_TUNABLES_RO) rule(resolve(p, null), "ro");
  if (iso.protect_control_groups) rule(resolve("/sys/fs/cgroup", null), "ro");
  (iso.read_only_paths ?? []).forEach((p, i) => rule(resolve(p, "read_only_paths", i), "ro"));
  (iso.read_write_paths ?? []).forEach((p, i) => rule(resolve(p, "read_write_paths", i), "rw"));

  if (iso.private_tmp) for (const p of ["/tmp", "/var/tmp"]) cover(resolve(p, null), "tmp");
  if (iso.private_devices) cover("/dev", "dev");
  if (ph === true || ph === "tmpfs") for (const p of HOME_DIRS) cover(resolve(p, null), ph === true ? "mask" : "home-tmpfs");
  if (iso.protect_kernel_tunables) for (const p of KERNEL_TUNABLES_HIDDEN) cover(resolve(p, null), "mask");
  if (iso.protect_kernel_modules) for (const p of KERNEL_MODULES_HIDDEN) cover(resolve(p, null), "mask");
  if (iso.protect_kernel_logs) for (const p of KERNEL_LOGS_HIDDEN) cover(resolve(p, null), "mask");
  (iso.inaccessible_paths ?? []).forEach((p, i) => cover(resolve(p, "inaccessible_paths", i), "mask", false));
  if (errors.length > 0) return { ops: [], errors, needed };

  // A rule that repeats what its nearest enclosing rule already says (/usr ro under strict's "/"
  // ro) needs no mount of its own, unless a cover lies between them (then it is a graft).
  for (const [path, mode] of [...rules]) {
    let parent: string | undefined;
    for (const r of rules.keys()) if (r !== path && within(path, r) && (parent === undefined || r.length > parent.length)) parent = r;
    if (parent === undefined || rules.get(parent) !== mode) continue;
    const between = [...covers.keys()].some((c) => within(path, c) && within(c, parent) && c !== parent);
    if (!between) rules.delete(path);
  }

  const coverList = [...covers.values()].sort(byPath);
  /** The innermost cover holding `path` (not the cover at `path` itself). */
  const coverAbove = (path: string) => coverList.filter((c) => c.path !== path && within(path, c.path)).pop();

  // Rules inside a cover become grafts; inside a file mask or a private /dev they cannot exist.
  const grafts: { path: string; cover: Cover; dir: boolean; slot: number }[] = [];
  const binds: string[] = [];
  for (const path of [...rules.keys()].sort((a, b) => depth(a) - depth(b))) {
    const c = coverAbove(path);
    if (!c) {
      if (path !== "/" && !host.mountPoints.includes(path)) binds.push(path);
      continue;
    }
    if (c.kind === "dev" || !c.dir) {
      rules.delete(path);
      continue;
    }
    grafts.push({ path, cover: c, dir: host.isDir(path), slot: grafts.length });
  }
  // Covers inside covers: only those that sit inside a graft are still reachable.
  const liveCovers = coverList.filter((c) => {
    const above = coverAbove(c.path);
    return !above || grafts.some((g) => within(c.path, g.path) && within(g.path, above.path));
  });
  if (grafts.length + DEV_NODES.length + 2 > 64) {
    errors.push({ path: base, message: `${grafts.length} paths nested inside covered ones (at most ${64 - DEV_NODES.length - 2})` });
    return { ops: [], errors, needed };
  }

  const ops: MountOp[] = [];
  for (const g of grafts) ops.push({ op: "clone", target: g.path, slot: g.slot, recursive: true });
  for (const path of binds) ops.push({ op: "bind", source: path, target: path, flags: MS_REC });
  if (covers.get("/dev")?.kind === "dev") ops.push(...privateDev(host, grafts.length));

  // Covers and grafts, parents first, so a graft finds its cover mounted and a cover inside a
  // graft lands on the grafted tree.
  type Step = { path: string; cover?: Cover; graft?: (typeof grafts)[number] };
  const steps: Step[] = [
    ...liveCovers.filter((c) => c.kind !== "dev").map((c) => ({ path: c.path, cover: c })),
    ...grafts.map((g) => ({ path: g.path, graft: g })),
  ].sort(byPath);
  for (const s of steps) {
    if (s.cover) ops.push(...mountCover(s.cover, host, grafts.some((g) => g.cover === s.cover)));
    else if (s.graft) {
      const g = s.graft;
      // the way down from the cover to the graft, inside the cover's fresh tmpfs
      const rest = g.path.slice(g.cover.path.length + 1).split("/");
      let at = g.cover.path;
      rest.forEach((part, i) => {
        at = `${at}/${part}`;
        const last = i === rest.length - 1;
        if (last && !g.dir) ops.push({ op: "mkfile", target: at, mode: 0o644 });
        else ops.push({ op: "mkdir", target: at, mode: 0o755 });
      });
      ops.push({ op: "attach", target: g.path, slot: g.slot });
    }
  }

  // Read-only on every visible mount whose innermost rule says so, one mount at a time.
  const visible = (p: string) => {
    const c = coverAbove(p) ?? (covers.has(p) ? covers.get(p) : undefined);
    if (!c) return true;
    return grafts.some((g) => within(p, g.path) && within(g.path, c.path) && g.path !== c.path);
  };
  const modeOf = (p: string): Mode | undefined => {
    let best: string | undefined;
    for (const r of rules.keys()) if (within(p, r) && (best === undefined || r.length > best.length)) best = r;
    return best === undefined ? undefined : rules.get(best);
  };
  const mounts = new Set<string>(["/", ...host.mountPoints, ...binds, ...grafts.map((g) => g.path)]);
  for (const p of [...mounts].sort((a, b) => depth(a) - depth(b))) {
    if (covers.has(p) && !grafts.some((g) => g.path === p)) continue;
    if (!visible(p)) continue;
    if (modeOf(p) === "ro") ops.push({ op: "setattr", target: p, set: MOUNT_ATTR.RDONLY, clear: 0, recursive: false });
  }
  // Last, the covers' own flags (after their grafts were made inside them).
  for (const c of liveCovers) {
    if (c.kind === "mask") {
      const all = MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID | MOUNT_ATTR.NODEV | MOUNT_ATTR.NOEXEC;
      ops.push({ op: "setattr", target: c.path, set: all, clear: 0, recursive: false });
    } else if (c.kind === "home-tmpfs" || c.kind === "dev") {
      const attrs = MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID | (c.kind === "dev" ? MOUNT_ATTR.NOEXEC : MOUNT_ATTR.NODEV);
      ops.push({ op: "setattr", target: c.path, set: attrs, clear: 0, recursive: false });
    }
  }
  return { ops, errors, needed };
}

function mountCover(c: Cover, host: HostView, hasGrafts: boolean): MountOp[] {
  switch (c.kind) {
    case "tmp":
      return [{ op: "mount", fstype: "tmpfs", target: c.path, flags: MS_NOSUID | MS_NODEV, options: "mode=1777" }];
    case "home-tmpfs":
      return [{ op: "mount", fstype: "tmpfs", target: c.path, flags: MS_NOSUID | MS_NODEV, options: "mode=0755" }];
    case "mask":
      if (!c.dir) return [{ op: "bind", source: host.maskFile, target: c.path, flags: 0 }];
      // Nothing to list or read (not even for its owner, root); with paths grafted inside it can
      // still be walked through to reach them.
      return [{ op: "mount", fstype: "tmpfs", target: c.path, flags: MS_NOSUID | MS_NODEV | MS_NOEXEC, options: hasGrafts ? "mode=0111" : "mode=0000" }];
    case "dev":
      return [];
  }
}

/**
 * A minimal /dev: copies of the host's null, zero, full, random, urandom, tty, ptmx nodes and of
 * /dev/pts and /dev/shm, a fresh mqueue, the usual symlinks; no block devices, no /dev/mem.
 * The copies are taken before the new tmpfs covers the host's /dev.
 */
function privateDev(host: HostView, firstSlot: number): MountOp[] {
  const ops: MountOp[] = [];
  const attach: MountOp[] = [];
  let slot = firstSlot;
  for (const node of DEV_NODES) {
    if (host.realpath(`/dev/${node}`) !== `/dev/${node}`) continue;
    ops.push({ op: "clone", target: `/dev/${node}`, slot, recursive: false });
    attach.push({ op: "mkfile", target: `/dev/${node}`, mode: 0o666 }, { op: "attach", target: `/dev/${node}`, slot });
    slot++;
  }
  for (const dir of ["pts", "shm"]) {
    if (!host.mountPoints.includes(`/dev/${dir}`)) continue;
    ops.push({ op: "clone", target: `/dev/${dir}`, slot, recursive: true });
    attach.push({ op: "mkdir", target: `/dev/${dir}`, mode: 0o755 }, { op: "attach", target: `/dev/${dir}`, slot });
    slot++;
  }
  ops.push({ op: "mount", fstype: "tmpfs", target: "/dev", flags: MS_NOSUID | MS_STRICTATIME, options: "mode=0755" });
  ops.push(...attach);
  if (!host.mountPoints.includes("/dev/shm")) ops.push({ op: "mkdir", target: "/dev/shm", mode: 0o1777 });
  ops.push({ op: "mkdir", target: "/dev/mqueue", mode: 0o755 });
  ops.push({ op: "mount", fstype: "mqueue", target: "/dev/mqueue", flags: MS_NOSUID | MS_NODEV | MS_NOEXEC, options: "" });
  for (const [name, to] of [["fd", "/proc/self/fd"], ["stdin", "/proc/self/fd/0"], ["stdout", "/proc/self/fd/1"], ["stderr", "/proc/self/fd/2"]]) {
    ops.push({ op: "symlink", source: to!, target: `/dev/${name}` });
  }
  return ops;
}

/** Mount points of a /proc/PID/mountinfo text (field 5, octal escapes decoded). */
export function parseMountPoints(mountinfo: string): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split("\n")) {
    const field = line.split(" ")[4];
    if (field) out.push(field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(Number.parseInt(o, 8))));
  }
  return out;
}
