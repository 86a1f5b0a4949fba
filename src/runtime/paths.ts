// Where sysg keeps its files (SPEC §7, ARCHITECTURE "Data on disk"). User mode keeps
// everything private under the home directory; --sys uses the FHS places and makes state
// and logs world-readable so `sysg --sys status|logs` works for every local user.
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Result, ioError } from "./errors.ts";

export interface RuntimePaths {
  sys: boolean;
  stateDir: string;
  logDir: string;
  /** where a relative config name is looked up after the working directory */
  configDirs: string[];
  controlSock: string;
  /** the supervisor's pid + start time */
  sysgPid: string;
  /** the config path the supervisor was started with */
  configHint: string;
  pidJson: string;
  stateJson: string;
  cronStateJson: string;
  supervisorLog: string;
  /** modes applied explicitly (umask-independent) */
  stateDirMode: number;
  logDirMode: number;
  /** state files and log files */
  fileMode: number;
}

export type LogStream = "stdout" | "stderr";

export function runtimePaths(opts: { sys: boolean; home: string }): RuntimePaths {
  const stateDir = opts.sys ? "/var/lib/systemg" : join(opts.home, ".local", "share", "systemg");
  const logDir = opts.sys ? "/var/log/systemg" : join(stateDir, "logs");
  return {
    sys: opts.sys,
    stateDir,
    logDir,
    configDirs: [opts.sys ? "/etc/systemg" : join(opts.home, ".config", "systemg")],
    controlSock: join(stateDir, "control.sock"),
    sysgPid: join(stateDir, "sysg.pid"),
    configHint: join(stateDir, "config_hint"),
    pidJson: join(stateDir, "pid.json"),
    stateJson: join(stateDir, "state.json"),
    cronStateJson: join(stateDir, "cron_state.json"),
    supervisorLog: join(logDir, "supervisor.log"),
    stateDirMode: opts.sys ? 0o755 : 0o700,
    logDirMode: opts.sys ? 0o755 : 0o700,
    fileMode: opts.sys ? 0o644 : 0o600,
  };
}

/** `<logDir>/<name>_stdout.log` or `_stderr.log` */
export function serviceLogPath(logDir: string, service: string, stream: LogStream): string {
  return join(logDir, `${service}_${stream}.log`);
}

/** Creates the state and log dirs (and missing parents) and sets their modes explicitly. */
export function ensureDirs(paths: RuntimePaths): Result<void> {
  for (const [dir, mode] of [
    [paths.stateDir, paths.stateDirMode],
    [paths.logDir, paths.logDirMode],
  ] as const) {
    try {
      mkdirSync(dir, { recursive: true, mode });
    } catch (err) {
      return { ok: false, error: ioError(dir, "cannot create directory", err) };
    }
    try {
      chmodSync(dir, mode);
    } catch (err) {
      return { ok: false, error: ioError(dir, `cannot set mode ${mode.toString(8)} on`, err) };
    }
  }
  return { ok: true, value: undefined };
}
