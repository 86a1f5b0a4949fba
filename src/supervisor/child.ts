// One run of a shell command as a supervised child: pipes for its output, the spawn through the
// platform, and an `exit` promise that settles once the child is reaped and its output drained.
// Services, hooks, skip commands and exec probes all start children here, so the one reaper
// owns every exit code — and each starts from its run's ExecContext, so none of them runs with
// more privilege than the service.
import { openSync } from "node:fs";
import { type Command, SHELL, commandArgv } from "../config/command.ts";
import type { ExitStatus, Platform, SpawnSpec, SpawnStep } from "../platform/types.ts";

/** Where a child's output stream goes: a log file the platform's pump writes, or chunks for JS. */
export interface OutputSink {
  /** takes over the read end of the child's pipe; settles once every writer is gone */
  attach(fd: number): Promise<void>;
  /** release the file (after a reload removed or replaced the service) */
  close?(): void;
}

/** A sink whose bytes JS reads itself, chunk by chunk (a discarded stream, tests). */
export function chunkSink(platform: Platform, to: { write(chunk: Uint8Array): void; flush(): void }): OutputSink {
  return {
    async attach(fd) {
      try {
        for await (const chunk of platform.readFd(fd)) to.write(chunk);
      } catch {
        // a read error ends the stream like EOF; the exit status still arrives through the reaper
      } finally {
        to.flush();
      }
    },
  };
}

/**
 * Who a child runs as and where (SPEC §8): user, groups, capabilities, limits, namespaces,
 * hardening, cgroup and environment. Built once per run by ./privileged.ts; the run's main
 * process, skip command, exec probes and hooks all start from it.
 */
export interface ExecContext {
  /** the service's environment with the account's HOME/USER/LOGNAME/SHELL laid over it */
  env: Record<string, string>;
  /** absolute working directory */
  cwd: string;
  /** the privilege fields of the spawn spec */
  spec: Partial<SpawnSpec>;
  /** the run's cgroup v2 directory (stop ends it with cgroup.kill), or null */
  cgroupDir: string | null;
  /** per spawn: fds the child needs (the cgroup directory it joins), closed by `release` after the spawn */
  attach?: () => { extra: Partial<SpawnSpec>; release: () => void };
}

/** The context of a service with no privilege settings applied (no privilege layer, or a `+` hook). */
export function plainContext(svc: { env: Record<string, string>; working_dir: string }): ExecContext {
  return { env: svc.env, cwd: svc.working_dir, spec: {}, cgroupDir: null };
}

export interface ChildOptions {
  /** exec'd directly when it is a plain command or a list, else through /bin/sh -c (config/command.ts) */
  command: Command;
  /** laid over the context's environment */
  env?: Record<string, string>;
  stdout?: OutputSink;
  stderr?: OutputSink;
  /** what only this child gets (the main process: socket-activation fds, session) */
  extra?: Partial<SpawnSpec>;
}

export interface Child {
  /** the process we reap and signal: the program, or with `isolation.pid` its namespace's init */
  pid: number;
  /** the program's pid: what sysg reports (status, pid.json, SYSG_PID) */
  program: number;
  startedAt: number;
  /** settles after the reaper collected the child and its pipes reached EOF (bounded wait);
   *  its `pid` is the program's */
  exit: Promise<ExitStatus>;
}

export interface SpawnFailure {
  step: SpawnStep;
  errno: number;
  message: string;
}

/** How long an exit waits for the pipes: a daemonised grandchild may hold them open forever. */
const DRAIN_WAIT_MS = 200;
/** execve's "not an executable format": a script without #! line, which sh would have run */
const ENOEXEC = 8;

export function envList(env: Record<string, string>): string[] {
  const out: string[] = [];
  for (const k in env) out.push(`${k}=${env[k]}`);
  return out;
}

/** Starts `opts.command` in the execution context `ctx` (required: there is no spawn without one). */
export function startChild(
  platform: Platform,
  ctx: ExecContext,
  opts: ChildOptions,
): { ok: true; child: Child } | { ok: false; error: SpawnFailure } {
  const attached = ctx.attach?.() ?? null;
  try {
    return spawnArgv(platform, ctx, attached?.extra ?? {}, opts, commandArgv(opts.command));
  } finally {
    attached?.release();
  }
}

function spawnArgv(
  platform: Platform,
  ctx: ExecContext,
  attached: Partial<SpawnSpec>,
  opts: ChildOptions,
  argv: string[],
): { ok: true; child: Child } | { ok: false; error: SpawnFailure } {
  const out = opts.stdout ? survivingPipe(platform) : null;
  const err = opts.stderr ? survivingPipe(platform) : null;
  const outcome = platform.spawn({
    ...ctx.spec,
    ...attached,
    ...opts.extra,
    argv,
    env: envList(opts.env ? { ...ctx.env, ...opts.env } : ctx.env),
    cwd: ctx.cwd,
    stdin: -1,
    stdout: out ? out.write : -1,
    stderr: err ? err.write : -1,
  });
  // The child holds its own copies of the write ends; ours must go, or EOF never comes.
  if (out) platform.close(out.write);
  if (err) platform.close(err.write);
  if (!outcome.ok) {
    if (out) platform.close(out.read);
    if (err) platform.close(err.read);
    // A string command that is a script without a #! line: run it the way the shell would have.
    if (outcome.step === "exec" && outcome.errno === ENOEXEC && typeof opts.command === "string" && argv[0] !== SHELL) {
      return spawnArgv(platform, ctx, attached, opts, [SHELL, "-c", opts.command]);
    }
    return { ok: false, error: { step: outcome.step, errno: outcome.errno, message: outcome.message } };
  }
  const drains: Promise<void>[] = [];
  if (out && opts.stdout) drains.push(opts.stdout.attach(out.read));
  if (err && opts.stderr) drains.push(opts.stderr.attach(err.read));
  const reaped = new Promise<ExitStatus>((resolve) => platform.watch(outcome.pid, resolve));
  const exit = reaped.then(async (status) => {
    if (drains.length > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([Promise.all(drains), new Promise((r) => (timer = setTimeout(r, DRAIN_WAIT_MS)))]);
      clearTimeout(timer);
    }
    return outcome.program === outcome.pid ? status : { ...status, pid: outcome.program };
  });
  return { ok: true, child: { pid: outcome.pid, program: outcome.program, startedAt: Date.now(), exit } };
}

/**
 * A pipe whose end the child gets is opened read-write (through /proc/self/fd): the child then
 * holds a reader of its own output, so when the supervisor dies (SIGKILL, OOM) its writes do
 * not fail with SIGPIPE and nothing already written is lost — it stays in the pipe (blocking
 * the writer once full) until the next supervisor drains it through /proc/<pid>/fd/N
 * (./recover.ts). EOF still comes when the last writer exits. Falls back to a plain pipe.
 */
function survivingPipe(platform: Platform): { read: number; write: number } {
  const p = platform.pipe();
  let rw: number;
  try {
    rw = openSync(`/proc/self/fd/${p.write}`, "r+");
  } catch {
    return p;
  }
  platform.close(p.write);
  return { read: p.read, write: rw };
}
