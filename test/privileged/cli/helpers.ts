// Helpers for the compiled-binary privileged tests: running sysg as another user (setpriv),
// reading what /proc says about a service, and keeping the host's real --sys paths as found.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import { type Sandbox, SYSG, sleep, taggedPids } from "../../helpers/sysg.ts";

export const NOBODY = 65534;
export const isRoot = process.getuid?.() === 0;
export const hasSetpriv = spawnSync("setpriv", ["--version"]).status === 0;

/** Why this file cannot run here, or null; the caller prints it and skips. */
export function skipReason(file: string, needs: { setpriv?: boolean } = {}): string | null {
  if (!isRoot) return `skipping ${file}: needs root (uid 0)`;
  if (needs.setpriv && !hasSetpriv) return `skipping ${file}: needs setpriv (util-linux) to run sysg as another user`;
  return null;
}

export interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** sysg as another user: `ids` are setpriv options, e.g. ["--reuid=65534", "--regid=65534", "--clear-groups"]. */
export function runAs(sb: Sandbox, ids: string[], args: string[], env: Record<string, string> = {}): Ran {
  const r = spawnSync("setpriv", [...ids, SYSG, ...args], {
    cwd: "/",
    // HOME where the user has nothing of their own
    env: { ...sb.env, HOME: "/nonexistent", ...env },
    encoding: "utf8",
    timeout: 20_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

export const asNobody = ["--reuid=65534", "--regid=65534", "--clear-groups"];

/** Fields of /proc/PID/status. */
export function procStatus(pid: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, "utf8").split("\n")) {
    const at = line.indexOf(":");
    if (at > 0) out[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return out;
}

/** `Max open files` → [soft, hard] from /proc/PID/limits. */
export function procLimit(pid: number, name: string): [string, string] {
  const line = readFileSync(`/proc/${pid}/limits`, "utf8").split("\n").find((l) => l.startsWith(name));
  if (!line) throw new Error(`no "${name}" in /proc/${pid}/limits`);
  const [soft, hard] = line.slice(name.length).trim().split(/\s+/);
  return [soft!, hard!];
}

export async function until<T>(what: string, get: () => T | undefined | null | false, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    let v: T | undefined | null | false;
    try {
      v = get();
    } catch {
      v = undefined;
    }
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** The pid of a live process whose command line contains `needle` and that carries the tag. */
export function pidOf(tag: string, needle: string): number | undefined {
  return taggedPids(tag).find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").includes(needle);
    } catch {
      return false;
    }
  });
}

/**
 * House rule 6: the real --sys paths are the host's. Before a test, each that exists is moved
 * aside; after it, whatever the test made there is removed and the originals are put back.
 */
export class SysPathsGuard {
  static readonly DIRS = ["/var/lib/systemg", "/var/log/systemg", "/etc/systemg"];
  private moved = new Map<string, string>();

  /** null when a live system supervisor owns the paths (then the caller skips). */
  static busy(): string | null {
    try {
      const pid = JSON.parse(readFileSync("/var/lib/systemg/sysg.pid", "utf8")).pid;
      if (typeof pid === "number" && existsSync(`/proc/${pid}`)) return `a system supervisor (pid ${pid}) is running on this host`;
    } catch {}
    return null;
  }

  save(): void {
    for (const dir of SysPathsGuard.DIRS) {
      if (!existsSync(dir)) continue;
      const aside = `${dir}.sysg-test-${process.pid}`;
      renameSync(dir, aside);
      this.moved.set(dir, aside);
    }
  }

  restore(): void {
    for (const dir of SysPathsGuard.DIRS) {
      rmSync(dir, { recursive: true, force: true });
      const aside = this.moved.get(dir);
      if (aside) renameSync(aside, dir);
    }
    this.moved.clear();
  }
}
