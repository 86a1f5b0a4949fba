// The privilege context through the real spawn path: build the context for a service, spawn
// through the Bun platform (the C shim applies the fields), then read what the kernel says
// about the child in /proc. Needs root and the built shim (.build/libsysg.so).
import { afterAll, describe, expect, test } from "bun:test";
import { constants, existsSync, openSync, closeSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import type { ResolvedService } from "../../../src/config/resolved.ts";
import type { Platform, SpawnSpec } from "../../../src/platform/types.ts";
import { cgroupPids, findCgroup2Mount, prepareCgroup, removeCgroup } from "../../../src/privilege/cgroup.ts";
import { buildPrivilegeContext, type PrivilegeOptions } from "../../../src/privilege/context.ts";

const shimBuilt = existsSync(join(import.meta.dir, "../../../.build/libsysg.so"));
const root = process.geteuid?.() === 0;
const skip = !root ? "not root" : !shimBuilt ? "the shim is not built (run bun scripts/build.ts)" : null;
if (skip) console.warn(`skipping privileged spawn tests: ${skip}`);

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

function status(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, "utf8").split("\n")) {
    const at = line.indexOf(":");
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return out;
}

/** Hex capability mask as /proc shows it, for a list of capability numbers. */
const mask = (caps: number[]) => caps.reduce((m, c) => m | (1n << BigInt(c)), 0n).toString(16).padStart(16, "0");

describe.skipIf(skip !== null)("privilege context applied by the real spawn path", () => {
  let platform: Platform;
  const running: number[] = [];
  afterAll(() => {
    for (const pid of running) platform?.kill(pid, "SIGKILL");
    platform?.shutdown();
  });

  async function start(svc: ResolvedService, opts: Partial<PrivilegeOptions>, extra: Partial<SpawnSpec> = {}) {
    platform ??= (await import("../../../src/platform/bun/index.ts")).createBunPlatform();
    const ctx = buildPrivilegeContext(svc, { euid: 0, dropPrivileges: false, sys: true, ...opts });
    if (!ctx.ok) throw new Error(ctx.error.message);
    const env = Object.entries({ PATH: "/usr/bin:/bin", ...ctx.env }).map(([k, v]) => `${k}=${v}`);
    const out = platform.spawn({ argv: ["sleep", "30"], env, cwd: "/", stdin: -1, stdout: -1, stderr: -1, ...ctx.spec, ...extra });
    if (!out.ok) throw new Error(`spawn failed at ${out.step}: ${out.message}`);
    running.push(out.pid);
    // The clone returns once the new program is mapped; wait until the kernel shows its argv.
    for (let i = 0; i < 200 && readFileSync(`/proc/${out.pid}/cmdline`).length === 0; i++) await Bun.sleep(5);
    return { pid: out.pid, ctx };
  }

  test("user, capabilities, limits, nice, affinity, no_new_privileges, umask and a network namespace", async () => {
    const { pid } = await start(
      service({
        user: "nobody",
        capabilities: ["CAP_NET_BIND_SERVICE"],
        limits: { nofile: 1234, nice: 5, cpu_affinity: [0] },
        isolation: { network: true, no_new_privileges: true, umask: "0027" },
      }),
      {},
    );
    const s = status(pid);
    const nobody = readFileSync("/etc/passwd", "utf8").split("\n").find((l) => l.startsWith("nobody:"))!.split(":");
    expect(s.Uid).toBe(`${nobody[2]}\t${nobody[2]}\t${nobody[2]}\t${nobody[2]}`);
    expect(s.Gid!.split("\t")[0]).toBe(nobody[3]);
    for (const set of ["CapBnd", "CapPrm", "CapEff", "CapAmb"]) expect(`${set} ${s[set]}`).toBe(`${set} ${mask([10])}`);
    expect(s.NoNewPrivs).toBe("1");
    expect(s.Umask).toBe("0027");
    expect(s.Cpus_allowed_list).toBe("0");
    expect(readFileSync(`/proc/${pid}/limits`, "utf8")).toMatch(/Max open files\s+1234\s+1234/);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    expect(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]).toBe("5");
    expect(readlinkSync(`/proc/${pid}/ns/net`)).not.toBe(readlinkSync("/proc/self/ns/net"));
    const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    expect(environ).toContain(`HOME=${nobody[5]}`);
    expect(environ).toContain("USER=nobody");
  });

  test("--drop-privileges: nobody with every capability set empty", async () => {
    const { pid } = await start(service({}), { dropPrivileges: true });
    const s = status(pid);
    expect(s.Uid!.split("\t")[0]).not.toBe("0");
    for (const set of ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]) expect(`${set} ${s[set]}`).toBe(`${set} ${mask([])}`);
  });

  test("a root service that lists no capabilities gets every set empty; [\"ALL\"] keeps root's", async () => {
    const ours = status(process.pid);
    const emptied = status((await start(service({}), {})).pid);
    expect(emptied.Uid!.split("\t")[0]).toBe("0");
    for (const set of ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]) expect(`${set} ${emptied[set]}`).toBe(`${set} ${mask([])}`);
    const full = status((await start(service({ capabilities: ["ALL"] }), {})).pid);
    expect(full.Uid!.split("\t")[0]).toBe("0");
    expect([full.CapBnd, full.CapPrm, full.CapEff]).toEqual([ours.CapBnd, ours.CapBnd, ours.CapBnd]);
  });

  test("CAP_NET_BIND_SERVICE lets nobody bind a port below 1024; without it the bind is refused", async () => {
    const port = 900 + (process.pid % 100);
    const script = `require("net").createServer().listen(${port}, "127.0.0.1", () => process.exit(0)).on("error", (e) => process.exit(e.code === "EACCES" ? 3 : 4))`;
    const exitOf = async (capabilities: string[]) => {
      platform ??= (await import("../../../src/platform/bun/index.ts")).createBunPlatform();
      const ctx = buildPrivilegeContext(service({ user: "nobody", capabilities }), { euid: 0, dropPrivileges: false, sys: true });
      if (!ctx.ok) throw new Error(ctx.error.message);
      const env = Object.entries({ PATH: "/usr/bin:/bin", ...ctx.env }).map(([k, v]) => `${k}=${v}`);
      const out = platform.spawn({ argv: [process.execPath, "-e", script], env, cwd: "/", stdin: -1, stdout: -1, stderr: 2, ...ctx.spec });
      if (!out.ok) throw new Error(`spawn failed at ${out.step}: ${out.message}`);
      return (await new Promise<{ code: number | null }>((resolve) => platform.watch(out.pid, resolve))).code;
    };
    expect(await exitOf(["CAP_NET_BIND_SERVICE"])).toBe(0);
    expect(await exitOf([])).toBe(3);
  });

  test("the service joins its cgroup before exec", async () => {
    const mount = findCgroup2Mount();
    if (mount === null) {
      console.warn("skipping cgroup join: no cgroup2 mount");
      return;
    }
    const cgRoot = join(mount, `sysg-spawn-test-${process.pid}`);
    const prepared = prepareCgroup(cgRoot, "web", {});
    if (!prepared.ok) throw new Error(prepared.reason);
    const fd = openSync(prepared.dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      const { pid } = await start(service({}), {}, { cgroupFd: fd });
      expect(readFileSync(`/proc/${pid}/cgroup`, "utf8")).toContain(`0::/${prepared.dir.slice(mount.length + 1)}\n`);
      expect(cgroupPids(prepared.dir)).toEqual([pid]);
      platform.kill(pid, "SIGKILL");
      for (let i = 0; i < 200 && cgroupPids(prepared.dir).length > 0; i++) await Bun.sleep(5);
    } finally {
      closeSync(fd);
      expect(removeCgroup(cgRoot)).toEqual({ ok: true });
    }
  });
});
