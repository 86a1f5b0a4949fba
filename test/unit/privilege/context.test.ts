import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ResolvedConfig, ResolvedService } from "../../../src/config/resolved.ts";
import {
  buildPrivilegeContext,
  checkPrivileges,
  NAMESPACES,
  type PrivilegeOptions,
  type PrivilegePaths,
} from "../../../src/privilege/context.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function service(name: string, privileged: Partial<ResolvedService> = {}): ResolvedService {
  return {
    name,
    command: "./server",
    working_dir: "/srv",
    env: {},
    restart_policy: "never",
    backoff: 1000,
    backoff_max: 60000,
    max_restarts: null,
    restart_reset: 30000,
    critical: false,
    depends_on: [],
    skip: false,
    readiness: { probe: { kind: "default" }, timeout: 60000 },
    hooks: {},
    deployment: null,
    cron: null,
    stop_signal: "SIGTERM",
    stop_timeout: 10000,
    logs: { max_size: 10485760, max_files: 5, timestamps: true },
    user: null,
    group: null,
    supplementary_groups: [],
    limits: null,
    capabilities: null,
    isolation: null,
    socket_activation: false,
    health: null,
    spawn: null,
    ...privileged,
  };
}

// A host with a kernel whose last capability is 37 (CAP_AUDIT_READ), net/mnt/pid namespaces
// but no user namespaces, and the fixture accounts and limits.
let dir = "";
let paths: PrivilegePaths = {};
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "sysg-priv-"));
  writeFileSync(join(dir, "cap_last_cap"), "37\n");
  mkdirSync(join(dir, "ns"));
  for (const ns of ["net", "mnt", "pid"]) writeFileSync(join(dir, "ns", ns), "");
  writeFileSync(join(dir, "mountinfo"), `41 31 0:38 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n`);
  writeFileSync(join(dir, "online"), "0-3\n");
  writeFileSync(join(dir, "status"), "Name:\tsysg\nCapInh:\t0000000000000000\nCapPrm:\t0000003fffffffff\n");
  // root in a container without CAP_SYS_RESOURCE (24)
  writeFileSync(join(dir, "status-container"), "Name:\tsysg\nCapInh:\t0000000000000000\nCapPrm:\t0000003ffeffffff\n");
  paths = {
    passwd: fixture("passwd"),
    group: fixture("group"),
    limits: fixture("limits"),
    stat: fixture("stat"),
    capLastCap: join(dir, "cap_last_cap"),
    nsDir: join(dir, "ns"),
    mountinfo: join(dir, "mountinfo"),
    cpuOnline: join(dir, "online"),
    status: join(dir, "status"),
  };
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const asRoot = (extra: Partial<PrivilegeOptions> = {}): PrivilegeOptions => ({ euid: 0, dropPrivileges: false, sys: false, paths, ...extra });
const inContainer = (): PrivilegeOptions => asRoot({ paths: { ...paths, status: join(dir, "status-container") } });
const asUser = (extra: Partial<PrivilegeOptions> = {}): PrivilegeOptions => ({ euid: 1000, dropPrivileges: false, sys: false, paths, ...extra });

describe("accounts", () => {
  test("user switching without root is PermissionDenied naming the service and keys", () => {
    const r = buildPrivilegeContext(service("web", { user: "www-data", supplementary_groups: ["adm"] }), asUser());
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe("PermissionDenied");
    expect(r.error.service).toBe("web");
    expect(r.error.message).toBe("web: user, supplementary_groups need a root supervisor (running as uid 1000)");
    expect(r.error.errors[0]!.path).toBe("services.web.user");
  });

  test("a group alone also needs root", () => {
    const r = buildPrivilegeContext(service("web", { group: "www-data" }), asUser());
    expect(r.ok ? "" : r.error.code).toBe("PermissionDenied");
  });

  test("as root: uid, gid, initgroups-style groups plus extras, and the account's env", () => {
    const r = buildPrivilegeContext(service("web", { user: "alice", supplementary_groups: ["www-data"] }), asRoot());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.uid).toBe(1000);
    expect(r.spec.gid).toBe(1000);
    expect(r.spec.groups).toEqual([1000, 4, 950, 33]);
    expect(r.env).toEqual({ HOME: "/home/alice", USER: "alice", LOGNAME: "alice", SHELL: "/bin/zsh" });
  });

  test("group overrides the account's primary group", () => {
    const r = buildPrivilegeContext(service("web", { user: "www-data", group: "www-logs" }), asRoot());
    expect(r.ok && [r.spec.uid, r.spec.gid, r.spec.groups]).toEqual([33, 950, [950]]);
  });

  test("a group without a user keeps uid, sets gid and drops other supplementary groups", () => {
    const r = buildPrivilegeContext(service("web", { group: "adm" }), asRoot());
    expect(r.ok && r.spec).toEqual({ gid: 4, groups: [4], capabilities: [] });
    expect(r.ok && r.env).toEqual({});
  });

  test("unknown user and groups: InvalidConfig with every path", () => {
    const r = buildPrivilegeContext(service("web", { user: "www", supplementary_groups: ["adm", "wheel"] }), asRoot());
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe("InvalidConfig");
    expect(r.error.message).toBe('services.web.user: unknown user "www"');
    expect(r.error.errors.map((e) => e.path)).toEqual(["services.web.user", "services.web.supplementary_groups[1]"]);
  });

  test("--drop-privileges as root runs services without a user as nobody", () => {
    const r = buildPrivilegeContext(service("web"), asRoot({ dropPrivileges: true }));
    expect(r.ok && [r.spec.uid, r.spec.gid, r.spec.groups, r.env.HOME]).toEqual([65534, 65534, [65534], "/nonexistent"]);
    const own = buildPrivilegeContext(service("web", { user: "alice" }), asRoot({ dropPrivileges: true }));
    expect(own.ok && own.spec.uid).toBe(1000);
  });

  test("--drop-privileges without root is a warning, not a failure", () => {
    const r = buildPrivilegeContext(service("web"), asUser({ dropPrivileges: true }));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.uid).toBeUndefined();
    expect(r.warnings).toEqual(["services.web: --drop-privileges ignored, the supervisor is not root"]);
  });
});

describe("capabilities", () => {
  test("names map to numbers, sorted, for a service that drops to a user", () => {
    const r = buildPrivilegeContext(
      service("web", { user: "www-data", capabilities: ["CAP_SYS_NICE", "net_bind_service"] }),
      asRoot(),
    );
    expect(r.ok && r.spec.capabilities).toEqual([10, 23]);
  });

  test("a user service that lists none gets every set empty", () => {
    const r = buildPrivilegeContext(service("web", { user: "www-data" }), asRoot());
    expect(r.ok && r.spec.capabilities).toEqual([]);
    const dropped = buildPrivilegeContext(service("web"), asRoot({ dropPrivileges: true }));
    expect(dropped.ok && dropped.spec.capabilities).toEqual([]);
  });

  test("a root service that lists none gets every set empty too, with or without --sys", () => {
    for (const opts of [asRoot(), asRoot({ sys: true })]) {
      const r = buildPrivilegeContext(service("web"), opts);
      expect(r.ok && r.spec.uid).toBeUndefined();
      expect(r.ok && r.spec.capabilities).toEqual([]);
      expect(r.ok && r.warnings).toEqual([]);
    }
  });

  test("an explicit empty list empties the sets of a root service too", () => {
    const r = buildPrivilegeContext(service("web", { capabilities: [] }), asRoot());
    expect(r.ok && r.spec.capabilities).toEqual([]);
  });

  test('["ALL"] keeps the full set for a root service: every capability the supervisor holds', () => {
    const r = buildPrivilegeContext(service("web", { capabilities: ["ALL"] }), asRoot());
    expect(r.ok && r.spec.capabilities).toEqual(Array.from({ length: 38 }, (_, i) => i));
    const contained = buildPrivilegeContext(service("web", { capabilities: ["ALL"] }), inContainer());
    expect(contained.ok && contained.spec.capabilities).toEqual(Array.from({ length: 38 }, (_, i) => i).filter((n) => n !== 24));
  });

  test("a listed capability the supervisor does not hold is an error", () => {
    const r = buildPrivilegeContext(service("web", { capabilities: ["CAP_SYS_RESOURCE"] }), inContainer());
    expect(!r.ok && r.error.errors.map((e) => [e.path, e.message])).toEqual([
      ["services.web.capabilities[0]", "CAP_SYS_RESOURCE is not held by the supervisor (its permitted set lacks it), so it cannot be handed on"],
    ]);
  });

  test('["ALL"] for a user service is every capability the kernel has that the supervisor holds', () => {
    const r = buildPrivilegeContext(service("web", { user: "www-data", capabilities: ["ALL"] }), inContainer());
    expect(r.ok && r.spec.capabilities).toEqual(Array.from({ length: 38 }, (_, i) => i).filter((n) => n !== 24));
  });

  test("root without CAP_SYS_RESOURCE cannot raise a hard limit: a config error, not a failed start", () => {
    const r = buildPrivilegeContext(service("web", { limits: { nofile: 10000 } }), inContainer());
    expect(!r.ok && r.error.errors.map((e) => e.path)).toEqual(["services.web.limits.nofile"]);
    expect(!r.ok && r.error.message).toContain("root without CAP_SYS_RESOURCE");
    expect(buildPrivilegeContext(service("web", { limits: { nofile: 10000 } }), asRoot()).ok).toBe(true);
  });

  test("capabilities newer than the kernel and unknown names are errors", () => {
    const r = buildPrivilegeContext(service("web", { capabilities: ["CAP_BPF", "CAP_FLY"] }), asRoot());
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.errors.map((e) => [e.path, e.message])).toEqual([
      ["services.web.capabilities[0]", "CAP_BPF is not supported by this kernel (its last capability is CAP_AUDIT_READ)"],
      ["services.web.capabilities[1]", 'unknown capability "CAP_FLY"'],
    ]);
  });

  test("a non-root supervisor leaves the sets alone and warns", () => {
    const r = buildPrivilegeContext(service("web", { capabilities: ["CAP_NET_BIND_SERVICE"] }), asUser());
    expect(r.ok && r.spec.capabilities).toBeUndefined();
    expect(r.ok && r.warnings).toEqual(["services.web.capabilities ignored: the supervisor is not root"]);
  });
});

describe("limits", () => {
  test("rlimits, nice and affinity reach the spec; the cgroup gets the default root", () => {
    const r = buildPrivilegeContext(
      service("web", { limits: { nofile: 2048, nice: -5, cpu_affinity: [2, 3], cgroup: { memory_max: "512M" } } }),
      asRoot(),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.rlimits).toEqual([{ resource: 7, soft: 2048, hard: 2048 }]);
    expect(r.spec.nice).toBe(-5);
    expect(r.spec.cpuAffinity).toEqual([2, 3]);
    expect(r.cgroup).toEqual({ root: "/sys/fs/cgroup/unified/systemg", settings: { memory_max: 536870912 } });
  });

  test("a cgroup root that is not cgroup2 is skipped with a warning", () => {
    const r = buildPrivilegeContext(service("web", { limits: { cgroup: { root: "/tmp/cg", pids_max: 10 } } }), asRoot());
    expect(r.ok && r.cgroup).toBeUndefined();
    expect(r.ok && r.warnings[0]).toContain("services.web.limits.cgroup ignored: /tmp/cg is not on a cgroup2 filesystem");
  });

  test("limits the supervisor cannot grant fail the service", () => {
    const r = buildPrivilegeContext(service("web", { limits: { nofile: 65536 } }), asUser());
    expect(r.ok ? "" : r.error.message).toContain("services.web.limits.nofile: 65536 is above the hard limit 4096");
  });
});

describe("isolation", () => {
  test("namespaces map to CLONE_NEW* flags as root", () => {
    const r = buildPrivilegeContext(service("web", { isolation: { network: true, mount: true, pid: true } }), asRoot());
    expect(r.ok && r.spec.namespaces).toBe(0x40000000 | 0x00020000 | 0x20000000);
    expect(r.ok && r.warnings).toEqual([]);
  });

  test("a namespace the kernel lacks is a warning", () => {
    const r = buildPrivilegeContext(service("web", { isolation: { user: true, network: true } }), asRoot());
    expect(r.ok && r.spec.namespaces).toBe(NAMESPACES.network.flag);
    expect(r.ok && r.warnings[0]).toContain("isolation.user not applied: this kernel has no user namespaces");
  });

  test("without root, network/mount/pid need isolation.user", () => {
    const r = buildPrivilegeContext(service("web", { isolation: { network: true } }), asUser());
    expect(r.ok && r.spec.namespaces).toBeUndefined();
    expect(r.ok && r.warnings).toEqual([
      "services.web.isolation.network not applied: creating a net namespace needs a root supervisor (or isolation.user)",
    ]);
    writeFileSync(join(dir, "ns", "user"), "");
    try {
      const u = buildPrivilegeContext(service("web", { isolation: { network: true, user: true } }), asUser());
      expect(u.ok && u.spec.namespaces).toBe(NAMESPACES.user.flag | NAMESPACES.network.flag);
      expect(u.ok && u.spec.userns).toBe("with-namespaces");
    } finally {
      rmSync(join(dir, "ns", "user"));
    }
  });

  test("as root, the user namespace comes after the switch to the account (root inside maps to it)", () => {
    writeFileSync(join(dir, "ns", "user"), "");
    try {
      const r = buildPrivilegeContext(service("web", { user: "alice", isolation: { user: true, network: true } }), asRoot());
      // the child unshares CLONE_NEWUSER itself after setresuid, so it is not in `namespaces`
      expect(r.ok && r.spec.namespaces).toBe(NAMESPACES.network.flag);
      expect(r.ok && r.spec.userns).toBe("after-uid");
      expect(r.ok && r.warnings).toEqual([]);
    } finally {
      rmSync(join(dir, "ns", "user"));
    }
  });

  test("mount sandbox keys need a root supervisor: an error, not a warning", () => {
    const r = buildPrivilegeContext(
      service("web", { isolation: { private_tmp: true, protect_system: "strict", no_new_privileges: true } }),
      asUser(),
    );
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.message).toBe(
      "services.web.isolation.private_tmp: private_tmp, protect_system need a root supervisor (a private mount namespace)",
    );
  });

  test("as root the mount sandbox gives a mount namespace, a plan and drops CAP_MKNOD/CAP_SYS_RAWIO", () => {
    const r = buildPrivilegeContext(
      service("web", { capabilities: ["ALL"], isolation: { private_devices: true, protect_system: "strict", umask: "0027" } }),
      asRoot(),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.spec.namespaces).toBe(NAMESPACES.mount.flag);
    expect(r.spec.mountPlan?.some((op) => op.op === "mount" && op.target === "/dev")).toBe(true);
    expect(r.spec.capabilities).not.toContain(27);
    expect(r.spec.capabilities).not.toContain(17);
    expect(r.spec.capabilities).toContain(21);
    expect(r.spec.umask).toBe(0o027);
  });

  test("seccomp keys give a filter and imply no_new_privileges, for any supervisor; other arches are refused", () => {
    const r = buildPrivilegeContext(service("web", { isolation: { seccomp: ["@system-service"], lock_personality: true } }), asUser());
    expect(r.ok && r.spec.noNewPrivileges).toBe(true);
    expect(r.ok && (r.spec.seccompFilter?.length ?? 0) > 10).toBe(true);
    const arm = buildPrivilegeContext(service("web", { isolation: { seccomp: "~@reboot" } }), asUser({ paths: { ...paths, arch: "arm64" } }));
    expect(arm.ok).toBe(false);
    if (!arm.ok) expect(arm.error.message).toContain("seccomp filters are built for x86_64 only, this host is arm64");
  });

  test("umask is read as octal in every written form", () => {
    const r = buildPrivilegeContext(service("web", { isolation: { umask: "0o077" } }), asUser());
    expect(r.ok && r.spec.umask).toBe(0o077);
  });

  test("a service with no privileged keys gets an empty context", () => {
    expect(buildPrivilegeContext(service("web"), asUser())).toEqual({ ok: true, spec: {}, env: {}, warnings: [] });
  });
});

describe("checkPrivileges", () => {
  test("reports every host-dependent error of every service at once, without needing root", () => {
    const config: ResolvedConfig = {
      path: "/srv/systemg.yaml",
      dir: "/srv",
      order: ["api", "web"],
      logs: { max_size: 10485760, max_files: 5, timestamps: true },
      services: {
        web: service("web", { user: "www", limits: { cpu_affinity: [9] } }),
        api: service("api", { group: "wheel", limits: { nofile: 10000 }, capabilities: ["CAP_CHECKPOINT_RESTORE"] }),
      },
    };
    const errors = checkPrivileges(config, asUser());
    expect(errors.map((e) => e.path)).toEqual([
      "services.api.group",
      "services.api.capabilities[0]",
      "services.api.limits.nofile",
      "services.web.user",
      "services.web.limits.cpu_affinity",
    ]);
    // Root may raise the hard limit, so only the nofile error goes away.
    expect(checkPrivileges(config, asRoot()).map((e) => e.path)).toEqual([
      "services.api.group",
      "services.api.capabilities[0]",
      "services.web.user",
      "services.web.limits.cpu_affinity",
    ]);
  });
});
