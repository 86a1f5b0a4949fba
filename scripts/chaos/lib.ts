// Shared parts of the chaos suite: a private HOME per scenario, runs of the compiled binary
// with a hard timeout, the processes a scenario started (found by a tag in their environment,
// never by name), and the per-scenario tally that ends in the `chaos:` line.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");
/** the binary under test: dist/sysg, or CHAOS_SYSG (to compare builds) */
export const SYSG = process.env.CHAOS_SYSG ?? join(ROOT, "dist", "sysg");

export interface Tally {
  name: string;
  trials: number;
  /** log lines a service wrote that are missing or torn in its log file */
  lost: number;
  /** processes left running that nothing supervises */
  orphans: number;
  /** sysg died by a signal we did not send, hung past its timeout, or printed an internal error */
  crashes: number;
  /** figures worth reporting (latencies, rates, slopes) */
  figures: string[];
  /** what went wrong, one line each (every non-zero count has at least one) */
  problems: string[];
  skipped?: string;
}

export function tally(name: string): Tally {
  return { name, trials: 0, lost: 0, orphans: 0, crashes: 0, figures: [], problems: [] };
}

export interface Box {
  dir: string;
  home: string;
  tag: string;
  env: Record<string, string>;
  stateDir: string;
  logDir: string;
  write(name: string, text: string): string;
  cleanup(): void;
}

/** A temp dir with its own HOME (so its own state dir); every process started from it carries CHAOS_TAG. */
export function box(label: string): Box {
  const dir = mkdtempSync(join(tmpdir(), `sysg-chaos-${label}-`));
  const home = join(dir, "home");
  mkdirSync(home, { recursive: true });
  const tag = `c${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const stateDir = join(home, ".local", "share", "systemg");
  return {
    dir,
    home,
    tag,
    stateDir,
    logDir: join(stateDir, "logs"),
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home, CHAOS_TAG: tag, NO_COLOR: "1" },
    write(name, text) {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
    cleanup() {
      killTagged(tag);
      if (process.env.CHAOS_KEEP) console.error(`chaos: kept ${dir} (CHAOS_KEEP)`);
      else rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RunResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
  timedOut: boolean;
}

/** One run of dist/sysg (synchronous), killed after `timeout` ms. */
export function sysg(b: Box, args: string[], opts: { timeout?: number; env?: Record<string, string>; input?: string } = {}): RunResult {
  const t0 = performance.now();
  const r = spawnSync(SYSG, args, {
    cwd: b.dir,
    env: { ...b.env, ...opts.env },
    encoding: "utf8",
    timeout: opts.timeout ?? 30_000,
    killSignal: "SIGKILL",
    input: opts.input,
    maxBuffer: 64 * 1024 * 1024,
  });
  const timedOut = (r.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT";
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? "", stderr: r.stderr ?? "", ms: performance.now() - t0, timedOut };
}

/** The same, without blocking the event loop (for many clients at once). */
export function sysgAsync(b: Box, args: string[], timeout = 30_000): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const p = spawn(SYSG, args, { cwd: b.dir, env: b.env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    let timedOut = false;
    const t = setTimeout(() => {
      timedOut = true;
      p.kill("SIGKILL");
    }, timeout);
    p.on("close", (code, signal) => {
      clearTimeout(t);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - t0, timedOut });
    });
  });
}

/** Signs that sysg itself failed rather than reporting a problem: an uncaught exception's stack, a panic. */
const INTERNAL = /panic|Segmentation fault|RangeError|TypeError|ReferenceError|Maximum call stack|uncaught|Unhandled|^\s+at .+:\d+:\d+\)?$/im;

/** Why `r` counts as a crash (null: it does not). `expected`: the exit codes that are answers. */
export function crashOf(r: RunResult, expected: number[]): string | null {
  if (r.timedOut) return `hung: killed after ${Math.round(r.ms)} ms`;
  if (r.signal) return `died by ${r.signal}`;
  if (INTERNAL.test(r.stderr) || INTERNAL.test(r.stdout)) return `internal error: ${firstMatchLine(`${r.stderr}\n${r.stdout}`)}`;
  if (r.code === null || !expected.includes(r.code)) return `exit ${r.code} (expected ${expected.join("/")}): ${r.stderr.split("\n")[0]}`;
  return null;
}

function firstMatchLine(text: string): string {
  return (text.split("\n").find((l) => INTERNAL.test(l)) ?? "").trim().slice(0, 200);
}

// ── processes ────────────────────────────────────────────────────────────────

export interface Proc {
  pid: number;
  ppid: number;
  state: string;
  startTime: number;
  comm: string;
}

export function stat(pid: number): Proc | null {
  try {
    const t = readFileSync(`/proc/${pid}/stat`, "latin1");
    const close = t.lastIndexOf(")");
    const f = t.slice(close + 2).split(" ");
    return { pid, comm: t.slice(t.indexOf("(") + 1, close), state: f[0]!, ppid: Number(f[1]), startTime: Number(f[19]) };
  } catch {
    return null;
  }
}

export function alive(pid: number): boolean {
  const s = stat(pid);
  return s !== null && s.state !== "Z" && s.state !== "X";
}

/** Live processes whose environment carries the tag, with their argv. */
export function tagged(tag: string): (Proc & { argv: string[] })[] {
  const out: (Proc & { argv: string[] })[] = [];
  const needle = `CHAOS_TAG=${tag}\0`;
  for (const e of readdirSync("/proc")) {
    if (e.charCodeAt(0) < 48 || e.charCodeAt(0) > 57) continue;
    try {
      if (!readFileSync(`/proc/${e}/environ`, "latin1").includes(needle)) continue;
      const s = stat(Number(e));
      if (!s || s.state === "Z" || s.state === "X") continue;
      out.push({ ...s, argv: readFileSync(`/proc/${e}/cmdline`, "latin1").split("\0").filter(Boolean) });
    } catch {}
  }
  return out;
}

export function killTagged(tag: string): number {
  let n = 0;
  for (const p of tagged(tag)) {
    try {
      process.kill(p.pid, "SIGKILL");
      n++;
    } catch {}
  }
  return n;
}

/** The supervisor recorded in sysg.pid, if it runs. */
export function supervisorPid(b: Box): number | null {
  try {
    const info = JSON.parse(readFileSync(join(b.stateDir, "sysg.pid"), "utf8")) as { pid: number; start_time: number };
    const s = stat(info.pid);
    return s && s.startTime === info.start_time && s.state !== "Z" ? info.pid : null;
  } catch {
    return null;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` until true or `timeout` ms passed; returns whether it became true. */
export async function until(cond: () => boolean, timeout: number, every = 20): Promise<boolean> {
  const end = Date.now() + timeout;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(every);
  }
  return cond();
}

/** RSS (and its anonymous part: heap, stacks — what a leak grows) in bytes, and CPU ticks of a pid. */
export function usage(pid: number): { rss: number; anon: number; ticks: number } | null {
  try {
    const t = readFileSync(`/proc/${pid}/stat`, "latin1");
    const f = t.slice(t.lastIndexOf(")") + 2).split(" ");
    const status = readFileSync(`/proc/${pid}/status`, "latin1");
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    const anon = Number(/RssAnon:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
    return { rss, anon, ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return null;
  }
}

// ── helpers built once per run ───────────────────────────────────────────────

let loggerPath: string | null = null;

/**
 * A tiny C logger service: writes numbered lines (`<name> <pid> <seq> <pad>`) to stdout and,
 * after every write() that returned, stores the count in `<truthdir>/<name>.<pid>` — the ground
 * truth of which lines left the service. SIGTERM ends it with code 0.
 */
export function logger(): string {
  if (loggerPath && existsSync(loggerPath)) return loggerPath;
  const dir = mkdtempSync(join(tmpdir(), "sysg-chaos-bin-"));
  const src = join(dir, "chaos-logger.c");
  writeFileSync(src, LOGGER_C);
  const out = join(dir, "chaos-logger");
  const r = spawnSync(process.env.CC ?? "cc", ["-O2", "-o", out, src], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`cannot build the chaos logger: ${r.stderr}`);
  loggerPath = out;
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return out;
}

const LOGGER_C = String.raw`
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
static volatile sig_atomic_t stop = 0;
static void on_term(int s) { (void)s; stop = 1; }
int main(int argc, char **argv) {
  if (argc < 5) { fprintf(stderr, "usage: chaos-logger NAME TRUTHDIR LINES_PER_SEC PAD\n"); return 2; }
  const char *name = argv[1];
  int rate = atoi(argv[3]), pad = atoi(argv[4]);
  char path[4096];
  snprintf(path, sizeof path, "%s/%s.%d", argv[2], name, (int)getpid());
  int truth = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (truth < 0) { perror("truth file"); return 2; }
  struct sigaction sa; memset(&sa, 0, sizeof sa); sa.sa_handler = on_term; sigaction(SIGTERM, &sa, 0);
  char padding[2048]; if (pad > 2000) pad = 2000; memset(padding, 'x', pad); padding[pad] = 0;
  char line[4096], count[32];
  long seq = 0;
  int burst = rate >= 100 ? rate / 100 : 1;
  struct timespec gap = { 0, rate >= 100 ? 10000000L : 1000000000L / (rate > 0 ? rate : 1) };
  while (!stop) {
    for (int i = 0; i < burst && !stop; i++) {
      int n = snprintf(line, sizeof line, "%s %d %ld %s\n", name, (int)getpid(), seq + 1, padding);
      if (write(1, line, n) != n) return 3;
      seq++;
      int c = snprintf(count, sizeof count, "%ld\n", seq);
      pwrite(truth, count, c, 0);
    }
    if (rate > 0) nanosleep(&gap, 0);
  }
  return 0;
}
`;

/** Ground truth of a logger run: lines it wrote (whole write() calls) per pid. */
export function truthCounts(truthDir: string, name: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const f of readdirSync(truthDir)) {
    if (!f.startsWith(`${name}.`)) continue;
    const pid = Number(f.slice(name.length + 1));
    out.set(pid, Number.parseInt(readFileSync(join(truthDir, f), "latin1"), 10) || 0);
  }
  return out;
}

/**
 * Compares a logger's log file(s) with its ground truth: a line is torn when it does not have
 * the exact shape the logger writes; lost when its number is missing for its pid. Returns the
 * counts and a sample of what went wrong.
 */
export function auditLog(text: string, name: string, truth: Map<number, number>, pad: number): { lines: number; lost: number; torn: number; extra: number; sample: string[] } {
  const seen = new Map<number, Set<number>>();
  let torn = 0;
  let lines = 0;
  const sample: string[] = [];
  const shape = new RegExp(`^(?:\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z )?${name} (\\d+) (\\d+) x{${pad}}$`);
  for (const l of text.split("\n")) {
    if (l === "" || !l.includes(`${name} `)) continue;
    lines++;
    const m = shape.exec(l);
    if (!m) {
      torn++;
      if (sample.length < 3) sample.push(`torn: ${JSON.stringify(l.slice(0, 120))}`);
      continue;
    }
    const pid = Number(m[1]);
    let s = seen.get(pid);
    if (!s) seen.set(pid, (s = new Set()));
    s.add(Number(m[2]));
  }
  let lost = 0;
  let extra = 0;
  for (const [pid, count] of truth) {
    const s = seen.get(pid) ?? new Set<number>();
    let missing = 0;
    let firstMissing = 0;
    for (let i = 1; i <= count; i++)
      if (!s.has(i)) {
        if (missing === 0) firstMissing = i;
        missing++;
      }
    if (missing > 0 && sample.length < 6) sample.push(`pid ${pid}: ${missing} of ${count} lines missing (first #${firstMissing})`);
    lost += missing;
    for (const v of s) if (v > count + 1) extra++;
  }
  return { lines, lost, torn, extra, sample };
}

export function readLogs(logDir: string, name: string, stream: "stdout" | "stderr" = "stdout"): string {
  const base = `${name}_${stream}.log`;
  let files: string[] = [];
  try {
    files = readdirSync(logDir).filter((f) => f === base || f.startsWith(`${base}.`));
  } catch {
    return "";
  }
  // oldest rotated file first
  files.sort((a, b) => rotIndex(b) - rotIndex(a));
  return files.map((f) => readFileSync(join(logDir, f), "latin1")).join("");
}

function rotIndex(f: string): number {
  const m = /\.log\.(\d+)$/.exec(f);
  return m ? Number(m[1]) : 0;
}

export function pct(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

export function fmt(n: number, digits = 1): string {
  return Number.isFinite(n) ? n.toFixed(digits) : "n/a";
}

// ── the control socket, spoken directly (no CLI start-up in the measurement) ──


/** Sends raw bytes on a fresh connection; resolves with every answer line until the server
 *  closes or `timeout` passes. */
export function rawExchange(sock: string, payload: Uint8Array | string, expect: number, timeout = 10_000, halfClose = false): Promise<{ lines: string[]; ms: number; error: string | null }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const c = net.connect(sock);
    let buf = "";
    const lines: string[] = [];
    let done = false;
    const finish = (error: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      c.destroy();
      resolve({ lines, ms: performance.now() - t0, error });
    };
    const timer = setTimeout(() => finish(`no ${expect} answer(s) within ${timeout} ms (got ${lines.length})`), timeout);
    // halfClose: the last frame may lack its newline; the server answers it at end of stream
    c.on("connect", () => (halfClose ? c.end(payload) : c.write(payload)));
    c.on("data", (d) => {
      buf += d;
      let nl = buf.indexOf("\n");
      while (nl >= 0) {
        lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        nl = buf.indexOf("\n");
      }
      if (lines.length >= expect) finish(null);
    });
    c.on("error", (e) => finish(e.message));
    c.on("close", () => finish(lines.length >= expect ? null : `closed after ${lines.length} answer(s)`));
  });
}

/** One status round trip over the socket: ms, or an error. */
export async function statusRtt(sock: string, timeout = 5000): Promise<{ ms: number; error: string | null }> {
  const r = await rawExchange(sock, '{"v":1,"id":1,"cmd":"status"}\n', 1, timeout);
  if (r.error) return { ms: r.ms, error: r.error };
  try {
    const frame = JSON.parse(r.lines[0]!) as { ok: boolean };
    return { ms: r.ms, error: frame.ok ? null : `status refused: ${r.lines[0]!.slice(0, 120)}` };
  } catch {
    return { ms: r.ms, error: `not JSON: ${r.lines[0]!.slice(0, 120)}` };
  }
}

/** Starts a daemonized supervisor for `config`; its pid, or throws with the CLI's output. */
export function startDaemon(b: Box, config: string, env?: Record<string, string>): number {
  const r = sysg(b, ["start", "--daemonize", "-c", config], { timeout: 60_000, env });
  const pid = supervisorPid(b);
  if (r.code !== 0 || pid === null) throw new Error(`start --daemonize failed (exit ${r.code}): ${r.stderr || r.stdout}`);
  return pid;
}

/** Stops the supervisor and reports what did not go: crash text (or null) and leftover processes. */
export async function stopDaemon(b: Box, t: Tally, what: string): Promise<void> {
  const pid = supervisorPid(b);
  const r = sysg(b, ["stop"], { timeout: 60_000 });
  const c = crashOf(r, [0]);
  if (c) {
    t.crashes++;
    t.problems.push(`${what}: stop: ${c}`);
  }
  if (pid !== null && !(await until(() => !alive(pid), 20_000))) {
    let detail = "";
    try {
      detail = `; fds ${readdirSync(`/proc/${pid}/fd`).length}; supervisor.log ends: ${readFileSync(join(b.logDir, "supervisor.log"), "utf8").split("\n").slice(-4).join(" | ").slice(0, 400)}`;
    } catch {}
    t.problems.push(`${what}: the supervisor (pid ${pid}) still runs 20 s after stop${detail}`);
  }
  if (!(await until(() => tagged(b.tag).length === 0, 10_000))) {
    const left = tagged(b.tag);
    t.orphans += left.length;
    t.problems.push(`${what}: ${left.length} process(es) left after stop: ${left.slice(0, 5).map((p) => `${p.pid} ${p.argv.join(" ").slice(0, 60)}`).join("; ")}`);
    killTagged(b.tag);
  }
}

/** Whether a supervisor that should be alive died, and how (from supervisor.log's tail). */
export function checkAlive(b: Box, pid: number, t: Tally, what: string): boolean {
  if (alive(pid)) return true;
  t.crashes++;
  let tail = "";
  try {
    tail = readFileSync(join(b.logDir, "supervisor.log"), "utf8").split("\n").slice(-4).join(" | ");
  } catch {}
  t.problems.push(`${what}: the supervisor (pid ${pid}) died; supervisor.log ends: ${tail.slice(0, 300)}`);
  return false;
}
