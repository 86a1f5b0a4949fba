// The contract between the portable core and a runtime backend (today: Bun + bun:ffi).
// Everything outside src/platform/ talks to the OS only through this interface, so a Deno
// backend is a new folder, not a rewrite. This file itself is pure types.

/** The named setup steps of the C child, in the order it runs them (see ffi/spawn.c). */
export type SpawnStep =
  | "fork"
  | "signals"
  | "session"
  | "namespace"
  | "limits"
  | "nice"
  | "affinity"
  | "cgroup"
  | "capabilities"
  | "groups"
  | "gid"
  | "uid"
  | "ambient"
  | "no_new_privs"
  | "stdio"
  | "fds"
  | "chdir"
  | "umask"
  | "exec"
  | "userns"
  | "mounts"
  | "lsm"
  | "seccomp"
  /** isolation.pid: the namespace's PID 1 could not exec the init (or none was installed) */
  | "init";

/** Everything the child does before exec, as plain data. Privilege fields arrive with --sys. */
export interface SpawnSpec {
  /** argv[0] is looked up in `PATH` (from `env`) when it has no "/". */
  argv: string[];
  /** Exact environment of the child, `KEY=VALUE`. Nothing is inherited implicitly. */
  env: string[];
  /** Absolute working directory. */
  cwd: string;
  /** fds in the parent that become 0, 1, 2 of the child; -1 means /dev/null. */
  stdin: number;
  stdout: number;
  stderr: number;
  /** Extra parent fds that become 3, 4, … in the child (socket activation, notify). */
  passFds?: number[];
  /** true: setsid() (new session + group); false: setpgid(0, 0). Default true. */
  session?: boolean;
  /** umask for the child; default: leave as inherited. */
  umask?: number;

  // Privilege context (SPEC §8), applied by the child in this order:
  // namespaces -> rlimits/nice/affinity -> cgroup join -> keep-caps -> groups/gid/uid -> caps/ambient.
  /** CLONE_NEW* flags to unshare (CLONE_NEWPID: the child forks the service, then execs a small
   *  init as PID 1 of the namespace, see ffi/spawn.c). */
  namespaces?: number;
  /** setrlimit: resource number (RLIMIT_*), soft, hard; -1 = RLIM_INFINITY. */
  rlimits?: { resource: number; soft: number; hard: number }[];
  /** setpriority(PRIO_PROCESS, 0, nice) */
  nice?: number;
  /** sched_setaffinity CPU list */
  cpuAffinity?: number[];
  /** open O_DIRECTORY fd of the service's cgroup v2 directory; the child joins it before exec. */
  cgroupFd?: number;
  /** capability numbers to keep (bounding, permitted, effective, inheritable, ambient);
   *  [] = drop every capability; undefined = leave the sets alone (non-root supervisor). */
  capabilities?: number[];
  /** setgroups list; undefined = leave alone */
  groups?: number[];
  gid?: number;
  uid?: number;
  /** prctl(PR_SET_NO_NEW_PRIVS) */
  noNewPrivileges?: boolean;
  /** socket activation: the child sets LISTEN_PID to its own pid (only it knows it) before exec */
  listenPid?: boolean;
  /** isolation.user: a user namespace where the service is root inside and its account outside
   *  (setgroups "deny", uid_map "0 <uid> 1", gid_map "0 <gid> 1"). "with-namespaces":
   *  CLONE_NEWUSER is in `namespaces` and root inside maps to the supervisor's euid/egid (what an
   *  unprivileged supervisor needs to create the other namespaces); "after-uid": the child
   *  creates it after its uid/gid switch, mapping root to the service's account. */
  userns?: "with-namespaces" | "after-uid";

  // Sandbox (isolation hardening keys, src/privilege/mount-plan.ts and seccomp.ts).
  /** Run in order right after MS_REC|MS_SLAVE on "/" of the new mount namespace (needs CLONE_NEWNS). */
  mountPlan?: MountOp[];
  /** Classic BPF program installed with seccomp(SECCOMP_SET_MODE_FILTER) just before exec. */
  seccompFilter?: SeccompInstruction[];
  /** An LSM exec label: `label` is written to `attr` (e.g. /proc/self/attr/apparmor/exec). */
  lsmExec?: { attr: string; label: string };
}

/** One step of a mount plan; the C child (ffi/sandbox.c) runs them in order. */
export type MountOp =
  /** mount --bind source target (flags: MS_REC, …) */
  | { op: "bind"; source: string; target: string; flags: number }
  /** mount -t fstype fstype target -o options (flags: MS_NOSUID, …) */
  | { op: "mount"; fstype: string; target: string; flags: number; options: string }
  /** mount_setattr: set/clear MOUNT_ATTR_* on the mount at target (recursive: the whole subtree) */
  | { op: "setattr"; target: string; set: number; clear: number; recursive: boolean }
  | { op: "mkdir"; target: string; mode: number }
  /** an empty regular file to bind a file onto */
  | { op: "mkfile"; target: string; mode: number }
  | { op: "symlink"; source: string; target: string }
  /** a detached copy of the mount tree at target, kept in `slot` (taken before it is covered) */
  | { op: "clone"; target: string; slot: number; recursive: boolean }
  /** attach the copy kept in `slot` at target */
  | { op: "attach"; target: string; slot: number };

/** struct sock_filter */
export interface SeccompInstruction {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

export type SpawnOutcome =
  /** `pid`: the child to reap and signal; `program`: the pid of the program that runs (the same,
   *  except in a PID namespace, where `pid` is its init and `program` the service under it) */
  | { ok: true; pid: number; program: number }
  | { ok: false; step: SpawnStep; errno: number; message: string };

/** How a child ended: exactly one of code/signal is non-null. */
export interface ExitStatus {
  pid: number;
  code: number | null;
  signal: string | null;
  /** wall-clock ms when the reaper collected it */
  at: number;
}

/** Who is at the other end of a unix socket (SO_PEERCRED), as of its connect(). */
export interface PeerCred {
  pid: number;
  uid: number;
  gid: number;
  /** supplementary groups (SO_PEERGROUPS); absent when the kernel cannot tell */
  groups?: number[];
}

/** One sd_notify datagram and who sent it (SCM_CREDENTIALS; -1 when the kernel attached none). */
export interface NotifyMessage {
  text: string;
  pid: number;
  uid: number;
  gid: number;
}

/** The receiving end of the sd_notify protocol (a service's NOTIFY_SOCKET). */
export interface NotifySocket {
  path: string;
  fd: number;
  /** the datagrams waiting (non-blocking; at most `max` per call, default a bounded batch),
   *  decoded as UTF-8; [] when none */
  receive(max?: number): NotifyMessage[];
  /** closes the socket and removes its file */
  close(): void;
}

/** The sending end of the sd_notify protocol: sysg telling systemd about itself (Type=notify). */
export interface NotifyClient {
  /** the NOTIFY_SOCKET it sends to: a path, or "@name" for an abstract socket */
  address: string;
  /** one datagram (newline-separated KEY=VALUE lines); null when sent, else why not */
  send(message: string): string | null;
  /** CLOCK_MONOTONIC in µs, as MONOTONIC_USEC= wants it */
  monotonicUsec(): bigint;
  close(): void;
}

/** A service's log file, written by the platform's log pump (./bun/pump.ts: a native thread
 *  in the Bun backend): each line stamped, rotated by size at line boundaries, created at once
 *  but held open only from its first line. */
export interface LogTarget {
  path: string;
  /** rotate before the file would pass this many bytes; Infinity = never */
  max_size: number;
  /** rotated files kept (`.1` … `.N`), the live file not counted */
  max_files: number;
  timestamps: boolean;
  /** mode of the created file, applied explicitly */
  mode: number;
  /** receives every line (without newline) and its time; only when set are lines decoded */
  onLine?: (text: string, at: number) => void;
  /** a write failure (said once, lines dropped and counted meanwhile) or its recovery */
  warn: (text: string) => void;
}

export interface PumpedLog {
  /** Takes over the read end of a pipe and copies it into the file until every writer is gone;
   *  settles then (the last unfinished line written with a newline). */
  attach(fd: number): Promise<void>;
  /** Settles once what every attached pipe holds right now is in the file. */
  sync(): Promise<void>;
  /** Lets go of the file; it closes once the pipes attached to it have ended. */
  close(): void;
}

export interface Platform {
  /** Fork/exec through the C shim. Never throws for child-side failures: see SpawnOutcome. */
  spawn(spec: SpawnSpec): SpawnOutcome;
  /** Calls `onExit` exactly once when `pid` (a child we spawned) is reaped. */
  watch(pid: number, onExit: (status: ExitStatus) => void): void;
  /** Called for every reaped pid nobody watched (orphans adopted as subreaper / PID 1). */
  onOrphan(handler: (status: ExitStatus) => void): void;
  /** kill(2); negative pid = process group. Returns false when the target is gone (ESRCH). */
  kill(pid: number, signal: string | number): boolean;
  /** A pipe: read end O_NONBLOCK|O_CLOEXEC for us, write end blocking O_CLOEXEC for a child. */
  pipe(): { read: number; write: number };
  close(fd: number): void;
  /** Chunks read from a (non-blocking) fd until EOF. Takes ownership: the fd is closed at EOF
   *  or error (callers never close it themselves, so a reused fd number is never closed twice). */
  readFd(fd: number): AsyncIterable<Uint8Array>;
  /** A log file fed by pipes (see LogTarget). */
  openLog(target: LogTarget): { ok: true; log: PumpedLog } | { ok: false; message: string };
  /** prctl(PR_SET_CHILD_SUBREAPER); false when the kernel refused. */
  setSubreaper(): boolean;
  /** Credentials of the peer of a connected unix socket fd; null when unavailable. */
  peerCred(fd: number): PeerCred | null;
  /** A unix datagram socket bound to `path` (a stale file there is replaced) for sd_notify
   *  messages from a service: mode 0600, owned by `owner` when given (the service's user), and
   *  every message carries its sender's credentials. */
  notifySocket(path: string, owner?: { uid: number; gid: number }): { ok: true; socket: NotifySocket } | { ok: false; message: string };
  /** A sender to systemd's NOTIFY_SOCKET (a path or "@abstract"). */
  notifyClient(address: string): { ok: true; client: NotifyClient } | { ok: false; message: string };
  /** Stop the reaper's timers/handlers so the process can exit. */
  shutdown(): void;
  /** Gives memory back while idle: a full garbage collection, then the clean pages of our own
   *  executable that start-up touched are reclaimed (what is used again faults back in);
   *  returns the KiB of code pages released. Optional: a backend may have nothing to give. */
  trimMemory?(): number;
  /** What only a system call can tell about the host (for `sysg doctor`). */
  hostProbe?(): HostProbe;
}

export interface HostProbe {
  /** pidfd_open(2) works */
  pidfd: boolean;
  /** prctl(PR_SET_CHILD_SUBREAPER) is accepted */
  subreaper: boolean;
}

// ---- the control socket, client side ------------------------------------------------------

/** A connected byte stream to the supervisor: all the client needs of a socket. */
export interface IpcStream {
  /** Queues bytes; the stream writes them in order, however long the socket takes. */
  write(bytes: Uint8Array): void;
  /** Drops the connection at once. */
  close(): void;
}
export interface StreamHandlers {
  data(chunk: Uint8Array): void;
  /** The connection ended; `error` says why when it broke. Called at most once. */
  closed(error: string | null): void;
}
/** Opens a unix stream socket; `code` is the errno name on failure (ENOENT, EACCES, …). */
export type Connector = (
  path: string,
  handlers: StreamHandlers,
) => Promise<{ ok: true; stream: IpcStream } | { ok: false; code: string; message: string }>;
