// The seccomp compiler is pure: its programs run here through a small classic-BPF interpreter
// (the subset the compiler emits), against seccomp_data built for each call.
import type { RawIsolation } from "../../../src/config/schema.ts";
import type { SeccompInstruction } from "../../../src/platform/types.ts";
import { AUDIT_ARCH_X86_64, RET, compileSeccomp, expandSyscalls } from "../../../src/privilege/seccomp.ts";
import { SYSCALL_GROUPS, SYSCALLS_X86_64 } from "../../../src/privilege/syscalls.ts";

const AUDIT_ARCH_I386 = 0x40000003;

/** Runs a filter on {nr, arch, args} like the kernel does; returns the SECCOMP_RET_* value. */
function runFilter(prog: SeccompInstruction[], call: string | number, args: number[] = [], arch = AUDIT_ARCH_X86_64): number {
  const nr = typeof call === "number" ? call : SYSCALLS_X86_64[call]!;
  const data = new DataView(new ArrayBuffer(64));
  data.setUint32(0, nr, true);
  data.setUint32(4, arch, true);
  args.forEach((a, i) => data.setBigUint64(16 + 8 * i, BigInt.asUintN(64, BigInt(a)), true));
  let A = 0;
  for (let pc = 0; pc < prog.length; ) {
    const { code, jt, jf, k } = prog[pc]!;
    switch (code) {
      case 0x20: A = data.getUint32(k, true); pc++; break;
      case 0x54: A = (A & k) >>> 0; pc++; break;
      case 0x05: pc += 1 + k; break;
      case 0x15: pc += 1 + (A === k ? jt : jf); break;
      case 0x25: pc += 1 + (A > k ? jt : jf); break;
      case 0x35: pc += 1 + (A >= k ? jt : jf); break;
      case 0x45: pc += 1 + ((A & k) !== 0 ? jt : jf); break;
      case 0x06: return k;
      default: throw new Error(`opcode 0x${code.toString(16)} at ${pc}`);
    }
  }
  throw new Error("fell off the end of the program");
}

const compile = (iso: RawIsolation, arch = "x64") => compileSeccomp(iso, "services.web.isolation", arch);
const filterOf = (iso: RawIsolation) => {
  const r = compile(iso);
  expect(r.errors).toEqual([]);
  return r.filter!;
};
const EPERM = RET.ERRNO | 1;

describe("syscall table and groups", () => {
  test("every group member is a known x86_64 syscall or group", () => {
    const members = Object.values(SYSCALL_GROUPS).flatMap((g) => g.members);
    expect(members.length).toBeGreaterThan(300);
    for (const m of members) expect(m.startsWith("@") ? m in SYSCALL_GROUPS : m in SYSCALLS_X86_64).toBe(true);
  });

  test("numbers agree with the kernel headers installed here", async () => {
    const { existsSync, readFileSync } = await import("node:fs");
    const header = ["/usr/include/x86_64-linux-gnu/asm/unistd_64.h", "/usr/include/asm/unistd_64.h"].find((p) => existsSync(p));
    if (!header) {
      console.warn("skipping the header comparison: no asm/unistd_64.h (install linux-libc-dev)");
      return;
    }
    const found = [...readFileSync(header, "utf8").matchAll(/#define __NR_(\w+) (\d+)/g)];
    expect(found.length).toBeGreaterThan(300);
    for (const [, name, nr] of found) expect([name, SYSCALLS_X86_64[name!]]).toEqual([name, Number(nr)]);
  });

  test("groups expand recursively; unknown names get a did-you-mean", () => {
    const r = expandSyscalls("@privileged");
    expect(r.ok && r.names.has("reboot") && r.names.has("init_module") && r.names.has("chown")).toBe(true);
    expect(expandSyscalls("@privilegd")).toEqual({ ok: false, error: 'unknown syscall group "@privilegd"', hint: 'did you mean "@privileged"?' });
    expect(expandSyscalls("rebot")).toEqual({ ok: false, error: 'unknown system call "rebot" (on x86_64)', hint: 'did you mean "reboot"?' });
  });
});

describe("compileSeccomp", () => {
  test("no key, no filter", () => {
    expect(compile({ private_tmp: true })).toEqual({ filter: null, errors: [] });
  });

  test("other architectures are refused with the reason", () => {
    const r = compile({ seccomp: "@system-service", lock_personality: true }, "arm64");
    expect(r.filter).toBeNull();
    expect(r.errors[0]!.message).toBe("seccomp, lock_personality: seccomp filters are built for x86_64 only, this host is arm64");
  });

  test("unknown names are config errors at their index", () => {
    const r = compile({ seccomp: ["@system-service", "~ptrac"] });
    expect(r.errors).toEqual([{ path: "services.web.isolation.seccomp[1]", message: 'unknown system call "ptrac" (on x86_64)', hint: 'did you mean "ptrace"?' }]);
  });

  test("deny-list: listed calls get EPERM (or seccomp_errno), the rest pass", () => {
    const f = filterOf({ seccomp: ["~@privileged", "~@mount"] });
    expect(runFilter(f, "reboot")).toBe(EPERM);
    expect(runFilter(f, "mount")).toBe(EPERM);
    expect(runFilter(f, "read")).toBe(RET.ALLOW);
    const g = filterOf({ seccomp: "~@reboot", seccomp_errno: "EACCES" });
    expect(runFilter(g, "reboot")).toBe(RET.ERRNO | 13);
    expect(runFilter(filterOf({ seccomp: "~@reboot", seccomp_errno: "kill" }), "reboot")).toBe(RET.KILL_PROCESS);
  });

  test("allow-list: listed calls pass, others are denied; exec essentials always pass; later '~' entries remove", () => {
    const f = filterOf({ seccomp: ["@system-service", "~@setuid"] });
    expect(runFilter(f, "read")).toBe(RET.ALLOW);
    expect(runFilter(f, "reboot")).toBe(EPERM);
    expect(runFilter(f, "setuid")).toBe(EPERM);
    const tiny = filterOf({ seccomp: ["read", "write"] });
    expect(runFilter(tiny, "execve")).toBe(RET.ALLOW);
    expect(runFilter(tiny, "exit_group")).toBe(RET.ALLOW);
    expect(runFilter(tiny, "openat")).toBe(EPERM);
  });

  test("non-native ABIs are refused: i386 and x32 numbers", () => {
    const f = filterOf({ system_call_architectures: "native" });
    expect(runFilter(f, "read")).toBe(RET.ALLOW);
    expect(runFilter(f, 3, [], AUDIT_ARCH_I386)).toBe(EPERM);
    expect(runFilter(f, 0x40000000 | 0)).toBe(EPERM);
    // and a deny-list cannot be bypassed through them either
    expect(runFilter(filterOf({ seccomp: "~@reboot" }), 88, [], AUDIT_ARCH_I386)).toBe(EPERM);
  });

  test("restrict_address_families: allow-list and deny-list by the socket() family", () => {
    const f = filterOf({ restrict_address_families: ["AF_UNIX", "AF_INET", "AF_INET6"] });
    expect(runFilter(f, "socket", [1, 1, 0])).toBe(RET.ALLOW);
    expect(runFilter(f, "socket", [10, 1, 0])).toBe(RET.ALLOW);
    expect(runFilter(f, "socket", [17, 3, 0])).toBe(RET.ERRNO | 97);
    expect(runFilter(f, "socket", [16, 3, 0])).toBe(RET.ERRNO | 97);
    const d = filterOf({ restrict_address_families: ["~AF_PACKET"] });
    expect(runFilter(d, "socket", [17, 3, 0])).toBe(RET.ERRNO | 97);
    expect(runFilter(d, "socket", [2, 1, 0])).toBe(RET.ALLOW);
    expect(runFilter(filterOf({ restrict_address_families: ["none"] }), "socket", [1, 1, 0])).toBe(RET.ERRNO | 97);
  });

  test("restrict_namespaces: clone/unshare/setns flags; clone3 gets ENOSYS", () => {
    const f = filterOf({ restrict_namespaces: true });
    expect(runFilter(f, "unshare", [0x00020000])).toBe(EPERM);
    expect(runFilter(f, "clone", [0x40000000 | 17])).toBe(EPERM);
    expect(runFilter(f, "clone", [0x003d0f00])).toBe(RET.ALLOW); // a thread
    expect(runFilter(f, "setns", [3, 0])).toBe(EPERM);
    expect(runFilter(f, "clone3", [])).toBe(RET.ERRNO | 38);
    const some = filterOf({ restrict_namespaces: ["net"] });
    expect(runFilter(some, "unshare", [0x40000000])).toBe(RET.ALLOW);
    expect(runFilter(some, "unshare", [0x00020000])).toBe(EPERM);
    const denyNet = filterOf({ restrict_namespaces: ["~net"] });
    expect(runFilter(denyNet, "unshare", [0x40000000])).toBe(EPERM);
    expect(runFilter(denyNet, "unshare", [0x00020000])).toBe(RET.ALLOW);
  });

  test("memory_deny_write_execute", () => {
    const f = filterOf({ memory_deny_write_execute: true });
    expect(runFilter(f, "mmap", [0, 4096, 7, 0x22, -1, 0])).toBe(EPERM);
    expect(runFilter(f, "mmap", [0, 4096, 5, 0x22, -1, 0])).toBe(RET.ALLOW); // r-x, as ld.so maps code
    expect(runFilter(f, "mmap", [0, 4096, 3, 0x22, -1, 0])).toBe(RET.ALLOW);
    expect(runFilter(f, "mprotect", [0, 4096, 5])).toBe(EPERM);
    expect(runFilter(f, "mprotect", [0, 4096, 1])).toBe(RET.ALLOW);
    expect(runFilter(f, "shmat", [1, 0, 0o100000])).toBe(EPERM);
  });

  test("restrict_realtime, lock_personality, restrict_suid_sgid", () => {
    const f = filterOf({ restrict_realtime: true, lock_personality: true, restrict_suid_sgid: true });
    expect(runFilter(f, "sched_setscheduler", [0, 1, 0])).toBe(EPERM);
    expect(runFilter(f, "sched_setscheduler", [0, 2 | 0x40000000, 0])).toBe(EPERM);
    expect(runFilter(f, "sched_setscheduler", [0, 3, 0])).toBe(RET.ALLOW);
    expect(runFilter(f, "sched_setscheduler", [0, 6, 0])).toBe(EPERM);
    expect(runFilter(f, "personality", [0xffffffff])).toBe(RET.ALLOW);
    expect(runFilter(f, "personality", [0])).toBe(RET.ALLOW);
    expect(runFilter(f, "personality", [8])).toBe(EPERM);
    expect(runFilter(f, "chmod", [0, 0o4755])).toBe(EPERM);
    expect(runFilter(f, "fchmodat", [-100, 0, 0o2755])).toBe(EPERM);
    expect(runFilter(f, "fchmodat", [-100, 0, 0o2644])).toBe(RET.ALLOW); // setgid without g+x: locking
    expect(runFilter(f, "fchmod", [3, 0o755])).toBe(RET.ALLOW);
    expect(runFilter(f, "openat", [-100, 0, 0o101, 0o4755])).toBe(EPERM);
    expect(runFilter(f, "openat", [-100, 0, 0o1, 0o4755])).toBe(RET.ALLOW); // no O_CREAT: mode unused
    expect(runFilter(f, "fchmodat2", [-100, 0, 0o4755, 0])).toBe(EPERM);
  });

  test("protect_clock, protect_hostname, protect_kernel_modules, protect_kernel_logs deny their calls", () => {
    const f = filterOf({ protect_clock: true, protect_hostname: true, protect_kernel_modules: true, protect_kernel_logs: true });
    for (const call of ["clock_settime", "settimeofday", "adjtimex", "sethostname", "setdomainname", "init_module", "finit_module", "delete_module", "syslog"])
      expect([call, runFilter(f, call)]).toEqual([call, EPERM]);
    expect(runFilter(f, "clock_gettime")).toBe(RET.ALLOW);
    expect(runFilter(f, "uname")).toBe(RET.ALLOW);
  });

  test("the full hardened set fits the kernel's limit", () => {
    const f = filterOf({
      seccomp: ["@system-service", "~@privileged", "~@resources"],
      system_call_architectures: "native",
      restrict_address_families: ["AF_UNIX", "AF_INET", "AF_INET6"],
      restrict_namespaces: true,
      memory_deny_write_execute: true,
      restrict_realtime: true,
      restrict_suid_sgid: true,
      lock_personality: true,
      protect_clock: true,
      protect_hostname: true,
      protect_kernel_modules: true,
      protect_kernel_logs: true,
    });
    expect(f.length).toBeLessThan(4096);
    expect(runFilter(f, "read")).toBe(RET.ALLOW);
    expect(runFilter(f, "reboot")).toBe(EPERM);
  });
});
