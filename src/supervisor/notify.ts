// sd_notify (SPEC §1, `readiness: {notify: true}`): each run of such a service gets its own
// datagram socket, named in the child's NOTIFY_SOCKET, private to the service's user (0600,
// owned by it). A message is newline-separated KEY=VALUE lines; `READY=1` means ready. Every
// message carries its sender's credentials (SCM_CREDENTIALS) and is accepted only from the
// run's main process (`notify_access: main`) or a process of its tree (`all`, the default), as
// systemd's NotifyAccess=; others are dropped and reported once per sender.
import { join } from "node:path";
import type { NotifyMessage, NotifySocket, Platform } from "../platform/types.ts";
import { readStat } from "../runtime/proc.ts";

/** How often the socket is emptied once the service is ready. */
const DRAIN_MS = 250;
/** datagrams judged per receive(): a flooding service cannot stall the supervisor's loop */
const MAX_PER_RECEIVE = 256;
/** ppid links followed at most from a sender up to the main process */
const MAX_DEPTH = 64;

export type NotifyAccess = "main" | "all";

/** The fields of one message; a later key wins, lines without "=" are ignored. */
export function notifyFields(datagram: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of datagram.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) fields.set(line.slice(0, eq), line.slice(eq + 1));
  }
  return fields;
}

export function notifySocketPath(dir: string, service: string): string {
  return join(dir, `notify-${service}.sock`);
}

/** The parent of a live process (null when it is gone); injected in tests. */
export type ParentOf = (pid: number) => number | null;
const procParent: ParentOf = (pid) => {
  const st = readStat(pid);
  return st && st.state !== "X" ? st.ppid : null;
};

/**
 * May `sender` speak for the run whose main process is `main` (the program, also under a PID
 * namespace's init)? The main process itself; with `all`, any descendant
 * still alive to be checked (a sender that already exited cannot be traced and is refused —
 * systemd-notify waits for its message to be read, BARRIER=1, so it is still there).
 */
export function senderAllowed(sender: number, main: number | null, access: NotifyAccess, parentOf: ParentOf): boolean {
  if (main === null || sender <= 0) return false;
  if (sender === main) return true;
  if (access === "main") return false;
  let pid = sender;
  for (let i = 0; i < MAX_DEPTH; i++) {
    const parent = parentOf(pid);
    if (parent === null || parent <= 1) return false;
    if (parent === main) return true;
    pid = parent;
  }
  return false;
}

export interface NotifyOptions {
  /** the service's user: the socket is theirs, mode 0600 (undefined: the supervisor's own) */
  owner?: { uid: number; gid: number };
  access: NotifyAccess;
  /** a refused message, once per sender pid */
  refused: (text: string) => void;
  parentOf?: ParentOf;
}

/** One run's socket. */
export class NotifyChannel {
  private drain: ReturnType<typeof setInterval> | null = null;
  private main: number | null = null;
  private readonly refusedPids = new Set<number>();

  private constructor(
    readonly socket: NotifySocket,
    private readonly opts: NotifyOptions,
  ) {}

  static open(
    platform: Platform,
    dir: string,
    service: string,
    opts: NotifyOptions,
  ): { ok: true; channel: NotifyChannel } | { ok: false; reason: string } {
    const path = notifySocketPath(dir, service);
    const r = platform.notifySocket(path, opts.owner);
    return r.ok ? { ok: true, channel: new NotifyChannel(r.socket, opts) } : { ok: false, reason: `notify socket ${path}: ${r.message}` };
  }

  /** The run's main process, once spawned: until then nothing is accepted. */
  setMain(pid: number): void {
    this.main = pid;
  }

  /** The accepted messages waiting (non-blocking); refused ones are dropped and reported. */
  receive(): string[] {
    const out: string[] = [];
    // one datagram at a time, each judged before the next is read: reading the next one closes
    // the fd a BARRIER=1 sender waits on, and a sender that has exited can no longer be traced
    for (let i = 0; i < MAX_PER_RECEIVE; i++) {
      const [m] = this.socket.receive(1);
      if (!m) break;
      if (this.allowed(m)) out.push(m.text);
    }
    return out;
  }

  private allowed(m: NotifyMessage): boolean {
    const { access, parentOf = procParent } = this.opts;
    if (senderAllowed(m.pid, this.main, access, parentOf)) return true;
    if (!this.refusedPids.has(m.pid)) {
      this.refusedPids.add(m.pid);
      const who = access === "main" ? "its main process" : "its main process or one of its descendants";
      const gone = access === "all" && m.pid > 0 && parentOf(m.pid) === null;
      this.opts.refused(
        `notify message from pid ${m.pid} (uid ${m.uid}) refused: only ${who} (pid ${this.main ?? "not started"}) may send (notify_access: ${access})` +
          (gone ? "; the sender had already exited, so its descent could not be checked (systemd-notify waits until its message is read)" : ""),
      );
    }
    return false;
  }

  /**
   * After readiness the service may keep sending (STATUS=, WATCHDOG=1, systemd-notify's
   * BARRIER=1 right after READY=1): emptying the queue keeps those senders from blocking.
   */
  keepDraining(): void {
    this.drain ??= setInterval(() => this.receive(), DRAIN_MS);
  }

  close(): void {
    if (this.drain) clearInterval(this.drain);
    this.drain = null;
    this.socket.close();
  }
}
