// The one path by which the running set changes (issue 15 item 6): reload (SIGHUP or a
// client), and a client's start, stop and restart (rolling deployments included) all pass
// through one ChangeQueue. A change that conflicts with one in progress is refused `busy`,
// never interleaved: a reload conflicts with every other change, and unit changes conflict
// when the units they touch overlap. A SIGHUP has nobody to answer, so one arriving during a
// change is queued instead, and several coalesce into one reload that reads the file when it
// begins (as systemd merges reload jobs). Every change is recorded with who asked for it.
import type { ResolvedConfig } from "../config/resolved.ts";
import type { UnitAction } from "../ipc/protocol.ts";
import type { PeerCred } from "../platform/types.ts";
import type { History } from "./history.ts";
import type { Level } from "../model/log-level.ts";
import type { Supervisor } from "./supervisor.ts";

/** Who asked for a change. */
export type Origin = { kind: "signal"; signal: "SIGHUP" } | { kind: "client"; pid: number | null; uid: number | null };

export function clientOrigin(peer: PeerCred | null): Origin {
  return { kind: "client", pid: peer?.pid ?? null, uid: peer?.uid ?? null };
}

export function describeOrigin(o: Origin): string {
  if (o.kind === "signal") return o.signal;
  const who = [o.pid !== null ? `pid ${o.pid}` : null, o.uid !== null ? `uid ${o.uid}` : null].filter(Boolean).join(", ");
  return who ? `client (${who})` : "client";
}

export type ChangeKind = "reload" | "start" | "stop" | "restart";

/** A change in progress: what, on which units (`all`: the whole set), asked by whom, since when. */
export interface Change {
  kind: ChangeKind;
  units: "all" | ReadonlySet<string>;
  origin: Origin;
  since: number;
}

/**
 * Does `next` conflict with `running`? A reload rewrites the whole set, so it conflicts with
 * everything and everything with it. Unit changes conflict when their units overlap, except
 * that a stop joins a stop, and a stop may end a start or restart in progress (it wins, as a
 * systemd stop job replaces a start job; a rolling deployment is aborted, docs/deploy.md).
 */
export function conflicts(running: Pick<Change, "kind" | "units">, next: Pick<Change, "kind" | "units">): boolean {
  if (running.kind === "reload" || next.kind === "reload") return true;
  if (next.kind === "stop") return false;
  const a = running.units;
  const b = next.units;
  if (a === "all" || b === "all") return true;
  for (const n of b) if (a.has(n)) return true;
  return false;
}

export type Refusal = { ok: false; code: "busy" | "bad_request" | "unknown_service"; message: string };
export type ChangeResult = { ok: true; units: UnitAction[] } | Refusal;

export interface ChangeHost {
  supervisor: Supervisor;
  history: History;
  /** loads and validates a config file (the current one when `path` is undefined) */
  loadConfig: (path: string | undefined) => Promise<{ ok: true; config: ResolvedConfig } | { ok: false; message: string }>;
  /** swaps in a validated config (records it as current) */
  adopt: (config: ResolvedConfig) => void;
  /** the current config file (for messages) */
  configPath: () => string;
  report: (level: Level, service: string | null, text: string) => void;
  /** systemd (Type=notify): "reloading" from a reload's start until its new runs settled */
  systemd?: { reloading(path: string): void; markReady(note?: string): void } | null;
  now?: () => number;
}

export class ChangeQueue {
  private readonly running = new Set<Change>();
  /** a SIGHUP that arrived during a change: one reload when the queue is free (coalesced) */
  private hangupQueued = false;
  private closed = false;
  /** the reload the last SIGHUP led to, for whoever waits on it (tests, shutdown) */
  private hangupDone: Promise<void> = Promise.resolve();

  constructor(private readonly host: ChangeHost) {}

  private now(): number {
    return this.host.now?.() ?? Date.now();
  }

  /** The changes in progress (for messages and tests). */
  inProgress(): Change[] {
    return [...this.running];
  }

  /** Takes the queue for `change`, or says what it conflicts with. */
  private admit(kind: ChangeKind, units: Change["units"], origin: Origin): { ok: true; change: Change } | Refusal {
    if (this.closed) return { ok: false, code: "busy", message: "the supervisor is shutting down; no change is started any more" };
    const change: Change = { kind, units, origin, since: this.now() };
    // a queued SIGHUP reload goes next: changes that keep arriving must not starve it
    if (this.hangupQueued) {
      return this.busy(kind, origin, "a reload asked by SIGHUP is queued behind the change in progress; hint: try again when it ran (supervisor.log says `reloaded (SIGHUP)`)");
    }
    for (const r of this.running) {
      if (!conflicts(r, change)) continue;
      const what = r.units === "all" || r.kind === "reload" ? "" : ` of ${[...r.units].join(", ")}`;
      const age = ((this.now() - r.since) / 1000).toFixed(1);
      return this.busy(kind, origin, `a ${r.kind}${what} asked by ${describeOrigin(r.origin)} is in progress (for ${age} s); hint: try again when it finished (\`sysg status\` shows the units settle)`);
    }
    this.running.add(change);
    // who changed what, for supervisor.log (a SIGHUP reload says so itself)
    if (origin.kind === "client") this.host.report("info", null, `${kind}${units === "all" ? "" : ` of ${[...units].join(", ")}`} asked by ${describeOrigin(origin)}`);
    return { ok: true, change };
  }

  /** The `busy` answer, logged without its hint. */
  private busy(kind: ChangeKind, origin: Origin, message: string): Refusal {
    this.host.report("warn", null, `${kind} asked by ${describeOrigin(origin)} refused (busy): ${message.split("; hint")[0]}`);
    return { ok: false, code: "busy", message };
  }

  /** Runs `body` holding the queue for the change, or answers why it cannot run now. */
  private async within(kind: ChangeKind, units: Change["units"], origin: Origin, body: () => Promise<ChangeResult>): Promise<ChangeResult> {
    const got = this.admit(kind, units, origin);
    if (!got.ok) return got;
    try {
      return await body();
    } finally {
      this.release(got.change);
    }
  }

  /** Ends a change; a SIGHUP queued meanwhile runs once nothing conflicts with a reload. */
  private release(change: Change): void {
    this.running.delete(change);
    if (this.hangupQueued && this.running.size === 0 && !this.closed) {
      this.hangupQueued = false;
      this.hangup();
    }
  }

  /** No change starts any more (shutdown); a queued SIGHUP is dropped. */
  close(): void {
    this.closed = true;
    this.hangupQueued = false;
  }

  /** SIGHUP: reload now, or once the change in progress ended (several coalesce into one). */
  hangup(): void {
    if (this.closed) return;
    const origin: Origin = { kind: "signal", signal: "SIGHUP" };
    if (this.running.size > 0) {
      if (!this.hangupQueued) {
        const r = [...this.running][0]!;
        this.host.report("info", null, `SIGHUP during a ${r.kind} asked by ${describeOrigin(r.origin)}: the reload is queued and runs when it finished`);
      }
      this.hangupQueued = true;
      return;
    }
    this.host.report("info", null, `SIGHUP: reloading ${this.host.configPath()}`);
    this.hangupDone = this.reload(undefined, origin).then(() => {});
  }

  /** Resolves when the reload of the last SIGHUP (not one still queued) ended. */
  hangupSettled(): Promise<void> {
    return this.hangupDone;
  }

  /** Diff reload of `path` (default: the current file). */
  async reload(path: string | undefined, origin: Origin): Promise<ChangeResult> {
    const who = describeOrigin(origin);
    const { supervisor: sup, history, systemd } = this.host;
    return this.within("reload", "all", origin, async () => {
      systemd?.reloading(path ?? this.host.configPath());
      const loaded = await this.host.loadConfig(path);
      if (!loaded.ok) {
        this.host.report("error", null, `reload asked by ${who} refused, the running services are unchanged:\n${loaded.message}`);
        systemd?.markReady("reload refused (config invalid, see the log); services unchanged");
        return { ok: false, code: "bad_request", message: loaded.message };
      }
      const changes = await sup.apply(loaded.config);
      this.host.adopt(loaded.config);
      for (const c of changes) {
        // a unit the new config removed: its history goes with it (the daemon runs for years)
        if (c.action === "stopped") history.forget(c.name);
        if (c.action === "restarted") history.restartedBy(c.name, `reload by ${who}: definition changed`);
        if (c.action === "deploy_failed") history.restartedBy(c.name, `reload by ${who}: rolling deployment failed, the old definition keeps serving`);
      }
      await sup.whenSettled();
      systemd?.markReady();
      const done = changes.filter((c) => c.action !== "unchanged").map((c) => `${c.name} ${c.action}`);
      this.host.report("info", null, `reloaded (${who}): ${done.join(", ") || "nothing changed"}`);
      const units = changes.map((c): UnitAction => {
        const s = sup.snapshot(c.name);
        return { name: c.name, action: c.action, state: s?.state ?? "stopped", reason: s?.reason ?? (s ? null : "removed from config") };
      });
      return { ok: true, units };
    });
  }

  /** Operator start of the named units (default: all) and what they depend on. */
  async start(names: string[] | undefined, origin: Origin): Promise<ChangeResult> {
    const sup = this.host.supervisor;
    const unknown = this.unknown(names);
    if (unknown) return unknown;
    const all = names ?? sup.names();
    return this.within("start", names ? sup.withDependencies(names) : "all", origin, async () => {
      sup.start(all);
      await sup.whenSettled(all);
      return { ok: true, units: actions(sup, all, "started") };
    });
  }

  /** Operator stop of one unit (stopping everything is shutdown, which is no change: it always wins). */
  async stop(name: string, origin: Origin): Promise<ChangeResult> {
    const sup = this.host.supervisor;
    const unknown = this.unknown([name]);
    if (unknown) return unknown;
    return this.within("stop", new Set([name]), origin, async () => {
      await sup.stop(name);
      return { ok: true, units: actions(sup, [name], "stopped") };
    });
  }

  /** Operator restart (rolling where the service says so) of the named units (default: all). */
  async restart(names: string[] | undefined, origin: Origin): Promise<ChangeResult> {
    const sup = this.host.supervisor;
    const unknown = this.unknown(names);
    if (unknown) return unknown;
    const all = names ?? sup.names();
    const who = describeOrigin(origin);
    return this.within("restart", names ? sup.withDependencies(names) : "all", origin, async () => {
      const failed = await sup.restart(all);
      for (const n of all) this.host.history.restartedBy(n, n in failed ? `restart by ${who}: rolling deployment failed: ${failed[n]}` : `restart by ${who}`);
      await sup.whenSettled(all);
      const units = actions(sup, all, "restarted").map((u): UnitAction => (u.name in failed ? { ...u, action: "deploy_failed" } : u));
      return { ok: true, units };
    });
  }

  private unknown(names: string[] | undefined): Refusal | null {
    const sup = this.host.supervisor;
    const missing = names?.find((n) => !sup.snapshot(n));
    if (missing === undefined) return null;
    return { ok: false, code: "unknown_service", message: `unknown service "${missing}"; known: ${sup.names().join(", ") || "(none)"}` };
  }
}

function actions(sup: Supervisor, names: string[], action: UnitAction["action"]): UnitAction[] {
  return names.map((n) => {
    const s = sup.snapshot(n);
    return { name: n, action, state: s?.state ?? "stopped", reason: s?.reason ?? null };
  });
}
