// The control protocol (SPEC §5, §6): one typebox schema per request and per result. These
// schemas are the single source of the types; the server validates every request and every
// result against them. docs/ipc.md describes the same thing for people writing clients.
import { type Static, type TLiteral, type TSchema, type TUnion, Type } from "@sinclair/typebox";
import { ResolvedService } from "../config/resolved.ts";
import { Health, UnitState } from "../model/states.ts";
import { ERROR_CODES, PROTOCOL_VERSION } from "./constants.ts";

const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
const OneOf = <const T extends readonly string[]>(values: T): TUnion<TLiteral<T[number]>[]> =>
  Type.Union(values.map((v: T[number]) => Type.Literal(v)));
const Strict = { additionalProperties: false } as const;

/** ISO-8601 UTC, e.g. "2026-11-23T18:00:00.000Z". */
const Timestamp = Type.String({ description: "ISO-8601 UTC timestamp" });
const Count = Type.Integer({ minimum: 0 });

export const RequestId = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
export const ServiceName = Type.String({ pattern: "^[A-Za-z0-9_.-]+$" });
/** The supervisor reads the file itself, so the client resolves it against its own cwd. */
const ConfigPath = Type.String({ pattern: "^/", description: "absolute path of a config file" });
const Version = Type.Literal(PROTOCOL_VERSION);

export const ErrorCode = OneOf(ERROR_CODES);
export type ErrorCode = Static<typeof ErrorCode>;

export const IpcError = Type.Object({ code: ErrorCode, message: Type.String() }, Strict);
export type IpcError = Static<typeof IpcError>;

// ---- requests -------------------------------------------------------------------------------

const request = <C extends string, P extends Record<string, TSchema>>(cmd: C, props: P) =>
  Type.Object({ v: Version, id: RequestId, cmd: Type.Literal(cmd), ...props }, Strict);

export const StatusRequest = request("status", {
  service: Type.Optional(ServiceName),
  all: Type.Optional(Type.Boolean()),
});
export const StartRequest = request("start", { service: Type.Optional(ServiceName) });
export const StopRequest = request("stop", { service: Type.Optional(ServiceName) });
export const RestartRequest = request("restart", {
  service: Type.Optional(ServiceName),
  config: Type.Optional(ConfigPath),
});
export const ReloadRequest = request("reload", { config: Type.Optional(ConfigPath) });
export const InspectRequest = request("inspect", {
  name: ServiceName,
  /** seconds of CPU/RSS history wanted */
  window: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  /** values of inherited env variables too (given only to the owner/admins) */
  show_env: Type.Optional(Type.Boolean()),
});
export const ShutdownRequest = request("shutdown", {});
export const SpawnRequest = request("spawn", {
  /** the parent unit by name: a service, or a spawned child ("web/worker") */
  parent: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$" })),
  /** or the unit whose process tree holds this pid; neither: the caller's own unit (its peer pid) */
  parent_pid: Type.Optional(Type.Integer({ minimum: 1 })),
  /** the child's own name under its parent; default child-<n> */
  name: Type.Optional(ServiceName),
  /** seconds until the child is stopped */
  ttl: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  /** laid over the parent's environment */
  env: Type.Optional(Type.Record(Type.String({ pattern: "^[A-Za-z_][A-Za-z0-9_]*$" }), Type.String())),
  argv: Type.Array(Type.String(), { minItems: 1 }),
});
export const PingRequest = request("ping", {});
/** one run of a cron job now, outside its schedule (`sysg run-now`); answers when it ended */
export const RunRequest = request("run", { service: ServiceName });

export const REQUEST_SCHEMAS = {
  status: StatusRequest,
  start: StartRequest,
  stop: StopRequest,
  restart: RestartRequest,
  reload: ReloadRequest,
  inspect: InspectRequest,
  shutdown: ShutdownRequest,
  spawn: SpawnRequest,
  ping: PingRequest,
  run: RunRequest,
} as const;

export type CommandName = keyof typeof REQUEST_SCHEMAS;
export const COMMAND_NAMES = Object.keys(REQUEST_SCHEMAS) as CommandName[];

export const IpcRequest = Type.Union(Object.values(REQUEST_SCHEMAS));
export type IpcRequest = Static<typeof IpcRequest>;
export type RequestOf<C extends CommandName> = Static<(typeof REQUEST_SCHEMAS)[C]>;
/** What a caller supplies for a command: the request without the envelope. */
export type ArgsOf<C extends CommandName> = Omit<RequestOf<C>, "v" | "id" | "cmd">;

// ---- status: SPEC §5 `sysg.status.v1` ----------------------------------------------------------

// One name per idea: the state and health words are the supervisor's (SPEC §2).
export { Health, UnitState };

/** spawned: a dynamic child (`sysg spawn`), named "<parent>/<name>", listed under its parent */
export const UnitKind = OneOf(["service", "cron", "orphaned", "spawned"] as const);
export type UnitKind = Static<typeof UnitKind>;

/** How a run ended: exactly one of code/signal is non-null. */
export const LastExit = Type.Object(
  { code: Nullable(Type.Integer()), signal: Nullable(Type.String()), at: Timestamp },
  Strict,
);
export type LastExit = Static<typeof LastExit>;

export const CronInfo = Type.Object(
  {
    expression: Type.String(),
    timezone: Type.String(),
    next_run: Nullable(Timestamp),
    /** the last finished run; `at` is when it ended */
    last_run: Nullable(LastExit),
  },
  Strict,
);
export type CronInfo = Static<typeof CronInfo>;

export const StatusUnit = Type.Object(
  {
    name: Type.String(),
    kind: UnitKind,
    state: UnitState,
    pid: Nullable(Type.Integer({ minimum: 1 })),
    /** percent of one CPU */
    cpu: Type.Number({ minimum: 0 }),
    /** bytes */
    rss: Count,
    /** seconds since the current run started; 0 when not running */
    uptime: Type.Number({ minimum: 0 }),
    restarts: Count,
    last_exit: Nullable(LastExit),
    health: Health,
    reason: Nullable(Type.String()),
    cron: Nullable(CronInfo),
  },
  Strict,
);
export type StatusUnit = Static<typeof StatusUnit>;

export const StatusResult = Type.Object(
  {
    schema: Type.Literal("sysg.status.v1"),
    captured_at: Timestamp,
    overall_health: Health,
    units: Type.Array(StatusUnit),
  },
  Strict,
);
export type StatusResult = Static<typeof StatusResult>;

// ---- inspect --------------------------------------------------------------------------------

/** One process of the unit's tree; the tree is rebuilt from `ppid`. */
export const ProcessNode = Type.Object(
  {
    pid: Type.Integer({ minimum: 1 }),
    ppid: Type.Integer({ minimum: 0 }),
    command: Type.String(),
    cpu: Type.Number({ minimum: 0 }),
    rss: Count,
  },
  Strict,
);
export type ProcessNode = Static<typeof ProcessNode>;

export const Sample = Type.Object({ at: Timestamp, cpu: Type.Number({ minimum: 0 }), rss: Count }, Strict);
export type Sample = Static<typeof Sample>;

export const ExitRecord = Type.Object(
  { at: Timestamp, code: Nullable(Type.Integer()), signal: Nullable(Type.String()), reason: Nullable(Type.String()) },
  Strict,
);
export type ExitRecord = Static<typeof ExitRecord>;

/** Why the supervisor started the unit again, e.g. "exit 1, backoff 2s", "operator", "reload". */
export const RestartRecord = Type.Object({ at: Timestamp, reason: Type.String() }, Strict);
export type RestartRecord = Static<typeof RestartRecord>;

export const CronRun = Type.Object(
  {
    started_at: Timestamp,
    ended_at: Nullable(Timestamp),
    code: Nullable(Type.Integer()),
    signal: Nullable(Type.String()),
    /** seconds; null while running or when skipped */
    duration: Nullable(Type.Number({ minimum: 0 })),
    /** true: not started because the previous run was still going (SPEC §3) */
    overlap: Type.Boolean(),
  },
  Strict,
);
export type CronRun = Static<typeof CronRun>;

export const InspectResult = Type.Object(
  {
    unit: StatusUnit,
    /** null for orphaned units, which have no config */
    config: Nullable(ResolvedService),
    processes: Type.Array(ProcessNode),
    /** seconds of history covered by `samples` */
    window: Type.Number({ minimum: 0 }),
    samples: Type.Array(Sample),
    exits: Type.Array(ExitRecord),
    restarts: Type.Array(RestartRecord),
    cron_history: Nullable(Type.Array(CronRun)),
    /** variables the service inherited from the environment `sysg start` ran in (config.env
     *  holds only what the config set): name → value with show_env for the owner/admins, else
     *  name → null */
    inherited_env: Type.Optional(Type.Record(Type.String(), Nullable(Type.String()))),
  },
  Strict,
);
export type InspectResult = Static<typeof InspectResult>;

// ---- start / stop / restart / reload, shutdown, spawn, ping ----------------------------------

export const UnitAction = Type.Object(
  {
    name: Type.String(),
    /** deploy_failed: a rolling deployment did not pass its checks; the old instance keeps serving */
    action: OneOf(["started", "stopped", "restarted", "unchanged", "deploy_failed"] as const),
    /** the state once the action settled */
    state: UnitState,
    reason: Nullable(Type.String()),
  },
  Strict,
);
export type UnitAction = Static<typeof UnitAction>;

export const ActionResult = Type.Object({ units: Type.Array(UnitAction) }, Strict);
export type ActionResult = Static<typeof ActionResult>;

/** The supervisor answers, then stops everything and exits; wait for `pid` to disappear. */
export const ShutdownResult = Type.Object({ pid: Type.Integer({ minimum: 1 }) }, Strict);
export type ShutdownResult = Static<typeof ShutdownResult>;

export const SpawnResult = Type.Object(
  {
    /** the child's unit name, "<parent>/<name>" */
    name: Type.String(),
    pid: Type.Integer({ minimum: 1 }),
    parent: Type.String(),
    /** seconds until it is stopped, or null */
    ttl: Nullable(Type.Number()),
  },
  Strict,
);
export type SpawnResult = Static<typeof SpawnResult>;

export const PingResult = Type.Object(
  {
    pid: Type.Integer({ minimum: 1 }),
    /** sysg version */
    version: Type.String(),
    protocol: Version,
    /** seconds since the supervisor started */
    uptime: Type.Number({ minimum: 0 }),
    sys: Type.Boolean(),
    /** config file the supervisor runs */
    config: Nullable(Type.String()),
  },
  Strict,
);
export type PingResult = Static<typeof PingResult>;

export const RESULT_SCHEMAS = {
  status: StatusResult,
  start: ActionResult,
  stop: ActionResult,
  restart: ActionResult,
  reload: ActionResult,
  inspect: InspectResult,
  shutdown: ShutdownResult,
  spawn: SpawnResult,
  ping: PingResult,
  run: CronRun,
} as const satisfies Record<CommandName, TSchema>;

export type ResultOf<C extends CommandName> = Static<(typeof RESULT_SCHEMAS)[C]>;
export type AnyResult = ResultOf<CommandName>;

// ---- responses ------------------------------------------------------------------------------

export const OkResponse = <T extends TSchema>(result: T) =>
  Type.Object({ v: Version, id: RequestId, ok: Type.Literal(true), result }, Strict);
export const ErrorResponse = Type.Object(
  { v: Version, id: Nullable(RequestId), ok: Type.Literal(false), error: IpcError },
  Strict,
);
export type ErrorResponse = Static<typeof ErrorResponse>;
export type OkResponse<C extends CommandName> = { v: 1; id: number; ok: true; result: ResultOf<C> };
