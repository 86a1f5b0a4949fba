import { fileURLToPath } from "node:url";
import {
  formatCpuList,
  type HostLimits,
  type LimitPowers,
  parseCpuList,
  planLimits,
  readHostLimits,
  RLIM_INFINITY,
  RLIMIT_MEMLOCK,
  RLIMIT_NOFILE,
  RLIMIT_NPROC,
} from "../../../src/privilege/limits.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

// The fixture /proc/self/limits: nofile 1024/4096, nproc 4096/8192, memlock 8M/8M, RLIMIT_NICE 0.
/** a root supervisor with CAP_SYS_RESOURCE and CAP_SYS_NICE, and one that is neither */
const ROOT: LimitPowers = { raiseHardLimits: true, lowerNice: true };
const USER: LimitPowers = { raiseHardLimits: false, lowerNice: false };
const host: HostLimits = readHostLimits({
  limits: fixture("limits"),
  stat: fixture("stat"),
  nrOpen: fixture("does-not-exist"),
  cpuOnline: fixture("does-not-exist"),
});
host.onlineCpus = parseCpuList("0-1");

describe("host facts", () => {
  test("reads the supervisor's limits, nice value and the defaults for missing files", () => {
    expect(host.current.nofile).toEqual({ soft: 1024, hard: 4096 });
    expect(host.current.nproc).toEqual({ soft: 4096, hard: 8192 });
    expect(host.current.memlock).toEqual({ soft: 8388608, hard: 8388608 });
    expect(host.niceLimit).toBe(0);
    expect(host.nice).toBe(5);
    expect(host.nrOpen).toBe(1048576);
  });

  test("cpu lists round-trip", () => {
    expect(parseCpuList("0-3,8,10-11\n")).toEqual([0, 1, 2, 3, 8, 10, 11]);
    expect(formatCpuList([0, 1, 2, 3, 8, 10, 11])).toBe("0-3,8,10-11");
    expect(parseCpuList("")).toEqual([]);
  });
});

describe("rlimits", () => {
  test("root: soft and hard both set, sizes in bytes, unlimited as -1", () => {
    const { plan, errors } = planLimits("web", { nofile: 65536, nproc: 4096, memlock: "64M" }, host, ROOT);
    expect(errors).toEqual([]);
    expect(plan.rlimits).toEqual([
      { resource: RLIMIT_NOFILE, soft: 65536, hard: 65536 },
      { resource: RLIMIT_NPROC, soft: 4096, hard: 4096 },
      { resource: RLIMIT_MEMLOCK, soft: 67108864, hard: 67108864 },
    ]);
    expect(planLimits("web", { memlock: "unlimited" }, host, ROOT).plan.rlimits).toEqual([
      { resource: RLIMIT_MEMLOCK, soft: RLIM_INFINITY, hard: RLIM_INFINITY },
    ]);
  });

  test("non-root: a value above the hard limit names the service, key and the limit", () => {
    const { plan, errors } = planLimits("web", { nofile: 65536, memlock: "unlimited", nproc: 8192 }, host, USER);
    expect(errors.map((e) => e.path)).toEqual(["services.web.limits.nofile", "services.web.limits.memlock"]);
    expect(errors[0]!.message).toContain("hard limit 4096");
    expect(errors[0]!.hint).toContain("at most 4096");
    expect(plan.rlimits).toEqual([{ resource: RLIMIT_NPROC, soft: 8192, hard: 8192 }]);
  });

  test("nofile cannot pass fs.nr_open, even for root", () => {
    const { errors } = planLimits("web", { nofile: 2000000 }, host, ROOT);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toContain("fs.nr_open = 1048576");
  });

  test("malformed values are errors at their path", () => {
    const { errors } = planLimits("db", { nofile: -3, memlock: "lots" }, host, ROOT);
    expect(errors.map((e) => e.path)).toEqual(["services.db.limits.nofile", "services.db.limits.memlock"]);
  });
});

describe("nice and cpu_affinity", () => {
  test("root may lower nice; a non-root supervisor only within RLIMIT_NICE", () => {
    expect(planLimits("web", { nice: -5 }, host, ROOT).plan.nice).toBe(-5);
    const { errors } = planLimits("web", { nice: -5 }, host, USER);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.path).toBe("services.web.limits.nice");
    expect(errors[0]!.message).toContain("below 5");
    expect(planLimits("web", { nice: 10 }, host, USER).plan.nice).toBe(10);
  });

  test("affinity: online CPUs only, duplicates folded", () => {
    expect(planLimits("web", { cpu_affinity: [1, 0, 1] }, host, ROOT).plan.cpuAffinity).toEqual([0, 1]);
    const { errors, plan } = planLimits("web", { cpu_affinity: [0, 4, 7] }, host, ROOT);
    expect(plan.cpuAffinity).toBeUndefined();
    expect(errors[0]!.path).toBe("services.web.limits.cpu_affinity");
    expect(errors[0]!.message).toBe("CPU 4, 7 are not online on this host");
    expect(errors[0]!.hint).toContain("online CPUs are 0-1");
  });
});

describe("cgroup settings", () => {
  test("sizes and counts in the kernel's units", () => {
    const { plan, errors } = planLimits(
      "web",
      { cgroup: { memory_max: "512M", cpu_max: "200000 100000", cpu_weight: 200, pids_max: "max" } },
      host,
      USER,
    );
    expect(errors).toEqual([]);
    expect(plan.cgroup).toEqual({
      root: null,
      settings: { memory_max: 536870912, cpu_max: "200000 100000", cpu_weight: 200, pids_max: Number.POSITIVE_INFINITY },
    });
    expect(planLimits("web", { cgroup: { memory_max: "max" } }, host, ROOT).plan.cgroup?.settings.memory_max).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  test("values the config loader would refuse are still errors at their paths", () => {
    const { plan, errors } = planLimits("web", { cgroup: { memory_max: "lots", cpu_max: "fast", pids_max: -1 } }, host, ROOT);
    expect(plan.cgroup).toBeUndefined();
    expect(errors.map((e) => e.path)).toEqual([
      "services.web.limits.cgroup.memory_max",
      "services.web.limits.cgroup.cpu_max",
      "services.web.limits.cgroup.pids_max",
    ]);
  });

  test("an explicit root is kept", () => {
    expect(planLimits("web", { cgroup: { root: "/sys/fs/cgroup/test" } }, host, ROOT).plan.cgroup?.root).toBe("/sys/fs/cgroup/test");
  });
});
