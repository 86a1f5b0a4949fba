// sd_notify (SPEC §1, `readiness: {notify: true}`): each run of such a service gets its own
// datagram socket, named in the child's NOTIFY_SOCKET. A message is newline-separated
// KEY=VALUE lines; `READY=1` means ready. The readiness probe reads it (./readiness.ts).
import { join } from "node:path";
import type { NotifySocket, Platform } from "../platform/types.ts";

/** How often the socket is emptied once the service is ready. */
const DRAIN_MS = 250;

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

/** One run's socket. */
export class NotifyChannel {
  private drain: ReturnType<typeof setInterval> | null = null;

  private constructor(readonly socket: NotifySocket) {}

  static open(platform: Platform, dir: string, service: string): { ok: true; channel: NotifyChannel } | { ok: false; reason: string } {
    const path = notifySocketPath(dir, service);
    const r = platform.notifySocket(path);
    return r.ok ? { ok: true, channel: new NotifyChannel(r.socket) } : { ok: false, reason: `notify socket ${path}: ${r.message}` };
  }

  /**
   * After readiness the service may keep sending (STATUS=, WATCHDOG=1, systemd-notify's
   * BARRIER=1 right after READY=1): emptying the queue keeps those senders from blocking.
   */
  keepDraining(): void {
    this.drain ??= setInterval(() => this.socket.receive(), DRAIN_MS);
  }

  close(): void {
    if (this.drain) clearInterval(this.drain);
    this.drain = null;
    this.socket.close();
  }
}
