// Loads the C shim (ffi/*.c → .build/libsysg.so). The .so is embedded in the compiled binary;
// it is copied into a memfd and dlopen'd from /proc/self/fd/N, so nothing is written to $TMPDIR
// (Bun's own extraction leaves a .bun-*.so there) and a read-only /tmp is fine. It is the only
// library JavaScript loads: every libc call goes through its C functions, which return -errno
// (scripts/check-layers.ts fails on another dlopen or an errno read in JS); libc is opened here
// once, for the memfd_create that loading the shim itself needs.
import { closeSync, readFileSync, writeSync } from "node:fs";
import { dlopen, FFIType } from "bun:ffi";
import soPath from "../../../.build/libsysg.so" with { type: "file" };

const MFD_CLOEXEC = 1;

const symbols = {
  sysg_spawn: { args: [FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  sysg_init_install: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  sysg_waitpid: { args: [FFIType.i32, FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  sysg_kill: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
  sysg_pipe: { args: [FFIType.ptr], returns: FFIType.i32 },
  sysg_close: { args: [FFIType.i32], returns: FFIType.i32 },
  sysg_set_subreaper: { args: [], returns: FFIType.i32 },
  sysg_strerror: { args: [FFIType.i32], returns: FFIType.cstring },
  sysg_unlink: { args: [FFIType.ptr], returns: FFIType.i32 },
  sysg_notify_open: { args: [FFIType.ptr, FFIType.i32, FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
  sysg_notify_recv: { args: [FFIType.i32, FFIType.ptr, FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
  sysg_peercred: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
  sysg_peergroups: { args: [FFIType.i32, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  sysg_dgram_socket: { args: [], returns: FFIType.i32 },
  sysg_sendto: { args: [FFIType.i32, FFIType.ptr, FFIType.u32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
  sysg_monotonic_usec: { args: [FFIType.ptr], returns: FFIType.i32 },
  sysg_madvise: { args: [FFIType.u64, FFIType.u64, FFIType.i32], returns: FFIType.i32 },
  sysg_pidfd_probe: { args: [], returns: FFIType.i32 },
  sysg_pump_start: { args: [], returns: FFIType.i32 },
  sysg_pump_log: { args: [FFIType.ptr, FFIType.f64, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr], returns: FFIType.ptr },
  sysg_pump_log_id: { args: [FFIType.ptr], returns: FFIType.i32 },
  sysg_pump_attach: { args: [FFIType.ptr, FFIType.i32], returns: FFIType.i32 },
  sysg_pump_sync: { args: [FFIType.i32], returns: FFIType.i32 },
  sysg_pump_close_log: { args: [FFIType.ptr], returns: FFIType.i32 },
} as const;

export type Shim = ReturnType<typeof dlopen<typeof symbols>>["symbols"];

let loaded: Shim | undefined;

/** The shim's functions (loaded once per process). */
export function shim(): Shim {
  loaded ??= load();
  return loaded;
}

function load(): Shim {
  const libc = dlopen("libc.so.6", { memfd_create: { args: [FFIType.ptr, FFIType.u32], returns: FFIType.i32 } });
  const fd = libc.symbols.memfd_create(Buffer.from("sysg-shim\0"), MFD_CLOEXEC);
  libc.close();
  if (fd < 0) throw new Error("sysg: memfd_create failed, cannot load the spawn shim");
  try {
    const bytes = readFileSync(soPath);
    for (let at = 0; at < bytes.length; ) at += writeSync(fd, bytes, at);
    return dlopen(`/proc/self/fd/${fd}`, symbols).symbols;
  } finally {
    closeSync(fd); // the mapping keeps the code alive
  }
}

/** strerror text for an errno, e.g. 2 → "No such file or directory". */
export function errorText(errno: number): string {
  return String(shim().sysg_strerror(errno));
}
