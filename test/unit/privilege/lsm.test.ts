// apparmor_profile / selinux_context against fake /sys files.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { planLsm } from "../../../src/privilege/lsm.ts";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sysg-lsm-"));
  writeFileSync(join(dir, "aa-on"), "Y\n");
  writeFileSync(join(dir, "aa-off"), "N\n");
  writeFileSync(join(dir, "enforce"), "1\n");
  mkdirSync(join(dir, "attr", "apparmor"), { recursive: true });
  writeFileSync(join(dir, "attr", "apparmor", "exec"), "");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const base = "services.web.isolation";

describe("planLsm", () => {
  test("AppArmor active: 'exec <profile>' into the apparmor attr file", () => {
    const r = planLsm({ apparmor_profile: "web" }, base, { apparmorEnabled: join(dir, "aa-on"), attrDir: join(dir, "attr") });
    expect(r).toEqual({ lsmExec: { attr: join(dir, "attr", "apparmor", "exec"), label: "exec web" }, errors: [], warnings: [] });
  });

  test("SELinux active: the context into attr/exec", () => {
    const r = planLsm({ selinux_context: "system_u:system_r:web_t:s0" }, base, { selinuxEnforce: join(dir, "enforce"), attrDir: "/proc/self/attr" });
    expect(r.lsmExec).toEqual({ attr: "/proc/self/attr/exec", label: "system_u:system_r:web_t:s0" });
  });

  test("not active: an error naming the LSM and the '-' way out; with '-' a warning", () => {
    const off = { apparmorEnabled: join(dir, "aa-off"), selinuxEnforce: join(dir, "missing") };
    const r = planLsm({ apparmor_profile: "web", selinux_context: "-ctx" }, base, off);
    expect(r.lsmExec).toBeUndefined();
    expect(r.errors).toEqual([
      {
        path: `${base}.apparmor_profile`,
        message: `AppArmor is not active on this host (${join(dir, "aa-off")} is not "Y"), so "web" cannot be applied`,
        hint: 'prefix it with "-" ("-web") to run without it where AppArmor is missing, or remove the key',
      },
    ]);
    expect(r.warnings).toEqual([`${base}.selinux_context not applied: SELinux is not active on this host (${join(dir, "missing")} is missing (selinuxfs not mounted))`]);
  });
});
