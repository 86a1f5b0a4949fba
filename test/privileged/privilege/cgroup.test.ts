// The real cgroup2 hierarchy: needs root and a writable cgroup2 mount. Each run works in its
// own temporary sub-hierarchy under the mount and removes it afterwards.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, statfsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  cgroup2MountOf,
  cgroupPids,
  defaultCgroupRoot,
  findCgroup2Mount,
  killCgroup,
  prepareCgroup,
  removeCgroup,
} from "../../../src/privilege/cgroup.ts";

const CGROUP2_SUPER_MAGIC = 0x63677270;
const mount = findCgroup2Mount();

function why(): string | null {
  if (process.geteuid?.() !== 0) return "not root";
  if (mount === null) return "no cgroup2 mount in /proc/self/mountinfo";
  const probe = join(mount, `sysg-probe-${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
  } catch (e) {
    return `cgroup2 at ${mount} is not writable: ${(e as Error).message}`;
  }
  return null;
}
const skip = why();
if (skip) console.warn(`skipping privileged cgroup tests: ${skip}`);

describe.skipIf(skip !== null)("cgroup v2 on this host", () => {
  let root = "";
  beforeAll(() => {
    root = join(mount!, `sysg-test-${process.pid}-${Date.now()}`);
  });
  afterAll(() => {
    if (existsSync(root)) {
      for (const pid of cgroupPids(root)) process.kill(pid, "SIGKILL");
      removeCgroup(root);
    }
  });

  test("the mount found in mountinfo is cgroup2 by statfs magic, and the default root sits on it", () => {
    expect(statfsSync(mount!).type).toBe(CGROUP2_SUPER_MAGIC);
    expect(defaultCgroupRoot()).toBe(join(mount!, "systemg"));
    expect(cgroup2MountOf(join(mount!, "systemg", "web"))).toEqual({ ok: true, mount: mount! });
  });

  test("a plain directory is never taken for a cgroup", () => {
    const dir = mkdtempSync(join(tmpdir(), "sysg-notcg-"));
    try {
      const r = prepareCgroup(dir, "web", { memory_max: 1 << 20 });
      expect(r.ok).toBe(false);
      expect(existsSync(join(dir, "web"))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("settings are written in kernel form where the controller is available, warned otherwise", () => {
    const r = prepareCgroup(root, "web", { memory_max: 536870912, cpu_max: "200000 100000", pids_max: 64 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.dir).toBe(join(root, "web"));
    expect(readFileSync(join(r.dir, "cgroup.procs"), "utf8")).toBe("");
    const available = readFileSync(join(mount!, "cgroup.controllers"), "utf8").split(/\s+/);
    const expected: [string, string, string][] = [
      ["memory", "memory.max", "536870912"],
      ["cpu", "cpu.max", "200000 100000"],
      ["pids", "pids.max", "64"],
    ];
    for (const [ctrl, file, value] of expected) {
      if (available.includes(ctrl)) expect(readFileSync(join(r.dir, file), "utf8").trim()).toBe(value);
      else expect(r.warnings.some((w) => w.includes(`controller "${ctrl}" is not available in ${mount}`))).toBe(true);
    }
    console.warn(`cgroup warnings on this host: ${r.warnings.length === 0 ? "none" : `\n  ${r.warnings.join("\n  ")}`}`);
  });

  test("a real process in the cgroup is listed, killed at once with its child, and the cgroup removed", async () => {
    const r = prepareCgroup(root, "killme", {});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    // The shell joins the cgroup itself, then starts a grandchild in a new session.
    const proc = Bun.spawn(["sh", "-c", `echo $$ > ${join(r.dir, "cgroup.procs")}; setsid sleep 300 & wait`], {
      stdio: ["ignore", "ignore", "inherit"],
    });
    let pids: number[] = [];
    for (let i = 0; i < 100 && pids.length < 2; i++) {
      await Bun.sleep(20);
      pids = cgroupPids(r.dir);
    }
    expect(pids).toContain(proc.pid);
    expect(pids).toHaveLength(2);
    const killed = killCgroup(r.dir);
    if (!killed.ok && killed.unsupported) {
      console.warn(`cgroup.kill unsupported here (${killed.reason}); killing by pid`);
      for (const pid of pids) process.kill(pid, "SIGKILL");
    } else expect(killed).toEqual({ ok: true });
    expect(await proc.exited).not.toBe(0);
    for (let i = 0; i < 100 && cgroupPids(r.dir).length > 0; i++) await Bun.sleep(20);
    expect(cgroupPids(r.dir)).toEqual([]);
    expect(removeCgroup(r.dir)).toEqual({ ok: true });
    expect(existsSync(r.dir)).toBe(false);
  });

  test("removing a cgroup that still holds a process fails with a reason", async () => {
    const r = prepareCgroup(root, "busy", {});
    if (!r.ok) throw new Error(r.reason);
    const proc = Bun.spawn(["sh", "-c", `echo $$ > ${join(r.dir, "cgroup.procs")}; exec sleep 300`], { stdio: ["ignore", "ignore", "inherit"] });
    try {
      for (let i = 0; i < 100 && cgroupPids(r.dir).length === 0; i++) await Bun.sleep(20);
      const removed = removeCgroup(r.dir);
      expect(removed.ok).toBe(false);
      expect(removed.ok ? "" : removed.reason).toContain("EBUSY");
    } finally {
      proc.kill("SIGKILL");
      await proc.exited;
    }
    for (let i = 0; i < 100 && cgroupPids(r.dir).length > 0; i++) await Bun.sleep(20);
    expect(removeCgroup(r.dir)).toEqual({ ok: true });
  });
});
