// The supervisor process: wires a Supervisor to log files, the terminal (foreground), and the
// process's signals. First SIGINT/SIGTERM = graceful shutdown in reverse dependency order;
// a second one = SIGKILL to every tree at once.
import type { ResolvedConfig } from "../config/resolved.ts";
import type { Platform } from "../platform/types.ts";
import { LogFile, type LogFileOptions } from "../runtime/logfile.ts";
import { type RuntimePaths, ensureDirs, serviceLogPath } from "../runtime/paths.ts";
import { procTable } from "../runtime/proc.ts";
import type { OutputSink } from "./child.ts";
import { type Level, Supervisor } from "./supervisor.ts";

/** Where the foreground supervisor shows lines and events (the CLI's PrefixedOutput). */
export interface Terminal {
  line(service: string, text: string): void;
  event(level: Level, text: string): void;
  flush(): void;
}

export interface RunOptions {
  platform: Platform;
  config: ResolvedConfig;
  paths: RuntimePaths;
  terminal: Terminal | null;
  logLevel: Level | "off";
}

const LEVELS: Record<Level | "off", number> = { off: 0, error: 1, warn: 2, info: 3, debug: 4 };

/** Runs until a signal asks for shutdown (or a critical service fails); returns the exit code. */
export async function runSupervisor(opts: RunOptions): Promise<number> {
  const { platform, config, paths, terminal } = opts;
  const dirs = ensureDirs(paths);
  if (!dirs.ok) {
    terminal?.event("error", dirs.error.message);
    return 1;
  }
  platform.setSubreaper();
  const threshold = LEVELS[opts.logLevel];
  const open = (path: string, o: Omit<LogFileOptions, "mode">): OutputSink => {
    const r = LogFile.open(path, { ...o, mode: paths.fileMode });
    if (r.ok) return r.value;
    terminal?.event("error", `${r.error.message}; this output is discarded`);
    return { write() {}, flush() {} };
  };
  const supervisorLog = open(paths.supervisorLog, { ...config.logs, timestamps: true });
  const encoder = new TextEncoder();
  const report = (level: Level, service: string | null, text: string) => {
    const msg = service ? `${service}: ${text}` : text;
    supervisorLog.write(encoder.encode(`${level} ${msg}\n`));
    if (LEVELS[level] <= threshold) terminal?.event(level, msg);
  };
  const sinks: OutputSink[] = [];
  let exitCode = 0;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  let shutdownStarted = false;

  const sup = new Supervisor({
    platform,
    config,
    // zombies have finished; they only wait for our reaper
    scan: () => procTable().filter((e) => e.state !== "Z" && e.state !== "X"),
    sink: (service, stream, onLine) => {
      const svc = config.services[service]!;
      const sink = open(serviceLogPath(paths.logDir, service, stream), { ...svc.logs, onLine: onLine ?? undefined });
      sinks.push(sink);
      return sink;
    },
    echo: terminal ? (service, _stream, line) => terminal.line(service, line) : undefined,
    report,
    onCritical: (service, code) => {
      report("error", service, `critical service failed; shutting down (exit ${code})`);
      exitCode = code;
      shutdown();
    },
  });

  function shutdown(): void {
    if (shutdownStarted) {
      report("warn", null, "second stop request: killing every process now");
      sup.forceKill().then(resolveDone);
      return;
    }
    shutdownStarted = true;
    report("info", null, "stopping all services");
    sup.shutdown().then(resolveDone);
  }
  const onSignal = () => shutdown();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  report("info", null, `supervising ${config.order.length} service(s) from ${config.path}`);
  sup.start();
  await done;
  report("info", null, "all services stopped");
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  for (const s of sinks) s.flush();
  supervisorLog.flush();
  terminal?.flush();
  platform.shutdown();
  return exitCode;
}
