// The privilege hook of the spawn path (SPEC §8): for each launch, the service's privilege
// context (user, groups, limits, capabilities, namespaces), its cgroup prepared and handed to
// the child as a directory fd (so no code of the service runs outside it), and the captured
// socket-activation fds. Warnings are reported once per service, not at every restart.
import { closeSync, openSync, constants as fs } from "node:fs";
import type { ResolvedService } from "../config/resolved.ts";
import { prepareCgroup } from "../privilege/cgroup.ts";
import { buildPrivilegeContext } from "../privilege/context.ts";
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
