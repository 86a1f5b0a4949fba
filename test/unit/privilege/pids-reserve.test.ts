// The supervisor's share of its own pids limit (src/privilege/pids-reserve.ts), on a fake
// cgroup tree: plain directories standing in for the v1 pids hierarchy and for cgroup2 (the
// kernel's files are plain files here), found through fake /proc/self/cgroup and mountinfo.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RESERVE, effectiveLimit, ownPidsCgroup, reservePids } from "../../../src/privilege/pids-reserve.ts";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sysg-pids-reserve-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A v1 pids hierarchy mounted at <dir>/pids with the supervisor in /system.slice/app.service. */
function v1(limits: Record<string, string>): { procCgroup: string; mountinfo: string; mount: string } {
  const mount = join(dir, "pids");
  for (const [rel, max] of Object.entries(limits)) {
    mkdirSync(join(mount, rel), { recursive: true });
    if (rel !== "") writeFileSync(join(mount, rel, "pids.max"), `${max}\n`);
  }
  const procCgroup = join(dir, "cgroup");
  writeFileSync(procCgroup, "9:name=systemd:/\n8:pids:/system.slice/app.service\n4:memory:/x\n0::/\n");
  const mountinfo = join(dir, "mountinfo");
  writeFileSync(
    mountinfo,
    [
      `25 1 0:23 / ${join(dir, "unified")} rw,nosuid shared:9 - cgroup2 cgroup2 rw`,
      `30 1 0:28 / ${mount} rw,nosuid shared:14 - cgroup cgroup rw,pids`,
      `31 1 0:29 / ${join(dir, "memory")} rw,nosuid shared:15 - cgroup cgroup rw,memory`,
    ].join("\n"),
  );
  return { procCgroup, mountinfo, mount };
}

describe("pids reserve", () => {
  test("v1: the supervisor's own cgroup and the smallest limit up to the mount", () => {
    const f = v1({ "": "", "system.slice": "100", "system.slice/app.service": "max" });
    const where = ownPidsCgroup(f.procCgroup, f.mountinfo);
    expect(where).toEqual({ own: join(f.mount, "system.slice/app.service"), mount: f.mount, v2: false });
    expect(effectiveLimit(where!)).toBe(100);
  });

  test("a finite limit: services get a child cgroup with the limit minus the reserve", () => {
    const f = v1({ "": "", "system.slice": "max", "system.slice/app.service": "200" });
    const r = reservePids(ownPidsCgroup(f.procCgroup, f.mountinfo), () => false);
    expect(r.ok).toBe(true);
    if (r.ok !== true) return;
    expect(r.reserve.dir).toBe(join(f.mount, "system.slice/app.service", `sysg-services-${process.pid}`));
    expect(r.reserve.limit).toBe(200);
    expect(r.reserve.servicesMax).toBe(200 - RESERVE);
    expect(readFileSync(join(r.reserve.dir, "pids.max"), "utf8")).toBe(String(200 - RESERVE));
    // (removal needs a real cgroupfs, where the control files go with the directory: test/privileged)
    expect(() => r.reserve.release()).not.toThrow();
  });

  test("a small limit keeps half for the supervisor", () => {
    const f = v1({ "": "", "system.slice": "max", "system.slice/app.service": "40" });
    const r = reservePids(ownPidsCgroup(f.procCgroup, f.mountinfo), () => false);
    expect(r.ok === true && r.reserve.servicesMax).toBe(20);
  });

  test("no finite limit: nothing is made", () => {
    const f = v1({ "": "", "system.slice": "max", "system.slice/app.service": "max" });
    expect(reservePids(ownPidsCgroup(f.procCgroup, f.mountinfo), () => false)).toEqual({ ok: null });
    expect(reservePids(null)).toEqual({ ok: null });
  });

  test("empty services' cgroups of supervisors that are gone are removed; a live one's stays", () => {
    const f = v1({ "": "", "system.slice": "max", "system.slice/app.service": "100" });
    const own = join(f.mount, "system.slice/app.service");
    mkdirSync(join(own, "sysg-services-111"));
    mkdirSync(join(own, "sysg-services-222"));
    mkdirSync(join(own, "other"));
    const r = reservePids(ownPidsCgroup(f.procCgroup, f.mountinfo), (pid) => pid === 222);
    expect(r.ok).toBe(true);
    expect(existsSync(join(own, "sysg-services-111"))).toBe(false);
    expect(existsSync(join(own, "sysg-services-222"))).toBe(true);
    expect(existsSync(join(own, "other"))).toBe(true);
  });

  test("a cgroup that cannot be written: a reason naming the limit and the place", () => {
    const f = v1({ "": "", "system.slice": "max", "system.slice/app.service": "100" });
    const own = join(f.mount, "system.slice/app.service");
    // a file where the directory would go: mkdir fails as it would on a read-only cgroupfs
    writeFileSync(join(own, `sysg-services-${process.pid}`), "");
    const r = reservePids(ownPidsCgroup(f.procCgroup, f.mountinfo), () => false);
    expect(r.ok).toBe(false);
    if (r.ok === false) expect(r.reason).toContain(`under its limit of 100 (${own})`);
  });

  test("cgroup2: the pids controller is enabled for the child", () => {
    const mount = join(dir, "unified");
    const own = join(mount, "box");
    mkdirSync(own, { recursive: true });
    writeFileSync(join(own, "cgroup.controllers"), "cpu pids\n");
    writeFileSync(join(own, "cgroup.subtree_control"), "");
    writeFileSync(join(own, "pids.max"), "64\n");
    const procCgroup = join(dir, "cgroup");
    writeFileSync(procCgroup, "0::/box\n");
    const mountinfo = join(dir, "mountinfo");
    writeFileSync(mountinfo, `25 1 0:23 / ${mount} rw,nosuid shared:9 - cgroup2 cgroup2 rw,nsdelegate\n`);
    const where = ownPidsCgroup(procCgroup, mountinfo);
    expect(where).toEqual({ own, mount, v2: true });
    const r = reservePids(where, () => false);
    expect(r.ok === true && r.reserve.servicesMax).toBe(32);
    expect(readFileSync(join(own, "cgroup.subtree_control"), "utf8")).toBe("+pids");
  });
});
