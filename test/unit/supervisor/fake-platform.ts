// A scripted Platform for unit tests of the supervisor: spawn hands out pids, a program table
// says how each command behaves (runs until signalled, or exits with a code), kill delivers the
// signal as an exit, and every spawn is recorded so a test can see which hooks ran with what.
import type { ExitStatus, NotifySocket, Platform, PumpedLog, SpawnOutcome, SpawnSpec } from "../../../src/platform/types.ts";

export interface Program {
  /** exit code right after start; undefined = runs until a signal ends it */
  exitCode?: number;
  /** the signals that end it (default: any) */
  ignores?: string[];
  /** spawn fails with this step and errno instead */
  fail?: { step: "exec" | "chdir"; errno: number; message: string };
}

export interface FakeSpawn {
  pid: number;
  spec: SpawnSpec;
  /** the command line (argv joined, or the script of /bin/sh -c …) */
  command: string;
}

const CLONE_NEWPID = 0x20000000;
/** A fake PID-namespace spawn's program pid = its init's pid + this. */
export const PROGRAM_OFFSET = 50_000;

export class FakePlatform implements Platform {
  readonly spawns: FakeSpawn[] = [];
  readonly kills: { pid: number; signal: string }[] = [];
  private nextPid = 1000;
  private readonly live = new Map<number, { ignores: string[] }>();
  private readonly watchers = new Map<number, (s: ExitStatus) => void>();
  private readonly exited = new Map<number, ExitStatus>();
  private nextFd = 100;

  constructor(
    private readonly programs: (command: string) => Program,
    private readonly now: () => number = () => Date.now(),
  ) {}

  spawn(spec: SpawnSpec): SpawnOutcome {
    const command = spec.argv[1] === "-c" ? spec.argv[2]! : spec.argv.join(" ");
    const p = this.programs(command);
    if (p.fail) return { ok: false, ...p.fail };
    const pid = this.nextPid++;
    this.spawns.push({ pid, spec, command });
    this.live.set(pid, { ignores: p.ignores ?? [] });
    if (p.exitCode !== undefined) {
      const code = p.exitCode;
      queueMicrotask(() => this.end(pid, code, null));
    }
    // in a PID namespace the reaped child is the init, the program runs under it: a pid of its own
    return { ok: true, pid, program: (spec.namespaces ?? 0) & CLONE_NEWPID ? pid + PROGRAM_OFFSET : pid };
  }

  /** Ends a live process as if it exited by itself. */
  exit(pid: number, code: number): void {
    this.end(pid, code, null);
  }

  isLive(pid: number): boolean {
    return this.live.has(pid);
  }

  private end(pid: number, code: number | null, signal: string | null): void {
    if (!this.live.delete(pid)) return;
    const status: ExitStatus = { pid, code, signal, at: this.now() };
    const w = this.watchers.get(pid);
    if (w) {
      this.watchers.delete(pid);
      queueMicrotask(() => w(status));
    } else this.exited.set(pid, status);
  }

  watch(pid: number, onExit: (status: ExitStatus) => void): void {
    const done = this.exited.get(pid);
    if (done) {
      this.exited.delete(pid);
      queueMicrotask(() => onExit(done));
    } else this.watchers.set(pid, onExit);
  }

  onOrphan(): void {}

  kill(pid: number, signal: string | number): boolean {
    const target = Math.abs(pid); // every fake process leads its own group
    const sig = String(signal);
    this.kills.push({ pid, signal: sig });
    const p = this.live.get(target);
    if (!p) return false;
    if (sig !== "0" && (sig === "SIGKILL" || !p.ignores.includes(sig))) this.end(target, null, sig);
    return true;
  }

  pipe(): { read: number; write: number } {
    return { read: this.nextFd++, write: this.nextFd++ };
  }

  close(): void {}

  async *readFd(): AsyncIterable<Uint8Array> {}

  openLog(): { ok: true; log: PumpedLog } {
    return { ok: true, log: { attach: async () => {}, sync: async () => {}, close() {} } };
  }

  setSubreaper(): boolean {
    return true;
  }

  peerCred(): null {
    return null;
  }

  notifySocket(path: string): { ok: true; socket: NotifySocket } | { ok: false; message: string } {
    return { ok: true, socket: { path, fd: this.nextFd++, receive: () => [], close() {} } };
  }

  /** systemd's NOTIFY_SOCKET: the supervisor tests never set it */
  notifyClient(address: string): { ok: false; message: string } {
    return { ok: false, message: `fake platform: no sd_notify client for ${address}` };
  }

  shutdown(): void {}

  /** The commands spawned so far, in order. */
  commands(): string[] {
    return this.spawns.map((s) => s.command);
  }
}

/** Polls `cond` until it holds (generous timeout: the machine may be loaded). */
export async function waitFor(cond: () => boolean, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A clock that moves only when told: timers fire in order of their due time on advance(). */
export class ManualClock {
  private t = 1_000_000;
  private seq = 0;
  private timers = new Map<number, { due: number; fn: () => void }>();

  now(): number {
    return this.t;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { due: this.t + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** pending timers' delays from now, for assertions */
  pending(): number[] {
    return [...this.timers.values()].map((x) => x.due - this.t).sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, firing due timers (and letting promise chains run between). */
  async advance(ms: number): Promise<void> {
    const end = this.t + ms;
    for (;;) {
      await settle();
      let next: [number, { due: number; fn: () => void }] | null = null;
      for (const e of this.timers) if (e[1].due <= end && (!next || e[1].due < next[1].due)) next = e;
      if (!next) break;
      this.timers.delete(next[0]);
      this.t = next[1].due;
      next[1].fn();
    }
    this.t = end;
    await settle();
  }
}

/** Lets queued promise callbacks run (several rounds: chains of then()). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}
