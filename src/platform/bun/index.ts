// The Bun backend of Platform: spawning through the C shim (bun:ffi), one reaper, raw fds.
import { ptr } from "bun:ffi";
import { signalNumber } from "../../model/signals.ts";
import type { Platform } from "../types.ts";
import { trimMemory } from "./memory.ts";
import { notifyClient, notifySocket } from "./notify.ts";
import { peerCred } from "./peercred.ts";
import { openLog } from "./pump.ts";
import { hostProbe } from "./probe.ts";
import { Reaper } from "./reaper.ts";
import { errorText, shim } from "./shim.ts";
import { spawn } from "./spawn.ts";

const ESRCH = 3;

/** A failed system call, with the call and errno text, e.g. `kill(42, SIGTERM): Operation not permitted`. */
export class SyscallError extends Error {
  constructor(
    readonly call: string,
    readonly errno: number,
  ) {
    super(`${call}: ${errorText(errno)}`);
    this.name = "SyscallError";
  }
}

export function createBunPlatform(): Platform {
  const reaper = new Reaper();
  const close = (fd: number) => void shim().sysg_close(fd);
  return {
    spawn(spec) {
      reaper.arm(); // before the child exists, so its SIGCHLD is never missed
      const outcome = spawn(spec);
      if (outcome.ok) reaper.spawned(outcome.pid);
      return outcome;
    },
    watch: (pid, onExit) => reaper.watch(pid, onExit),
    onOrphan: (handler) => reaper.onOrphan(handler),
    kill(pid, signal) {
      const sig = typeof signal === "number" ? signal : signalNumber(signal);
      if (sig === undefined || !Number.isInteger(sig) || sig < 0 || sig > 64) {
        throw new TypeError(`kill(${pid}): unknown signal ${JSON.stringify(signal)}`);
      }
      const r = shim().sysg_kill(pid, sig);
      if (r === -ESRCH) return false;
      if (r < 0) throw new SyscallError(`kill(${pid}, ${signal})`, -r);
      return true;
    },
    pipe() {
      const fds = new Int32Array(2);
      const r = shim().sysg_pipe(ptr(fds));
      if (r < 0) throw new SyscallError("pipe2", -r);
      return { read: fds[0]!, write: fds[1]! };
    },
    close,
    async *readFd(fd) {
      try {
        for await (const chunk of Bun.file(fd).stream()) yield chunk;
      } finally {
        close(fd);
      }
    },
    openLog,
    setSubreaper() {
      if (shim().sysg_set_subreaper() < 0) return false;
      reaper.reapEverything();
      return true;
    },
    peerCred,
    notifySocket,
    notifyClient,
    shutdown: () => reaper.disarm(),
    trimMemory,
    hostProbe,
  };
}
