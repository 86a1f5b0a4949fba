// sysg as a `Type=notify` service of systemd (the systemg.service unit): when started with
// NOTIFY_SOCKET, it says READY=1 once every service's first attempt has settled, keeps a
// one-line STATUS= current, brackets a SIGHUP reload with RELOADING=1 (+ MONOTONIC_USEC) …
// READY=1, and says STOPPING=1 when shutting down. The socket itself is the platform's.
import type { NotifyClient } from "../platform/types.ts";
import type { UnitSnapshot } from "./supervisor.ts";

/** STATUS= updates are coalesced: at most one per this interval (systemd keeps only the last). */
const STATUS_EVERY_MS = 1000;

/** "4 services: 2 running, 1 exited, 1 failed" (states in a stable order, zero counts left out) */
export function statusLine(units: UnitSnapshot[]): string {
  const counts = new Map<string, number>();
  for (const u of units) counts.set(u.state, (counts.get(u.state) ?? 0) + 1);
  const order = ["running", "starting", "pending", "crashed", "failed", "stopping", "stopped", "exited", "skipped"];
  const parts = [...counts.keys()]
    .sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99))
    .map((s) => `${counts.get(s)} ${s}`);
  return `${units.length} service${units.length === 1 ? "" : "s"}${parts.length ? `: ${parts.join(", ")}` : ""}`;
}

export class SystemdNotifier {
  private lastStatus = "";
  private timer: ReturnType<typeof setTimeout> | null = null;
  private ready = false;

  constructor(
    private readonly client: NotifyClient,
    private readonly units: () => UnitSnapshot[],
    private readonly onError: (message: string) => void,
  ) {}

  /** a failing socket is reported once, not at every status change, until a send works again */
  private failing = false;

  private send(message: string): void {
    const err = this.client.send(message);
    if (err !== null && !this.failing) this.onError(`sd_notify to systemd: ${err}`);
    this.failing = err !== null;
  }

  /** Every first attempt settled (or a reload finished): READY=1 with the current status. */
  markReady(note?: string): void {
    this.ready = true;
    this.lastStatus = note ?? statusLine(this.units());
    this.send(`READY=1\nSTATUS=${this.lastStatus}`);
  }

  /** A unit changed state: refresh STATUS= (coalesced; before READY=1 too, so systemctl status shows progress). */
  changed(): void {
    if (this.timer !== null) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      const line = statusLine(this.units());
      if (line === this.lastStatus) return;
      this.lastStatus = line;
      this.send(`STATUS=${this.ready ? "" : "starting: "}${line}`);
    }, STATUS_EVERY_MS);
  }

  /** SIGHUP received: systemd shows "reloading" until the next markReady(). */
  reloading(path: string): void {
    this.send(`RELOADING=1\nMONOTONIC_USEC=${this.client.monotonicUsec()}\nSTATUS=reloading ${path}`);
  }

  stopping(): void {
    this.cancel();
    this.send("STOPPING=1\nSTATUS=stopping all services");
  }

  private cancel(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  close(): void {
    this.cancel();
    this.client.close();
  }
}
