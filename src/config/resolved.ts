// The resolved config: what the supervisor consumes after parsing and validation.
// Same key names as the YAML (one name per idea); values normalised:
//   durations -> milliseconds (number), logs.max_size -> bytes (finite, so this stays JSON-safe),
//   signals -> canonical "SIGTERM" form, paths -> absolute, env -> fully merged;
//   limits and isolation are kept as written (src/privilege normalises them).
// Being a typebox schema, it also travels over IPC (inspect) unchanged.
import { type Static, Type } from "@sinclair/typebox";
import { RawIsolation, RawLimits } from "./schema.ts";

export const ResolvedProbe = Type.Union([
  Type.Object({ kind: Type.Literal("default") }),
  /** access: who may send (systemd's NotifyAccess=): the main process, or any process of its tree */
  Type.Object({ kind: Type.Literal("notify"), access: Type.Union([Type.Literal("main"), Type.Literal("all")]) }),
  Type.Object({ kind: Type.Literal("tcp"), host: Type.String(), port: Type.Integer() }),
  Type.Object({ kind: Type.Literal("http"), url: Type.String(), status: Type.String() }),
  Type.Object({ kind: Type.Literal("exec"), command: Type.String() }),
  Type.Object({ kind: Type.Literal("log"), regex: Type.String() }),
]);
export type ResolvedProbe = Static<typeof ResolvedProbe>;

/** The probes a liveness check may use (notify and log say nothing about "still alive"). */
export const LivenessProbe = Type.Union([
  Type.Object({ kind: Type.Literal("tcp"), host: Type.String(), port: Type.Integer() }),
  Type.Object({ kind: Type.Literal("http"), url: Type.String(), status: Type.String() }),
  Type.Object({ kind: Type.Literal("exec"), command: Type.String() }),
]);
export type LivenessProbe = Static<typeof LivenessProbe>;

export const ResolvedHook = Type.Object({
  command: Type.String(),
  timeout: Type.Number(),
  /** written with a leading "+": runs with the supervisor's privileges, not the service's */
  full_privileges: Type.Optional(Type.Boolean()),
});
export type ResolvedHook = Static<typeof ResolvedHook>;

const HookPair = Type.Object({
  success: Type.Optional(ResolvedHook),
  error: Type.Optional(ResolvedHook),
});

export const ResolvedLogs = Type.Object({
  max_size: Type.Number(),
  max_files: Type.Integer(),
  timestamps: Type.Boolean(),
});
export type ResolvedLogs = Static<typeof ResolvedLogs>;

export const ResolvedService = Type.Object({
  name: Type.String(),
  /** a string (see config/command.ts for when it runs through a shell) or an argv list */
  command: Type.Union([Type.String(), Type.Array(Type.String())]),
  /** absolute */
  working_dir: Type.String(),
  /** the complete environment of the child (inherited + files + vars) */
  env: Type.Record(Type.String(), Type.String()),
  /** names in `env` that the config set (env files and vars, root or service): the rest is
   *  inherited from the environment `sysg start` ran in, shown by name only (inspect) */
  env_set: Type.Optional(Type.Array(Type.String())),
  restart_policy: Type.Union([Type.Literal("always"), Type.Literal("on-failure"), Type.Literal("never")]),
  backoff: Type.Number(),
  backoff_max: Type.Number(),
  /** null = unlimited */
  max_restarts: Type.Union([Type.Integer(), Type.Null()]),
  restart_reset: Type.Number(),
  critical: Type.Boolean(),
  depends_on: Type.Array(Type.String()),
  /** false, true, or a shell command whose exit 0 means skip */
  skip: Type.Union([Type.Boolean(), Type.String()]),
  readiness: Type.Object({ probe: ResolvedProbe, timeout: Type.Number() }),
  hooks: Type.Object({
    on_start: Type.Optional(HookPair),
    on_stop: Type.Optional(HookPair),
    on_restart: Type.Optional(HookPair),
  }),
  deployment: Type.Union([
    Type.Null(),
    Type.Object({
      strategy: Type.Union([Type.Literal("rolling"), Type.Literal("immediate")]),
      pre_start: Type.Union([Type.String(), Type.Null()]),
      health_check: Type.Union([
        Type.Null(),
        Type.Object({ url: Type.String(), timeout: Type.Number(), retries: Type.Integer() }),
      ]),
      grace_period: Type.Number(),
    }),
  ]),
  cron: Type.Union([Type.Null(), Type.Object({ expression: Type.String(), timezone: Type.String() })]),
  stop_signal: Type.String(),
  stop_timeout: Type.Number(),
  logs: ResolvedLogs,
  /**
   * Privileged keys, validated at load and enforced by src/privilege. user/group/groups: names
   * or numeric ids as text; capabilities: canonical; limits and isolation: as written (their
   * schema types: sizes like "512M", "unlimited", umask "0027"), src/privilege normalises them.
   */
  user: Type.Union([Type.String(), Type.Null()]),
  group: Type.Union([Type.String(), Type.Null()]),
  supplementary_groups: Type.Array(Type.String()),
  limits: Type.Union([Type.Null(), RawLimits]),
  /** canonical "CAP_*" names, or ["ALL"]; null = none listed */
  capabilities: Type.Union([Type.Null(), Type.Array(Type.String())]),
  isolation: Type.Union([Type.Null(), RawIsolation]),
  socket_activation: Type.Boolean(),
  /** liveness: while running, `probe` every `interval`; `failures` in a row restart the service */
  health: Type.Union([
    Type.Null(),
    Type.Object({ probe: LivenessProbe, interval: Type.Number(), timeout: Type.Number(), failures: Type.Integer() }),
  ]),
  /** dynamic children allowed under this service (`sysg spawn --parent`); null = none */
  spawn: Type.Union([Type.Null(), Type.Object({ max_children: Type.Integer(), max_depth: Type.Integer() })]),
});
export type ResolvedService = Static<typeof ResolvedService>;

export const ResolvedConfig = Type.Object({
  /** absolute path of the config file */
  path: Type.String(),
  /** its directory (relative paths resolve against it) */
  dir: Type.String(),
  /** keyed by name */
  services: Type.Record(Type.String(), ResolvedService),
  /** topological order: every service after its dependencies, ties by name */
  order: Type.Array(Type.String()),
  logs: ResolvedLogs,
});
export type ResolvedConfig = Static<typeof ResolvedConfig>;

/** An error found in a config, pointing at the exact place. */
export interface ConfigError {
  /** dotted path, e.g. "services.web.limits.nofile"; "" for the file itself */
  path: string;
  message: string;
  /** how to fix it, e.g. 'did you mean "restart_policy"?' */
  hint?: string;
}
