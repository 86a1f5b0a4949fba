import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  cgroup2MountOf,
  cgroupPids,
  defaultCgroupRoot,
  findCgroup2Mount,
  kernelValue,
  killCgroup,
  prepareCgroup,
  removeCgroup,
} from "../../../src/privilege/cgroup.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe("finding the cgroup2 mount", () => {
  test("hybrid host: the unified mount, never the tmpfs or a v1 hierarchy", () => {
    expect(findCgroup2Mount(fixture("mountinfo-hybrid"))).toBe("/sys/fs/cgroup/unified");
    expect(defaultCgroupRoot(fixture("mountinfo-hybrid"))).toBe("/sys/fs/cgroup/unified/systemg");
  });

  test("pure v2 host: /sys/fs/cgroup", () => {
    expect(defaultCgroupRoot(fixture("mountinfo-v2"))).toBe("/sys/fs/cgroup/systemg");
  });

  test("v1-only host or unreadable mountinfo: none", () => {
    expect(findCgroup2Mount(fixture("mountinfo-v1"))).toBeNull();
    expect(defaultCgroupRoot(fixture("no-such-file"))).toBeNull();
  });

  test("octal escapes in mount points are decoded", () => {
    expect(findCgroup2Mount(fixture("mountinfo-escaped"))).toBe("/srv/my cgroups");
  });

  test("a path is judged by the filesystem it sits on", () => {
    const hybrid = fixture("mountinfo-hybrid");
    expect(cgroup2MountOf("/sys/fs/cgroup/unified/systemg/web", hybrid)).toEqual({ ok: true, mount: "/sys/fs/cgroup/unified" });
    const v1 = cgroup2MountOf("/sys/fs/cgroup/memory/systemg", hybrid);
    expect(v1.ok).toBe(false);
    expect(v1.ok ? "" : v1.reason).toContain("cgroup at /sys/fs/cgroup/memory");
    const plain = cgroup2MountOf("/sys/fs/cgroup/systemg", hybrid);
    expect(plain.ok ? "" : plain.reason).toContain("tmpfs at /sys/fs/cgroup");
  });

  test("kernel forms", () => {
    expect(kernelValue(536870912)).toBe("536870912");
    expect(kernelValue(Number.POSITIVE_INFINITY)).toBe("max");
    expect(kernelValue(" max 100000 ")).toBe("max 100000");
  });
});

// prepareCgroup's logic over a directory tree shaped like cgroupfs, declared cgroup2 by a
// mountinfo written for it (the real hierarchy is exercised in test/privileged/privilege).
describe("prepareCgroup on a cgroupfs-shaped tree", () => {
  let dir = "";
  let mountinfo = "";
  let mount = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sysg-cg-"));
    mount = join(dir, "cg");
    mkdirSync(join(mount, "systemg"), { recursive: true });
    for (const cg of [mount, join(mount, "systemg")]) {
      writeFileSync(join(cg, "cgroup.controllers"), "cpu memory\n");
      writeFileSync(join(cg, "cgroup.subtree_control"), "");
    }
    mountinfo = join(dir, "mountinfo");
    writeFileSync(mountinfo, `25 1 8:1 / / rw - ext4 /dev/sda1 rw\n41 31 0:38 / ${mount} rw - cgroup2 cgroup2 rw\n`);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("creates <root>/<name>, enables the controller along the chain, writes kernel values", () => {
    const r = prepareCgroup(join(mount, "systemg"), "web", { memory_max: 536870912 }, mountinfo);
    expect(r).toEqual({ ok: true, dir: join(mount, "systemg", "web"), warnings: [] });
    expect(readFileSync(join(mount, "systemg", "web", "memory.max"), "utf8")).toBe("536870912");
    expect(readFileSync(join(mount, "cgroup.subtree_control"), "utf8")).toBe("+memory");
    expect(readFileSync(join(mount, "systemg", "cgroup.subtree_control"), "utf8")).toBe("+memory");
  });

  test("a controller the hierarchy lacks is a warning per setting, the rest is written", () => {
    const r = prepareCgroup(join(mount, "systemg"), "web", { cpu_max: "max 100000", pids_max: 64 }, mountinfo);
    expect(r.ok).toBe(true);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toContain("services.web.limits.cgroup.pids_max not applied");
    expect(r.warnings[0]).toContain(`controller "pids" is not available in ${mount}`);
    expect(readFileSync(join(mount, "systemg", "web", "cpu.max"), "utf8")).toBe("max 100000");
  });

  test("a refused write is a warning, not a failure", () => {
    mkdirSync(join(mount, "systemg", "web", "memory.max"), { recursive: true });
    const r = prepareCgroup(join(mount, "systemg"), "web", { memory_max: Number.POSITIVE_INFINITY, cpu_weight: 50 }, mountinfo);
    expect(r.ok).toBe(true);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toContain("cannot write");
    expect(readFileSync(join(mount, "systemg", "web", "cpu.weight"), "utf8")).toBe("50");
  });

  test("a root that is not on cgroup2 is refused before anything is created", () => {
    const r = prepareCgroup(join(dir, "plain"), "web", {}, mountinfo);
    expect(r.ok).toBe(false);
    expect(r.ok ? "" : r.reason).toContain("is not on a cgroup2 filesystem");
    expect(cgroupPids(join(dir, "plain", "web"))).toEqual([]);
  });

  test("pids are collected from the cgroup and its children", () => {
    const web = join(mount, "systemg", "web");
    mkdirSync(join(web, "worker"), { recursive: true });
    writeFileSync(join(web, "cgroup.procs"), "10\n11\n");
    writeFileSync(join(web, "worker", "cgroup.procs"), "12\n");
    expect(cgroupPids(web).sort()).toEqual([10, 11, 12]);
  });

  test("kill without cgroup.kill reports unsupported; remove fails while not empty", () => {
    const web = join(mount, "systemg", "web");
    mkdirSync(web);
    expect(killCgroup(web)).toEqual({ ok: false, unsupported: true, reason: `${join(web, "cgroup.kill")} does not exist (kernel < 5.14?)` });
    writeFileSync(join(web, "cgroup.procs"), "10\n");
    expect(removeCgroup(web).ok).toBe(false);
    rmSync(join(web, "cgroup.procs"));
    mkdirSync(join(web, "child"));
    expect(removeCgroup(web)).toEqual({ ok: true });
    expect(removeCgroup(web)).toEqual({ ok: true });
  });
});
