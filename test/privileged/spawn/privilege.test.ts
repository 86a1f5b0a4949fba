// Privileged SpawnSpec fields, checked in /proc of the real child. Needs root; skips otherwise.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, readlinkSync, rmdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBunPlatform } from "../../../src/platform/bun/index.ts";
import type { SpawnSpec } from "../../../src/platform/types.ts";
import { execDone, exited, spawnOk, spec, stat, status } from "../../integration/spawn/proc.ts";

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn("skipping test/privileged/spawn/privilege.test.ts: needs root (uid 0)");
const rootTest = isRoot ? test : test.skip;

const CLONE_NEWNS = 0x00020000;
const CLONE_NEWUTS = 0x04000000;
const CLONE_NEWIPC = 0x08000000;
const CLONE_NEWNET = 0x40000000;
const CLONE_NEWUSER = 0x10000000;
const CAP_CHOWN = 0;
const CAP_NET_BIND_SERVICE = 10;
const CAP_SYS_ADMIN = 21;
const RLIMIT_NOFILE = 7;
const RLIMIT_CORE = 4;
const NOBODY = 65534;
const ZERO = "0000000000000000";

const platform = createBunPlatform();
const running = new Set<number>();
function sleeper(extra: Partial<SpawnSpec>): number {
  const pid = spawnOk(platform, spec(["sleep", "30"], extra));
  running.add(pid);
  execDone(pid);
  return pid;
}
function failure(extra: Partial<SpawnSpec>, argv = ["true"]) {
  const out = platform.spawn(spec(argv, extra));
  if (out.ok) {
    running.add(out.pid);
    throw new Error(`spawn unexpectedly succeeded (pid ${out.pid})`);
  }
  return out;
}
const hex = (caps: number[]) => caps.reduce((m, c) => m | (1n << BigInt(c)), 0n).toString(16).padStart(16, "0");

afterEach(async () => {
  const waits = [...running].map((pid) => exited(platform, pid));
  for (const pid of running) platform.kill(pid, "SIGKILL");
  await Promise.all(waits);
  running.clear();
});
afterAll(() => platform.shutdown());

describe("identity", () => {
  rootTest("groups, gid and uid are all switched", () => {
    const s = status(sleeper({ uid: NOBODY, gid: NOBODY, groups: [NOBODY, 100] }));
    expect(s.Uid).toBe(`${NOBODY}\t${NOBODY}\t${NOBODY}\t${NOBODY}`);
    expect(s.Gid).toBe(`${NOBODY}\t${NOBODY}\t${NOBODY}\t${NOBODY}`);
    expect(s.Groups).toBe(`100 ${NOBODY}`);
  });

  rootTest("without capabilities a uid switch leaves no capability at all", () => {
    const s = status(sleeper({ uid: NOBODY, gid: NOBODY, groups: [] }));
    expect([s.CapInh, s.CapPrm, s.CapEff, s.CapAmb]).toEqual([ZERO, ZERO, ZERO, ZERO]);
  });

  rootTest("chdir runs as the new user (after the switch)", () => {
    const dir = mkdtempSync(join(tmpdir(), "sysg-priv-"));
    try {
      chmodSync(dir, 0o700);
      const out = failure({ uid: NOBODY, gid: NOBODY, groups: [], cwd: dir });
      expect([out.step, out.errno]).toEqual(["chdir", 13]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("capabilities", () => {
  rootTest("the listed ones survive the uid switch in every set, ambient included", () => {
    const s = status(sleeper({ uid: NOBODY, gid: NOBODY, groups: [], capabilities: [CAP_NET_BIND_SERVICE, CAP_CHOWN] }));
    const want = hex([CAP_NET_BIND_SERVICE, CAP_CHOWN]);
    expect([s.CapInh, s.CapPrm, s.CapEff, s.CapBnd, s.CapAmb]).toEqual([want, want, want, want, want]);
  });

  rootTest("[] empties every set, even for a service that stays root", () => {
    const s = status(sleeper({ capabilities: [] }));
    expect([s.CapInh, s.CapPrm, s.CapEff, s.CapBnd, s.CapAmb]).toEqual([ZERO, ZERO, ZERO, ZERO, ZERO]);
    expect(s.Uid?.split("\t")[0]).toBe("0");
  });

  rootTest("a root service keeps exactly the listed ones", () => {
    const s = status(sleeper({ capabilities: [CAP_SYS_ADMIN] }));
    const want = hex([CAP_SYS_ADMIN]);
    expect([s.CapPrm, s.CapEff, s.CapBnd]).toEqual([want, want, want]);
  });

  rootTest("undefined leaves the sets alone", () => {
    const ours = status(process.pid);
    const s = status(sleeper({}));
    expect([s.CapPrm, s.CapBnd]).toEqual([ours.CapPrm, ours.CapBnd]);
  });

  rootTest("no_new_privs", () => {
    expect(status(sleeper({ noNewPrivileges: true })).NoNewPrivs).toBe("1");
    expect(status(sleeper({})).NoNewPrivs).toBe("0");
  });

  rootTest("a capability number the kernel does not know fails (capset masks it; raising it fails)", () => {
    const out = failure({ uid: NOBODY, gid: NOBODY, capabilities: [63] });
    expect([out.step, out.errno]).toEqual(["ambient", 22]);
  });
});

describe("limits, nice, affinity", () => {
  rootTest("rlimits: soft and hard set, -1 is unlimited", () => {
    // core: hard is unlimited on this host, so -1 needs no CAP_SYS_RESOURCE (containers lack it)
    const pid = sleeper({ rlimits: [{ resource: RLIMIT_NOFILE, soft: 100, hard: 200 }, { resource: RLIMIT_CORE, soft: -1, hard: -1 }] });
    const limits = readFileSync(`/proc/${pid}/limits`, "utf8");
    expect(limits).toMatch(/Max open files\s+100\s+200\s+files/);
    expect(limits).toMatch(/Max core file size\s+unlimited\s+unlimited\s+bytes/);
  });

  rootTest("soft above hard fails at limits with EINVAL", () => {
    const out = failure({ rlimits: [{ resource: RLIMIT_NOFILE, soft: 300, hard: 200 }] });
    expect([out.step, out.errno]).toEqual(["limits", 22]);
  });

  rootTest("nice", () => {
    expect(stat(sleeper({ nice: 7 }))[19]).toBe("7");
    expect(stat(sleeper({ nice: -5 }))[19]).toBe("-5");
  });

  rootTest("cpu affinity", () => {
    expect(status(sleeper({ cpuAffinity: [0] })).Cpus_allowed_list).toBe("0");
  });

  rootTest("affinity to CPUs that do not exist fails at affinity", () => {
    const out = failure({ cpuAffinity: [4000] });
    expect([out.step, out.errno]).toEqual(["affinity", 22]);
  });
});

describe("namespaces", () => {
  const ns = (pid: number | "self", name: string) => readlinkSync(`/proc/${pid}/ns/${name}`);

  rootTest("network, mount, uts and ipc namespaces are new; others are shared", () => {
    const pid = sleeper({ namespaces: CLONE_NEWNET | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC });
    for (const name of ["net", "mnt", "uts", "ipc"]) expect(ns(pid, name)).not.toBe(ns("self", name));
    for (const name of ["pid", "user", "cgroup"]) expect(ns(pid, name)).toBe(ns("self", name));
  });

  rootTest("a user namespace (unshared by the vfork child itself)", () => {
    const pid = sleeper({ namespaces: CLONE_NEWUSER });
    expect(ns(pid, "user")).not.toBe(ns("self", "user"));
    expect(ns(pid, "net")).toBe(ns("self", "net"));
  });

  rootTest("flags the kernel rejects fail at namespace", () => {
    const out = failure({ namespaces: 0x1000 /* not a namespace flag */ });
    expect([out.step, out.errno]).toEqual(["namespace", 22]);
  });
});

describe("cgroup", () => {
  const mount = "/sys/fs/cgroup/unified";
  const haveCgroup2 = isRoot && existsSync(join(mount, "cgroup.procs"));
  if (isRoot && !haveCgroup2) console.warn(`skipping cgroup tests: no cgroup v2 at ${mount}`);

  (haveCgroup2 ? test : test.skip)("the child is in the given cgroup before it execs", () => {
    const name = `sysg-spawn-test-${process.pid}`;
    const dir = join(mount, name);
    mkdirSync(dir);
    const fd = openSync(dir, "r");
    try {
      const pid = sleeper({ cgroupFd: fd });
      expect(readFileSync(`/proc/${pid}/cgroup`, "utf8")).toContain(`0::/${name}\n`);
      expect(readFileSync(join(dir, "cgroup.procs"), "utf8").trim()).toBe(String(pid));
      platform.kill(pid, "SIGKILL");
    } finally {
      closeSync(fd);
    }
    return (async () => {
      for (const pid of running) await exited(platform, pid);
      running.clear();
      rmdirSync(dir);
    })();
  });

  (haveCgroup2 ? test : test.skip)("a directory that is not a cgroup fails at cgroup", () => {
    const dir = mkdtempSync(join(tmpdir(), "sysg-notcg-"));
    const fd = openSync(dir, "r");
    try {
      const out = failure({ cgroupFd: fd });
      expect([out.step, out.errno]).toEqual(["cgroup", 2]);
      expect(statSync(dir).isDirectory()).toBe(true);
    } finally {
      closeSync(fd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
