// Kernel features only a system call can tell (for `sysg doctor`): pidfd_open on our own pid,
// and whether prctl accepts PR_SET_CHILD_SUBREAPER (through the shim, ffi/host.c and sys.c).
// The CLI process that asks has no children, so becoming a subreaper changes nothing for it.
import type { HostProbe } from "../types.ts";
import { shim } from "./shim.ts";

export function hostProbe(): HostProbe {
  const lib = shim();
  return { pidfd: lib.sysg_pidfd_probe() === 0, subreaper: lib.sysg_set_subreaper() === 0 };
}
