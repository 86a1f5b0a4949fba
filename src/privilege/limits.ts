// `limits` → SpawnSpec.rlimits / nice / cpuAffinity plus the cgroup settings, checked against
// what this supervisor can actually grant: a non-root process cannot raise a hard limit or
// lower its nice value past RLIMIT_NICE, and CPUs must be online. Every problem is a
// ConfigError with the exact key, so `sysg check` reports them all at once.
import { readFileSync } from "node:fs";
import type { Parsed } from "../model/parsed.ts";
import type { ConfigError } from "../config/resolved.ts";
import type { RawLimits } from "../config/schema.ts";
import { parseSize } from "../config/size.ts";
import { parseCountLimit, parseCpuMax } from "../config/values.ts";
import type { SpawnSpec } from "../platform/types.ts";
import type { CgroupSettings } from "./cgroup.ts";

/** Resource numbers from <asm-generic/resource.h> (x86, arm, riscv; not mips/sparc/alpha). */
export const RLIMIT_NPROC = 6;
export const RLIMIT_NOFILE = 7;
export const RLIMIT_MEMLOCK = 8;
/** SpawnSpec's RLIM_INFINITY */
export const RLIM_INFINITY = -1;

type RlimitKey = "nofile" | "nproc" | "memlock";
const RESOURCE: Record<RlimitKey, { number: number; row: string }> = {
  nproc: { number: RLIMIT_NPROC, row: "Max processes" },
  nofile: { number: RLIMIT_NOFILE, row: "Max open files" },
  memlock: { number: RLIMIT_MEMLOCK, row: "Max locked memory" },
};

export interface Limit {
  soft: number;
  hard: number;
}

/** What the supervisor itself has, which bounds what it may hand to a child. */
export interface HostLimits {
  /** current limits of the supervisor; Infinity = unlimited */
  current: Record<RlimitKey, Limit>;
  /** RLIMIT_NICE soft value (0..40) */
  niceLimit: number;
  /** the supervisor's own nice value */
  nice: number;
  /** fs.nr_open: the kernel's ceiling for RLIMIT_NOFILE, even for root */
  nrOpen: number;
  onlineCpus: number[];
}

export interface HostPaths {
  limits?: string;
  stat?: string;
  nrOpen?: string;
  cpuOnline?: string;
}

/** /proc/<pid>/limits rows → soft/hard, "unlimited" as Infinity. */
export function parseProcLimits(text: string): Map<string, Limit> {
  const out = new Map<string, Limit>();
  for (const line of text.split("\n").slice(1)) {
    const m = /^(.+?)\s{2,}(\S+)\s+(\S+)/.exec(line);
    if (!m) continue;
    const num = (v: string) => (v === "unlimited" ? Number.POSITIVE_INFINITY : Number(v));
    out.set(m[1]!.trim(), { soft: num(m[2]!), hard: num(m[3]!) });
  }
  return out;
}

/** Kernel cpu-list syntax ("0-3,8,10-11") → sorted CPU numbers. */
export function parseCpuList(text: string): number[] {
  const cpus = new Set<number>();
  for (const part of text.trim().split(",")) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) continue;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    for (let c = lo; c <= hi; c++) cpus.add(c);
  }
  return [...cpus].sort((a, b) => a - b);
}

/** Shows CPUs back in cpu-list form, e.g. [0,1,2,5] → "0-2,5". */
export function formatCpuList(cpus: number[]): string {
  const parts: string[] = [];
  for (let i = 0; i < cpus.length; i++) {
    let j = i;
    while (j + 1 < cpus.length && cpus[j + 1] === cpus[j]! + 1) j++;
    parts.push(j === i ? `${cpus[i]}` : `${cpus[i]}-${cpus[j]}`);
    i = j;
  }
  return parts.join(",");
}

function read(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return "";
  }
}

export function readHostLimits(paths: HostPaths = {}): HostLimits {
  const rows = parseProcLimits(read(paths.limits ?? "/proc/self/limits"));
  const row = (name: string): Limit => rows.get(name) ?? { soft: Number.POSITIVE_INFINITY, hard: Number.POSITIVE_INFINITY };
  // /proc/self/stat: the fields after "(comm)" start at field 3, so nice (field 19) is index 16.
  const stat = read(paths.stat ?? "/proc/self/stat");
  const nice = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16] ?? 0);
  return {
    current: {
      nofile: row(RESOURCE.nofile.row),
      nproc: row(RESOURCE.nproc.row),
      memlock: row(RESOURCE.memlock.row),
    },
    niceLimit: row("Max nice priority").soft,
    nice: Number.isFinite(nice) ? nice : 0,
    nrOpen: Number(read(paths.nrOpen ?? "/proc/sys/fs/nr_open").trim()) || 1048576,
    onlineCpus: parseCpuList(read(paths.cpuOnline ?? "/sys/devices/system/cpu/online")),
  };
}

export interface LimitsPlan {
  rlimits: NonNullable<SpawnSpec["rlimits"]>;
  nice?: number;
  cpuAffinity?: number[];
  /** present when `limits.cgroup` is set; root null = the default `<cgroup2 mount>/systemg` */
  cgroup?: { root: string | null; settings: CgroupSettings };
}

function rlimitText(n: number): string {
  return n === Number.POSITIVE_INFINITY ? "unlimited" : String(n);
}

/** What the supervisor may grant beyond its own limits: root with CAP_SYS_RESOURCE may raise
 *  hard limits, root with CAP_SYS_NICE may lower nice (a container's root may lack either). */
export interface LimitPowers {
  raiseHardLimits: boolean;
  lowerNice: boolean;
}

/**
 * Maps one service's `limits` (as written; the config loader has checked the syntax) to
 * numbers with the config's own parsers, and checks them against the host. Without `powers`
 * a service only gets what the supervisor already has.
 */
export function planLimits(
  service: string,
  limits: RawLimits | null,
  host: HostLimits,
  powers: LimitPowers,
): { plan: LimitsPlan; errors: ConfigError[] } {
  const plan: LimitsPlan = { rlimits: [] };
  const errors: ConfigError[] = [];
  if (!limits) return { plan, errors };
  const base = `services.${service}.limits`;
  const err = (key: string, message: string, hint?: string) =>
    errors.push(hint === undefined ? { path: `${base}.${key}`, message } : { path: `${base}.${key}`, message, hint });
  /** The parsed value, or undefined after reporting why it is not one. */
  const parsed = <T>(key: string, r: Parsed<T>): T | undefined => {
    if (r.ok) return r.value;
    err(key, r.error, r.hint);
    return undefined;
  };

  for (const key of ["nofile", "nproc", "memlock"] as const) {
    if (limits[key] === undefined) continue;
    const value = parsed(key, key === "memlock" ? parseSize(limits.memlock) : parseCountLimit(limits[key]));
    if (value === undefined) continue;
    const { hard } = host.current[key];
    if (key === "nofile" && value > host.nrOpen) {
      err(
        key,
        `${rlimitText(value)} is above the kernel's ceiling for open files (fs.nr_open = ${host.nrOpen})`,
        `use at most ${host.nrOpen}, or raise /proc/sys/fs/nr_open`,
      );
    } else if (!powers.raiseHardLimits && value > hard) {
      err(
        key,
        `${rlimitText(value)} is above the hard limit ${rlimitText(hard)} of this supervisor, which cannot raise it (it is not root, or root without CAP_SYS_RESOURCE)`,
        `use at most ${rlimitText(hard)}, raise the supervisor's hard limit (ulimit -H, LimitNOFILE= etc. in its unit), or start it as root with CAP_SYS_RESOURCE`,
      );
    } else {
      const n = value === Number.POSITIVE_INFINITY ? RLIM_INFINITY : value;
      plan.rlimits.push({ resource: RESOURCE[key].number, soft: n, hard: n });
    }
  }

  if (limits.nice !== undefined) {
    // Unprivileged processes may always be nicer; lower values need RLIMIT_NICE (floor 20 - rlim).
    const floor = Math.min(host.nice, 20 - host.niceLimit);
    if (!powers.lowerNice && limits.nice < floor) {
      err(
        "nice",
        `${limits.nice} is below ${floor}, the lowest nice value this supervisor may set (it is not root, or root without CAP_SYS_NICE)`,
        `use ${floor} or higher, raise RLIMIT_NICE (LimitNICE=), or start the supervisor as root with CAP_SYS_NICE`,
      );
    } else plan.nice = limits.nice;
  }

  if (limits.cpu_affinity !== undefined) {
    const online = host.onlineCpus;
    const offline = limits.cpu_affinity.filter((c) => !online.includes(c));
    if (offline.length > 0) {
      err(
        "cpu_affinity",
        `CPU ${offline.join(", ")} ${offline.length === 1 ? "is" : "are"} not online on this host`,
        `online CPUs are ${formatCpuList(online)} (/sys/devices/system/cpu/online)`,
      );
    } else plan.cpuAffinity = [...new Set(limits.cpu_affinity)].sort((a, b) => a - b);
  }

  const cg = limits.cgroup;
  if (cg) {
    const before = errors.length;
    const settings: CgroupSettings = {};
    if (cg.memory_max !== undefined) {
      // cgroupfs spells unlimited "max"; the size parser knows "unlimited".
      const mem = typeof cg.memory_max === "string" && cg.memory_max.trim() === "max" ? "unlimited" : cg.memory_max;
      settings.memory_max = parsed("cgroup.memory_max", parseSize(mem));
    }
    if (cg.cpu_max !== undefined) settings.cpu_max = parsed("cgroup.cpu_max", parseCpuMax(cg.cpu_max));
    if (cg.cpu_weight !== undefined) settings.cpu_weight = cg.cpu_weight;
    if (cg.pids_max !== undefined) settings.pids_max = parsed("cgroup.pids_max", parseCountLimit(cg.pids_max));
    if (errors.length === before) plan.cgroup = { root: cg.root ?? null, settings };
  }
  return { plan, errors };
}
