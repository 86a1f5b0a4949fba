// Readiness probes (SPEC §1): each polls until it passes or the abort signal fires. The caller
// owns the timeout and what happens on failure; a probe only says "ready" or why not yet.
import { connect } from "node:net";
import type { ResolvedProbe } from "../config/resolved.ts";
import type { Platform } from "../platform/types.ts";
import { type ExecContext, startChild } from "./child.ts";
import { notifyFields } from "./notify.ts";

export interface ProbeContext {
  platform: Platform;
  /** the run's execution context: an exec probe runs as the service does */
  exec: ExecContext;
  /** subscribe to the service's output lines; returns an unsubscribe function */
  onLine: (listener: (line: string) => void) => () => void;
  signal: AbortSignal;
  /** the run's sd_notify messages, accepted ones only (notify probe only) */
  notify: { receive(): string[] } | null;
}

const POLL_MS = 100;
/** reading the notify socket is a cheap non-blocking recv, so READY=1 is noticed quickly */
const NOTIFY_POLL_MS = 20;

/** Resolves true when the probe passed, false when aborted first. `lastError` says why not yet. */
export async function probeUntilReady(
  probe: Exclude<ResolvedProbe, { kind: "default" }>,
  ctx: ProbeContext,
  progress: (lastError: string) => void,
): Promise<boolean> {
  if (probe.kind === "log") return waitForLine(new RegExp(probe.regex), ctx);
  if (probe.kind === "notify") return waitForNotify(ctx, progress);
  while (!ctx.signal.aborted) {
    const error = await probeOnce(probe, ctx);
    if (error === null) return true;
    progress(error);
    await sleep(POLL_MS, ctx.signal);
  }
  return false;
}

/** What a single check needs: no output lines, no notify socket. */
export type CheckContext = Pick<ProbeContext, "platform" | "exec" | "signal">;

/** One check of a tcp/http/exec probe: null when it passed, else why not. Also used by liveness. */
export function probeOnce(probe: Exclude<ResolvedProbe, { kind: "default" | "log" | "notify" }>, ctx: CheckContext): Promise<string | null> {
  switch (probe.kind) {
    case "tcp":
      return tcpOnce(probe.host, probe.port);
    case "http":
      return httpOnce(probe.url, probe.status, ctx.signal);
    case "exec":
      return execOnce(probe.command, ctx);
  }
}

/** Ready once a message carries READY=1; until then the service's last STATUS= says why not. */
async function waitForNotify(ctx: ProbeContext, progress: (lastError: string) => void): Promise<boolean> {
  if (!ctx.notify) {
    progress("no notify socket for this run");
    return false;
  }
  let status = "";
  while (!ctx.signal.aborted) {
    for (const message of ctx.notify.receive()) {
      const fields = notifyFields(message);
      if (fields.get("READY") === "1") return true;
      status = fields.get("STATUS") ?? status;
    }
    progress(`no READY=1 on NOTIFY_SOCKET yet${status ? `; last STATUS=${status}` : ""}`);
    await sleep(NOTIFY_POLL_MS, ctx.signal);
  }
  return false;
}

function tcpOnce(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const sock = connect({ host, port });
    const done = (err: string | null) => {
      sock.removeAllListeners();
      sock.destroy();
      resolve(err);
    };
    sock.setTimeout(1000, () => done(`tcp ${host}:${port}: connect timed out`));
    sock.once("connect", () => done(null));
    sock.once("error", (e: NodeJS.ErrnoException) => done(`tcp ${host}:${port}: ${e.code ?? e.message}`));
  });
}

/** `status` is "2xx"-style (a digit and x's) or an exact code. */
export function statusMatches(pattern: string, status: number): boolean {
  const s = String(status);
  if (pattern.length !== s.length) return false;
  for (let i = 0; i < s.length; i++) if (pattern[i] !== "x" && pattern[i] !== "X" && pattern[i] !== s[i]) return false;
  return true;
}

async function httpOnce(url: string, status: string, signal: AbortSignal): Promise<string | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.any([signal, AbortSignal.timeout(2000)]), redirect: "manual" });
    await res.body?.cancel();
    return statusMatches(status, res.status) ? null : `http ${url}: status ${res.status}, want ${status}`;
  } catch (e) {
    return `http ${url}: ${e instanceof Error ? e.message : String(e)}`;
  }
}

async function execOnce(command: string, ctx: CheckContext): Promise<string | null> {
  const r = startChild(ctx.platform, ctx.exec, { command });
  if (!r.ok) return `exec probe: ${r.error.message}`;
  const onAbort = () => ctx.platform.kill(-r.child.pid, "SIGKILL");
  ctx.signal.addEventListener("abort", onAbort, { once: true });
  const status = await r.child.exit;
  ctx.signal.removeEventListener("abort", onAbort);
  if (status.code === 0) return null;
  return `exec probe "${command}" ${status.signal ? `killed by ${status.signal}` : `exited with code ${status.code}`}`;
}

function waitForLine(re: RegExp, ctx: ProbeContext): Promise<boolean> {
  return new Promise((resolve) => {
    const finish = (v: boolean) => {
      off();
      ctx.signal.removeEventListener("abort", onAbort);
      resolve(v);
    };
    const off = ctx.onLine((line) => {
      if (re.test(line)) finish(true);
    });
    const onAbort = () => finish(false);
    if (ctx.signal.aborted) finish(false);
    else ctx.signal.addEventListener("abort", onAbort, { once: true });
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}

/** Human summary of a probe for reasons: "tcp 127.0.0.1:8080". */
export function describeProbe(p: ResolvedProbe): string {
  switch (p.kind) {
    case "default":
      return "process alive";
    case "notify":
      return "notify";
    case "tcp":
      return `tcp ${p.host}:${p.port}`;
    case "http":
      return `http ${p.url}`;
    case "exec":
      return `exec "${p.command}"`;
    case "log":
      return `log /${p.regex}/`;
  }
}
