// Helpers for the spawn tests: read what the kernel says about a process, wait for exits.
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import type { ExitStatus, Platform, SpawnSpec } from "../../../src/platform/types.ts";

export const PATH_ENV = "PATH=/usr/local/bin:/usr/bin:/bin";

/** A spec with quiet stdio, a fixed env and cwd "/", overridable. */
export function spec(argv: string[], extra: Partial<SpawnSpec> = {}): SpawnSpec {
  return { argv, env: [PATH_ENV], cwd: "/", stdin: -1, stdout: -1, stderr: -1, ...extra };
}

/** Spawns and fails the test at once if the spawn fails. */
export function spawnOk(platform: Platform, s: SpawnSpec): number {
  const out = platform.spawn(s);
  if (!out.ok) throw new Error(`spawn failed: ${out.message}`);
  return out.pid;
}

export function exited(platform: Platform, pid: number): Promise<ExitStatus> {
  return new Promise((resolve) => platform.watch(pid, resolve));
}

/** Waits until PID's exec has finished: the vfork-style spawn returns as soon as the new
 *  program's memory is in place, a moment before the kernel has filled in its argv. */
export function execDone(pid: number): void {
  const until = Date.now() + 2000;
  while (readFileSync(`/proc/${pid}/cmdline`).length === 0) {
    if (Date.now() > until) throw new Error(`pid ${pid} did not finish exec`);
    Bun.sleepSync(1);
  }
}

/** Fields of /proc/PID/status as text, e.g. status(pid).SigBlk. */
export function status(pid: number): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, "utf8").split("\n")) {
    const at = line.indexOf(":");
    if (at > 0) fields[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return fields;
}

/** /proc/PID/stat split into fields, numbered as in proc(5) (1 = pid, 3 = state, 4 = ppid…). */
export function stat(pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  const close = text.lastIndexOf(")"); // comm may contain spaces and parens
  return ["", text.slice(0, text.indexOf(" ")), text.slice(text.indexOf("(") + 1, close), ...text.slice(close + 2).trim().split(" ")];
}

/** fd number → link target, for every open fd of PID. */
export function openFds(pid: number): Map<number, string> {
  const fds = new Map<number, string>();
  for (const name of readdirSync(`/proc/${pid}/fd`)) {
    try {
      fds.set(Number(name), readlinkSync(`/proc/${pid}/fd/${name}`));
    } catch {
      // closed while listing (our own readdir fd)
    }
  }
  return fds;
}

/** The fds of PID once its program has settled: asleep, and the same set twice in a row
 *  (a starting program may briefly hold files, e.g. while its libc reads locale data). */
export function settledFds(pid: number): Map<number, string> {
  const until = Date.now() + 2000;
  let last = "";
  for (;;) {
    const fds = openFds(pid);
    const now = JSON.stringify([...fds]);
    if (now === last && stat(pid)[3] === "S") return fds;
    if (Date.now() > until) throw new Error(`pid ${pid} did not settle`);
    last = now;
    Bun.sleepSync(10);
  }
}

/** Pids of our children that are zombies right now. */
export function zombieChildren(parent = process.pid): number[] {
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const f = stat(Number(name));
      if (f[4] === String(parent) && f[3] === "Z") found.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return found;
}

/** Kills what a test left running (by pid; never by name). */
export function killAll(platform: Platform, pids: Iterable<number>): void {
  for (const pid of pids) platform.kill(pid, "SIGKILL");
}
