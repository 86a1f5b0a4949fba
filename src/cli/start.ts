// `sysg start`: load and validate the config (nothing starts if anything is wrong), then run the
// supervisor in the foreground with every service's output on the terminal, or detached with
// --daemonize. With a supervisor already running: `-s NAME` asks it to start that service,
// otherwise it says so and exits 0 (SPEC §5).
import { realpathSync } from "node:fs";
import { homedir } from "node:os";
import { isatty } from "node:tty";
import { findConfig, formatErrors, loadConfig } from "../config/index.ts";
import { callIpc } from "../ipc/client.ts";
import { dropRuntimeEnv } from "../runtime/daemon-env.ts";
import { supervisorStatus } from "../runtime/lock.ts";
import { type RuntimePaths, runtimePaths } from "../runtime/paths.ts";
import { captureListenFds } from "../privilege/socket-activation.ts";
import { checkPrivileges } from "../privilege/context.ts";
import { adoptDelegatedCgroup } from "../privilege/delegation.ts";
import { findGroup, readAccounts } from "../privilege/accounts.ts";
import { privilegeHook, runSupervisor } from "../supervisor/index.ts";
import { VERSION } from "../version.ts";
import { configArg, configPositional, dropPrivilegesArg, globalArgs } from "./args.ts";
import { daemonize } from "./daemonize.ts";
import type { NotifyClient } from "../platform/types.ts";
import { loadConnector, loadPlatform } from "./index.ts";
import { parseLogLevel } from "./loglevel.ts";
import { PrefixedOutput, wantColor } from "./output.ts";
import { defineCommand } from "./command.ts";
import { sayConfigErrors, sayError } from "./say.ts";

export default defineCommand({
  meta: {
    name: "start",
    description: "Start the services of a config (foreground; --daemonize to detach)",
    examples: ["sysg start", "sysg start cfg/web.yaml --daemonize", "sysg start -s web"],
  },
  args: {
    ...configPositional,
    ...configArg,
    daemonize: { type: "boolean", description: "Run the supervisor in the background; return once every service settled" },
    service: { type: "string", alias: "s", description: "Start only this service (and what it depends on)", valueHint: "name" },
    init: { type: "boolean", description: "Act as a container init (automatic as PID 1): forward HUP/QUIT/USR1/USR2/WINCH to services" },
    json: { type: "boolean", description: "With --daemonize, or when a supervisor already runs: print the outcome as JSON (sysg.start.v1)" },
    "notify-fd": { type: "string", hidden: true, description: "(internal) readiness pipe of --daemonize" },
    ...dropPrivilegesArg,
    ...globalArgs,
  },
  async run({ args }): Promise<number> {
    const level = parseLogLevel(args["log-level"]);
    if (!level.ok) {
      sayError("start", level.error);
      return 2;
    }
    const sys = args.sys === true;
    if (sys && process.getuid?.() !== 0) {
      console.error("sysg: start --sys: starting the system supervisor requires root\n  hint: run it with sudo, or drop --sys for a per-user supervisor");
      return 1;
    }
    // Socket activation: take LISTEN_* out of our env before any service env is built from it.
    const sockets = captureListenFds(process.env, process.pid);
    // Started by systemd as Type=notify: this socket is ours alone (not for a --daemonize child).
    const notifySocket = process.env.NOTIFY_SOCKET;
    delete process.env.NOTIFY_SOCKET;
    // the engine settings --daemonize started us with are not the services' (runtime/daemon-env.ts)
    dropRuntimeEnv(process.env);
    const dropPrivileges = args["drop-privileges"] === true;
    const euid = process.geteuid?.() ?? 0;
    const home = process.env.HOME ?? homedir();
    const paths = runtimePaths({ sys, home });
    const notifyFd = args["notify-fd"] === undefined ? undefined : Number(args["notify-fd"]);

    if (notifyFd === undefined) {
      const running = supervisorStatus(paths);
      if (running.ok && running.value.running) {
        const other = differentConfig(running.value.info.config, args.config, home, sys);
        if (other !== null) {
          sayError(
            "start",
            `a supervisor is already running (pid ${running.value.info.pid}) with another config, ${running.value.info.config}; ${other} was not applied`,
            `apply it with \`${sys ? "sysg --sys" : "sysg"} reload ${other}\` (only what changed restarts), or stop the running one first`,
          );
          return 1;
        }
        return startInRunning(paths, running.value.info, args.service, args.json === true);
      }
      if (args.json && !args.daemonize) {
        sayError("start", "--json needs --daemonize: in the foreground sysg prints the services' output", "add --daemonize, then `sysg status --json` shows the units");
        return 2;
      }
    }

    const load = (config: string | undefined) =>
      loadConfig({ config, cwd: process.cwd(), home, sys, baseEnv: process.env as Record<string, string> });
    const loaded = await load(args.config);
    if (!loaded.ok) {
      sayConfigErrors(formatErrors(loaded.errors, loaded.path ?? "start"));
      return 1;
    }
    const config = loaded.config;
    const hostErrors = checkPrivileges(config, { euid, dropPrivileges, sys });
    if (hostErrors.length > 0) {
      sayConfigErrors(formatErrors(hostErrors, config.path));
      return 1;
    }
    let only: string[] | undefined;
    if (args.service !== undefined) {
      if (!(args.service in config.services)) {
        console.error(`sysg: start: unknown service "${args.service}" in ${config.path}\n  hint: services are ${config.order.join(", ")}`);
        return 1;
      }
      only = [args.service];
    }
    const platform = await loadPlatform();

    if (args.daemonize && notifyFd === undefined) {
      const childArgs = ["-c", config.path, "--log-level", level.value, ...(sys ? ["--sys"] : [])];
      if (dropPrivileges) childArgs.push("--drop-privileges");
      if (args.service !== undefined) childArgs.push("-s", args.service);
      // the supervisor runs in its own session: Ctrl-C here ends only this wait, so say what
      // is left running; on a terminal, show what is being waited for meanwhile
      const onInterrupt = () => void interrupted(paths);
      process.once("SIGINT", onInterrupt);
      const { startProgress } = await import("./progress.ts");
      const progress = startProgress(paths);
      const r = await daemonize({ platform, paths, args: childArgs }).finally(() => {
        progress.stop();
        process.off("SIGINT", onInterrupt);
      });
      if (!r.ok) {
        console.error(`sysg: start: ${r.message}`);
        return 1;
      }
      return printStarted(paths, r.pid, args.json === true);
    }

    const daemon = notifyFd !== undefined;
    // Under systemd (Delegate=yes): services' cgroups go below the unit's own cgroup.
    const delegated = adoptDelegatedCgroup(process.env, process.pid);
    if (delegated && !delegated.ok) console.error(`sysg: start: ${delegated.reason}; services' cgroups stay under the default root`);
    const cgroupRoot = delegated?.ok ? delegated.root : undefined;
    let systemd: NotifyClient | undefined;
    if (notifySocket) {
      const c = platform.notifyClient(notifySocket);
      if (c.ok) systemd = c.client;
      else console.error(`sysg: start: cannot notify systemd: ${c.message}; continuing without it`);
    }
    const terminal = daemon ? null : new PrefixedOutput(config.order, wantColor(args.color, isatty(1)));
    const code = await runSupervisor({
      platform,
      config,
      paths,
      terminal,
      logLevel: level.value,
      sys,
      version: VERSION,
      only,
      notifyFd,
      systemd,
      init: args.init === true,
      privilege: (warn) => privilegeHook({ euid, sys, dropPrivileges, cgroupRoot, sockets, warn }),
      // SPEC §6: under --sys, members of group `systemg` (when it exists) may change things too
      adminGids: sys ? adminGids() : [],
      loadConfig: async (path) => {
        const r = await load(path);
        return r.ok ? r : { ok: false, message: formatErrors(r.errors, r.path ?? path) };
      },
    });
    // Every service is stopped and every file flushed: nothing may keep a supervisor alive now.
    process.exit(code);
  },
});

/** The config `start` would run, when it is not the one the running supervisor runs. */
function differentConfig(running: string | null, given: string | undefined, home: string, sys: boolean): string | null {
  const found = findConfig({ config: given, cwd: process.cwd(), home, sys });
  if (!found.ok || running === null) return null;
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  return real(found.path) === real(running) ? null : found.path;
}

/** The gid of group `systemg`, looked up once at start (a group created later needs a restart). */
function adminGids(): number[] {
  const group = findGroup(readAccounts(), "systemg");
  return group ? [group.gid] : [];
}

/** --json of start: the supervisor and the units as they settled. */
function printStartJson(pid: number, alreadyRunning: boolean, units: { name: string; state: string; pid?: number | null; reason: string | null }[]): void {
  const rows = units.map((u) => ({ name: u.name, state: u.state, pid: u.pid ?? null, reason: u.reason }));
  console.log(JSON.stringify({ schema: "sysg.start.v1", supervisor: { pid, already_running: alreadyRunning }, units: rows }, null, 2));
}

async function startInRunning(paths: RuntimePaths, info: { pid: number; config: string | null }, service: string | undefined, json = false): Promise<number> {
  if (service === undefined) {
    if (json) {
      printStartJson(info.pid, true, []);
      return 0;
    }
    console.error(`note: a supervisor is already running (pid ${info.pid}${info.config ? `, config ${info.config}` : ""}); nothing to start`);
    return 0;
  }
  const r = await callIpc(paths.controlSock, "start", { service }, { connector: await loadConnector(), timeoutMs: 600_000 });
  if (!r.ok) {
    console.error(`sysg: start -s ${service}: ${r.error.message}`);
    return 1;
  }
  if (json) printStartJson(info.pid, true, r.result.units);
  else for (const u of r.result.units) console.log(`${u.name}: ${u.state}${u.reason ? ` (${u.reason})` : ""}`);
  return 0;
}

/** Ctrl-C while --daemonize waits: the supervisor keeps running; say so, with each unit's state. */
async function interrupted(paths: RuntimePaths): Promise<never> {
  const { liveSupervisor } = await import("./supervisor-stop.ts");
  const sup = liveSupervisor(paths);
  const sysg = paths.sys ? "sysg --sys" : "sysg";
  if (sup === null) {
    console.error("\nsysg: start: interrupted; the supervisor did not get as far as starting");
    process.exit(130);
  }
  const r = await callIpc(paths.controlSock, "status", {}, { connector: await loadConnector(), timeoutMs: 2_000 });
  const units = r.ok ? r.result.units.map((u) => `${u.name} ${u.state}`).join(", ") : "its services still starting";
  console.error(`\nsysg: start: interrupted; the supervisor (pid ${sup.pid}) keeps running in the background: ${units}`);
  console.error(`  hint: \`${sysg} status\` shows it, \`${sysg} stop\` ends it`);
  process.exit(130);
}

/** After --daemonize: one line per service with its settled state. */
async function printStarted(paths: RuntimePaths, pid: number, json = false): Promise<number> {
  const r = await callIpc(paths.controlSock, "status", {}, { connector: await loadConnector() });
  if (json && r.ok) {
    printStartJson(pid, false, r.result.units);
    return r.result.units.some((u) => u.state === "failed" && u.kind !== "cron") ? 1 : 0;
  }
  console.log(`supervisor started (pid ${pid})`);
  if (!r.ok) {
    console.error(`sysg: start: the supervisor started but does not answer: ${r.error.message}`);
    return 1;
  }
  const width = Math.max(4, ...r.result.units.map((u) => u.name.length));
  for (const u of r.result.units)
    console.log(`  ${u.name.padEnd(width)}  ${u.state.padEnd(8)}  ${u.pid ?? "-"}${u.reason ? `  ${u.reason}` : ""}`);
  // a cron job's runs belong to its schedule, not to this start
  const failed = r.result.units.filter((u) => u.state === "failed" && u.kind !== "cron");
  if (failed.length === 0) return 0;
  for (const u of failed) sayError("start", `${u.name} failed: ${u.reason ?? "no reason recorded"}`);
  console.error(`  hint: the supervisor keeps running the rest; see \`${paths.sys ? "sysg --sys" : "sysg"} logs ${failed[0]!.name}\`, fix, then \`restart ${failed[0]!.name}\``);
  return 1;
}
