// systemd socket activation (sd_listen_fds(3)) passed through: when systemd (or any activator)
// starts sysg with LISTEN_FDS, the sockets are sysg's fds 3..3+n-1. sysg takes them once at
// startup, removes the variables from its own environment (so no later child sees stale ones),
// and hands them, renumbered from 3, to every service with `socket_activation: true`.
/** sd_listen_fds(3): the first passed descriptor. */
export const LISTEN_FDS_START = 3;

export interface ListenFd {
  /** the fd number in the supervisor */
  fd: number;
  /** from LISTEN_FDNAMES, "unknown" when not named (systemd's default) */
  name: string;
}

export interface CapturedSockets {
  fds: ListenFd[];
  /** why variables present in the environment were not used */
  warnings: string[];
}

const VARS = ["LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"] as const;

/**
 * Takes the activation fds addressed to `pid` and deletes LISTEN_PID/LISTEN_FDS/LISTEN_FDNAMES
 * from `env` in every case, as sd_listen_fds(unset_environment=1) does. Call once, early,
 * before any service env is built from process.env.
 */
export function captureListenFds(
  env: Record<string, string | undefined> = process.env,
  pid: number = process.pid,
): CapturedSockets {
  const listenPid = env.LISTEN_PID;
  const listenFds = env.LISTEN_FDS;
  const names = env.LISTEN_FDNAMES;
  for (const v of VARS) delete env[v];

  const warnings: string[] = [];
  if (listenFds === undefined) return { fds: [], warnings };
  if (listenPid === undefined || !/^\d+$/.test(listenPid) || Number(listenPid) !== pid) {
    warnings.push(`LISTEN_FDS ignored: LISTEN_PID=${listenPid ?? "(unset)"} is not this supervisor (pid ${pid})`);
    return { fds: [], warnings };
  }
  if (!/^\d+$/.test(listenFds)) {
    warnings.push(`LISTEN_FDS ignored: ${JSON.stringify(listenFds)} is not a count`);
    return { fds: [], warnings };
  }
  const n = Number(listenFds);
  const nameList = names === undefined ? [] : names.split(":");
  if (names !== undefined && nameList.length !== n) {
    warnings.push(`LISTEN_FDNAMES has ${nameList.length} names for ${n} fds; unnamed ones are "unknown"`);
  }
  // Like sd_listen_fds(3), trust the activator: a closed fd surfaces as EBADF at the child's "fds" step.
  const fds = Array.from({ length: n }, (_, i) => ({ fd: LISTEN_FDS_START + i, name: nameList[i] || "unknown" }));
  return { fds, warnings };
}

export interface ServiceSockets {
  /** SpawnSpec.passFds: these become 3, 4, … in the child */
  passFds: number[];
  /** merged into the child's env; LISTEN_PID is the child's own pid, so the C side sets it */
  env: { LISTEN_FDS: string; LISTEN_FDNAMES: string };
}

/** What a `socket_activation: true` service gets; null when nothing was captured. */
export function socketsForService(captured: CapturedSockets): ServiceSockets | null {
  if (captured.fds.length === 0) return null;
  return {
    passFds: captured.fds.map((f) => f.fd),
    env: {
      LISTEN_FDS: String(captured.fds.length),
      LISTEN_FDNAMES: captured.fds.map((f) => f.name).join(":"),
    },
  };
}
