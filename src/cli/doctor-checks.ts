// The checks of `sysg doctor`: what this host supports (cgroup v2 and its controllers,
// namespaces, capabilities, seccomp, LSMs, pidfd, subreaper), the health of this mode's state
// dir (a supervisor that died, stale pid entries, orphans), and what a config will get here.
// Reads /proc and /sys only; never repairs anything — every problem comes with its fix.
import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import { release } from "node:os";
import { join } from "node:path";
import { CAPABILITY_NAMES, type ResolvedConfig } from "../config/index.ts";
import type { HostProbe } from "../platform/types.ts";
import { findCgroup2Mount } from "../privilege/cgroup.ts";
import type { RuntimePaths } from "../runtime/paths.ts";
import { isSameProcess, safeReaddir } from "../runtime/proc.ts";
import { PidFile, SysgPidFile, readJsonFile, readJsonMap } from "../runtime/state.ts";

export type CheckStatus = "ok" | "info" | "warn" | "fail";

export interface Check {
  /** "host", "cgroup", "namespaces", "security", "process", "state", "config" */
  area: string;
  name: string;
  status: CheckStatus;
  detail: string;
  /** what to do about a warn/fail */
  fix?: string;
}

export interface HostFacts {
  euid: number;
  /** /proc/self/status fields */
  status: Record<string, string>;
  cgroupMount: string | null;
  /** controllers usable below sysg's cgroup root (its parent's subtree_control when it exists) */
  controllers: string[];
  /** controllers the hierarchy has at all */
  available: string[];
  cgroupWritable: boolean;
  userns: boolean;
  seccomp: boolean;
  lsms: string[];
  apparmor: boolean;
  selinux: boolean;
  probe: HostProbe | null;
}

const read = (p: string): string | null => {
  try {
    return readFileSync(p, "utf8");
  } catch {
    return null;
  }
};
const words = (p: string): string[] => (read(p) ?? "").split(/\s+/).filter((w) => w !== "");

export function hostFacts(probe: HostProbe | null): HostFacts {
  const status: Record<string, string> = {};
  for (const line of (read("/proc/self/status") ?? "").split("\n")) {
    const i = line.indexOf(":");
    if (i > 0) status[line.slice(0, i)] = line.slice(i + 1).trim();
  }
  const mount = findCgroup2Mount();
  let controllers: string[] = [];
  let available: string[] = [];
  let writable = false;
  if (mount !== null) {
    available = words(join(mount, "cgroup.controllers"));
    // sysg makes <mount>/systemg/<service>: what the mount's root hands down is what it gets
    controllers = words(join(mount, "cgroup.subtree_control"));
    const own = join(mount, "systemg");
    if (existsSync(own)) controllers = controllers.filter((c) => words(join(own, "cgroup.controllers")).includes(c));
    writable = canWrite(existsSync(own) ? own : mount);
  }
  const maxUserns = Number((read("/proc/sys/user/max_user_namespaces") ?? "0").trim());
  const unprivClone = read("/proc/sys/kernel/unprivileged_userns_clone");
  const euid = process.geteuid?.() ?? 0;
  return {
    euid,
    status,
    cgroupMount: mount,
    controllers,
    available,
    cgroupWritable: writable,
    userns: existsSync("/proc/self/ns/user") && maxUserns > 0 && (euid === 0 || unprivClone === null || unprivClone.trim() === "1"),
    seccomp: existsSync("/proc/sys/kernel/seccomp/actions_avail") || status.Seccomp !== undefined,
    lsms: (read("/sys/kernel/security/lsm") ?? "").trim().split(",").filter((s) => s !== ""),
    apparmor: (read("/sys/module/apparmor/parameters/enabled") ?? "").trim() === "Y",
    selinux: existsSync("/sys/fs/selinux/enforce"),
    probe,
  };
}

function canWrite(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Capability names in a /proc/self/status hex mask. */
export function capNames(hex: string | undefined): string[] {
  if (!hex) return [];
  const mask = BigInt(`0x${hex}`);
  return CAPABILITY_NAMES.filter((_, i) => (mask >> BigInt(i)) & 1n).map((n) => n.toLowerCase());
}

export function hostChecks(f: HostFacts): Check[] {
  const out: Check[] = [];
  const root = f.euid === 0;
  out.push({ area: "host", name: "kernel", status: "info", detail: `Linux ${release()}` });
  out.push({
    area: "host",
    name: "user",
    status: "info",
    detail: root ? "root: every privileged key (user, limits, capabilities, isolation) can be applied" : `uid ${f.euid}: privileged keys need root (sudo sysg --sys …)`,
  });
  if (f.cgroupMount === null) {
    out.push({
      area: "cgroup",
      name: "cgroup v2",
      status: "warn",
      detail: "no cgroup2 filesystem is mounted: limits.cgroup is refused, stop falls back to walking /proc",
      fix: "boot with systemd.unified_cgroup_hierarchy=1, or mount -t cgroup2 none /sys/fs/cgroup",
    });
  } else {
    const hybrid = f.cgroupMount.endsWith("/unified");
    out.push({
      area: "cgroup",
      name: "cgroup v2",
      status: hybrid ? "warn" : "ok",
      detail: `mounted at ${f.cgroupMount}; controllers: ${f.available.join(" ") || "none"}${hybrid ? " (hybrid layout: cgroup v1 holds the other controllers)" : ""}`,
      ...(hybrid ? { fix: "boot with systemd.unified_cgroup_hierarchy=1 for a pure cgroup v2 host" } : {}),
    });
    const want = ["cpu", "memory", "pids"];
    const missing = want.filter((c) => !f.controllers.includes(c));
    out.push({
      area: "cgroup",
      name: "delegated controllers",
      status: missing.length === 0 ? "ok" : "warn",
      detail: `enabled for sysg's services: ${f.controllers.join(" ") || "none"}${missing.length ? `; missing ${missing.join(", ")} (limits.cgroup keys using them are refused)` : ""}`,
      ...(missing.length
        ? {
            fix: `echo "${missing.map((c) => `+${c}`).join(" ")}" > ${join(f.cgroupMount, "cgroup.subtree_control")} (as root; in a container move its processes out of the root cgroup first)`,
          }
        : {}),
    });
    out.push({
      area: "cgroup",
      name: "cgroup write access",
      status: f.cgroupWritable ? "ok" : root ? "warn" : "info",
      detail: f.cgroupWritable ? "sysg can create service cgroups" : `${f.cgroupMount} is not writable for this user`,
      ...(f.cgroupWritable ? {} : { fix: root ? "mount the cgroup2 filesystem read-write (a container needs --cgroupns=private and a writable /sys/fs/cgroup)" : "use sysg --sys as root, or set limits.cgroup.root to a cgroup delegated to you (systemd: Delegate=yes)" }),
    });
  }
  const ns = ["mnt", "pid", "net", "ipc", "uts", "user", "cgroup"].filter((n) => existsSync(`/proc/self/ns/${n}`));
  out.push({ area: "namespaces", name: "namespaces", status: "ok", detail: `kernel has: ${ns.join(" ")}` });
  out.push({
    area: "namespaces",
    name: "user namespaces",
    status: f.userns ? "ok" : "warn",
    detail: f.userns ? "can be created (isolation.user)" : "cannot be created by this user: isolation.user fails at start",
    ...(f.userns ? {} : { fix: "sysctl -w user.max_user_namespaces=15000 kernel.unprivileged_userns_clone=1" }),
  });
  const eff = capNames(f.status.CapEff);
  const bnd = capNames(f.status.CapBnd);
  out.push({
    area: "security",
    name: "capabilities",
    status: root && eff.length < CAPABILITY_NAMES.length - 2 ? "warn" : "info",
    detail: `effective: ${eff.length === 0 ? "none" : eff.length >= bnd.length && bnd.length > 20 ? `all ${eff.length} of the bounding set` : eff.join(" ")}; bounding set: ${bnd.length} capabilities`,
    ...(root && eff.length < CAPABILITY_NAMES.length - 2
      ? { fix: "this root has a reduced capability set (a container?): services can only get capabilities in it; run the container with the capabilities they need (--cap-add)" }
      : {}),
  });
  out.push({
    area: "security",
    name: "no_new_privs",
    status: f.status.NoNewPrivs === "1" ? "warn" : "ok",
    detail: f.status.NoNewPrivs === "1" ? "set on sysg itself: setuid programs and file capabilities do nothing for its services" : "not set on sysg (services get it per isolation.no_new_privileges)",
    ...(f.status.NoNewPrivs === "1" ? { fix: "start sysg from a context without NoNewPrivileges (systemd: NoNewPrivileges=no)" } : {}),
  });
  const secMode = f.status.Seccomp;
  out.push({
    area: "security",
    name: "seccomp",
    status: f.seccomp ? "ok" : "warn",
    detail: !f.seccomp
      ? "the kernel has no seccomp: isolation.seccomp is refused"
      : `supported${secMode === "2" ? `; sysg itself already runs under ${f.status.Seccomp_filters ?? "a"} filter(s) (a container?), so services get the stricter of both` : ""}`,
    ...(f.seccomp ? {} : { fix: "use a kernel built with CONFIG_SECCOMP_FILTER" }),
  });
  out.push({
    area: "security",
    name: "LSMs",
    status: "info",
    detail: `${f.lsms.length ? f.lsms.join(", ") : "unknown (securityfs not mounted)"}; AppArmor ${f.apparmor ? "enabled" : "off"}; SELinux ${f.selinux ? "enabled" : "off"}`,
  });
  if (f.probe) {
    out.push({
      area: "process",
      name: "pidfd",
      status: f.probe.pidfd ? "ok" : "warn",
      detail: f.probe.pidfd ? "pidfd_open works: signals reach the process sysg started, never a reused pid" : "pidfd_open is not available (kernel < 5.3 or blocked by seccomp): sysg checks start times instead",
      ...(f.probe.pidfd ? {} : { fix: "use Linux 5.3 or later, or allow pidfd_open in the container's seccomp profile" }),
    });
    out.push({
      area: "process",
      name: "subreaper",
      status: f.probe.subreaper ? "ok" : "fail",
      detail: f.probe.subreaper ? "PR_SET_CHILD_SUBREAPER accepted: orphans of services are reaped by sysg" : "PR_SET_CHILD_SUBREAPER refused: daemonizing services escape supervision",
      ...(f.probe.subreaper ? {} : { fix: "run sysg as PID 1 of its container, or on Linux 3.4 or later" }),
    });
  }
  return out;
}

/** The state dir of this mode: a supervisor that died, stale pid entries, orphans. */
export function stateChecks(paths: RuntimePaths, sysg: string): Check[] {
  const out: Check[] = [];
  const area = "state";
  if (!existsSync(paths.stateDir)) {
    out.push({ area, name: "state dir", status: "info", detail: `${paths.stateDir} does not exist yet (no supervisor has run in this mode)` });
    return out;
  }
  const st = statSync(paths.stateDir);
  const uid = process.geteuid?.() ?? 0;
  const modeOk = (st.mode & 0o777) === paths.stateDirMode;
  const ownerOk = st.uid === uid;
  out.push({
    area,
    name: "state dir",
    status: modeOk && ownerOk ? "ok" : "warn",
    detail: `${paths.stateDir} mode ${(st.mode & 0o777).toString(8).padStart(4, "0")}, owner uid ${st.uid}`,
    ...(modeOk && ownerOk
      ? {}
      : { fix: `${ownerOk ? "" : `chown ${uid} ${paths.stateDir} && `}chmod ${paths.stateDirMode.toString(8)} ${paths.stateDir}` }),
  });
  const sup = readJsonFile(paths.sysgPid, SysgPidFile);
  let supervisorAlive = false;
  if (!sup.ok && sup.error.kind !== "missing") {
    out.push({ area, name: "supervisor", status: "fail", detail: sup.error.message, fix: `\`${sysg} purge\` removes the broken state` });
  } else if (!sup.ok) {
    out.push({ area, name: "supervisor", status: "info", detail: "none running (no sysg.pid)" });
  } else if (isSameProcess(sup.value.pid, sup.value.start_time)) {
    supervisorAlive = true;
    out.push({ area, name: "supervisor", status: "ok", detail: `running, pid ${sup.value.pid}` });
  } else {
    out.push({
      area,
      name: "supervisor",
      status: "warn",
      detail: `the supervisor recorded in sysg.pid (pid ${sup.value.pid}) died without cleaning up`,
      fix: `\`${sysg} start\` recovers its services' state; \`${sysg} purge\` ends what it left and clears the state`,
    });
  }
  if (!supervisorAlive && existsSync(paths.controlSock)) {
    out.push({
      area,
      name: "control socket",
      status: "warn",
      detail: `${paths.controlSock} is left over with no supervisor behind it`,
      fix: `\`${sysg} start\` replaces it; \`${sysg} purge\` removes it`,
    });
  }
  const pids = readJsonMap(paths.pidJson, PidFile);
  if (!pids.ok) {
    out.push({ area, name: "pid.json", status: "fail", detail: pids.error.message, fix: pids.error.hint ?? `\`${sysg} purge\`` });
  } else {
    const entries = Object.entries(pids.value);
    const alive = entries.filter(([, p]) => isSameProcess(p.pid, p.start_time));
    const dead = entries.filter(([, p]) => !isSameProcess(p.pid, p.start_time));
    if (!supervisorAlive && alive.length > 0) {
      out.push({
        area,
        name: "orphans",
        status: "warn",
        detail: `${alive.length} service process(es) run with no supervisor: ${alive.map(([n, p]) => `${n} (pid ${p.pid})`).join(", ")}`,
        fix: `\`${sysg} start\` adopts them; \`${sysg} stop\` or \`${sysg} purge\` ends them`,
      });
    }
    if (!supervisorAlive && dead.length > 0) {
      out.push({
        area,
        name: "stale pid entries",
        status: "warn",
        detail: `pid.json names ${dead.length} process(es) that are gone: ${dead.map(([n, p]) => `${n} (pid ${p.pid})`).join(", ")}`,
        fix: `harmless: the next \`${sysg} start\` drops them (\`${sysg} purge\` clears them now)`,
      });
    }
    if (supervisorAlive || entries.length === 0 || (alive.length === 0 && dead.length === 0)) {
      out.push({ area, name: "pid.json", status: "ok", detail: `${entries.length} process record(s)` });
    }
  }
  const temps = safeReaddir(paths.stateDir).filter((f) => f.endsWith(".tmp"));
  if (temps.length > 0 && !supervisorAlive) {
    out.push({
      area,
      name: "temp files",
      status: "warn",
      detail: `${temps.length} unfinished write(s) left in ${paths.stateDir}: ${temps.slice(0, 3).join(", ")}`,
      fix: `rm ${temps.map((t) => join(paths.stateDir, t)).join(" ")}`,
    });
  }
  return out;
}

/** What each service of `config` asks for that this host or user cannot give. */
export function configChecks(config: ResolvedConfig, f: HostFacts): Check[] {
  const out: Check[] = [];
  const root = f.euid === 0;
  const problems = (name: string, s: ResolvedConfig["services"][string]): Omit<Check, "area">[] => {
    const p: Omit<Check, "area">[] = [];
    const needRoot = (what: string) =>
      !root && p.push({ name, status: "fail", detail: `${what} needs root`, fix: "run it with sudo sysg --sys, or drop the key" });
    if (s.user !== null || s.group !== null || s.supplementary_groups.length > 0) needRoot("user/group");
    if (s.capabilities !== null && s.capabilities.length > 0) needRoot("capabilities");
    const cg = s.limits?.cgroup;
    if (cg) {
      const keys = Object.keys(cg).filter((k) => k !== "root");
      const ctl: Record<string, string> = { memory_max: "memory", cpu_max: "cpu", cpu_weight: "cpu", pids_max: "pids" };
      if (f.cgroupMount === null) p.push({ name, status: "fail", detail: "limits.cgroup needs cgroup v2, which this host lacks", fix: "mount cgroup2 (see the cgroup v2 check)" });
      else {
        const missing = [...new Set(keys.map((k) => ctl[k]).filter((c): c is string => c !== undefined && !f.controllers.includes(c)))];
        if (missing.length) p.push({ name, status: "fail", detail: `limits.cgroup needs the ${missing.join(", ")} controller(s), not delegated here`, fix: "see the delegated controllers check" });
        if (!f.cgroupWritable && cg.root === undefined) p.push({ name, status: "fail", detail: "limits.cgroup: the cgroup hierarchy is not writable", fix: "see the cgroup write access check" });
      }
    }
    const iso = s.isolation;
    if (iso) {
      if (iso.user && !f.userns) p.push({ name, status: "fail", detail: "isolation.user: user namespaces cannot be created", fix: "see the user namespaces check" });
      if ((iso.network || iso.mount || iso.pid || iso.private_tmp || iso.private_devices) && !root && !iso.user) needRoot("isolation (namespaces)");
      if (iso.seccomp !== undefined && !f.seccomp) p.push({ name, status: "fail", detail: "isolation.seccomp: the kernel has no seccomp" });
      // a leading "-" makes the label optional: it is then skipped where the LSM is missing
      if (iso.apparmor_profile !== undefined && !iso.apparmor_profile.startsWith("-") && !f.apparmor)
        p.push({ name, status: "fail", detail: `isolation.apparmor_profile "${iso.apparmor_profile}": AppArmor is not enabled`, fix: "enable AppArmor (apparmor=1 security=apparmor) or drop the key" });
      if (iso.selinux_context !== undefined && !iso.selinux_context.startsWith("-") && !f.selinux)
        p.push({ name, status: "fail", detail: "isolation.selinux_context: SELinux is not enabled", fix: "enable SELinux or drop the key" });
    }
    if (s.limits?.nice !== undefined && s.limits.nice < 0) needRoot("limits.nice below 0");
    return p;
  };
  for (const name of config.order) {
    const s = config.services[name]!;
    const p = problems(name, s);
    if (p.length === 0) out.push({ area: "config", name, status: "ok", detail: "everything it asks for is available here" });
    else for (const c of p) out.push({ area: "config", ...c });
  }
  return out;
}
