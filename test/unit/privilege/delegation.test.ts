import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adoptDelegatedCgroup, unifiedCgroupPath } from "../../../src/privilege/delegation.ts";

const dir = mkdtempSync(join(tmpdir(), "sysg-deleg-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

test("the unified path is the 0:: line, on hybrid hosts too", () => {
  expect(unifiedCgroupPath("0::/system.slice/systemg.service\n")).toBe("/system.slice/systemg.service");
  expect(unifiedCgroupPath("12:pids:/x\n1:name=systemd:/system.slice/a.service\n0::/system.slice/a.service\n")).toBe("/system.slice/a.service");
  expect(unifiedCgroupPath("4:memory:/docker/abc\n")).toBeNull();
});

test("nothing is adopted unless systemd started sysg as a service", () => {
  const service = file("cg-service", "0::/system.slice/systemg.service\n");
  const scope = file("cg-scope", "0::/user.slice/user-1000.slice/session-3.scope\n");
  // no INVOCATION_ID: a login shell, cron, docker …
  expect(adoptDelegatedCgroup({}, 1, { procCgroup: service })).toBeNull();
  // INVOCATION_ID but not a service's cgroup
  expect(adoptDelegatedCgroup({ INVOCATION_ID: "x" }, 1, { procCgroup: scope })).toBeNull();
  // a service, but the host has no cgroup2: said, not guessed
  const v1 = file("mountinfo-v1", "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n");
  expect(adoptDelegatedCgroup({ INVOCATION_ID: "x" }, 1, { procCgroup: service, mountinfo: v1 })).toEqual({
    ok: false,
    reason: "this host has no cgroup2 mount",
  });
});
