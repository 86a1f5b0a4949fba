// The supervisor process, foreground or daemon: takes the state-dir lock, cleans up after a
// supervisor that died, wires a Supervisor to log files, state files, the control socket and the
// process's signals, and runs until shutdown. SIGINT/SIGTERM = graceful shutdown in reverse
// dependency order (a second one = SIGKILL to every tree); SIGHUP = reload the config.
import { closeSync, writeSync } from "node:fs";
import type { ResolvedConfig } from "../config/resolved.ts";
import { defaultAuthorize, isAdmin } from "../ipc/authorize.ts";
import { createIpcServer } from "../ipc/server.ts";
import { CronScheduler } from "../cron/scheduler.ts";
import type { NotifyClient, Platform, PumpedLog } from "../platform/types.ts";
import { MarkCache, formatMark, stateDirId } from "../runtime/attribution.ts";
import { acquireSupervisorLock } from "../runtime/lock.ts";
import { writeFileAtomic } from "../runtime/state.ts";
import { LogFile, type LogFileOptions, WriteWatch } from "../runtime/logfile.ts";
import { type RuntimePaths, ensureDirs, serviceLogPath } from "../runtime/paths.ts";
import { type ProcStat, descendantTable, lastPid, procTable, statOf } from "../runtime/proc.ts";
import { ChangeQueue } from "./changes.ts";
import { chunkSink } from "./child.ts";
import { handleRequest } from "./control.ts";
import { History } from "./history.ts";
import { StatePersister } from "./persist.ts";
import { withPidsReserve } from "./privileged.ts";
import { reservePids } from "../privilege/pids-reserve.ts";
import { stopAdopted, stopRecordedServices } from "./recover.ts";
import type { Level } from "../model/log-level.ts";
import { type PrivilegeHook, Supervisor, type UnitSnapshot } from "./supervisor.ts";
import { SystemdNotifier } from "./systemd-notify.ts";
import { TickReader } from "./tick-reader.ts";
import { claimLogs } from "../runtime/log-owners.ts";

/** Where the foreground supervisor shows lines and events (the CLI's PrefixedOutput). */
export interface Terminal {
  line(service: string, text: string): void;
  event(level: Level, text: string): void;
  flush(): void;
}

export type ConfigLoader = (path: string) => Promise<{ ok: true; config: ResolvedConfig } | { ok: false; message: string }>;

export interface RunOptions {
  platform: Platform;
  config: ResolvedConfig;
  paths: RuntimePaths;
  terminal: Terminal | null;
  logLevel: Level | "off";
  sys: boolean;
  version: string;
  /** re-reads a config for reload (same validation as start) */
  loadConfig: ConfigLoader;
  /** start only these services (and what they depend on) */
  only?: string[];
  /** --daemonize: write "ready\n" here once every first attempt settled, then close it */
  notifyFd?: number;
  /** gids whose members may change a --sys supervisor (group systemg) */
  adminGids?: number[];
  /** container init (PID 1 or --init): forward SIGHUP/SIGQUIT/SIGUSR1/SIGUSR2/SIGWINCH to services */
  init?: boolean;
  /** started by systemd (Type=notify): READY=1, STATUS=, RELOADING=1, STOPPING=1 go here */
  systemd?: NotifyClient;
  /** builds the per-service privilege hook; `warn` goes to supervisor.log (and the terminal) */
  privilege?: (warn: (service: string, text: string) => void) => PrivilegeHook;
}

const LEVELS: Record<Level | "off", number> = { off: 0, error: 1, warn: 2, info: 3, debug: 4 };

/** How long one /proc scan is shared: stopping 1000 services then costs one scan per tick, not 1000. */
const SCAN_SHARE_MS = 25;
let lastScan: { at: number; table: ProcStat[] } | null = null;

/** Every live (non-zombie) process; zombies have finished and only wait for our reaper. */
function liveProcesses(): ProcStat[] {
  const now = Date.now();
  if (lastScan && now - lastScan.at < SCAN_SHARE_MS) return lastScan.table;
  const table = procTable().filter((e) => e.state !== "Z" && e.state !== "X");
  lastScan = { at: now, table };
  return table;
}
const SAMPLE_MS = 1000;
const TRIM_MS = 10 * 60_000;
const TRIM_AFTER_START_MS = [3_000, 30_000];

/** Runs until shutdown; returns the exit code. */
export async function runSupervisor(opts: RunOptions): Promise<number> {
  const { platform, paths, terminal } = opts;
  let config = opts.config;
  let notifyFd = opts.notifyFd;
  /** one line on the --daemonize readiness pipe, then EOF (the fd is closed exactly once) */
  const notify = (line: string) => {
    if (notifyFd === undefined) return;
    const fd = notifyFd;
    notifyFd = undefined;
    try {
      writeSync(fd, `${line}\n`);
      closeSync(fd);
    } catch {
      // the waiting parent may be gone (Ctrl-C); the daemon carries on
    }
  };
  const fail = (message: string): number => {
    terminal?.event("error", message);
    notify(`error ${message}`);
    return 1;
  };
  const dirs = ensureDirs(paths);
  if (!dirs.ok) return fail(dirs.error.message);
  const lock = await acquireSupervisorLock(paths, { config: config.path, version: opts.version });
  if (!lock.ok) return fail(`${lock.error.message}${lock.error.hint ? `\n  hint: ${lock.error.hint}` : ""}`);

  const threshold = LEVELS[opts.logLevel];
  // its own failures cannot be reported into itself: it only gets the marker line once writable again
  const supervisorLog = ((): Pick<WriteWatch, "write" | "flush"> => {
    const r = LogFile.open(paths.supervisorLog, { ...config.logs, timestamps: true, mode: paths.fileMode });
    if (r.ok) return new WriteWatch(r.value, paths.supervisorLog, () => {});
    terminal?.event("error", `${r.error.message}; this output is discarded`);
    return { write() {}, flush() {} };
  })();
  /** A service log: the platform's pump writes it, held open from its first line on (silent
   *  services hold no fd or buffer); a failure (a full disk) is reported once, and once more when
   *  writing works again. */
  const serviceLog = (service: string | null, path: string, o: Omit<LogFileOptions, "mode">): PumpedLog | null => {
    const opened = platform.openLog({ path, ...o, mode: paths.fileMode, warn: (t) => report("warn", service, t) });
    if (opened.ok) return opened.log;
    report("error", service, `${opened.message}; this output is discarded`);
    return null;
  };
  const discard = chunkSink(platform, { write() {}, flush() {} });
  const encoder = new TextEncoder();
  const report = (level: Level, service: string | null, text: string) => {
    const msg = service ? `${service}: ${text}` : text;
    supervisorLog.write(encoder.encode(`${level} ${msg}\n`));
    if (LEVELS[level] <= threshold) terminal?.event(level, msg);
  };

  // Start-up (config, validators, spawning) touched tens of MiB of the executable's code once
  // and left garbage: give memory back when it settled, after a reload, and now and then (what
  // is in use faults back in from the page cache).
  const trimCode = () => {
    const kb = platform.trimMemory?.() ?? 0;
    if (kb > 0) report("debug", null, `released ${kb} KiB of code pages`);
  };

  if (lock.value.previous) {
    // what the services wrote before the kill and the old supervisor never read goes to their logs
    const drained: PumpedLog[] = [];
    const n = await stopRecordedServices(paths, platform, undefined, (unit, stream) => {
      const svc = config.services[unit];
      const log = serviceLog(unit, serviceLogPath(paths.logDir, unit, stream), { ...(svc?.logs ?? config.logs) });
      if (log) drained.push(log);
      return log;
    });
    for (const l of drained) l.close();
    report(
      "warn",
      null,
      `the previous supervisor (pid ${lock.value.previous.pid}) did not shut down cleanly${n > 0 ? `; stopped ${n} service process(es) it left running, they start afresh` : ""}`,
    );
  }
  // as subreaper (or PID 1) every process a service leaves behind stays our descendant
  const ownsDescendants = platform.setSubreaper() || process.pid === 1;
  const marks = new MarkCache();
  let runs = 0;
  const dirId = stateDirId(paths.stateDir);
  const attribution = {
    self: process.pid,
    mark: (unit: string) =>
      formatMark({ unit, dir: dirId, supervisorPid: process.pid, supervisorStart: lock.value.self.start_time, run: ++runs }),
    of: (e: { pid: number; startTime: number }) => marks.of(e),
  };

  // under a finite pids limit of its own, the supervisor keeps a share of it (privilege/pids-reserve.ts)
  const reserved = process.getuid?.() === 0 ? reservePids() : { ok: null };
  const pidsReserve = reserved.ok === true ? reserved.reserve : null;
  if (reserved.ok === false) report("warn", null, `${reserved.reason}; a service that forks without bound can take the supervisor's tasks`);
  if (pidsReserve) {
    report("info", null, `pids: this cgroup allows ${pidsReserve.limit} tasks; services without a cgroup of their own share ${pidsReserve.servicesMax} of them (${pidsReserve.dir}), the rest stay for the supervisor`);
  }

  // The /proc reading for each tree walk of a stop or a sweep: as subreaper (or PID 1) every
  // process a unit owns descends from us, so our descendants by children links suffice; else
  // the whole table. (A crash storm sweeps many runs a second: reading a busy host's 1,000
  // processes for each held the event loop for tens of ms.)
  function ownTable(): ProcStat[] {
    if (!ownsDescendants) return liveProcesses();
    return descendantTable(process.pid, sup.memberPids()).filter((e) => e.state !== "Z" && e.state !== "X");
  }

  const history = new History();
  let persister: StatePersister | null = null;
  let exitCode = 0;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((r) => (resolveDone = r));
  let shutdownStarted = false;
  let systemd: SystemdNotifier | null = null;

  const sup = new Supervisor({
    platform,
    config,
    scan: () => ownTable(),
    sink: (svc, stream, onLine) => serviceLog(svc.name, serviceLogPath(paths.logDir, svc.name, stream), { ...svc.logs, onLine: onLine ?? undefined }) ?? discard,
    echo: terminal ? (service, _stream, line) => terminal.line(service, line) : undefined,
    onState: (u) => {
      history.observe(u);
      persister?.changed();
      systemd?.changed();
    },
    report,
    onCritical: (service, code) => {
      report("error", service, `critical service failed; shutting down (exit ${code})`);
      exitCode = code;
      shutdown();
    },
    privilege: withPidsReserve(opts.privilege?.((service, text) => report("warn", service, text)), pidsReserve),
    only: opts.only,
    notifyDir: paths.stateDir,
    attribution,
    controlSocket: paths.controlSock,
    onChildren: () => persister?.changed(),
  });
  if (opts.systemd) systemd = new SystemdNotifier(opts.systemd, () => sup.snapshots(), (m) => report("warn", null, m));
  // dynamic children are recorded too, so a successor stops them after a SIGKILLed supervisor
  persister = new StatePersister(paths, () => [...sup.snapshots(), ...spawnedSnapshots(sup)], (m) => report("error", null, m));
  /** config_hint: which file this state dir was last run with (status reads it when no supervisor runs) */
  const writeHint = () => {
    const r = writeFileAtomic(paths.configHint, `${config.path}\n`, paths.fileMode);
    if (!r.ok) report("warn", null, r.error.message);
  };
  writeHint();
  /** each config reads only its own service logs (runtime/log-owners.ts) */
  const claim = (c: ResolvedConfig, move: boolean) => {
    try {
      const modes = { file: paths.fileMode, dir: paths.logDirMode };
      for (const line of claimLogs(paths.logDir, c.path, Object.keys(c.services), modes, move)) report("info", null, line);
    } catch (e) {
      report("warn", null, `log files of another config with the same service names could not be moved aside: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  claim(config, true);
  const cron = new CronScheduler({ host: sup, statePath: paths.cronStateJson, fileMode: paths.fileMode, report });

  function shutdown(): void {
    if (shutdownStarted) {
      report("warn", null, "second stop request: killing every process now");
      sup.forceKill().then(resolveDone);
      return;
    }
    shutdownStarted = true;
    changes.close();
    systemd?.stopping();
    report("info", null, "stopping all services");
    cron.stop();
    sup.shutdown().then(resolveDone);
  }

  const loadConfig = async (path: string | undefined) => {
    const r = await opts.loadConfig(path ?? config.path);
    // a reload continues the running services' logs; the new file owns them from now on
    if (r.ok) claim(r.config, false);
    return r;
  };
  const changes = new ChangeQueue({
    supervisor: sup,
    history,
    loadConfig,
    adopt: (c) => adopt(c),
    configPath: () => config.path,
    report,
    get systemd() {
      return systemd;
    },
  });
  const policy = { sys: opts.sys, ownerUid: process.getuid?.() ?? 0, adminGids: opts.adminGids ?? [] };
  const server = await createIpcServer({
    path: paths.controlSock,
    mode: opts.sys ? 0o666 : 0o600,
    authorize: defaultAuthorize(policy),
    peerCred: platform.peerCred,
    onError: (m) => report("error", null, `control socket: ${m}`),
    handler: (req, peer) =>
      handleRequest(
        {
          supervisor: sup,
          history,
          changes,
          requestShutdown: () => setTimeout(shutdown, 0),
          privileged: (p) => isAdmin(policy, p),
          info: { version: opts.version, startedAt: Date.now() - process.uptime() * 1000, sys: opts.sys, config: () => config.path },
          cron,
        },
        req,
        peer,
      ),
  });
  if (!server.ok) {
    lock.value.release();
    return fail(server.error);
  }

  /** a reloaded config becomes the current one */
  function adopt(c: ResolvedConfig): void {
    config = c;
    cron.sync();
    writeHint();
    for (const ms of TRIM_AFTER_START_MS) setTimeout(trimCode, ms).unref?.();
  }

  const onSignal = () => shutdown();
  // SIGHUP reloads through the same queue as a client's reload: queued (coalesced) behind a change in progress
  const onHup = () => changes.hangup();
  // As a container's init, signals meant for "the container" go to every service (SPEC §9);
  // elsewhere SIGHUP means reload. The kernel drops unhandled signals to PID 1, hence explicit handlers.
  const init = opts.init === true || process.pid === 1;
  const forwarded = init ? ["SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGWINCH"] : [];
  const forwarders = forwarded.map((sig) => {
    const f = () => {
      report("info", null, `${sig}: forwarded to ${sup.forward(sig)} service(s)`);
    };
    process.on(sig as NodeJS.Signals, f);
    return [sig, f] as const;
  });
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  if (!init) process.on("SIGHUP", onHup);
  // One /proc reading per tick, shared by the history and the tree refresh: as subreaper (or
  // PID 1) every process a unit owns descends from us, so the stat files of the processes
  // already known suffice (./tick-reader.ts); otherwise the whole table.
  const reader = ownsDescendants ? new TickReader({ stat: statOf, descendants: descendantTable, lastPid }, process.pid) : null;
  const tickTable = (children: { pid: number }[]): ProcStat[] => {
    if (!reader) return liveProcesses();
    const members = sup.memberPids();
    for (const c of children) members.add(c.pid);
    return reader.read(members, Date.now());
  };
  /** dynamic children sampled last tick: a gone one's history is dropped (names are not reused forever) */
  let sampledChildren = new Set<string>();
  const sampler = setInterval(() => {
    const children = sup.spawned();
    const table = tickTable(children);
    history.sample([...sup.snapshots(), ...children.map((c) => ({ name: c.name, pid: c.pid, started_at: c.startedAt }))], table);
    const now = new Set(children.map((c) => c.name));
    for (const n of sampledChildren) if (!now.has(n)) history.forget(n);
    sampledChildren = now;
    sup.refreshTrees(table);
    marks.retain(table);
  }, SAMPLE_MS);

  report("info", null, `supervising ${config.order.length} service(s) from ${config.path} (pid ${process.pid})`);
  sup.start();
  cron.start();
  const trimmer = setInterval(trimCode, TRIM_MS);
  sup.whenSettled().then(() => {
    persister?.flush();
    notify("ready");
    systemd?.markReady();
    // after the JIT compiled what start-up made hot (its compilers are code pages too)
    for (const ms of TRIM_AFTER_START_MS) setTimeout(trimCode, ms).unref?.();
  });

  await done;
  const adopted = await stopAdopted(platform);
  if (adopted > 0) report("info", null, `stopped ${adopted} adopted process(es) no service owned`);
  clearInterval(sampler);
  clearInterval(trimmer);
  process.off("SIGINT", onSignal);
  process.off("SIGTERM", onSignal);
  process.off("SIGHUP", onHup);
  for (const [sig, f] of forwarders) process.off(sig as NodeJS.Signals, f);
  await server.server.close();
  persister.flush();
  report("info", null, "all services stopped");
  supervisorLog.flush();
  terminal?.flush();
  systemd?.close();
  lock.value.release();
  pidsReserve?.release();
  platform.shutdown();
  return exitCode;
}

function spawnedSnapshots(sup: Supervisor): UnitSnapshot[] {
  return sup.spawned().map((c) => ({
    name: c.name,
    state: "running",
    pid: c.pid,
    started_at: c.startedAt,
    since: c.startedAt,
    restarts: 0,
    last_exit: null,
    reason: `spawned under ${c.parent}`,
  }));
}
