// The seccomp half of the sandbox: isolation keys → a classic BPF program (struct sock_filter[])
// that the C child installs as its last step before exec (ffi/sandbox.c). Pure and x86_64 only:
// the syscall numbers are data (syscalls.ts), and a filter for another ABI would be wrong, so
// other architectures are refused with a clear error rather than half-filtered.
//
// Program shape:
//   arch != x86_64 (i386 int 0x80)  → deny      (the filter only knows x86_64 numbers)
//   nr >= 0x40000000 (x32 ABI)      → deny
//   argument checks (socket family, clone/unshare/setns flags, W+X mappings, realtime
//   policies, setuid/setgid modes, personality), each a short block entered on its nr
//   fixed denials of protect_clock/hostname/kernel_modules/kernel_logs
//   the `seccomp` list: allow-list (default deny) or deny-list (default allow)
import type { RawIsolation } from "../config/schema.ts";
import type { ConfigError } from "../config/resolved.ts";
import { ADDRESS_FAMILIES, NAMESPACE_FLAGS, seccompErrnoValue } from "../config/sandbox-values.ts";
import { suggest } from "../model/suggest.ts";
import type { SeccompInstruction } from "../platform/types.ts";
import { SYSCALL_GROUPS, SYSCALLS_X86_64 } from "./syscalls.ts";

export const AUDIT_ARCH_X86_64 = 0xc000003e;
export const RET = { KILL_PROCESS: 0x80000000, ERRNO: 0x00050000, ALLOW: 0x7fff0000 } as const;
const X32_BIT = 0x40000000;
const EPERM = 1, ENOSYS = 38, EAFNOSUPPORT = 97;

/** The keys that install (part of) the filter. */
export const SECCOMP_KEYS = [
  "seccomp",
  "system_call_architectures",
  "restrict_address_families",
  "restrict_namespaces",
  "memory_deny_write_execute",
  "restrict_realtime",
  "restrict_suid_sgid",
  "lock_personality",
  "protect_clock",
  "protect_hostname",
  "protect_kernel_modules",
  "protect_kernel_logs",
] as const;

/** Syscalls an allow-list always keeps: the child still has to exec, and exit on failure. */
const EXEC_ESSENTIALS = ["execve", "execveat", "exit", "exit_group", "rt_sigreturn"];

export interface SeccompPlan {
  filter: SeccompInstruction[] | null;
  errors: ConfigError[];
}

/** "@group" or a syscall name → syscall names (groups expanded, recursively). */
export function expandSyscalls(entry: string): { ok: true; names: Set<string> } | { ok: false; error: string; hint?: string } {
  const names = new Set<string>();
  const seen = new Set<string>();
  const visit = (e: string): string | null => {
    if (e.startsWith("@")) {
      const group = SYSCALL_GROUPS[e];
      if (!group) return e;
      if (seen.has(e)) return null;
      seen.add(e);
      for (const m of group.members) {
        const bad = visit(m);
        if (bad) return bad;
      }
      return null;
    }
    if (!(e in SYSCALLS_X86_64)) return e;
    names.add(e);
    return null;
  };
  const bad = visit(entry);
  if (bad === null) return { ok: true, names };
  const group = bad.startsWith("@");
  const known = group ? Object.keys(SYSCALL_GROUPS) : Object.keys(SYSCALLS_X86_64);
  const near = suggest(bad, known);
  return {
    ok: false,
    error: group ? `unknown syscall group ${JSON.stringify(bad)}` : `unknown system call ${JSON.stringify(bad)} (on x86_64)`,
    hint: near ? `did you mean "${near}"?` : group ? `groups: ${Object.keys(SYSCALL_GROUPS).join(", ")}` : "see syscalls(2)",
  };
}

// ---- a tiny assembler: jumps to labels, resolved to the 8-bit forward offsets of classic BPF ----

type Target = number | string; // a literal offset or a label
type Ins = { code: number; jt: Target; jf: Target; k: number | string } | { label: string };
const LD_ABS = 0x20, JA = 0x05, JEQ = 0x15, JGT = 0x25, JGE = 0x35, JSET = 0x45, AND = 0x54, RETK = 0x06;
const ld = (offset: number): Ins => ({ code: LD_ABS, jt: 0, jf: 0, k: offset });
const jmp = (code: number, k: number, jt: Target, jf: Target): Ins => ({ code, jt, jf, k: k >>> 0 });
/** unconditional jump (its offset is k) */
const ja = (to: string): Ins => ({ code: JA, jt: 0, jf: 0, k: to });
const and = (k: number): Ins => ({ code: AND, jt: 0, jf: 0, k: k >>> 0 });
const ret = (k: number): Ins => ({ code: RETK, jt: 0, jf: 0, k: k >>> 0 });
const label = (name: string): Ins => ({ label: name });
/** low 32 bits of argument i of struct seccomp_data (x86_64 is little-endian) */
const arg = (i: number) => ld(16 + 8 * i);
const NR = 0, ARCH = 4;

function assemble(program: Ins[]): SeccompInstruction[] {
  const at = new Map<string, number>();
  const out: { code: number; jt: Target; jf: Target; k: number | string }[] = [];
  for (const ins of program) {
    if ("label" in ins) at.set(ins.label, out.length);
    else out.push(ins);
  }
  return out.map((ins, i) => {
    const resolve = (t: Target, max = 255) => {
      const off = typeof t === "number" ? t : at.get(t)! - (i + 1);
      if (!Number.isInteger(off) || off < 0 || off > max) throw new Error(`seccomp: jump to ${t} out of range (${off})`);
      return off;
    };
    return { code: ins.code, jt: resolve(ins.jt), jf: resolve(ins.jf), k: typeof ins.k === "string" ? resolve(ins.k, 4095) : ins.k };
  });
}

let blocks = 0;
/** A block entered only when nr == `name`; `body` may jump to "pass" (leave, nr reloaded). */
function onSyscall(name: string, body: (pass: string) => Ins[]): Ins[] {
  const skip = `skip${blocks}`, pass = `pass${blocks++}`;
  return [jmp(JEQ, SYSCALLS_X86_64[name]!, 0, skip), ...body(pass), label(pass), ld(NR), label(skip)];
}

const deny = (errno: number) => ret(RET.ERRNO | errno);

/** mode arg: setuid, or setgid with group-exec (without it the bit means mandatory locking). */
function suidMode(modeArg: number, pass: string, action: number): Ins[] {
  const refuse = `${pass}suid`;
  return [arg(modeArg), jmp(JSET, 0o4000, refuse, 0), and(0o2010), jmp(JEQ, 0o2010, refuse, pass), label(refuse), ret(action)];
}

/**
 * The filter for a service's isolation keys, or null when none asks for one. `arch` is
 * process.arch of the supervisor (injected for tests).
 */
export function compileSeccomp(iso: RawIsolation, base: string, arch: string): SeccompPlan {
  const errors: ConfigError[] = [];
  const asked = SECCOMP_KEYS.filter((k) => {
    const v = iso[k];
    return Array.isArray(v) ? v.length > 0 : v !== undefined && v !== false;
  });
  if (asked.length === 0) return { filter: null, errors };
  if (arch !== "x64") {
    errors.push({
      path: `${base}.${asked[0]}`,
      message: `${asked.join(", ")}: seccomp filters are built for x86_64 only, this host is ${arch}`,
      hint: "remove the key on this host (sysg refuses a filter it cannot build correctly)",
    });
    return { filter: null, errors };
  }
  const errno = seccompErrnoValue(iso.seccomp_errno);
  const listAction = errno === null ? RET.KILL_PROCESS : RET.ERRNO | errno;

  // The list: the first entry decides allow-list (default deny) or deny-list (default allow);
  // later entries add to it ("name") or take away from it ("~name"), as repeated systemd lines do.
  const entries = iso.seccomp === undefined ? [] : Array.isArray(iso.seccomp) ? iso.seccomp : [iso.seccomp];
  const allowMode = entries.length > 0 && !entries[0]!.startsWith("~");
  const listed = new Set<string>();
  entries.forEach((raw, i) => {
    const negated = raw.startsWith("~");
    const r = expandSyscalls(negated ? raw.slice(1) : raw);
    if (!r.ok) {
      errors.push({ path: `${base}.seccomp${Array.isArray(iso.seccomp) ? `[${i}]` : ""}`, message: r.error, ...(r.hint ? { hint: r.hint } : {}) });
      return;
    }
    const adds = negated !== allowMode; // allow-list: plain adds; deny-list: "~" adds
    for (const n of r.names) adds ? listed.add(n) : listed.delete(n);
  });
  if (errors.length > 0) return { filter: null, errors };
  if (allowMode) for (const n of EXEC_ESSENTIALS) listed.add(n);

  blocks = 0;
  const p: Ins[] = [];
  // Only x86_64 numbers are known here: every other ABI is refused outright.
  p.push(ld(ARCH), jmp(JEQ, AUDIT_ARCH_X86_64, 1, 0), deny(EPERM));
  p.push(ld(NR), jmp(JGE, X32_BIT, 0, 1), deny(EPERM));

  const families = iso.restrict_address_families;
  if (families?.length) {
    const none = families.includes("none");
    const denyList = families[0]!.startsWith("~");
    const numbers = [...new Set(families.filter((f) => f !== "none").map((f) => ADDRESS_FAMILIES[f.replace(/^~/, "")]!))];
    p.push(
      ...onSyscall("socket", (pass) => {
        if (none) return [deny(EAFNOSUPPORT)];
        const refuse = `${pass}af`;
        const checks = numbers.map((n) => jmp(JEQ, n, denyList ? refuse : pass, 0));
        return [arg(0), ...checks, ...(denyList ? [ja(pass)] : []), label(refuse), deny(EAFNOSUPPORT)];
      }),
    );
  }

  const rn = iso.restrict_namespaces;
  if (rn !== undefined && rn !== false) {
    const all = Object.values(NAMESPACE_FLAGS).reduce((a, b) => a | b, 0);
    let denied = all;
    if (Array.isArray(rn)) {
      const names = rn.map((n) => n.replace(/^~/, ""));
      const mask = names.reduce((m, n) => m | NAMESPACE_FLAGS[n]!, 0);
      denied = rn[0]?.startsWith("~") ? mask : all & ~mask;
    }
    if (denied !== 0) {
      p.push(...onSyscall("clone", (pass) => [arg(0), jmp(JSET, denied, 0, pass), deny(EPERM)]));
      p.push(...onSyscall("unshare", (pass) => [arg(0), jmp(JSET, denied, 0, pass), deny(EPERM)]));
      // setns(fd, 0) joins whatever fd is: allowed only when nothing is restricted
      p.push(...onSyscall("setns", (pass) => [arg(1), jmp(JEQ, 0, `${pass}d`, 0), jmp(JSET, denied, 0, pass), label(`${pass}d`), deny(EPERM)]));
      // clone3 passes its flags in memory seccomp cannot read: ENOSYS makes libc fall back to clone
      p.push(...onSyscall("clone3", () => [deny(ENOSYS)]));
    }
  }

  if (iso.memory_deny_write_execute) {
    const PROT_WRITE = 2, PROT_EXEC = 4, SHM_EXEC = 0o100000;
    p.push(...onSyscall("mmap", (pass) => [arg(2), and(PROT_WRITE | PROT_EXEC), jmp(JEQ, PROT_WRITE | PROT_EXEC, 0, pass), deny(EPERM)]));
    for (const call of ["mprotect", "pkey_mprotect"]) p.push(...onSyscall(call, (pass) => [arg(2), jmp(JSET, PROT_EXEC, 0, pass), deny(EPERM)]));
    p.push(...onSyscall("shmat", (pass) => [arg(2), jmp(JSET, SHM_EXEC, 0, pass), deny(EPERM)]));
  }

  if (iso.restrict_realtime) {
    const RESET_ON_FORK = 0x40000000, SCHED_IDLE = 5, SCHED_FIFO = 1, SCHED_RR = 2;
    p.push(
      ...onSyscall("sched_setscheduler", (pass) => [
        arg(1),
        and(~RESET_ON_FORK),
        jmp(JGT, SCHED_IDLE, `${pass}rt`, 0),
        jmp(JEQ, SCHED_FIFO, `${pass}rt`, 0),
        jmp(JEQ, SCHED_RR, `${pass}rt`, pass),
        label(`${pass}rt`),
        deny(EPERM),
      ]),
    );
    // its policy sits in a struct seccomp cannot read
    p.push(...onSyscall("sched_setattr", () => [deny(EPERM)]));
  }

  if (iso.restrict_suid_sgid) {
    const O_CREAT = 0o100, O_TMPFILE = 0o20000000;
    const a = RET.ERRNO | EPERM;
    for (const [call, mode] of [["chmod", 1], ["fchmod", 1], ["fchmodat", 2], ["fchmodat2", 2], ["mknod", 1], ["mknodat", 2], ["creat", 1]] as const)
      p.push(...onSyscall(call, (pass) => suidMode(mode, pass, a)));
    for (const [call, flags, mode] of [["open", 1, 2], ["openat", 2, 3]] as const)
      p.push(...onSyscall(call, (pass) => [arg(flags), jmp(JSET, O_CREAT | O_TMPFILE, 0, pass), ...suidMode(mode, pass, a)]));
    p.push(...onSyscall("openat2", () => [deny(ENOSYS)])); // struct open_how: libc falls back to openat
  }

  if (iso.lock_personality) {
    const PER_LINUX = 0, QUERY = 0xffffffff;
    p.push(...onSyscall("personality", (pass) => [arg(0), jmp(JEQ, PER_LINUX, pass, 0), jmp(JEQ, QUERY, pass, 0), deny(EPERM)]));
  }

  const fixed = new Set<string>();
  const add = (entry: string) => {
    const r = expandSyscalls(entry);
    if (r.ok) for (const n of r.names) fixed.add(n);
  };
  if (iso.protect_clock) add("@clock");
  if (iso.protect_hostname) ["sethostname", "setdomainname"].forEach(add);
  if (iso.protect_kernel_modules) add("@module");
  if (iso.protect_kernel_logs) add("syslog");
  for (const n of [...fixed].sort()) p.push(jmp(JEQ, SYSCALLS_X86_64[n]!, 0, 1), deny(EPERM));

  if (entries.length === 0) p.push(ret(RET.ALLOW));
  else {
    const nrs = [...listed].map((n) => SYSCALLS_X86_64[n]!).sort((a, b) => a - b);
    for (const nr of nrs) p.push(jmp(JEQ, nr, 0, 1), ret(allowMode ? RET.ALLOW : listAction));
    p.push(ret(allowMode ? listAction : RET.ALLOW));
  }
  const filter = assemble(p);
  if (filter.length > 4096) {
    errors.push({ path: `${base}.seccomp`, message: `the filter needs ${filter.length} instructions, the kernel takes 4096` });
    return { filter: null, errors };
  }
  return { filter, errors };
}
