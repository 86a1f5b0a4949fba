// The exposure score of `sysg security`: weights, judgements and the 0.0-10.0 scale.
import type { ResolvedService } from "../../../src/config/resolved.ts";
import { RawIsolation } from "../../../src/config/schema.ts";
import { CHECKS, SCORED_KEYS, exposureOf, levelOf } from "../../../src/privilege/exposure.ts";

function service(extra: Partial<ResolvedService> = {}): ResolvedService {
  return {
    name: "web",
    user: null,
    group: null,
    supplementary_groups: [],
    limits: null,
    capabilities: null,
    isolation: null,
    socket_activation: false,
    ...extra,
  } as ResolvedService;
}

test("the weights add up to 100 and every scored key is a config key", () => {
  expect(CHECKS.reduce((a, c) => a + c.weight, 0)).toBe(100);
  const keys = Object.keys(RawIsolation.properties);
  for (const k of SCORED_KEYS) expect([k, keys.includes(k)]).toEqual([k, true]);
});

test("a root service with every capability and no sandbox is 10.0 UNSAFE; one row per directive", () => {
  const e = exposureOf(service({ capabilities: ["ALL"] }));
  expect(e.score).toBe(10);
  expect(e.level).toBe("UNSAFE");
  expect(e.rows.length).toBe(CHECKS.length);
  expect(e.rows.every((r) => r.exposure === 1 && r.recommendation !== "")).toBe(true);
});

test("the hardened example's settings score 0.5: only the network and the LSM label remain", () => {
  const e = exposureOf(
    service({
      user: "nobody",
      isolation: {
        pid: true, no_new_privileges: true, umask: "0077", private_tmp: true, private_devices: true, protect_system: "strict",
        protect_home: true, protect_kernel_tunables: true, protect_kernel_modules: true, protect_kernel_logs: true,
        protect_control_groups: true, protect_clock: true, protect_hostname: true, restrict_suid_sgid: true, lock_personality: true,
        memory_deny_write_execute: true, restrict_realtime: true, restrict_namespaces: true,
        restrict_address_families: ["AF_UNIX", "AF_INET", "AF_INET6"], system_call_architectures: "native",
        seccomp: ["@system-service", "~@privileged", "~@resources"],
      },
    }),
  );
  expect(e.score).toBe(0.5);
  expect(e.level).toBe("SAFE");
  expect(e.rows.filter((r) => r.exposure > 0).map((r) => r.directive)).toEqual(["network", "apparmor_profile / selinux_context"]);
});

test("partial values are partly exposed", () => {
  const rows = (iso: object) => Object.fromEntries(exposureOf(service({ user: "app", isolation: iso })).rows.map((r) => [r.directive, r.exposure]));
  expect(rows({ protect_system: "full" }).protect_system).toBe(0.3);
  expect(rows({ protect_system: true }).protect_system).toBe(0.5);
  expect(rows({ seccomp: "@system-service" }).seccomp).toBe(0.2); // still lets @setuid/@chown through
  expect(rows({ seccomp: ["~@privileged"] }).seccomp).toBe(0.3);
  expect(rows({ seccomp: ["~@reboot"] }).seccomp).toBeGreaterThan(0.3);
  expect(rows({ restrict_address_families: ["~AF_PACKET"] }).restrict_address_families).toBe(0.5);
  expect(rows({ seccomp: "~@reboot" }).no_new_privileges).toBe(0);
});

test("levels", () => {
  expect([0, 1, 2, 4, 7, 9.5].map(levelOf)).toEqual(["SAFE", "SAFE", "OK", "MEDIUM", "EXPOSED", "UNSAFE"]);
});
