// The mount plan is pure: a fake host (which paths exist, which are directories, which are
// mount points) in, the ordered operations out.
import type { RawIsolation } from "../../../src/config/schema.ts";
import { type HostView, MOUNT_ATTR, parseMountPoints, planMounts, within } from "../../../src/privilege/mount-plan.ts";
import type { MountOp } from "../../../src/platform/types.ts";

const DIRS = ["/", "/usr", "/etc", "/boot", "/home", "/home/app", "/home/app/data", "/root", "/tmp", "/var", "/var/tmp", "/var/lib", "/var/lib/app",
  "/srv", "/srv/secret", "/dev", "/dev/pts", "/dev/shm", "/proc", "/proc/sys", "/sys", "/sys/fs/cgroup", "/usr/lib/modules", "/mnt/ro"];
const FILES = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty", "/dev/ptmx", "/dev/kmsg", "/proc/kmsg",
  "/proc/kcore", "/proc/kallsyms", "/srv/key.pem"];
const LINKS: Record<string, string> = { "/lib/modules": "/usr/lib/modules" };

const host: HostView = {
  realpath: (p) => (LINKS[p] ?? (DIRS.includes(p) || FILES.includes(p) ? p : null)),
  isDir: (p) => DIRS.includes(p),
  mountPoints: ["/", "/proc", "/sys", "/dev", "/dev/pts", "/dev/shm", "/sys/fs/cgroup", "/mnt/ro", "/tmp"],
  maskFile: "/run/systemg/inaccessible",
};
const plan = (iso: RawIsolation) => planMounts(iso, "services.web.isolation", host);
const targets = (ops: MountOp[], op: MountOp["op"]) => ops.filter((o) => o.op === op).map((o) => o.target);
const canon = (o: object) => JSON.stringify(o, Object.keys(o).sort());
/** ops contains op (deep equality); on failure the whole plan is shown */
const expectOp = (ops: MountOp[], op: MountOp) => expect(ops.find((o) => canon(o) === canon(op)) ?? ops).toEqual(op);
const readOnly = (ops: MountOp[]) => ops.filter((o) => o.op === "setattr" && o.set === MOUNT_ATTR.RDONLY).map((o) => o.target);

describe("planMounts", () => {
  test("no sandbox key: no namespace needed, no operations", () => {
    expect(plan({ network: true, umask: "0027" })).toEqual({ ops: [], errors: [], needed: false });
  });

  test("protect_system=strict: every mount read-only except /dev, /proc, /sys and read_write_paths, one mount at a time", () => {
    const { ops, errors } = plan({ protect_system: "strict", read_write_paths: ["/var/lib/app"] });
    expect(errors).toEqual([]);
    // the rw path becomes a mount point of its own so "/" can be read-only around it
    expect(ops[0]).toEqual({ op: "bind", source: "/var/lib/app", target: "/var/lib/app", flags: 0x4000 });
    expect(readOnly(ops).sort()).toEqual(["/", "/mnt/ro", "/tmp"]);
    expect(ops.every((o) => o.op !== "setattr" || (!o.recursive && o.clear === 0))).toBe(true); // never makes anything writable
  });

  test("protect_system true / full", () => {
    expect(readOnly(plan({ protect_system: true }).ops).sort()).toEqual(["/boot", "/usr"]);
    expect(readOnly(plan({ protect_system: "full" }).ops).sort()).toEqual(["/boot", "/etc", "/usr"]);
  });

  test("a read_write_path on the very path of a protect_* rule wins", () => {
    expect(readOnly(plan({ protect_system: "full", read_write_paths: ["/etc"] }).ops).sort()).toEqual(["/boot", "/usr"]);
  });

  test("protect_kernel_tunables makes /sys read-only even under strict's exemption", () => {
    const ro = readOnly(plan({ protect_system: "strict", protect_kernel_tunables: true }).ops);
    expect(ro).toContain("/sys");
    expect(ro).toContain("/proc/sys");
    expect(ro).toContain("/sys/fs/cgroup");
    expect(ro).not.toContain("/proc");
  });

  test("a missing path is an error naming the key, unless prefixed with '-'", () => {
    const bad = plan({ inaccessible_paths: ["/nope"], read_only_paths: ["-/also-nope"] });
    expect(bad.errors).toEqual([
      {
        path: "services.web.isolation.inaccessible_paths[0]",
        message: '"/nope" does not exist',
        hint: 'create it, or write "-/nope" to ignore it when missing (as systemd does)',
      },
    ]);
    expect(plan({ read_only_paths: ["-/also-nope"] })).toEqual({ ops: [], errors: [], needed: true });
  });

  test("inaccessible: a directory gets an empty mode-0000 tmpfs, a file the mask file; both end read-only, nosuid, nodev, noexec", () => {
    const { ops } = plan({ inaccessible_paths: ["/srv/secret", "/srv/key.pem"] });
    expectOp(ops, { op: "mount", fstype: "tmpfs", target: "/srv/secret", flags: 0x2 | 0x4 | 0x8, options: "mode=0000" });
    expectOp(ops, { op: "bind", source: "/run/systemg/inaccessible", target: "/srv/key.pem", flags: 0 });
    const all = MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID | MOUNT_ATTR.NODEV | MOUNT_ATTR.NOEXEC;
    for (const t of ["/srv/secret", "/srv/key.pem"]) expectOp(ops, { op: "setattr", target: t, set: all, clear: 0, recursive: false });
  });

  test("protect_home=true with a read_write_path inside: the host's tree is grafted into the mask before it is sealed", () => {
    const { ops } = plan({ protect_home: true, read_write_paths: ["/home/app/data"] });
    const order = ops.map((o) => `${o.op} ${o.target}`);
    expect(order.indexOf("clone /home/app/data")).toBe(0);
    expectOp(ops, { op: "mount", fstype: "tmpfs", target: "/home", flags: 0x2 | 0x4 | 0x8, options: "mode=0111" });
    const at = (s: string) => order.indexOf(s);
    expect(at("mount /home")).toBeLessThan(at("mkdir /home/app"));
    expect(at("mkdir /home/app")).toBeLessThan(at("mkdir /home/app/data"));
    expect(at("mkdir /home/app/data")).toBeLessThan(at("attach /home/app/data"));
    expect(at("attach /home/app/data")).toBeLessThan(at("setattr /home"));
    expect(readOnly(ops)).not.toContain("/home/app/data");
    // /root has nothing inside it: not even walkable
    expectOp(ops, { op: "mount", fstype: "tmpfs", target: "/root", flags: 0x2 | 0x4 | 0x8, options: "mode=0000" });
  });

  test("protect_home=read-only and tmpfs", () => {
    expect(readOnly(plan({ protect_home: "read-only" }).ops).sort()).toEqual(["/home", "/root"]);
    const tmpfs = plan({ protect_home: "tmpfs" }).ops;
    expect(targets(tmpfs, "mount")).toEqual(["/home", "/root"]);
  });

  test("private_tmp: fresh tmpfs on /tmp and /var/tmp, writable even under strict", () => {
    const { ops } = plan({ private_tmp: true, protect_system: "strict" });
    expectOp(ops, { op: "mount", fstype: "tmpfs", target: "/tmp", flags: 0x2 | 0x4, options: "mode=1777" });
    expect(targets(ops, "mount")).toEqual(["/tmp", "/var/tmp"]);
    expect(readOnly(ops)).toEqual(["/", "/mnt/ro"]); // /tmp stays writable
  });

  test("private_devices: copies of the safe nodes taken before the new /dev covers the host's; no block devices", () => {
    const { ops } = plan({ private_devices: true });
    const order = ops.map((o) => `${o.op} ${o.target}`);
    const cover = order.indexOf("mount /dev");
    for (const n of ["null", "zero", "full", "random", "urandom", "tty", "ptmx", "pts", "shm"]) {
      expect(order.indexOf(`clone /dev/${n}`)).toBeLessThan(cover);
      expect(order.indexOf(`attach /dev/${n}`)).toBeGreaterThan(cover);
    }
    expect(order.some((o) => o.includes("kmsg"))).toBe(false);
    expect(order).toContain("mount /dev/mqueue");
    expect(ops.at(-1)).toEqual({ op: "setattr", target: "/dev", set: MOUNT_ATTR.RDONLY | MOUNT_ATTR.NOSUID | MOUNT_ATTR.NOEXEC, clear: 0, recursive: false });
  });

  test("protect_kernel_modules/logs hide the module tree (symlinks resolved) and the kernel log", () => {
    const { ops } = plan({ protect_kernel_modules: true, protect_kernel_logs: true });
    expect(targets(ops, "mount")).toEqual(["/usr/lib/modules"]);
    expect(targets(ops, "bind").sort()).toEqual(["/dev/kmsg", "/proc/kmsg"]);
  });

  test("paths under a private /dev cannot be grafted and are dropped; nested covers only where reachable", () => {
    const { ops } = plan({ private_devices: true, protect_kernel_logs: true });
    expect(targets(ops, "bind")).toEqual(["/proc/kmsg"]); // /dev/kmsg is simply not in the new /dev
  });
});

test("within and parseMountPoints", () => {
  expect(within("/a/b", "/a")).toBe(true);
  expect(within("/ab", "/a")).toBe(false);
  expect(within("/x", "/")).toBe(true);
  expect(parseMountPoints("27 1 254:0 / / rw - ext4 /dev/vda rw\n30 27 0:1 / /mnt/with\\040space rw - tmpfs x rw\n")).toEqual(["/", "/mnt/with space"]);
});
