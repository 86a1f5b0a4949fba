// The one reaper of the process: SIGCHLD plus an unref'd safety-net timer (signals coalesce
// and can arrive before a pid is watched). Normally it polls waitpid(pid, WNOHANG) for each
// watched pid, so it never takes a status that belongs to someone else; once we are a child
// subreaper (or PID 1) it loops waitpid(-1, WNOHANG) and reports unwatched pids as orphans.
import { ptr } from "bun:ffi";
import { SIGNAL_NAMES } from "../../model/signals.ts";
import type { ExitStatus } from "../types.ts";
import { shim } from "./shim.ts";

const WNOHANG = 1;
const ECHILD = 10;
const SAFETY_NET_MS = 1000;

type OnExit = (status: ExitStatus) => void;

export class Reaper {
  private readonly watched = new Map<number, OnExit>();
  /** Spawned by us but not watched yet, and what became of them meanwhile (reap-all mode). */
  private readonly unwatched = new Set<number>();
  private readonly early = new Map<number, ExitStatus>();
  private orphanHandler: OnExit | undefined;
  private reapAll = false;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly status = new Int32Array(1);
  private readonly onSignal = () => this.scan();

  /** Listen for SIGCHLD; called before every spawn so an early exit is not missed. */
  arm(): void {
    if (this.timer) return;
    process.on("SIGCHLD", this.onSignal);
    this.timer = setInterval(this.onSignal, SAFETY_NET_MS);
    this.timer.unref();
  }

  disarm(): void {
    if (!this.timer) return;
    process.off("SIGCHLD", this.onSignal);
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** A child we just spawned: in reap-all mode its status is kept until it is watched. */
  spawned(pid: number): void {
    this.unwatched.add(pid);
  }

  watch(pid: number, onExit: OnExit): void {
    this.unwatched.delete(pid);
    const status = this.early.get(pid);
    if (status) {
      this.early.delete(pid);
      queueMicrotask(() => onExit(status));
      return;
    }
    this.watched.set(pid, onExit);
    this.arm();
    // It may have exited already (its SIGCHLD came before the watch): look once, soon.
    queueMicrotask(() => this.scan(pid));
  }

  onOrphan(handler: OnExit): void {
    this.orphanHandler = handler;
  }

  /** From now on reap any child, including adopted orphans. */
  reapEverything(): void {
    this.reapAll = true;
    this.arm();
    this.scan();
  }

  /** Reaps what has exited: every child in reap-all mode, else the watched pids (or just `only`). */
  private scan(only?: number): void {
    const reaped: { status: ExitStatus; onExit: OnExit | undefined }[] = [];
    const collect = (pid: number, raw: number | undefined) => {
      const onExit = this.watched.get(pid);
      this.watched.delete(pid);
      const status = raw === undefined ? lostStatus(pid) : decodeStatus(pid, raw);
      if (!onExit && this.unwatched.delete(pid)) this.early.set(pid, status);
      else reaped.push({ status, onExit: onExit ?? this.orphanHandler });
    };
    if (this.reapAll) {
      for (let pid = this.wait(-1); pid > 0; pid = this.wait(-1)) collect(pid, this.status[0]);
    } else {
      for (const pid of only === undefined ? this.watched.keys() : [only]) {
        if (!this.watched.has(pid)) continue;
        const r = this.wait(pid);
        if (r === pid) collect(pid, this.status[0]);
        else if (r === -ECHILD) collect(pid, undefined);
      }
    }
    for (const { status, onExit } of reaped) {
      try {
        onExit?.(status);
      } catch (error) {
        reportError(error); // one failing callback must not lose the other statuses
      }
    }
  }

  private wait(pid: number): number {
    return shim().sysg_waitpid(pid, ptr(this.status), WNOHANG);
  }
}

/** A wait status (as from waitpid) → ExitStatus. */
export function decodeStatus(pid: number, raw: number): ExitStatus {
  const sig = raw & 0x7f;
  const at = Date.now();
  if (sig === 0) return { pid, code: (raw >> 8) & 0xff, signal: null, at };
  return { pid, code: null, signal: SIGNAL_NAMES[sig] ?? `SIG${sig}`, at };
}

/** Someone else reaped a watched pid (only possible if code outside the platform waits). */
function lostStatus(pid: number): ExitStatus {
  console.warn(`sysg: the exit status of pid ${pid} was taken by another waiter; reporting it as unknown`);
  return { pid, code: null, signal: null, at: Date.now() };
}
