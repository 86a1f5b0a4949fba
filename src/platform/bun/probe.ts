// Kernel features only a system call can tell (for `sysg doctor`): pidfd_open on our own pid,
// and whether prctl accepts PR_SET_CHILD_SUBREAPER. The CLI process that asks has no children,
// so becoming a subreaper changes nothing for it.
import { dlopen, FFIType } from "bun:ffi";
import type { HostProbe } from "../types.ts";

const SYS_PIDFD_OPEN = 434; // x86_64 and aarch64 (asm-generic) alike
const PR_SET_CHILD_SUBREAPER = 36;

export function hostProbe(): HostProbe {
  const libc = dlopen("libc.so.6", {
    syscall: { args: [FFIType.i64, FFIType.i64, FFIType.i64], returns: FFIType.i64 },
    prctl: { args: [FFIType.i32, FFIType.u64, FFIType.u64, FFIType.u64, FFIType.u64], returns: FFIType.i32 },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
    __errno_location: { args: [], returns: FFIType.ptr },
  });
  try {
    const { syscall, prctl, close } = libc.symbols;
    const fd = Number(syscall(SYS_PIDFD_OPEN, process.pid, 0));
    const pidfd = fd >= 0;
    if (pidfd) close(fd);
    const subreaper = prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) === 0;
    return { pidfd, subreaper };
  } finally {
    libc.close();
  }
}
