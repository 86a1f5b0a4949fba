// SpawnSpec → the flat `struct sysg_spawn_spec` of ffi/spawn.h (offsets must match the
// _Static_asserts there). The returned buffers must stay referenced until the call returns.
import { ptr } from "bun:ffi";
import type { MountOp, SpawnSpec, SpawnStep } from "../types.ts";

export const SPEC_SIZE = 144;
const OFF = {
  strings: 0, passFds: 8, rlimits: 16, groups: 24, cpuMask: 32, caps: 40, flags: 48, argc: 52, envc: 56,
  stdio: 60, npass: 72, nrlimits: 76, ngroups: 80, cpuMaskWords: 84, namespaces: 88, nice: 92, umask: 96,
  cgroupFd: 100, uid: 104, gid: 108, mountPlan: 112, seccompFilter: 120, lsmExec: 128, mountPlanLen: 136,
  seccompLen: 140,
} as const;

const FLAG = {
  session: 1 << 0, umask: 1 << 1, nice: 1 << 2, cgroup: 1 << 3, caps: 1 << 4, groups: 1 << 5, gid: 1 << 6,
  uid: 1 << 7, noNewPrivs: 1 << 8, affinity: 1 << 9, listenPid: 1 << 10,
  usernsMap: 1 << 24, usernsAfterUid: 1 << 25,
  mounts: 1 << 16, seccomp: 1 << 17, lsm: 1 << 18,
} as const;

const RLIMIT_SIZE = 24;
const MAX_PASS_FDS = 1021;

/** The C step enum, by index. */
export const STEPS: readonly SpawnStep[] = [
  "fork", "signals", "session", "namespace", "limits", "nice", "affinity", "cgroup", "capabilities", "groups",
  "gid", "uid", "ambient", "no_new_privs", "stdio", "fds", "chdir", "umask", "exec", "userns",
  "mounts", "lsm", "seccomp", "init",
];

/** Memory the struct points into. */
type Pointee = NodeJS.TypedArray | DataView;

export interface EncodedSpec {
  struct: Uint8Array;
  keep: Pointee[];
}

/** A spec the child could never apply: which step it belongs to and why. */
export interface SpecProblem {
  step: SpawnStep;
  detail: string;
}

export function encodeSpawnSpec(spec: SpawnSpec): EncodedSpec | SpecProblem {
  const problem = validate(spec);
  if (problem) return problem;
  const keep: Pointee[] = [];
  const struct = new Uint8Array(SPEC_SIZE);
  const view = new DataView(struct.buffer);
  const setPtr = (offset: number, data: Pointee | undefined) => {
    if (!data || data.byteLength === 0) return;
    keep.push(data);
    view.setBigUint64(offset, BigInt(ptr(data)), true);
  };
  const i32 = (offset: number, value: number) => view.setInt32(offset, value, true);
  const u32 = (offset: number, value: number) => view.setUint32(offset, value, true);

  setPtr(OFF.strings, Buffer.from(`${[...spec.argv, ...spec.env, spec.cwd].join("\0")}\0`));
  i32(OFF.argc, spec.argv.length);
  i32(OFF.envc, spec.env.length);
  i32(OFF.stdio, spec.stdin);
  i32(OFF.stdio + 4, spec.stdout);
  i32(OFF.stdio + 8, spec.stderr);
  const passFds = spec.passFds ?? [];
  setPtr(OFF.passFds, Int32Array.from(passFds));
  i32(OFF.npass, passFds.length);

  let flags = spec.session === false ? 0 : FLAG.session;
  if (spec.umask !== undefined) {
    flags |= FLAG.umask;
    i32(OFF.umask, spec.umask);
  }
  i32(OFF.namespaces, spec.namespaces ?? 0);
  if (spec.rlimits?.length) {
    const limits = new DataView(new ArrayBuffer(RLIMIT_SIZE * spec.rlimits.length));
    spec.rlimits.forEach((l, i) => {
      limits.setInt32(i * RLIMIT_SIZE, l.resource, true);
      limits.setBigInt64(i * RLIMIT_SIZE + 8, BigInt(l.soft), true);
      limits.setBigInt64(i * RLIMIT_SIZE + 16, BigInt(l.hard), true);
    });
    setPtr(OFF.rlimits, limits);
    i32(OFF.nrlimits, spec.rlimits.length);
  }
  if (spec.nice !== undefined) {
    flags |= FLAG.nice;
    i32(OFF.nice, spec.nice);
  }
  if (spec.cpuAffinity?.length) {
    const mask = new BigUint64Array(Math.floor(Math.max(...spec.cpuAffinity) / 64) + 1);
    for (const cpu of spec.cpuAffinity) mask[cpu >> 6] = mask[cpu >> 6]! | (1n << BigInt(cpu & 63));
    flags |= FLAG.affinity;
    setPtr(OFF.cpuMask, mask);
    i32(OFF.cpuMaskWords, mask.length);
  }
  if (spec.cgroupFd !== undefined) {
    flags |= FLAG.cgroup;
    i32(OFF.cgroupFd, spec.cgroupFd);
  }
  if (spec.capabilities !== undefined) {
    flags |= FLAG.caps;
    view.setBigUint64(OFF.caps, spec.capabilities.reduce((m, cap) => m | (1n << BigInt(cap)), 0n), true);
  }
  if (spec.groups !== undefined) {
    flags |= FLAG.groups;
    setPtr(OFF.groups, Uint32Array.from(spec.groups));
    i32(OFF.ngroups, spec.groups.length);
  }
  if (spec.gid !== undefined) {
    flags |= FLAG.gid;
    u32(OFF.gid, spec.gid);
  }
  if (spec.uid !== undefined) {
    flags |= FLAG.uid;
    u32(OFF.uid, spec.uid);
  }
  if (spec.noNewPrivileges) flags |= FLAG.noNewPrivs;
  if (spec.listenPid) flags |= FLAG.listenPid;
  if (spec.userns === "with-namespaces") flags |= FLAG.usernsMap;
  if (spec.userns === "after-uid") flags |= FLAG.usernsAfterUid;
  if (spec.mountPlan?.length) {
    const plan = encodeMountPlan(spec.mountPlan);
    flags |= FLAG.mounts;
    setPtr(OFF.mountPlan, plan);
    i32(OFF.mountPlanLen, plan.length);
  }
  if (spec.seccompFilter?.length) {
    const prog = new DataView(new ArrayBuffer(8 * spec.seccompFilter.length));
    spec.seccompFilter.forEach((ins, i) => {
      prog.setUint16(i * 8, ins.code, true);
      prog.setUint8(i * 8 + 2, ins.jt);
      prog.setUint8(i * 8 + 3, ins.jf);
      prog.setUint32(i * 8 + 4, ins.k >>> 0, true);
    });
    flags |= FLAG.seccomp;
    setPtr(OFF.seccompFilter, prog);
    i32(OFF.seccompLen, spec.seccompFilter.length);
  }
  if (spec.lsmExec) {
    flags |= FLAG.lsm;
    setPtr(OFF.lsmExec, Buffer.from(`${spec.lsmExec.attr}\0${spec.lsmExec.label}\0`));
  }
  u32(OFF.flags, flags);
  return { struct, keep };
}

/** MountOp[] → the records of ffi/sandbox.h: {op, flags, set, clr} + target, source, data + pad. */
const MOUNT_OP = { bind: 1, mount: 2, setattr: 3, mkdir: 4, mkfile: 5, symlink: 6, clone: 7, attach: 8 } as const;
const AT_RECURSIVE = 0x8000;

export function encodeMountPlan(plan: MountOp[]): Uint8Array {
  const parts: Buffer[] = [];
  for (const m of plan) {
    const head = Buffer.alloc(16);
    let flags = 0, set = 0, clr = 0, source = "", data = "";
    switch (m.op) {
      case "bind": flags = m.flags; source = m.source; break;
      case "mount": flags = m.flags; source = m.fstype; data = m.options; break;
      case "setattr": flags = m.recursive ? AT_RECURSIVE : 0; set = m.set; clr = m.clear; break;
      case "mkdir": case "mkfile": flags = m.mode; break;
      case "symlink": source = m.source; break;
      case "clone": flags = m.recursive ? AT_RECURSIVE : 0; set = m.slot; break;
      case "attach": set = m.slot; break;
    }
    head.writeUInt32LE(MOUNT_OP[m.op], 0);
    head.writeUInt32LE(flags >>> 0, 4);
    head.writeUInt32LE(set >>> 0, 8);
    head.writeUInt32LE(clr >>> 0, 12);
    const strings = Buffer.from(`${m.target}\0${source}\0${data}\0`);
    parts.push(head, strings, Buffer.alloc((4 - (strings.length % 4)) % 4));
  }
  return new Uint8Array(Buffer.concat(parts));
}

const isInt = (n: number, min: number, max: number) => Number.isInteger(n) && n >= min && n <= max;
const INT32_MAX = 2 ** 31 - 1;
const UINT32_MAX = 2 ** 32 - 1;
const CLONE_NEWNS = 0x00020000;
const BPF_MAXINSNS = 4096;

function validate(spec: SpawnSpec): SpecProblem | undefined {
  if (spec.argv.length === 0 || spec.argv[0] === "") return { step: "exec", detail: "empty command" };
  const strings = [...spec.argv, ...spec.env, spec.cwd];
  if (strings.some((s) => s.includes("\0"))) return { step: "exec", detail: "argument, env entry or cwd contains a NUL byte" };
  const fds = [spec.stdin, spec.stdout, spec.stderr];
  if (!fds.every((fd) => isInt(fd, -1, INT32_MAX))) return { step: "stdio", detail: `bad stdio fds ${fds.join(", ")}` };
  const pass = spec.passFds ?? [];
  if (pass.length > MAX_PASS_FDS || !pass.every((fd) => isInt(fd, 0, INT32_MAX)))
    return { step: "fds", detail: `bad passFds (at most ${MAX_PASS_FDS} non-negative fds)` };
  if (spec.cpuAffinity && !spec.cpuAffinity.every((c) => isInt(c, 0, 8191)))
    return { step: "affinity", detail: `bad CPU list ${spec.cpuAffinity.join(",")}` };
  if (spec.capabilities && !spec.capabilities.every((c) => isInt(c, 0, 63)))
    return { step: "capabilities", detail: `bad capability numbers ${spec.capabilities.join(",")}` };
  if (spec.groups && !spec.groups.every((g) => isInt(g, 0, UINT32_MAX))) return { step: "groups", detail: "bad group id" };
  if (spec.uid !== undefined && !isInt(spec.uid, 0, UINT32_MAX)) return { step: "uid", detail: `bad uid ${spec.uid}` };
  if (spec.gid !== undefined && !isInt(spec.gid, 0, UINT32_MAX)) return { step: "gid", detail: `bad gid ${spec.gid}` };
  if (spec.mountPlan?.length && !((spec.namespaces ?? 0) & CLONE_NEWNS))
    return { step: "mounts", detail: "a mount plan needs a new mount namespace" };
  const mountStrings = (spec.mountPlan ?? []).flatMap((m) => Object.values(m).filter((v): v is string => typeof v === "string"));
  if (mountStrings.some((s) => s.includes("\0"))) return { step: "mounts", detail: "a mount path contains a NUL byte" };
  if (spec.seccompFilter && spec.seccompFilter.length > BPF_MAXINSNS)
    return { step: "seccomp", detail: `filter of ${spec.seccompFilter.length} instructions (at most ${BPF_MAXINSNS})` };
  return undefined;
}
