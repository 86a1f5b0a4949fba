// The execution context of a run (SPEC §8), built once per run: the service's privilege context
// (user, groups, limits, capabilities, namespaces, hardening), its cgroup prepared (each spawn
// joins it through a fresh directory fd, so no code of the run executes outside it) and its
// environment. The run's main process, skip command, exec probes and hooks all start from it;
// only the main process also gets the captured socket-activation fds. Warnings are reported once
// per service, not at every restart.
import { chmodSync, closeSync, mkdirSync, openSync, statSync, writeFileSync, constants as fs } from "node:fs";
import { dirname } from "node:path";
import type { ResolvedService } from "../config/resolved.ts";
import { prepareCgroup } from "../privilege/cgroup.ts";
import { MASK_FILE, buildPrivilegeContext } from "../privilege/context.ts";
import { type CapturedSockets, socketsForService } from "../privilege/socket-activation.ts";
import type { SpawnSpec } from "../platform/types.ts";
import type { ExecContext } from "./child.ts";

/** Builds a run's execution context; `main` holds what only the main process gets. */
export type PrivilegeHook = (svc: ResolvedService) =>
  | { ok: true; context: ExecContext; main: { extra: Partial<SpawnSpec>; env: Record<string, string> } }
  | { ok: false; reason: string };

export interface PrivilegeHookOptions {
  euid: number;
  sys: boolean;
  dropPrivileges: boolean;
  /** default cgroup root (see PrivilegeOptions.cgroupRoot) */
  cgroupRoot?: string;
  sockets: CapturedSockets;
  warn: (service: string, text: string) => void;
}

export function privilegeHook(opts: PrivilegeHookOptions): PrivilegeHook {
  const warned = new Set<string>();
  const warnOnce = (svc: ResolvedService, text: string) => {
    const key = `${svc.name}\0${text}`;
    if (warned.has(key)) return;
    warned.add(key);
    opts.warn(svc.name, text);
  };
  return (svc) => {
    const ctx = buildPrivilegeContext(svc, {
      euid: opts.euid,
      dropPrivileges: opts.dropPrivileges,
      sys: opts.sys,
      cgroupRoot: opts.cgroupRoot,
    });
    if (!ctx.ok) return { ok: false, reason: `${ctx.error.message}${ctx.error.hint ? ` (${ctx.error.hint})` : ""}` };
    for (const w of ctx.warnings) warnOnce(svc, w);
    if (ctx.spec.mountPlan?.some((op) => op.op === "bind" && op.source === MASK_FILE)) {
      const made = ensureMaskFile();
      if (made) return { ok: false, reason: made };
    }
    const context: ExecContext = {
      env: { ...svc.env, ...ctx.env },
      cwd: svc.working_dir,
      spec: { ...ctx.spec },
      cgroupDir: null,
    };
    if (ctx.cgroup) {
      const prepared = prepareCgroup(ctx.cgroup.root, svc.name, ctx.cgroup.settings);
      for (const w of prepared.warnings) warnOnce(svc, w);
      if (prepared.ok) {
        const dir = prepared.dir;
        context.cgroupDir = dir;
        context.attach = () => {
          try {
            const fd = openSync(dir, fs.O_RDONLY | fs.O_DIRECTORY);
            return { extra: { cgroupFd: fd }, release: () => closeSync(fd) };
          } catch (e) {
            warnOnce(svc, `cgroup ${dir}: ${e instanceof Error ? e.message : String(e)}; running outside it`);
            return { extra: {}, release: () => {} };
          }
        };
      } else {
        warnOnce(svc, `cgroup: ${prepared.reason}; running outside a cgroup`);
      }
    }
    const main = { extra: {} as Partial<SpawnSpec>, env: {} as Record<string, string> };
    if (svc.socket_activation) {
      const sockets = socketsForService(opts.sockets);
      if (sockets) {
        main.extra.passFds = sockets.passFds;
        main.extra.listenPid = true;
        Object.assign(main.env, sockets.env);
      } else {
        warnOnce(svc, "socket_activation: true, but sysg was not started with LISTEN_FDS for it");
      }
    }
    return { ok: true, context, main };
  };
}

/** The empty mode-0000 file that inaccessible files are covered with (systemd: /run/systemd/inaccessible/reg). */
function ensureMaskFile(): string | null {
  try {
    const st = statSync(MASK_FILE, { throwIfNoEntry: false });
    if (st?.isFile() && st.size === 0 && (st.mode & 0o7777) === 0 && st.uid === 0) return null;
    mkdirSync(dirname(MASK_FILE), { recursive: true, mode: 0o755 });
    writeFileSync(MASK_FILE, "", { mode: 0 });
    chmodSync(MASK_FILE, 0);
    return null;
  } catch (e) {
    return `inaccessible_paths: cannot create ${MASK_FILE}: ${e instanceof Error ? e.message : String(e)}`;
  }
}

/**
 * Runs without a cgroup of their own join the services' share of the supervisor's pids limit
 * (privilege/pids-reserve.ts), so a service that forks without bound cannot take the tasks the
 * supervisor needs. Never killed as a unit's cgroup: `cgroupDir` stays null (it is shared).
 */
export function withPidsReserve(hook: PrivilegeHook | undefined, reserve: { dir: string } | null): PrivilegeHook | undefined {
  if (!hook || !reserve) return hook;
  return (svc) => {
    const r = hook(svc);
    if (!r.ok || r.context.attach) return r;
    r.context.attach = () => {
      try {
        const fd = openSync(reserve.dir, fs.O_RDONLY | fs.O_DIRECTORY);
        return { extra: { cgroupFd: fd }, release: () => closeSync(fd) };
      } catch {
        // the directory went away (removed by hand): the run stays in the supervisor's cgroup
        return { extra: {}, release: () => {} };
      }
    };
    return r;
  };
}
