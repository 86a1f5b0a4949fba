// Shared helpers for tests that drive the real compiled binary: a temp HOME, one-shot runs,
// long-running supervisors with output matching, and cleanup that finds every process a test
// started by a unique tag in its environment (never by name).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const ROOT = join(import.meta.dir, "..", "..");
export const SYSG = join(ROOT, "dist", "sysg");

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Builds dist/sysg when it is missing or older than src/ or ffi/ (npm test builds first anyway). */
export function ensureBuilt(): void {
  let built = 0;
  try {
    built = statSync(SYSG).mtimeMs;
  } catch {}
  if (built > Math.max(newestSource(join(ROOT, "src")), newestSource(join(ROOT, "ffi")))) return;
  const r = spawnSync(process.execPath, ["scripts/build.ts"], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new Error("build failed");
}

export interface Sandbox {
  dir: string;
  home: string;
  tag: string;
  env: Record<string, string>;
  write(name: string, text: string): string;
  cleanup(): void;
}

/** A temp dir with its own HOME; every process started through it carries SYSG_TEST_TAG. */
export function sandbox(): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), "sysg-test-"));
  const home = join(dir, "home");
  spawnSync("mkdir", ["-p", home]);
  const tag = `t${process.pid}-${Math.random().toString(36).slice(2)}`;
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: home,
    SYSG_TEST_TAG: tag,
    NO_COLOR: "1",
  };
  return {
    dir,
    home,
    tag,
    env,
    write(name, text) {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
    cleanup() {
      killTagged(tag);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Pids whose environment carries the tag (our sysg and every service it started). */
export function taggedPids(tag: string): number[] {
  const out: number[] = [];
  const needle = `SYSG_TEST_TAG=${tag}\0`;
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const env = readFileSync(`/proc/${e}/environ`, "latin1");
      if (env.includes(needle)) {
        const stat = readFileSync(`/proc/${e}/stat`, "latin1");
        if (stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z") out.push(Number(e));
      }
    } catch {}
  }
  return out;
}

export function killTagged(tag: string): void {
  for (const pid of taggedPids(tag)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {}
  }
}

export function run(sb: Sandbox, args: string[], opts: { cwd?: string; env?: Record<string, string>; timeout?: number } = {}) {
  const r = spawnSync(SYSG, args, {
    cwd: opts.cwd ?? sb.dir,
    env: { ...sb.env, ...opts.env },
    encoding: "utf8",
    timeout: opts.timeout ?? 20_000,
  });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

export interface Running {
  pid: number;
  output(): string;
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  signal(sig: NodeJS.Signals): void;
  exited: Promise<number | null>;
}

/** Starts sysg (e.g. a foreground `start`) and collects stdout+stderr. */
export function spawnSysg(sb: Sandbox, args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Running {
  const proc = Bun.spawn([SYSG, ...args], {
    cwd: opts.cwd ?? sb.dir,
    env: { ...sb.env, ...opts.env },
    stdout: "pipe",
    stderr: "pipe",
  });
  let text = "";
  const waiters = new Set<() => void>();
  const pump = async (s: ReadableStream<Uint8Array>) => {
    const dec = new TextDecoder();
    for await (const c of s) {
      text += dec.decode(c, { stream: true });
      for (const w of waiters) w();
    }
  };
  pump(proc.stdout);
  pump(proc.stderr);
  return {
    pid: proc.pid,
    output: () => text,
    waitFor(re, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = text.match(re);
          if (m) {
            waiters.delete(check);
            clearTimeout(t);
            resolve(m);
          }
        };
        const t = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${re}; output so far:\n${text}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    signal: (sig) => proc.kill(sig),
    exited: proc.exited,
  };
}

export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `get` until it gives a truthy value, which it returns, or throws naming `what` once `ms`
 *  passed: how a test waits for something to happen (a fixed sleep either wastes time or, on a
 *  loaded machine, looks before it happened). */
export async function until<T>(what: string, get: () => T | null | undefined | false, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(25);
  }
}
