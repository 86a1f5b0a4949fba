// The privilege context of one service: config + CLI flags + host facts → the privilege fields
// of a SpawnSpec, the account's env overrides, the cgroup to prepare, and warnings. Pure data
// out; the only side effect is reading /etc and /proc. The C child applies the fields in the
// seed's order (namespaces → rlimits/nice/affinity → cgroup → keep-caps → groups/gid/uid →
// ambient caps); this module only decides them.
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { join } from "node:path";
import { CAP_LAST_CAP, CAPABILITY_NAMES, capabilityName } from "../config/capabilities.ts";
import type { ConfigError, ResolvedConfig, ResolvedService } from "../config/resolved.ts";
import { parseUmask } from "../config/values.ts";
import type { SpawnSpec } from "../platform/types.ts";
import {
  type Account,
  type AccountDb,
  readAccounts,
  resolveGroup,
  resolveUser,
  supplementaryGroupsOf,
} from "./accounts.ts";
import { type CgroupSettings, cgroup2MountOf, defaultCgroupRoot } from "./cgroup.ts";
import { type HostLimits, planLimits, readHostLimits } from "./limits.ts";
import { type HostView, MOUNT_KEYS, parseMountPoints, planMounts } from "./mount-plan.ts";
import { type LsmPaths, planLsm } from "./lsm.ts";
import { compileSeccomp } from "./seccomp.ts";

/** Where host facts are read from; tests point these at fixtures. */
export interface PrivilegePaths {
  passwd?: string;
  group?: string;
  limits?: string;
  stat?: string;
  nrOpen?: string;
  cpuOnline?: string;
  capLastCap?: string;
  /** the supervisor's /proc/self/status, for CapPrm */
  status?: string;
  /** directory holding net, mnt, pid, user (normally /proc/self/ns) */
  nsDir?: string;
  mountinfo?: string;
  /** where file masks of inaccessible paths are bound from (created by the spawn path) */
  maskFile?: string;
  /** where AppArmor/SELinux are detected */
  lsm?: LsmPaths;
  /** process.arch of the host (seccomp filters are x86_64 only); tests give another */
  arch?: string;
  /** resolves sandbox paths; tests give a fake host */
  hostView?: Omit<HostView, "mountPoints" | "maskFile">;
}

export interface PrivilegeOptions {
  /** the supervisor's effective uid (process.geteuid()) */
  euid: number;
  /** --drop-privileges */
  dropPrivileges: boolean;
  /** --sys */
  sys: boolean;
  /** the cgroup root for services that name none (a systemd-delegated subtree); default <cgroup2 mount>/systemg */
  cgroupRoot?: string;
  paths?: PrivilegePaths;
}

/** The SpawnSpec fields this module decides. */
export type PrivilegeSpec = Pick<
  SpawnSpec,
  | "uid"
  | "gid"
  | "groups"
  | "capabilities"
  | "namespaces"
  | "rlimits"
  | "nice"
  | "cpuAffinity"
  | "noNewPrivileges"
  | "umask"
  | "mountPlan"
  | "seccompFilter"
  | "lsmExec"
  | "userns"
>;

export interface PrivilegeContext {
  spec: PrivilegeSpec;
  /** HOME, USER, LOGNAME, SHELL of the target account; laid over the service env */
  env: Record<string, string>;
  /** prepareCgroup(root, service.name, settings) before spawning, then pass its dir as an fd */
  cgroup?: { root: string; settings: CgroupSettings };
  warnings: string[];
}

export interface PrivilegeError {
  /** PermissionDenied: the supervisor lacks root for what the service asks. InvalidConfig: see errors. */
  code: "PermissionDenied" | "InvalidConfig";
  service: string;
  /** one line: what and where */
  message: string;
  hint?: string;
  errors: ConfigError[];
}

export type PrivilegeResult = ({ ok: true } & PrivilegeContext) | { ok: false; error: PrivilegeError };

/** CLONE_NEW* flags of <linux/sched.h>, keyed by the `isolation` key and its /proc/self/ns entry. */
export const NAMESPACES = {
  network: { flag: 0x40000000, ns: "net" },
  mount: { flag: 0x00020000, ns: "mnt" },
  pid: { flag: 0x20000000, ns: "pid" },
  user: { flag: 0x10000000, ns: "user" },
} as const;

/** Where the spawn path keeps the empty mode-0000 file that hides inaccessible files. */
export const MASK_FILE = "/run/systemg/inaccessible";


interface HostFacts {
  db: AccountDb;
  limits: HostLimits;
  lastCap: number;
  /** the supervisor's permitted capabilities (a container may lack some); null = unknown */
  held: bigint | null;
  nsDir: string;
  mountinfo: string;
  view: HostView;
  arch: string;
  lsm: LsmPaths;
}

const realHost: Omit<HostView, "mountPoints" | "maskFile"> = {
  realpath(path) {
    try {
      return realpathSync(path);
    } catch {
      return null;
    }
  },
  isDir(path) {
    try {
      return statSync(path).isDirectory();
    } catch {
      return false;
    }
  },
};

function readHostFacts(paths: PrivilegePaths = {}): HostFacts {
  let lastCap = CAP_LAST_CAP;
  try {
    const n = Number(readFileSync(paths.capLastCap ?? "/proc/sys/kernel/cap_last_cap", "utf8").trim());
    if (Number.isInteger(n) && n >= 0) lastCap = n;
  } catch {
    // No /proc (or an old kernel without the file): trust the names sysg knows.
  }
  let held: bigint | null = null;
  try {
    const m = /^CapPrm:\s*([0-9a-f]+)$/m.exec(readFileSync(paths.status ?? "/proc/self/status", "utf8"));
    if (m) held = BigInt(`0x${m[1]}`);
  } catch {
    // No /proc: the child's capset reports a capability we lack at its "capabilities" step.
  }
  const mountinfo = paths.mountinfo ?? "/proc/self/mountinfo";
  let mountPoints: string[] = [];
  try {
    mountPoints = parseMountPoints(readFileSync(mountinfo, "utf8"));
  } catch {
    // No /proc: a sandbox plan then binds every rule path (still correct, a little slower).
  }
  return {
    db: readAccounts({ passwd: paths.passwd, group: paths.group }),
    limits: readHostLimits(paths),
    lastCap,
    held,
    nsDir: paths.nsDir ?? "/proc/self/ns",
    mountinfo,
    view: { ...(paths.hostView ?? realHost), mountPoints, maskFile: paths.maskFile ?? MASK_FILE },
    arch: paths.arch ?? process.arch,
    lsm: paths.lsm ?? {},
  };
}

const CAP_SYS_NICE = 23;
const CAP = { SYS_MODULE: 16, SYS_RAWIO: 17, SYS_TIME: 25, MKNOD: 27, SYSLOG: 34, WAKE_ALARM: 35 } as const;
const CLONE_NEWUTS = 0x04000000;
const CAP_SYS_RESOURCE = 24;

/** Does the supervisor hold capability `n`? (unknown: assume so, the child's step reports it) */
function holds(host: HostFacts, n: number): boolean {
  return host.held === null || (host.held & (1n << BigInt(n))) !== 0n;
}

/** Set when the value asks for something: true, a non-empty string or list. */
function requested(v: unknown): boolean {
  if (Array.isArray(v)) return v.length > 0;
  return v !== undefined && v !== null && v !== false && v !== "";
}

interface Resolution {
  ctx: PrivilegeContext;
  errors: ConfigError[];
}

/** Everything except the root check, so `checkPrivileges` and the spawn path agree. */
function resolveService(service: ResolvedService, opts: PrivilegeOptions, host: HostFacts): Resolution {
  const base = `services.${service.name}`;
  const errors: ConfigError[] = [];
  const warnings: string[] = [];
  const spec: PrivilegeSpec = {};
  const env: Record<string, string> = {};
  const root = opts.euid === 0;

  // Account: the configured user, or nobody under --drop-privileges (root only).
  let account: Account | undefined;
  if (service.user !== null) {
    const r = resolveUser(host.db, `${base}.user`, service.user);
    if (r.ok) account = r.value;
    else errors.push(r.error);
  } else if (opts.dropPrivileges) {
    if (root) {
      const r = resolveUser(host.db, `${base}.user`, "nobody");
      account = r.ok ? r.value : { name: "nobody", uid: 65534, gid: 65534, home: "/", shell: "/usr/sbin/nologin" };
    } else warnings.push(`${base}: --drop-privileges ignored, the supervisor is not root`);
  }

  let gid: number | undefined = account?.gid;
  if (service.group !== null) {
    const r = resolveGroup(host.db, `${base}.group`, service.group);
    if (r.ok) gid = r.value;
    else errors.push(r.error);
  }
  const extra: number[] = [];
  service.supplementary_groups.forEach((g, i) => {
    const r = resolveGroup(host.db, `${base}.supplementary_groups[${i}]`, g);
    if (r.ok) extra.push(r.value);
    else errors.push(r.error);
  });

  if (account) {
    spec.uid = account.uid;
    env.HOME = account.home;
    env.USER = account.name;
    env.LOGNAME = account.name;
    env.SHELL = account.shell;
  }
  if (gid !== undefined) spec.gid = gid;
  if (account || gid !== undefined || extra.length > 0) {
    // initgroups(3) semantics for an account, so file access matches a login as that user;
    // with only a group, drop the supervisor's own supplementary groups.
    const groups = account ? supplementaryGroupsOf(host.db, { ...account, gid: gid ?? account.gid }) : [];
    if (!account && gid !== undefined) groups.push(gid);
    for (const g of extra) if (!groups.includes(g)) groups.push(g);
    spec.groups = groups;
  }

  resolveCapabilities(service, opts, host, spec, errors, warnings);

  const powers = { raiseHardLimits: root && holds(host, CAP_SYS_RESOURCE), lowerNice: root && holds(host, CAP_SYS_NICE) };
  const limits = planLimits(service.name, service.limits, host.limits, powers);
  errors.push(...limits.errors);
  if (limits.plan.rlimits.length > 0) spec.rlimits = limits.plan.rlimits;
  if (limits.plan.nice !== undefined) spec.nice = limits.plan.nice;
  if (limits.plan.cpuAffinity) spec.cpuAffinity = limits.plan.cpuAffinity;

  const ctx: PrivilegeContext = { spec, env, warnings };
  if (limits.plan.cgroup) {
    const cgRoot = limits.plan.cgroup.root ?? opts.cgroupRoot ?? defaultCgroupRoot(host.mountinfo);
    const where = cgRoot === null ? null : cgroup2MountOf(cgRoot, host.mountinfo);
    if (cgRoot === null) warnings.push(`${base}.limits.cgroup ignored: this host has no cgroup2 mount`);
    else if (where && !where.ok) warnings.push(`${base}.limits.cgroup ignored: ${where.reason}`);
    else ctx.cgroup = { root: cgRoot, settings: limits.plan.cgroup.settings };
  }

  resolveIsolation(service, opts, host, spec, errors, warnings);
  return { ctx, errors };
}

function resolveCapabilities(
  service: ResolvedService,
  opts: PrivilegeOptions,
  host: HostFacts,
  spec: PrivilegeSpec,
  errors: ConfigError[],
  warnings: string[],
): void {
  const base = `services.${service.name}`;
  const caps = service.capabilities;
  const numbers: number[] = [];
  const has = (n: number) => holds(host, n);
  (caps ?? []).forEach((entry, i) => {
    const path = `${base}.capabilities[${i}]`;
    if (entry.trim().toUpperCase() === "ALL") {
      // every capability the supervisor itself can hand on
      for (let n = 0; n <= host.lastCap; n++) if (has(n) && !numbers.includes(n)) numbers.push(n);
      return;
    }
    const name = capabilityName(entry);
    const n = name === undefined ? -1 : CAPABILITY_NAMES.indexOf(name);
    if (n < 0) {
      errors.push({ path, message: `unknown capability ${JSON.stringify(entry)}`, hint: "see capabilities(7), e.g. CAP_NET_BIND_SERVICE" });
    } else if (n > host.lastCap) {
      errors.push({
        path,
        message: `${name} is not supported by this kernel (its last capability is ${CAPABILITY_NAMES[host.lastCap] ?? host.lastCap})`,
        hint: "remove it or run on a newer kernel",
      });
    } else if (opts.euid === 0 && !has(n)) {
      errors.push({
        path,
        message: `${name} is not held by the supervisor (its permitted set lacks it), so it cannot be handed on`,
        hint: "remove it, or run sysg where it has that capability (a container may drop some)",
      });
    } else if (!numbers.includes(n)) numbers.push(n);
  });

  if (opts.euid !== 0) {
    // A non-root supervisor has nothing to hand over; leave the sets alone.
    if (caps !== null && caps.length > 0) warnings.push(`${base}.capabilities ignored: the supervisor is not root`);
    return;
  }
  // SPEC §8 / the seed: a root supervisor hands a service exactly the listed capabilities, and
  // none when it lists none — even a service that stays uid 0. ["ALL"] keeps the full set.
  spec.capabilities = numbers.sort((a, b) => a - b);
}

function resolveIsolation(
  service: ResolvedService,
  opts: PrivilegeOptions,
  host: HostFacts,
  spec: PrivilegeSpec,
  errors: ConfigError[],
  warnings: string[],
): void {
  const iso = service.isolation;
  if (!iso) return;
  const base = `services.${service.name}.isolation`;
  const root = opts.euid === 0;

  const available = (ns: string) => existsSync(join(host.nsDir, ns));
  const missing = (key: string, ns: string) =>
    warnings.push(`${base}.${key} not applied: this kernel has no ${ns} namespaces (${join(host.nsDir, ns)} missing)`);

  let userNs = false;
  if (iso.user === true) {
    if (!available("user")) missing("user", "user");
    else userNs = true;
  }
  // Root creates the other namespaces itself and the user namespace last, after the switch to
  // the service's account, so root inside maps to that account; unprivileged, the user
  // namespace must come first (it is what permits the others) and maps to our own uid.
  if (userNs) spec.userns = root ? "after-uid" : "with-namespaces";
  let flags = userNs && !root ? NAMESPACES.user.flag : 0;

  // The mount sandbox: its own mount namespace, which only a root supervisor can make (refused
  // otherwise: a sandbox key is enforced or the service does not start).
  const plan = planMounts(iso, base, host.view);
  errors.push(...plan.errors);
  const sandboxKeys = MOUNT_KEYS.filter((k) => requested(iso[k]));
  if (iso.protect_hostname === true) sandboxKeys.push("protect_hostname" as never);
  if (sandboxKeys.length > 0 && !root) {
    errors.push({
      path: `${base}.${sandboxKeys[0]}`,
      message: `${sandboxKeys.join(", ")} ${sandboxKeys.length === 1 ? "needs" : "need"} a root supervisor (a private mount namespace)`,
      hint: "start the supervisor as root (sudo sysg --sys start), or remove the key",
    });
  } else if (sandboxKeys.length > 0) {
    if (!available("mnt")) errors.push({ path: `${base}.${sandboxKeys[0]}`, message: `this kernel has no mount namespaces (${join(host.nsDir, "mnt")} missing)` });
    if (plan.needed) {
      flags |= NAMESPACES.mount.flag;
      if (plan.ops.length > 0) spec.mountPlan = plan.ops;
    }
    // systemd: a new UTS namespace, so a hostname change stays inside (the calls are also filtered)
    if (iso.protect_hostname === true) flags |= CLONE_NEWUTS;
  }
  // Capabilities that would undo a protection (systemd drops the same ones).
  if (spec.capabilities) {
    const drop = new Set<number>();
    if (iso.private_devices) [CAP.MKNOD, CAP.SYS_RAWIO].forEach((c) => drop.add(c));
    if (iso.protect_kernel_modules) drop.add(CAP.SYS_MODULE);
    if (iso.protect_kernel_logs) drop.add(CAP.SYSLOG);
    if (iso.protect_clock) [CAP.SYS_TIME, CAP.WAKE_ALARM].forEach((c) => drop.add(c));
    spec.capabilities = spec.capabilities.filter((c) => !drop.has(c));
  }

  for (const key of ["network", "mount", "pid"] as const) {
    if (iso[key] !== true) continue;
    const { flag, ns } = NAMESPACES[key];
    if (!available(ns)) missing(key, ns);
    // Unprivileged, these namespaces can only be created inside a new user namespace.
    else if (!root && !userNs) {
      warnings.push(`${base}.${key} not applied: creating a ${ns} namespace needs a root supervisor (or isolation.user)`);
    } else flags |= flag;
  }
  if (flags !== 0) spec.namespaces = flags;

  const lsm = planLsm(iso, base, host.lsm);
  errors.push(...lsm.errors);
  warnings.push(...lsm.warnings);
  if (lsm.lsmExec) spec.lsmExec = lsm.lsmExec;

  if (iso.no_new_privileges === true) spec.noNewPrivileges = true;
  // The seccomp filter: installed last before exec, behind no_new_privs (which the kernel
  // requires of a process without CAP_SYS_ADMIN, and which systemd implies for these keys too).
  const seccomp = compileSeccomp(iso, base, host.arch);
  errors.push(...seccomp.errors);
  if (seccomp.filter) {
    spec.seccompFilter = seccomp.filter;
    spec.noNewPrivileges = true;
  }
  if (iso.umask !== undefined) {
    const r = parseUmask(iso.umask);
    if (r.ok) spec.umask = r.value;
    else errors.push({ path: `${base}.umask`, message: r.error, ...(r.hint === undefined ? {} : { hint: r.hint }) });
  }
}

const SWITCH_KEYS = ["user", "group", "supplementary_groups"] as const;

/**
 * The privilege context for spawning `service`. Fails with PermissionDenied when the service
 * switches accounts and the supervisor is not root, and with InvalidConfig (every error at
 * once) when a name does not resolve or a limit cannot be granted on this host.
 */
export function buildPrivilegeContext(service: ResolvedService, opts: PrivilegeOptions): PrivilegeResult {
  if (opts.euid !== 0) {
    const asked = SWITCH_KEYS.filter((k) => (k === "supplementary_groups" ? service[k].length > 0 : service[k] !== null));
    if (asked.length > 0) {
      const path = `services.${service.name}.${asked[0]}`;
      const message = `${service.name}: ${asked.join(", ")} ${asked.length === 1 ? "needs" : "need"} a root supervisor (running as uid ${opts.euid})`;
      const hint = "start the supervisor as root (sudo sysg --sys start), or remove the key to run as the current user";
      return {
        ok: false,
        error: { code: "PermissionDenied", service: service.name, message, hint, errors: [{ path, message, hint }] },
      };
    }
  }
  const { ctx, errors } = resolveService(service, opts, readHostFacts(opts.paths));
  if (errors.length > 0) {
    const first = errors[0]!;
    return {
      ok: false,
      error: { code: "InvalidConfig", service: service.name, message: `${first.path}: ${first.message}`, hint: first.hint, errors },
    };
  }
  return { ok: true, ...ctx };
}

/**
 * Every host-dependent privilege error of a config at once, for `sysg check` and before
 * `start`: unknown users and groups, capabilities the kernel lacks, CPUs that are not online,
 * limits above what this supervisor may grant. Root is not required to check.
 */
export function checkPrivileges(config: ResolvedConfig, opts: PrivilegeOptions): ConfigError[] {
  const host = readHostFacts(opts.paths);
  const errors: ConfigError[] = [];
  for (const name of Object.keys(config.services).sort()) {
    errors.push(...resolveService(config.services[name]!, opts, host).errors);
  }
  return errors;
}
