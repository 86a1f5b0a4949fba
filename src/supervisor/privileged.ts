// The privilege hook of the spawn path (SPEC §8): for each launch, the service's privilege
// context (user, groups, limits, capabilities, namespaces), its cgroup prepared and handed to
// the child as a directory fd (so no code of the service runs outside it), and the captured
// socket-activation fds. Warnings are reported once per service, not at every restart.
import { chmodSync, closeSync, mkdirSync, openSync, statSync, writeFileSync, constants as fs } from "node:fs";
import { dirname } from "node:path";
import type { ResolvedService } from "../config/resolved.ts";
import { prepareCgroup } from "../privilege/cgroup.ts";
import { MASK_FILE, buildPrivilegeContext } from "../privilege/context.ts";
import { type CapturedSockets, socketsForService } from "../privilege/socket-activation.ts";
import type { SpawnSpec } from "../platform/types.ts";
import type { PrivilegeHook } from "./supervisor.ts";

export interface PrivilegeHookOptions {
  euid: number;
  sys: boolean;
  dropPrivileges: boolean;
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
    const ctx = buildPrivilegeContext(svc, { euid: opts.euid, dropPrivileges: opts.dropPrivileges, sys: opts.sys });
    if (!ctx.ok) return { ok: false, reason: `${ctx.error.message}${ctx.error.hint ? ` (${ctx.error.hint})` : ""}` };
    for (const w of ctx.warnings) warnOnce(svc, w);
    if (ctx.spec.mountPlan?.some((op) => op.op === "bind" && op.source === MASK_FILE)) {
      const made = ensureMaskFile();
      if (made) return { ok: false, reason: made };
    }
    const extra: Partial<SpawnSpec> = { ...ctx.spec };
    const env = { ...ctx.env };
    let cgroupDir: string | undefined;
    let cgroupFd: number | undefined;
    if (ctx.cgroup) {
      const prepared = prepareCgroup(ctx.cgroup.root, svc.name, ctx.cgroup.settings);
      for (const w of prepared.warnings) warnOnce(svc, w);
      if (prepared.ok) {
        try {
          cgroupFd = openSync(prepared.dir, fs.O_RDONLY | fs.O_DIRECTORY);
          cgroupDir = prepared.dir;
          extra.cgroupFd = cgroupFd;
        } catch (e) {
          warnOnce(svc, `cgroup ${prepared.dir}: ${e instanceof Error ? e.message : String(e)}; running outside it`);
        }
      } else {
        warnOnce(svc, `cgroup: ${prepared.reason}; running outside a cgroup`);
      }
    }
    if (svc.socket_activation) {
      const sockets = socketsForService(opts.sockets);
      if (sockets) {
        extra.passFds = sockets.passFds;
        extra.listenPid = true;
        Object.assign(env, sockets.env);
      } else {
        warnOnce(svc, "socket_activation: true, but sysg was not started with LISTEN_FDS for it");
      }
    }
    return {
      ok: true,
      extra,
      env,
      cgroupDir,
      release: () => {
        if (cgroupFd !== undefined) closeSync(cgroupFd);
      },
    };
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
