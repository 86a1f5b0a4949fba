// `sysg security`: a service's exposure from 0.0 (locked down) to 10.0 (unprotected), modelled
// on `systemd-analyze security`: one row per directive with a weight, the service's value, how
// exposed that leaves it (0 = fully protected … 1 = not at all) and what to set. The score is
// 10 × Σ(weight × exposure) / Σ(weight). Pure: reads only the resolved config. It scores the
// config as a root supervisor would apply it (docs/hardening.md lists the weights).
import type { ResolvedService } from "../config/resolved.ts";
import { MOUNT_KEYS } from "./mount-plan.ts";
import { SECCOMP_KEYS, expandSyscalls } from "./seccomp.ts";

export interface ExposureRow {
  directive: string;
  weight: number;
  /** the service's setting, as written ("-" when unset) */
  value: string;
  /** 0 = protected … 1 = exposed */
  exposure: number;
  /** what to set to bring the exposure to 0 ("" when it is 0) */
  recommendation: string;
}

export interface Exposure {
  name: string;
  score: number;
  level: "SAFE" | "OK" | "MEDIUM" | "EXPOSED" | "UNSAFE";
  rows: ExposureRow[];
}

type Iso = NonNullable<ResolvedService["isolation"]>;
interface Check {
  directive: string;
  weight: number;
  /** [exposure, value shown] */
  judge: (s: ResolvedService, iso: Iso) => [number, string];
  recommendation: string;
}

const show = (v: unknown): string => (v === undefined || v === null ? "-" : Array.isArray(v) ? v.join(" ") : String(v));
const flag = (key: keyof Iso, weight: number, recommendation = `${key}: true`): Check => ({
  directive: key,
  weight,
  judge: (_s, iso) => [iso[key] === true ? 0 : 1, show(iso[key])],
  recommendation,
});

/** Seccomp-implied no_new_privs counts: the filter sets it. */
const filtered = (iso: Iso) => SECCOMP_KEYS.some((k) => iso[k] !== undefined && iso[k] !== false);

const PRIVILEGED_CALLS = (() => {
  const r = expandSyscalls("@privileged");
  return r.ok ? r.names : new Set<string>();
})();

function seccompExposure(list: string | string[] | undefined): number {
  if (list === undefined) return 1;
  const entries = Array.isArray(list) ? list : [list];
  const names = (e: string) => {
    const r = expandSyscalls(e.replace(/^~/, ""));
    return r.ok ? r.names : new Set<string>();
  };
  if (!entries[0]!.startsWith("~")) {
    // an allow-list: exposed as far as it still lets privileged calls through
    const allowed = new Set<string>();
    for (const e of entries) for (const n of names(e)) e.startsWith("~") ? allowed.delete(n) : allowed.add(n);
    const leaks = [...PRIVILEGED_CALLS].filter((n) => allowed.has(n)).length;
    return leaks === 0 ? 0 : leaks <= 30 ? 0.2 : 0.5;
  }
  const denied = new Set<string>();
  for (const e of entries) for (const n of names(e)) e.startsWith("~") ? denied.add(n) : denied.delete(n);
  const covered = [...PRIVILEGED_CALLS].filter((n) => denied.has(n)).length / Math.max(1, PRIVILEGED_CALLS.size);
  return covered >= 1 ? 0.3 : 0.3 + 0.6 * (1 - covered);
}

/** The directives, their weights (sum 100) and how each value is judged. */
export const CHECKS: readonly Check[] = [
  {
    directive: "user",
    weight: 10,
    judge: (s) => (s.user === null || s.user === "root" || s.user === "0" ? [1, s.user ?? "root"] : [0, s.user]),
    recommendation: "user: an account of its own",
  },
  {
    directive: "capabilities",
    weight: 10,
    judge: (s) => {
      const caps = s.capabilities;
      if (caps === null || caps.length === 0) return [0, caps === null ? "- (none)" : "[]"];
      if (caps.includes("ALL") || caps.includes("CAP_SYS_ADMIN")) return [1, show(caps)];
      return [Math.min(0.8, 0.2 * caps.length), show(caps)];
    },
    recommendation: "capabilities: only what it needs, ideally none",
  },
  {
    directive: "no_new_privileges",
    weight: 5,
    judge: (_s, iso) => [iso.no_new_privileges === true || filtered(iso) ? 0 : 1, iso.no_new_privileges === undefined && filtered(iso) ? "(implied by seccomp)" : show(iso.no_new_privileges)],
    recommendation: "no_new_privileges: true",
  },
  {
    directive: "seccomp",
    weight: 8,
    judge: (_s, iso) => [seccompExposure(iso.seccomp), show(iso.seccomp)],
    recommendation: 'seccomp: ["@system-service", "~@privileged", "~@resources"]',
  },
  {
    directive: "protect_system",
    weight: 8,
    judge: (_s, iso) => {
      const v = iso.protect_system;
      return [v === "strict" ? 0 : v === "full" ? 0.3 : v === true ? 0.5 : 1, show(v)];
    },
    recommendation: "protect_system: strict (+ read_write_paths for its data)",
  },
  {
    directive: "protect_home",
    weight: 5,
    judge: (_s, iso) => {
      const v = iso.protect_home;
      return [v === true || v === "tmpfs" ? 0 : v === "read-only" ? 0.4 : 1, show(v)];
    },
    recommendation: "protect_home: true",
  },
  flag("private_devices", 5),
  flag("private_tmp", 4),
  flag("protect_kernel_tunables", 4),
  flag("protect_kernel_modules", 4),
  {
    directive: "restrict_namespaces",
    weight: 4,
    judge: (_s, iso) => {
      const v = iso.restrict_namespaces;
      return [v === true ? 0 : Array.isArray(v) ? 0.5 : 1, show(v)];
    },
    recommendation: "restrict_namespaces: true",
  },
  {
    directive: "restrict_address_families",
    weight: 4,
    judge: (_s, iso) => {
      const v = iso.restrict_address_families;
      if (!v?.length) return [1, "-"];
      if (v.includes("none")) return [0, show(v)];
      if (v[0]!.startsWith("~")) return [0.5, show(v)];
      const exotic = v.filter((f) => !["AF_UNIX", "AF_LOCAL", "AF_INET", "AF_INET6"].includes(f));
      return [exotic.length === 0 ? 0 : 0.3, show(v)];
    },
    recommendation: "restrict_address_families: [AF_UNIX, AF_INET, AF_INET6]",
  },
  flag("protect_kernel_logs", 3),
  flag("protect_control_groups", 3),
  flag("restrict_suid_sgid", 3),
  flag("memory_deny_write_execute", 3, "memory_deny_write_execute: true (not for JIT runtimes)"),
  {
    directive: "network",
    weight: 3,
    judge: (_s, iso) => [iso.network === true ? 0 : 1, show(iso.network)],
    recommendation: "network: true (a private network namespace) where it needs no network",
  },
  flag("protect_clock", 2),
  flag("protect_hostname", 2),
  flag("restrict_realtime", 2),
  {
    directive: "system_call_architectures",
    weight: 2,
    judge: (_s, iso) => [iso.system_call_architectures === "native" ? 0 : 1, show(iso.system_call_architectures)],
    recommendation: "system_call_architectures: native",
  },
  flag("pid", 2, "pid: true (a private PID namespace)"),
  {
    directive: "apparmor_profile / selinux_context",
    weight: 2,
    judge: (_s, iso) => {
      const v = iso.apparmor_profile ?? iso.selinux_context;
      return [v === undefined ? 1 : v.startsWith("-") ? 0.5 : 0, show(v)];
    },
    recommendation: "apparmor_profile or selinux_context, where that LSM is active",
  },
  flag("lock_personality", 1),
  {
    directive: "umask",
    weight: 1,
    judge: (_s, iso) => {
      const v = iso.umask;
      if (v === undefined) return [1, "- (inherited)"];
      const n = Number.parseInt(String(v).replace(/^0o/, ""), 8);
      return [(n & 0o007) === 0o007 ? 0 : (n & 0o002) !== 0 ? 0.5 : 1, String(v)];
    },
    recommendation: 'umask: "0027"',
  },
];

export function levelOf(score: number): Exposure["level"] {
  return score <= 1 ? "SAFE" : score <= 3 ? "OK" : score <= 6 ? "MEDIUM" : score <= 9 ? "EXPOSED" : "UNSAFE";
}

export function exposureOf(service: ResolvedService): Exposure {
  const iso: Iso = service.isolation ?? {};
  const rows = CHECKS.map((c) => {
    const [exposure, value] = c.judge(service, iso);
    return { directive: c.directive, weight: c.weight, value, exposure, recommendation: exposure > 0 ? c.recommendation : "" };
  });
  const total = rows.reduce((a, r) => a + r.weight, 0);
  const score = Math.round((100 * rows.reduce((a, r) => a + r.weight * r.exposure, 0)) / total) / 10;
  return { name: service.name, score, level: levelOf(score), rows };
}

/** Every key the score looks at exists in the schema (a test keeps them in step). */
export const SCORED_KEYS: readonly string[] = [...MOUNT_KEYS, ...SECCOMP_KEYS];
