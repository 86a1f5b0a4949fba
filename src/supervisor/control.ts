// The supervisor's answers to control requests (SPEC §5, §6): one function per command, each
// turning a request into supervisor operations and a schema-shaped result. Long operations
// (stop with a 10 s stop_timeout) are awaited per request; the IPC server runs requests
// concurrently, so they never block `status`. Whatever changes the running set (start, stop,
// restart, reload) goes through the change queue (./changes.ts), which may answer `busy`.
import type { PeerCred } from "../platform/types.ts";
import type { HandlerReply } from "../ipc/server.ts";
import type { CronRun, InspectResult, IpcRequest, StatusResult, StatusUnit } from "../ipc/protocol.ts";
import { type ProcStat, childrenByParent, procTable, readStat, readTree, startedAtMs, treeCpuPercent } from "../runtime/proc.ts";
import { type UnitFacts, statusDocument, statusRow } from "../ipc/status.ts";
import { readFileSync } from "node:fs";
import type { History } from "./history.ts";
import { type ChangeQueue, type ChangeResult, clientOrigin } from "./changes.ts";
import type { SpawnedUnit } from "./children.ts";
import type { Supervisor, UnitSnapshot } from "./supervisor.ts";

export interface ControlContext {
  supervisor: Supervisor;
  history: History;
  /** the one path by which the running set changes (reload, start, stop, restart) */
  changes: ChangeQueue;
  /** answers first, then stops everything and exits */
  requestShutdown: () => void;
  /** may this peer see secrets such as the environment? */
  privileged: (peer: PeerCred | null) => boolean;
  info: { version: string; startedAt: number; sys: boolean; config: () => string | null };
  /** the cron scheduler's view of a job (src/cron), when one runs */
  cron?: {
    info(name: string): { next_run: string | null; last_run: StatusUnit["last_exit"] } | null;
    history(name: string): InspectResult["cron_history"];
    /** one run now, recorded in the history; resolves when it ended */
    runNow(name: string): Promise<{ ok: true; run: CronRun } | { ok: false; reason: string }>;
  };
}

const DEFAULT_WINDOW_S = 300;

export async function handleRequest(ctx: ControlContext, req: IpcRequest, peer: PeerCred | null): Promise<HandlerReply> {
  const sup = ctx.supervisor;
  const unknown = (name: string): HandlerReply => ({
    ok: false,
    error: { code: "unknown_service", message: `unknown service "${name}"; known: ${sup.names().join(", ") || "(none)"}` },
  });
  switch (req.cmd) {
    case "ping":
      return {
        ok: true,
        result: {
          pid: process.pid,
          version: ctx.info.version,
          protocol: 1,
          uptime: (Date.now() - ctx.info.startedAt) / 1000,
          sys: ctx.info.sys,
          config: ctx.info.config(),
        },
      };
    case "status": {
      if (req.service !== undefined && !sup.snapshot(req.service)) return unknown(req.service);
      return { ok: true, result: statusResult(ctx, req.service, req.all === true) };
    }
    case "inspect": {
      const snap = sup.snapshot(req.name);
      if (!snap) return unknown(req.name);
      return { ok: true, result: inspectResult(ctx, snap, peer, req.window ?? DEFAULT_WINDOW_S, req.show_env === true) };
    }
    case "start":
      return changed(await ctx.changes.start(req.service === undefined ? undefined : [req.service], clientOrigin(peer)));
    case "stop": {
      if (req.service !== undefined) return changed(await ctx.changes.stop(req.service, clientOrigin(peer)));
      // stopping everything is shutdown: it is no queued change, nothing may hold it up
      ctx.requestShutdown();
      const units = sup.snapshots().map((s) => ({ name: s.name, action: "stopped" as const, state: s.state, reason: s.reason }));
      return { ok: true, result: { units } };
    }
    case "restart":
      if (req.config !== undefined) return changed(await ctx.changes.reload(req.config, clientOrigin(peer)));
      return changed(await ctx.changes.restart(req.service === undefined ? undefined : [req.service], clientOrigin(peer)));
    case "reload":
      return changed(await ctx.changes.reload(req.config, clientOrigin(peer)));
    case "shutdown":
      ctx.requestShutdown();
      return { ok: true, result: { pid: process.pid } };
    case "run": {
      const svc = sup.serviceConfig(req.service);
      if (!svc) return unknown(req.service);
      if (!svc.cron) {
        return { ok: false, error: { code: "bad_request", message: `"${req.service}" is not a cron job (it has no cron key); \`sysg restart ${req.service}\` restarts a service` } };
      }
      if (!ctx.cron) return { ok: false, error: { code: "internal", message: "no cron scheduler runs in this supervisor" } };
      const r = await ctx.cron.runNow(req.service);
      return r.ok ? { ok: true, result: r.run } : { ok: false, error: { code: "busy", message: `${req.service}: ${r.reason}` } };
    }
    case "spawn":
      return spawn(ctx, req, peer);
  }
}

/** The unit a process belongs to: its own, or its nearest ancestor's that is a unit's main process. */
function unitOfPid(sup: Supervisor, pid: number): string | null {
  const mains = sup.unitPids();
  for (let p: number | undefined = pid, hops = 0; p !== undefined && p > 1 && hops < 64; hops++) {
    const unit = mains.get(p);
    if (unit) return unit;
    p = readStat(p)?.ppid;
  }
  return null;
}

function spawn(ctx: ControlContext, req: Extract<IpcRequest, { cmd: "spawn" }>, peer: PeerCred | null): HandlerReply {
  const sup = ctx.supervisor;
  const refuse = (code: "bad_request" | "unknown_service" | "forbidden", message: string): HandlerReply => ({ ok: false, error: { code, message } });
  // the caller's own unit, when the caller is (a descendant of) a service or child
  const callerUnit = peer ? unitOfPid(sup, peer.pid) : null;
  let parent = req.parent;
  if (parent === undefined && req.parent_pid !== undefined) {
    parent = unitOfPid(sup, req.parent_pid) ?? undefined;
    if (parent === undefined) {
      return refuse("unknown_service", `pid ${req.parent_pid} belongs to no running service or child; hint: name the parent with --parent NAME`);
    }
  }
  if (parent === undefined) {
    if (callerUnit === null) {
      return refuse("bad_request", "no parent: name one with --parent NAME (or run sysg spawn from inside a service, whose unit is then the parent)");
    }
    parent = callerUnit;
  }
  // Anyone who may change the supervisor may spawn anywhere; others (a service running as its own
  // user under --sys) only under their own unit.
  if (!ctx.privileged(peer) && !(callerUnit !== null && (parent === callerUnit || parent.startsWith(`${callerUnit}/`)))) {
    return refuse(
      "forbidden",
      `only root, group systemg or a process of "${parent}" itself may spawn under it (you are uid ${peer?.uid ?? "unknown"}); hint: run sysg spawn from inside the service, or as an admin`,
    );
  }
  const r = sup.spawnChild({
    parent,
    argv: req.argv,
    ...(req.name !== undefined ? { name: req.name } : {}),
    ...(req.ttl !== undefined ? { ttl: Math.round(req.ttl * 1000) } : {}),
    ...(req.env !== undefined ? { env: req.env } : {}),
  });
  if (!r.ok) return refuse(r.code, r.message);
  return { ok: true, result: { name: r.unit.name, pid: r.unit.pid, parent: r.unit.parent, ttl: r.unit.ttl === null ? null : r.unit.ttl / 1000 } };
}

/** A change's answer as an IPC reply. */
function changed(r: ChangeResult): HandlerReply {
  return r.ok ? { ok: true, result: { units: r.units } } : { ok: false, error: { code: r.code, message: r.message } };
}

/** What the supervisor knows of one unit, for the status rows both paths share (src/ipc/status.ts). */
function unitFacts(ctx: ControlContext, u: UnitSnapshot): UnitFacts {
  const svc = ctx.supervisor.serviceConfig(u.name);
  const startedAt = u.pid !== null ? u.started_at : null;
  return {
    name: u.name,
    kind: svc?.cron ? "cron" : "service",
    state: u.state,
    pid: u.pid,
    startedAt,
    restarts: u.restarts,
    last_exit: u.last_exit ? { code: u.last_exit.code, signal: u.last_exit.signal, at: iso(u.last_exit.at) } : null,
    reason: u.reason,
    cron: svc?.cron
      ? { expression: svc.cron.expression, timezone: svc.cron.timezone, ...(ctx.cron?.info(u.name) ?? { next_run: null, last_run: null }) }
      : null,
    usage: u.pid !== null ? usage(ctx.history, u.name, u.pid, startedAt) : null,
  };
}

/** The run's latest 1 Hz sample; before its first one, its tree now, measured since it started
 *  (the same quantity as src/ipc/status.ts defines, over the run's short life). */
function usage(history: History, name: string, pid: number, startedAt: number | null): UnitFacts["usage"] {
  const s = history.latest(name, pid);
  if (s) return { cpu: s.cpu, rss: s.rss };
  const now = readTree(pid);
  if (!now) return null;
  return { cpu: startedAt !== null ? treeCpuPercent({ ticks: 0, at: startedAt }, now) : 0, rss: now.rss };
}

function statusUnit(ctx: ControlContext, u: UnitSnapshot, now: number): StatusUnit {
  return statusRow(unitFacts(ctx, u), now);
}

export function statusResult(ctx: ControlContext, only?: string, all = false): StatusResult {
  const now = Date.now();
  const snaps = ctx.supervisor.snapshots();
  const facts: UnitFacts[] = [];
  const spawned = ctx.supervisor.spawned();
  for (const u of snaps) {
    if (only !== undefined && u.name !== only) continue;
    facts.push(unitFacts(ctx, u));
    // a service's dynamic children right under it, each under its own parent
    const under = spawned.filter((c) => c.root === u.name).sort((a, b) => a.name.localeCompare(b.name));
    for (const c of under) facts.push(spawnedFacts(ctx.history, c));
  }
  if (all && only === undefined) facts.push(...orphans(ctx.supervisor.unitPids()));
  return statusDocument(facts, now);
}

function spawnedFacts(history: History, c: SpawnedUnit): UnitFacts {
  return {
    name: c.name,
    kind: "spawned",
    state: "running",
    pid: c.pid,
    startedAt: c.startedAt,
    restarts: 0,
    last_exit: null,
    reason: `spawned under ${c.parent}${c.ttl !== null ? `; stops at ${iso(c.startedAt + c.ttl)} (ttl ${c.ttl / 1000}s)` : ""}`,
    cron: null,
    usage: usage(history, c.name, c.pid, c.startedAt),
  };
}

/**
 * `status --all`: processes re-parented to the supervisor (it is child subreaper, or PID 1)
 * that belong to no service — e.g. what a one-shot left behind when it daemonised. Nothing
 * samples them: their CPU is measured since they started.
 */
/** `mains`: the processes the supervisor spawned for units (a PID-namespace run's init too). */
function orphans(mains: Map<number, string>): UnitFacts[] {
  const table = procTable();
  const out: UnitFacts[] = [];
  for (const e of table) {
    if (e.ppid !== process.pid || mains.has(e.pid) || e.state === "Z") continue;
    const startedAt = startedAtMs(e.startTime);
    const tree = readTree(e.pid);
    out.push({
      name: `${e.comm}[${e.pid}]`,
      kind: "orphaned",
      state: "running",
      pid: e.pid,
      startedAt,
      restarts: 0,
      last_exit: null,
      reason: "re-parented to the supervisor; no service owns it",
      cron: null,
      usage: tree ? { cpu: treeCpuPercent({ ticks: 0, at: startedAt }, tree), rss: tree.rss } : null,
    });
  }
  return out;
}

function inspectResult(ctx: ControlContext, snap: UnitSnapshot, peer: PeerCred | null, windowS: number, showEnv: boolean): InspectResult {
  const now = Date.now();
  const svc = ctx.supervisor.serviceConfig(snap.name);
  const split = svc ? splitEnv(svc.env, svc.env_set ?? [], ctx.privileged(peer), showEnv) : null;
  const config = svc && split ? { ...svc, env: split.set } : svc;
  const window = Math.min(windowS, 600);
  return {
    unit: statusUnit(ctx, snap, now),
    config,
    processes: snap.pid === null ? [] : processTree(snap.pid, procTable(), (pid) => ctx.history.memberCpu(snap.name, snap.pid!, pid)),
    window,
    samples: ctx.history.samples(snap.name, window * 1000, now).map((s) => ({ at: iso(s.at), cpu: round(s.cpu), rss: s.rss })),
    exits: ctx.history.exits(snap.name).map((e) => ({ at: iso(e.at), code: e.code, signal: e.signal, reason: e.reason })),
    restarts: ctx.history.restarts(snap.name).map((r) => ({ at: iso(r.at), reason: r.reason })),
    cron_history: svc?.cron ? (ctx.cron?.history(snap.name) ?? []) : null,
    ...(split ? { inherited_env: split.inherited } : {}),
  };
}

/**
 * What inspect shows of a service's environment: the variables the config set, with values
 * for admins (names only for others), and the inherited ones by name — their values (the
 * shell's TMUX, SSH_AUTH_SOCK, tokens…) only when an admin asks with show_env.
 */
function splitEnv(env: Record<string, string>, setNames: string[], admin: boolean, showEnv: boolean) {
  const setKeys = new Set(setNames);
  const set: Record<string, string> = {};
  const inherited: Record<string, string | null> = {};
  for (const [k, v] of Object.entries(env)) {
    if (setKeys.has(k)) set[k] = admin ? v : "(hidden)";
    else inherited[k] = admin && showEnv ? v : null;
  }
  return { set, inherited };
}

/** `cpuOf`: a process's CPU % over the last sampling interval (null: not sampled twice yet, shown as 0). */
function processTree(pid: number, table: ProcStat[], cpuOf: (pid: number) => number | null): InspectResult["processes"] {
  const children = childrenByParent(table);
  const root = table.find((e) => e.pid === pid);
  if (!root) return [];
  const out: InspectResult["processes"] = [];
  const queue = [root];
  while (queue.length > 0 && out.length < 500) {
    const e = queue.shift()!;
    out.push({ pid: e.pid, ppid: e.ppid, command: commandLine(e), cpu: round(cpuOf(e.pid) ?? 0), rss: e.rss });
    queue.push(...(children.get(e.pid) ?? []));
  }
  return out;
}

function commandLine(e: ProcStat): string {
  try {
    const raw = readFileSync(`/proc/${e.pid}/cmdline`, "utf8");
    const text = raw.split("\0").filter(Boolean).join(" ");
    return text || `[${e.comm}]`;
  } catch {
    return `[${e.comm}]`;
  }
}


function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}
