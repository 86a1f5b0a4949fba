// apparmor_profile / selinux_context → the exec label the child writes before exec (the kernel
// applies it at execve, like aa_change_onexec(3) and setexeccon(3)). Where the LSM is not active
// the start fails naming it; a "-" prefix (systemd's) turns that into a warning.
import { existsSync, readFileSync } from "node:fs";
import type { RawIsolation } from "../config/schema.ts";
import type { ConfigError } from "../config/resolved.ts";

export interface LsmPaths {
  /** "Y" when AppArmor is enabled */
  apparmorEnabled?: string;
  /** exists when SELinux is active (selinuxfs mounted) */
  selinuxEnforce?: string;
  /** the process's attr directory, as the child will see it */
  attrDir?: string;
}

export interface LsmPlan {
  lsmExec?: { attr: string; label: string };
  errors: ConfigError[];
  warnings: string[];
}

function apparmorActive(p: LsmPaths): { ok: boolean; why: string } {
  const file = p.apparmorEnabled ?? "/sys/module/apparmor/parameters/enabled";
  try {
    if (readFileSync(file, "utf8").trim() === "Y") return { ok: true, why: "" };
    return { ok: false, why: `${file} is not "Y"` };
  } catch {
    return { ok: false, why: `${file} is missing` };
  }
}

function selinuxActive(p: LsmPaths): { ok: boolean; why: string } {
  const file = p.selinuxEnforce ?? "/sys/fs/selinux/enforce";
  return existsSync(file) ? { ok: true, why: "" } : { ok: false, why: `${file} is missing (selinuxfs not mounted)` };
}

export function planLsm(iso: RawIsolation, base: string, paths: LsmPaths = {}): LsmPlan {
  const errors: ConfigError[] = [];
  const warnings: string[] = [];
  const attrDir = paths.attrDir ?? "/proc/self/attr";
  const wanted: { key: string; name: string; value: string; optional: boolean; active: { ok: boolean; why: string } }[] = [];
  for (const [key, name, check] of [
    ["apparmor_profile", "AppArmor", apparmorActive],
    ["selinux_context", "SELinux", selinuxActive],
  ] as const) {
    const raw = iso[key];
    if (raw === undefined) continue;
    const optional = raw.startsWith("-");
    const value = optional ? raw.slice(1) : raw;
    if (value === "") {
      errors.push({ path: `${base}.${key}`, message: "empty label" });
      continue;
    }
    wanted.push({ key, name, value, optional, active: check(paths) });
  }
  const usable = wanted.filter((w) => {
    if (w.active.ok) return true;
    if (w.optional) warnings.push(`${base}.${w.key} not applied: ${w.name} is not active on this host (${w.active.why})`);
    else
      errors.push({
        path: `${base}.${w.key}`,
        message: `${w.name} is not active on this host (${w.active.why}), so ${JSON.stringify(w.value)} cannot be applied`,
        hint: `prefix it with "-" ("-${w.value}") to run without it where ${w.name} is missing, or remove the key`,
      });
    return false;
  });
  if (usable.length > 1) {
    errors.push({ path: `${base}.${usable[1]!.key}`, message: "apparmor_profile and selinux_context cannot both be applied", hint: "keep the one of the active LSM" });
    return { errors, warnings };
  }
  const w = usable[0];
  if (!w) return { errors, warnings };
  if (w.key === "apparmor_profile") {
    // the per-LSM attr directory (Linux 5.8+) avoids writing to whichever LSM owns attr/exec
    const attr = existsSync(`${attrDir}/apparmor/exec`) ? `${attrDir}/apparmor/exec` : `${attrDir}/exec`;
    return { lsmExec: { attr, label: `exec ${w.value}` }, errors, warnings };
  }
  return { lsmExec: { attr: `${attrDir}/exec`, label: w.value }, errors, warnings };
}
