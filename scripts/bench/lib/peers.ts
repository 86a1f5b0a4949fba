// The supervisors we compare, behind one small interface: start one with N `sleep` services,
// find its service processes and its own processes in /proc, stop it. Peers are installed on
// demand (apt for supervisor/runit/s6/tini/hyperfine, npm into .bench/pm2 for PM2) and are
// never a dependency of `npm test`.
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { alive, childrenNamed, children as childrenOf, comm } from "./proc.ts";
import { ROOT, SYSG, awaitExit, removeTemp, run, startProcess, stopTree, tempDir, track } from "./run.ts";

export type PeerName = "sysg" | "sysg-daemon" | "supervisord" | "pm2" | "runit" | "s6";
export const ALL_PEERS: PeerName[] = ["sysg", "sysg-daemon", "supervisord", "pm2", "runit", "s6"];

export interface ServiceOptions {
  /** restart after any exit, as fast as the peer allows */
  restart?: boolean;
}

export interface Instance {
  peer: PeerName;
  /** performance.now() just before the supervisor (or its start command) was exec'd */
  t0: number;
  /** its temp dir (config, state, logs) */
  dir: string;
  /** what a client command needs to reach this instance (HOME for sysg, PM2_HOME for PM2) */
  clientEnv: Record<string, string>;
  /** pids of the running `sleep` services (empty until the supervisor exists) */
  services(): number[];
  /** the supervisor's own processes, for memory (e.g. runsvdir and every runsv) */
  supervisorPids(): number[];
  stop(): Promise<void>;
}

export interface Peer {
  name: PeerName;
  /** null when usable, else why not */
  unavailable(): string | null;
  start(n: number, opts?: ServiceOptions): Instance;
}

const SLEEP = "1000";
export const names = (n: number) => Array.from({ length: n }, (_, i) => `s${String(i + 1).padStart(4, "0")}`);
const which = (bin: string) => ["/usr/bin", "/bin", "/usr/sbin", "/sbin"].map((d) => join(d, bin)).find(existsSync) ?? null;

// ── installation on demand ────────────────────────────────────────────────────

let aptUpdated = false;

/** Installs the apt peers that are missing (needs root); returns nothing, availability says the rest. */
export function ensureAptPeers(): void {
  const want: [bin: string, pkg: string][] = [
    ["supervisord", "supervisor"],
    ["runsvdir", "runit"],
    ["tini", "tini"],
    ["hyperfine", "hyperfine"],
    ["s6-svscan", "s6"],
  ];
  const missing = want.filter(([bin]) => !which(bin));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    console.warn(`peers missing (${missing.map((m) => m[1]).join(" ")}); run as root to install them with apt-get`);
    return;
  }
  if (!aptUpdated) {
    console.log("apt-get update …");
    run(["apt-get", "update"], { timeoutMs: 300_000 });
    aptUpdated = true;
  }
  const pkgs = missing.map((m) => m[1]).filter((p) => p !== "s6" || /Candidate: (?!\(none\))/.test(run(["apt-cache", "policy", "s6"]).out));
  console.log(`apt-get install -y ${pkgs.join(" ")} …`);
  // policy-rc.d or not, the benches start their own instances; a packaged daemon is not used
  const r = run(["apt-get", "install", "-y", ...pkgs], { env: { DEBIAN_FRONTEND: "noninteractive" }, timeoutMs: 600_000 });
  if (r.code !== 0) console.warn(`apt-get install failed:\n${r.out.slice(-2000)}`);
}

const PM2_PREFIX = join(ROOT, ".bench", "pm2");
const PM2_BIN = join(PM2_PREFIX, "node_modules", "pm2", "bin", "pm2");

/** PM2 lives in <repo>/.bench/pm2 (git-ignored); installed with npm the first time it is needed. */
export function ensurePm2(): void {
  if (existsSync(PM2_BIN)) return;
  console.log(`npm install --prefix ${PM2_PREFIX} pm2 …`);
  mkdirSync(PM2_PREFIX, { recursive: true });
  const r = run(["npm", "install", "--no-audit", "--no-fund", "--prefix", PM2_PREFIX, "pm2"], { timeoutMs: 600_000 });
  if (r.code !== 0) console.warn(`npm install pm2 failed:\n${r.out.slice(-2000)}`);
}

// ── sysg ──────────────────────────────────────────────────────────────────────

function sysgYaml(n: number, opts: ServiceOptions): string {
  const policy = opts.restart ? "\n    restart_policy: always\n    backoff: 0s" : "";
  // a plain command line: sysg execs it directly (no /bin/sh), like the peers
  return `version: "1"\nservices:\n${names(n).map((s) => `  ${s}:\n    command: sleep ${SLEEP}${policy}\n`).join("")}`;
}

export const sysg: Peer = {
  name: "sysg",
  unavailable: () => (existsSync(SYSG) ? null : `${SYSG} missing: run \`bun scripts/build.ts\``),
  start(n, opts = {}) {
    const dir = tempDir("sysg");
    writeFileSync(join(dir, "sysg.yaml"), sysgYaml(n, opts));
    // HOME decides the state dir (foreground mode); a private one keeps runs apart
    const s = startProcess([SYSG, "start", "-c", join(dir, "sysg.yaml"), "--no-color"], { env: { HOME: dir }, cwd: dir, logFile: join(dir, "out.log") });
    return {
      peer: "sysg",
      t0: s.t0,
      dir,
      clientEnv: { HOME: dir },
      services: () => childrenNamed(s.pid, "sleep"),
      supervisorPids: () => [s.pid],
      stop: async () => {
        await stopTree(s.pid, 15_000);
        removeTemp(dir);
      },
    };
  },
};

/** `sysg start --daemonize`: the CLI returns once every first attempt settled; the daemon's pid is in sysg.pid. */
export const sysgDaemon: Peer = {
  name: "sysg-daemon",
  unavailable: () => sysg.unavailable(),
  start(n, opts = {}) {
    const dir = tempDir("sysgd");
    writeFileSync(join(dir, "sysg.yaml"), sysgYaml(n, opts));
    const cli = startProcess([SYSG, "start", "--daemonize", "-c", join(dir, "sysg.yaml"), "--no-color"], { env: { HOME: dir }, cwd: dir, logFile: join(dir, "out.log") });
    let daemon: number | null = null;
    const pid = (): number | null => {
      if (daemon !== null) return daemon;
      try {
        const info = JSON.parse(readFileSync(join(dir, ".local", "share", "systemg", "sysg.pid"), "utf8")) as { pid: number };
        if (alive(info.pid)) {
          daemon = info.pid;
          track(daemon);
        }
      } catch {} // not written yet, or written half-way by a non-atomic writer
      return daemon;
    };
    return {
      peer: "sysg-daemon",
      t0: cli.t0,
      dir,
      clientEnv: { HOME: dir },
      services: () => {
        const d = pid();
        return d === null ? [] : childrenNamed(d, "sleep");
      },
      supervisorPids: () => {
        const d = pid();
        return d === null ? [] : [d];
      },
      stop: async () => {
        await awaitExit(cli.pid, 60_000);
        const d = pid();
        if (d !== null) await stopTree(d, 15_000);
        removeTemp(dir);
      },
    };
  },
};

// ── supervisord ───────────────────────────────────────────────────────────────

function supervisordConf(dir: string, n: number, opts: ServiceOptions): string {
  const head = `[unix_http_server]
file=${dir}/supervisor.sock

[supervisord]
nodaemon=true
user=root
logfile=${dir}/supervisord.log
pidfile=${dir}/supervisord.pid
childlogdir=${dir}/logs
minfds=${Math.max(1024, 4 * n + 64)}

[rpcinterface:supervisor]
supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface

[supervisorctl]
serverurl=unix://${dir}/supervisor.sock
`;
  const restart = opts.restart ? "autorestart=true\nstartretries=1000000\n" : "autorestart=false\n";
  return head + names(n).map((s) => `\n[program:${s}]\ncommand=sleep ${SLEEP}\nstartsecs=0\n${restart}stopwaitsecs=5\n`).join("");
}

export const supervisord: Peer = {
  name: "supervisord",
  unavailable: () => (which("supervisord") ? null : "supervisord not installed (apt-get install supervisor)"),
  start(n, opts = {}) {
    const dir = tempDir("supervisord");
    mkdirSync(join(dir, "logs"));
    writeFileSync(join(dir, "supervisord.conf"), supervisordConf(dir, n, opts));
    const s = startProcess(["supervisord", "-n", "-c", join(dir, "supervisord.conf")], { cwd: dir, logFile: join(dir, "out.log") });
    return {
      peer: "supervisord",
      t0: s.t0,
      dir,
      clientEnv: {},
      services: () => childrenNamed(s.pid, "sleep"),
      supervisorPids: () => [s.pid],
      stop: async () => {
        await stopTree(s.pid, 20_000);
        removeTemp(dir);
      },
    };
  },
};

/** supervisorctl for a running supervisord instance started by this module (its conf path). */
export function supervisorctlArgv(confDir: string): string[] {
  return ["supervisorctl", "-c", join(confDir, "supervisord.conf")];
}

// ── PM2 ───────────────────────────────────────────────────────────────────────

export function pm2Env(home: string): Record<string, string> {
  // PM2_HOME keeps the daemon, its socket and logs in our temp dir (never ~/.pm2)
  return { PM2_HOME: home, PM2_DISABLE_VERSION_CHECK: "true" };
}

export function pm2Argv(...args: string[]): string[] {
  return [process.env.NODE ?? "node", PM2_BIN, ...args];
}

export const pm2: Peer = {
  name: "pm2",
  unavailable: () => (existsSync(PM2_BIN) ? null : "PM2 not installed (npm install --prefix .bench/pm2 pm2)"),
  start(n, opts = {}) {
    const dir = tempDir("pm2");
    const home = join(dir, "home");
    mkdirSync(home);
    const sleep = which("sleep")!;
    const apps = names(n).map((name) => ({
      name,
      script: sleep,
      args: SLEEP,
      interpreter: "none",
      exec_mode: "fork",
      autorestart: opts.restart === true,
      restart_delay: 0,
      min_uptime: 0,
      max_restarts: 1_000_000,
    }));
    writeFileSync(join(dir, "ecosystem.json"), JSON.stringify({ apps }));
    const cli = startProcess(pm2Argv("start", join(dir, "ecosystem.json")), { env: pm2Env(home), cwd: dir, logFile: join(dir, "out.log") });
    let god: number | null = null;
    const daemon = (): number | null => {
      if (god !== null) return god;
      try {
        const pid = Number(readFileSync(join(home, "pm2.pid"), "utf8"));
        if (pid > 0 && alive(pid)) {
          god = pid;
          track(pid);
        }
      } catch {}
      return god;
    };
    return {
      peer: "pm2",
      t0: cli.t0,
      dir,
      clientEnv: pm2Env(home),
      services: () => {
        const d = daemon();
        return d === null ? [] : childrenNamed(d, "sleep");
      },
      supervisorPids: () => {
        const d = daemon();
        return d === null ? [] : [d];
      },
      stop: async () => {
        await awaitExit(cli.pid, 60_000); // let `pm2 start` finish talking to the daemon
        const d = daemon();
        run(pm2Argv("kill"), { env: pm2Env(home), timeoutMs: 60_000 });
        if (d !== null) await stopTree(d, 10_000);
        removeTemp(dir);
      },
    };
  },
};

// ── runit and s6: one small C supervisor process per service ──────────────────

function serviceDirs(base: string, n: number): void {
  mkdirSync(base);
  for (const s of names(n)) {
    mkdirSync(join(base, s));
    const runFile = join(base, s, "run");
    writeFileSync(runFile, `#!/bin/sh\nexec sleep ${SLEEP}\n`);
    chmodSync(runFile, 0o755);
  }
}

/** A scanner (runsvdir, s6-svscan) with one per-service supervisor (runsv, s6-supervise) under it. */
function scannerPeer(name: "runit" | "s6", scanner: string, perService: string): Peer {
  return {
    name,
    unavailable: () => (which(scanner) ? null : `${scanner} not installed (apt-get install ${name})`),
    start(n) {
      // both restart a service that exits; neither can be told not to, so `restart` is moot
      const dir = tempDir(name);
      const base = join(dir, "sv");
      serviceDirs(base, n);
      // s6-svscan supervises at most 500 service dirs unless told otherwise (-c)
      const argv = name === "runit" ? [scanner, "-P", base] : [scanner, "-c", String(Math.max(500, n + 10)), base];
      const s = startProcess(argv, { cwd: dir, logFile: join(dir, "out.log") });
      const supervisors = () => childrenOf(s.pid).filter((p) => comm(p) === perService);
      return {
        peer: name,
        t0: s.t0,
        dir,
        clientEnv: {},
        services: () => supervisors().flatMap((p) => childrenNamed(p, "sleep")),
        supervisorPids: () => [s.pid, ...supervisors()],
        stop: async () => {
          // a TERMed runsv exits only once its service is down, so take the services down first
          if (name === "runit") run(["sv", "exit", ...names(n).map((x) => join(base, x))]);
          await stopTree(s.pid, 15_000, name === "runit" ? "SIGHUP" : "SIGTERM");
          removeTemp(dir);
        },
      };
    },
  };
}

export const runit = scannerPeer("runit", "runsvdir", "runsv");
export const s6 = scannerPeer("s6", "s6-svscan", "s6-supervise");

export const PEERS: Record<PeerName, Peer> = { sysg, "sysg-daemon": sysgDaemon, supervisord, pm2, runit, s6 };

/** `--only sysg,pm2` on the command line narrows the peers; installs what is missing. */
export function selectedPeers(argv: string[], allowed: PeerName[] = ALL_PEERS): Peer[] {
  const i = argv.indexOf("--only");
  const only = i >= 0 ? (argv[i + 1] ?? "").split(",") : allowed;
  const chosen = allowed.filter((p) => only.includes(p));
  if (chosen.some((p) => !p.startsWith("sysg") && p !== "pm2")) ensureAptPeers();
  if (chosen.includes("pm2")) ensurePm2();
  const out: Peer[] = [];
  for (const name of chosen) {
    const why = PEERS[name].unavailable();
    if (why) console.warn(`skipping ${name}: ${why}`);
    else out.push(PEERS[name]);
  }
  return out;
}

/** Positional (non-flag) arguments, skipping `--only <list>`. */
export function positional(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--only") i++;
    else if (!argv[i]!.startsWith("--")) out.push(argv[i]!);
  }
  return out;
}
