// `sysg start --daemonize`, the parent side: re-executes this same binary detached (new session,
// stdin /dev/null, stdout/stderr appended to supervisor.log) through the spawn core, hands it a
// readiness pipe as fd 3, and returns only when the supervisor says every service's first
// attempt has settled — or with its error when it could not start.
import { basename } from "node:path";
import { openSync, constants as fs } from "node:fs";
import type { Platform } from "../platform/types.ts";
import type { RuntimePaths } from "../runtime/paths.ts";
import { ensureDirs } from "../runtime/paths.ts";
import { daemonEnv } from "../runtime/daemon-env.ts";

export interface DaemonizeOptions {
  platform: Platform;
  paths: RuntimePaths;
  /** flags for the child after `start` (config path, --sys, -s, --log-level …) */
  args: string[];
}

export type DaemonizeOutcome = { ok: true; pid: number } | { ok: false; message: string };

/** The command line that runs this program again (compiled binary, or bun + script in development). */
function self(): string[] {
  const exe = process.execPath;
  return basename(exe) === "bun" && process.argv[1] ? [exe, process.argv[1]] : [exe];
}

export async function daemonize(opts: DaemonizeOptions): Promise<DaemonizeOutcome> {
  const { platform, paths } = opts;
  const dirs = ensureDirs(paths);
  if (!dirs.ok) return { ok: false, message: dirs.error.message };
  let logFd: number;
  try {
    logFd = openSync(paths.supervisorLog, fs.O_WRONLY | fs.O_APPEND | fs.O_CREAT, paths.fileMode);
  } catch (e) {
    return { ok: false, message: `cannot open ${paths.supervisorLog}: ${e instanceof Error ? e.message : String(e)}` };
  }
  const ready = platform.pipe();
  const spawned = platform.spawn({
    argv: [...self(), "start", ...opts.args, "--notify-fd", "3"],
    env: daemonEnv(process.env),
    cwd: process.cwd(),
    stdin: -1,
    stdout: logFd,
    stderr: logFd,
    passFds: [ready.write],
    session: true,
  });
  platform.close(ready.write);
  platform.close(logFd);
  if (!spawned.ok) {
    platform.close(ready.read);
    return { ok: false, message: `cannot start the supervisor: ${spawned.message}` };
  }
  let text = "";
  const decoder = new TextDecoder();
  for await (const chunk of platform.readFd(ready.read)) text += decoder.decode(chunk, { stream: true });
  const line = text.trim();
  if (line === "ready") return { ok: true, pid: spawned.pid };
  if (line.startsWith("error ")) return { ok: false, message: line.slice(6) };
  return { ok: false, message: `the supervisor exited during start-up; see ${paths.supervisorLog}` };
}
