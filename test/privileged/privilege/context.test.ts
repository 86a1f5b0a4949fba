// The privilege context against this host's real /etc/passwd, /proc and kernel, checked
// against what independent tools (getent, the shell's ulimit) report.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import type { ResolvedService } from "../../../src/config/resolved.ts";
import { buildPrivilegeContext } from "../../../src/privilege/context.ts";
import { readHostLimits } from "../../../src/privilege/limits.ts";

function service(extra: Partial<ResolvedService>): ResolvedService {
  return {
    name: "web", command: "true", working_dir: "/", env: {}, restart_policy: "never", backoff: 1000,
    backoff_max: 60000, max_restarts: null, restart_reset: 30000, critical: false, depends_on: [], skip: false,
    readiness: { probe: { kind: "default" }, timeout: 60000 }, hooks: {}, deployment: null, cron: null,
    stop_signal: "SIGTERM", stop_timeout: 10000, logs: { max_size: 1 << 20, max_files: 5, timestamps: true },
    user: null, group: null, supplementary_groups: [], limits: null, capabilities: null, isolation: null,
    socket_activation: false, health: null, spawn: null, ...extra,
  };
}

function run(cmd: string[]): string {
  const r = Bun.spawnSync(cmd, { stdout: "pipe", stderr: "inherit" });
  return r.stdout.toString().trim();
}

const root = process.geteuid?.() === 0;
const nobody = run(["getent", "passwd", "nobody"]);
const skip = !root ? "not root" : nobody === "" ? "no nobody account in the passwd database" : null;
if (skip) console.warn(`skipping privileged context tests: ${skip}`);

describe.skipIf(skip !== null)("privilege context on this host (root)", () => {
  test("--drop-privileges resolves nobody exactly as getent does", () => {
    const [name, , uid, gid, , home, shell] = nobody.split(":");
    const r = buildPrivilegeContext(service({}), { euid: 0, dropPrivileges: true, sys: true });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.uid).toBe(Number(uid));
    expect(r.spec.gid).toBe(Number(gid));
    expect(r.env).toEqual({ HOME: home!, USER: name!, LOGNAME: name!, SHELL: shell! });
    expect(r.spec.capabilities).toEqual([]);
  });

  test("supplementary groups match id -G for an account", () => {
    const r = buildPrivilegeContext(service({ user: "root" }), { euid: 0, dropPrivileges: false, sys: false });
    expect(r.ok).toBe(true);
    const idGroups = run(["id", "-G", "root"]).split(" ").map(Number).sort((a, b) => a - b);
    expect(r.ok && [...r.spec.groups!].sort((a, b) => a - b)).toEqual(idGroups);
  });

  test('["ALL"] is every capability of the running kernel that this process holds (CapPrm)', () => {
    const last = Number(readFileSync("/proc/sys/kernel/cap_last_cap", "utf8"));
    const prm = BigInt(`0x${/^CapPrm:\s*([0-9a-f]+)$/m.exec(readFileSync("/proc/self/status", "utf8"))![1]}`);
    const held = Array.from({ length: last + 1 }, (_, n) => n).filter((n) => (prm >> BigInt(n)) & 1n);
    const r = buildPrivilegeContext(service({ user: "nobody", capabilities: ["ALL"] }), { euid: 0, dropPrivileges: false, sys: false });
    expect(r.ok && r.spec.capabilities).toEqual(held);
  });
});

describe("host limits", () => {
  test("the supervisor's limits read from /proc/self/limits agree with the shell's ulimit", () => {
    const host = readHostLimits();
    const sh = (flag: string) => {
      const v = run(["bash", "-c", `ulimit ${flag}`]);
      return v === "unlimited" ? Number.POSITIVE_INFINITY : Number(v);
    };
    expect(host.current.nofile.hard).toBe(sh("-Hn"));
    expect(host.current.nofile.soft).toBe(sh("-Sn"));
    expect(host.current.nproc.hard).toBe(sh("-Hu"));
    // bash reports locked memory in KiB
    expect(host.current.memlock.hard).toBe(sh("-Hl") * 1024);
    expect(host.onlineCpus.length).toBeGreaterThan(0);
    expect(host.onlineCpus).toContain(0);
  });
});
