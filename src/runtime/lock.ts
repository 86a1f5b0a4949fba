// One supervisor per state dir. The lock is an abstract unix socket whose name is a random
// token kept in `<stateDir>/sysg.lock` (mode 0600): binding it is atomic, the kernel frees it
// the instant the holder dies — even by SIGKILL — so there is no stale lock to break, and no
// other user can squat the name because only the owner can read the token. sysg.pid is then
// plain information (who holds the lock), rewritten by each new holder; one left behind by a
// dead supervisor is reported as `previous` so the caller can re-adopt its services.
import { randomBytes } from "node:crypto";
import { linkSync, readFileSync } from "node:fs";
import net from "node:net";
import { join } from "node:path";
import { type Result, type RuntimeError, errnoCode, ioError } from "./errors.ts";
import type { RuntimePaths } from "./paths.ts";
import { isSameProcess, readStat } from "./proc.ts";
import { SysgPidFile, readJsonFile, removeFile, removeTempFiles, writeFileAtomic, writeJsonAtomic } from "./state.ts";

export interface SupervisorLock {
  /** what this supervisor wrote to sysg.pid */
  self: SysgPidFile;
  /** sysg.pid of a supervisor that died without cleaning up (already replaced) */
  previous: SysgPidFile | null;
  /** removes sysg.pid and frees the lock (also happens by itself when the process dies) */
  release(): void;
}

export type SupervisorStatus = { running: true; info: SysgPidFile } | { running: false; stale: SysgPidFile | null };

const TOKEN = /^[0-9a-f]{32}$/;

/** Takes the state dir for this process, or says who holds it. The dirs must exist. */
export async function acquireSupervisorLock(
  paths: RuntimePaths,
  info: { config: string | null; version: string },
): Promise<Result<SupervisorLock>> {
  const token = lockToken(paths);
  if (!token.ok) return token;
  const server = await bindAbstract(`\0sysg-lock-${token.value}`);
  if (!server.ok) {
    if (server.error !== "EADDRINUSE") return { ok: false, error: ioError(paths.stateDir, "cannot take the supervisor lock for", server.error) };
    return { ok: false, error: locked(paths, holder(paths)) };
  }
  const release = () => server.value.close();
  const old = readJsonFile(paths.sysgPid, SysgPidFile);
  let previous: SysgPidFile | null = null;
  if (old.ok) {
    // The lock is abstract, so per network namespace: a live holder we could not see is refused here.
    if (old.value.pid !== process.pid && isSameProcess(old.value.pid, old.value.start_time)) {
      release();
      return { ok: false, error: locked(paths, old.value) };
    }
    previous = old.value;
  }
  removeTempFiles(paths.stateDir);
  // Whatever socket file is left belongs to a dead supervisor: the new server must bind afresh.
  const sock = removeFile(paths.controlSock);
  if (!sock.ok) {
    release();
    return sock;
  }
  const self: SysgPidFile = {
    pid: process.pid,
    start_time: readStat(process.pid)?.startTime ?? 0,
    started_at: new Date().toISOString(),
    config: info.config,
    version: info.version,
  };
  const written = writeJsonAtomic(paths.sysgPid, self, paths.fileMode);
  if (!written.ok) {
    release();
    return written;
  }
  return {
    ok: true,
    value: {
      self,
      previous,
      release() {
        const now = readJsonFile(paths.sysgPid, SysgPidFile);
        if (now.ok && now.value.pid === self.pid && now.value.start_time === self.start_time) removeFile(paths.sysgPid);
        release();
      },
    },
  };
}

/** What sysg.pid says, checked against /proc (for `status` and `start` without taking the lock). */
export function supervisorStatus(paths: RuntimePaths): Result<SupervisorStatus> {
  const r = readJsonFile(paths.sysgPid, SysgPidFile);
  if (!r.ok) return r.error.kind === "missing" ? { ok: true, value: { running: false, stale: null } } : r;
  if (isSameProcess(r.value.pid, r.value.start_time)) return { ok: true, value: { running: true, info: r.value } };
  return { ok: true, value: { running: false, stale: r.value } };
}

/** The token of this state dir, created once (first writer wins, readers never see it half-written). */
function lockToken(paths: RuntimePaths): Result<string> {
  const path = join(paths.stateDir, "sysg.lock");
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const text = readFileSync(path, "utf8").trim();
      if (TOKEN.test(text)) return { ok: true, value: text };
      return {
        ok: false,
        error: { kind: "corrupt", path, message: `${path} is corrupt: expected 32 hex digits`, hint: "delete it; it is recreated" },
      };
    } catch (err) {
      if (errnoCode(err) !== "ENOENT") return { ok: false, error: ioError(path, "cannot read", err) };
    }
    // named like writeFileAtomic's temp files, so a lock holder sweeps it if we die here
    const temp = join(paths.stateDir, `.sysg.lock.${process.pid}.0.tmp`);
    const w = writeFileAtomic(temp, `${randomBytes(16).toString("hex")}\n`, 0o600);
    if (!w.ok) return w;
    try {
      linkSync(temp, path);
    } catch (err) {
      // EEXIST: another starter won; ENOENT: a holder swept our temp. Either way, read again.
      const code = errnoCode(err);
      if (code !== "EEXIST" && code !== "ENOENT") {
        removeFile(temp);
        return { ok: false, error: ioError(path, "cannot create", err) };
      }
    }
    removeFile(temp);
  }
  return { ok: false, error: { kind: "io", path, message: `${path} keeps disappearing`, hint: "is another sysg purging this dir?" } };
}

function bindAbstract(name: string): Promise<{ ok: true; value: net.Server } | { ok: false; error: unknown }> {
  return new Promise((resolve) => {
    // Nobody talks to the lock; connections (anyone in the netns can try) are dropped.
    const server = net.createServer((conn) => conn.destroy());
    server.once("error", (err) => resolve({ ok: false, error: errnoCode(err) === "EADDRINUSE" ? "EADDRINUSE" : err }));
    server.listen(name, () => {
      server.unref();
      resolve({ ok: true, value: server });
    });
  });
}

function holder(paths: RuntimePaths): SysgPidFile | null {
  const r = readJsonFile(paths.sysgPid, SysgPidFile);
  return r.ok ? r.value : null;
}

function locked(paths: RuntimePaths, by: SysgPidFile | null): RuntimeError {
  const who = by ? `pid ${by.pid}, started ${by.started_at}${by.config ? `, config ${by.config}` : ""}` : "starting up";
  return {
    kind: "locked",
    path: paths.stateDir,
    message: `another sysg supervisor is running for ${paths.stateDir} (${who})`,
    hint: "use `sysg stop` to stop it, or `sysg status` to talk to it",
  };
}
