// Starting and stopping the supervisors under test, temp dirs, statistics and the result table.
// Every process we start is remembered with its start time; stopTree() ends the supervisor
// gracefully, then SIGKILLs whatever of its tree is left (by pid, start time checked), and an
// exit hook does the same for anything a failed run left behind. Temp dirs go the same way.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { alive, descendants, pollAsync, startTime } from "./proc.ts";

export const ROOT = join(import.meta.dir, "..", "..", "..");
export const SYSG = process.env.SYSG ?? join(ROOT, "dist", "sysg");

const tempDirs = new Set<string>();
/** pid → start time, for every process tree we must not leave behind */
const tracked = new Map<number, string | null>();

export function tempDir(tag: string): string {
  const d = mkdtempSync(join(tmpdir(), `sysg-bench-${tag}-`));
  tempDirs.add(d);
  return d;
}

export function removeTemp(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

export interface Started {
  pid: number;
  child: ChildProcess;
  /** performance.now() just before the exec */
  t0: number;
}

/** Starts `argv` in its own process group with stdout+stderr to `logFile`. */
export function startProcess(argv: string[], opts: { env?: Record<string, string>; cwd?: string; logFile: string }): Started {
  const fd = openSync(opts.logFile, "a");
  const t0 = performance.now();
  const child = spawn(argv[0]!, argv.slice(1), {
    cwd: opts.cwd,
    env: { ...process.env, ...opts.env },
    stdio: ["ignore", fd, fd],
    detached: true,
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${argv[0]}`);
  child.on("error", () => {});
  track(child.pid);
  return { pid: child.pid, child, t0 };
}

/** Remembers a process (e.g. a daemon we did not fork ourselves) so it is cleaned up. */
export function track(pid: number): void {
  tracked.set(pid, startTime(pid));
}

function sameProcess(pid: number, start: string | null): boolean {
  return alive(pid) && (start === null || startTime(pid) === start);
}

/**
 * Stops a supervisor: `signal` to it (or the caller's own stop command already ran), waits up to
 * `graceMs` for it and its tree to go, then SIGKILLs the rest. Returns whether it went by itself.
 */
export async function stopTree(pid: number, graceMs = 10_000, signal: NodeJS.Signals | null = "SIGTERM"): Promise<boolean> {
  if (pid <= 1) throw new Error(`refusing to stop pid ${pid}`);
  const start = tracked.get(pid) ?? startTime(pid);
  const members = descendants(pid).map((p) => [p, startTime(p)] as const);
  if (signal && sameProcess(pid, start)) {
    try {
      process.kill(pid, signal);
    } catch {}
  }
  const gone = () => !sameProcess(pid, start) && members.every(([p, s]) => !sameProcess(p, s));
  const clean = await pollAsync(gone, graceMs);
  for (const [p, s] of [[pid, start] as const, ...members]) {
    if (sameProcess(p, s)) {
      try {
        process.kill(p, "SIGKILL");
      } catch {}
    }
  }
  await pollAsync(() => !sameProcess(pid, start), 2000);
  tracked.delete(pid);
  return clean;
}

/** Waits up to `graceMs` for a command (not its children: a daemon it left) to end by itself, then SIGKILLs it. */
export async function awaitExit(pid: number, graceMs: number): Promise<boolean> {
  const start = tracked.get(pid) ?? startTime(pid);
  const clean = await pollAsync(() => !sameProcess(pid, start), graceMs);
  if (!clean) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
    await pollAsync(() => !sameProcess(pid, start), 2000);
  }
  tracked.delete(pid);
  return clean;
}

/** Last-resort cleanup when a bench throws or is interrupted. */
function cleanupNow(): void {
  for (const [pid, start] of tracked) {
    for (const p of [pid, ...descendants(pid)]) {
      if (p === pid ? sameProcess(p, start) : alive(p)) {
        try {
          process.kill(p, "SIGKILL");
        } catch {}
      }
    }
  }
  tracked.clear();
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs.clear();
}
process.on("exit", cleanupNow);
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(sig, () => {
    cleanupNow();
    process.exit(130);
  });
}

/** Runs a command to completion, returning its output (for supervisorctl, pm2, hyperfine). */
export function run(argv: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): { code: number | null; out: string } {
  const r = Bun.spawnSync(argv, {
    env: { ...process.env, ...opts.env },
    stdout: "pipe",
    stderr: "pipe",
    timeout: opts.timeoutMs ?? 60_000,
  });
  return { code: r.exitCode, out: r.stdout.toString() + r.stderr.toString() };
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ── statistics and output ─────────────────────────────────────────────────────

export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return s[lo]! + (s[hi]! - s[lo]!) * (i - lo);
}

export const median = (xs: number[]) => quantile(xs, 0.5);

export function fmt(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return "–";
  return x.toFixed(digits);
}

/** Prints an aligned table; the first row is the header. */
export function table(rows: string[][]): void {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ");
  console.log(line(rows[0]!));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows.slice(1)) console.log(line(r));
}

/** "1.00×" style ratio of `x` to sysg's value. */
export function ratio(x: number, sysg: number): string {
  return Number.isFinite(x) && Number.isFinite(sysg) && sysg > 0 ? `${(x / sysg).toFixed(2)}×` : "–";
}

/** The kernel, CPU and memory line every bench prints first, so numbers carry their context. */
export function machine(): string {
  const cpu = /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? "?";
  return `${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Linux ${release()}, load ${loadavg()[0]!.toFixed(2)}`;
}
