// The raw config as written (YAML/JSON/TOML), as typebox schemas. Strict everywhere: unknown
// keys are errors. Values with their own syntax (durations, sizes, signals, …) are custom kinds
// checked by the parser that later normalises them, so one pass of Errors() finds every problem
// and validate.ts asks the same parser for the message.
import { Kind, type Static, type TSchema, Type, TypeRegistry } from "@sinclair/typebox";
import { parseCapability } from "./capabilities.ts";
import { parseCron, parseTimezone } from "./cron.ts";
import { parseDuration } from "../model/duration.ts";
import type { Parsed } from "../model/parsed.ts";
import { parseSignal } from "../model/signals.ts";
import { parseFiniteSize, parseSize } from "./size.ts";
import {
  parseAbsolutePath,
  parseAddress,
  parseCountLimit,
  parseCpuMax,
  parseHttpStatus,
  parseHookCommand,
  parseHttpUrl,
  parseRegex,
  parseSeccompEntry,
  parseUmask,
} from "./values.ts";
import {
  parseAddressFamily,
  parseNamespaceName,
  parseSandboxPath,
  parseSeccompErrno,
  parseSyscallArchitectures,
} from "./sandbox-values.ts";

/** Custom kind → the parser that checks (and later normalises) its values. */
export const VALUE_KINDS: Readonly<Record<string, (input: unknown) => Parsed<unknown>>> = {
  "sysg.Duration": parseDuration,
  "sysg.Size": parseSize,
  "sysg.FiniteSize": parseFiniteSize,
  "sysg.Signal": parseSignal,
  "sysg.Cron": parseCron,
  "sysg.Timezone": parseTimezone,
  "sysg.Capability": parseCapability,
  "sysg.Address": parseAddress,
  "sysg.HttpUrl": parseHttpUrl,
  "sysg.HttpStatus": parseHttpStatus,
  "sysg.Regex": parseRegex,
  "sysg.Umask": parseUmask,
  "sysg.CpuMax": parseCpuMax,
  "sysg.CountLimit": parseCountLimit,
  "sysg.AbsolutePath": parseAbsolutePath,
  "sysg.Seccomp": parseSeccompEntry,
  "sysg.SandboxPath": parseSandboxPath,
  "sysg.Namespace": parseNamespaceName,
  "sysg.AddressFamily": parseAddressFamily,
  "sysg.SeccompErrno": parseSeccompErrno,
  "sysg.SyscallArchitectures": parseSyscallArchitectures,
  "sysg.HookCommand": parseHookCommand,
};
for (const [kind, parse] of Object.entries(VALUE_KINDS)) {
  if (!TypeRegistry.Has(kind)) TypeRegistry.Set(kind, (_schema, value) => parse(value).ok);
}

const value = <T>(kind: string) => Type.Unsafe<T>({ [Kind]: kind });
const strict = { additionalProperties: false } as const;
const opt = Type.Optional;

/** Service names: also used as file names (logs) and in cgroup paths, hence never "." or "..". */
export const SERVICE_NAME = /^(?!\.\.?$)[A-Za-z0-9_.-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

const Duration = value<string | number>("sysg.Duration");
const Size = value<string | number>("sysg.Size");
const CountLimit = value<string | number>("sysg.CountLimit");
const AbsolutePath = value<string>("sysg.AbsolutePath");
const SandboxPath = value<string>("sysg.SandboxPath");
const Command = Type.String({ minLength: 1, expected: "a shell command" });
/** A service's command: a string (split into words, or run by /bin/sh -c when it needs a shell) or an argv list, exec'd as is. */
const ServiceCommand = Type.Union(
  [Command, Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })],
  { expected: "a command line or a non-empty list of arguments" },
);
const Path = Type.String({ minLength: 1, expected: "a path" });
const Id = Type.Union([Type.String({ minLength: 1 }), Type.Integer({ minimum: 0 })], {
  expected: "a name or a numeric id",
});

export const RawEnv = Type.Object(
  {
    file: opt(Type.Union([Path, Type.Array(Path)], { expected: "a path or a list of paths" })),
    vars: opt(
      Type.Record(
        Type.String({ pattern: ENV_NAME.source }),
        Type.Union([Type.String(), Type.Number(), Type.Boolean()], {
          expected: "a string (numbers and booleans are written as text)",
        }),
        { ...strict, keyName: "variable name", keyHint: "names use letters, digits and _, not starting with a digit" },
      ),
    ),
  },
  strict,
);

export const RawLogs = Type.Object(
  { max_size: opt(value<string | number>("sysg.FiniteSize")), max_files: opt(Type.Integer({ minimum: 0 })), timestamps: opt(Type.Boolean()) },
  strict,
);

/** One probe key (notify, tcp, http + status, exec or log) plus `timeout`; "exactly one" is checked in resolve. */
export const PROBE_KEYS = ["notify", "tcp", "http", "exec", "log"] as const;
export const RawReadiness = Type.Object(
  {
    notify: opt(Type.Literal(true)),
    notify_access: opt(Type.Union([Type.Literal("main"), Type.Literal("all")])),
    tcp: opt(value<string | number>("sysg.Address")),
    http: opt(value<string>("sysg.HttpUrl")),
    status: opt(value<string | number>("sysg.HttpStatus")),
    exec: opt(Command),
    log: opt(value<string>("sysg.Regex")),
    timeout: opt(Duration),
  },
  strict,
);

const RawHook = Type.Object({ command: value<string>("sysg.HookCommand"), timeout: opt(Duration) }, strict);
const RawHookPair = Type.Object({ success: opt(RawHook), error: opt(RawHook) }, strict);
export const RawHooks = Type.Object(
  { on_start: opt(RawHookPair), on_stop: opt(RawHookPair), on_restart: opt(RawHookPair) },
  strict,
);

export const RawDeployment = Type.Object(
  {
    strategy: opt(Type.Union([Type.Literal("rolling"), Type.Literal("immediate")])),
    pre_start: opt(Command),
    health_check: opt(
      Type.Object(
        { url: value<string>("sysg.HttpUrl"), timeout: opt(Duration), retries: opt(Type.Integer({ minimum: 0 })) },
        strict,
      ),
    ),
    grace_period: opt(Duration),
  },
  strict,
);

/** Liveness (SPEC §1 "later liveness"): one probe (tcp, http + status, exec) checked every `interval` while running. */
export const LIVENESS_KEYS = ["tcp", "http", "exec"] as const;
export const RawHealth = Type.Object(
  {
    tcp: opt(value<string | number>("sysg.Address")),
    http: opt(value<string>("sysg.HttpUrl")),
    status: opt(value<string | number>("sysg.HttpStatus")),
    exec: opt(Command),
    interval: opt(Duration),
    timeout: opt(Duration),
    failures: opt(Type.Integer({ minimum: 1 })),
  },
  strict,
);

/** Dynamic children (`sysg spawn --parent NAME`): allowed only with this block, within its bounds. */
export const RawSpawn = Type.Object(
  { max_children: opt(Type.Integer({ minimum: 1 })), max_depth: opt(Type.Integer({ minimum: 1 })) },
  strict,
);

export const RawCron = Type.Object(
  { expression: value<string>("sysg.Cron"), timezone: opt(value<string>("sysg.Timezone")) },
  strict,
);

export const RawCgroup = Type.Object(
  {
    root: opt(AbsolutePath),
    memory_max: opt(Size),
    cpu_max: opt(value<string | number>("sysg.CpuMax")),
    cpu_weight: opt(Type.Integer({ minimum: 1, maximum: 10000 })),
    pids_max: opt(CountLimit),
  },
  strict,
);

export const RawLimits = Type.Object(
  {
    nofile: opt(Type.Integer({ minimum: 1 })),
    nproc: opt(CountLimit),
    memlock: opt(Size),
    nice: opt(Type.Integer({ minimum: -20, maximum: 19 })),
    cpu_affinity: opt(Type.Array(Type.Integer({ minimum: 0 }), { minItems: 1, expected: "a list of CPU numbers" })),
    cgroup: opt(RawCgroup),
  },
  strict,
);

export const RawIsolation = Type.Object(
  {
    network: opt(Type.Boolean()),
    mount: opt(Type.Boolean()),
    pid: opt(Type.Boolean()),
    user: opt(Type.Boolean()),
    private_tmp: opt(Type.Boolean()),
    private_devices: opt(Type.Boolean()),
    no_new_privileges: opt(Type.Boolean()),
    protect_system: opt(Type.Union([Type.Boolean(), Type.Literal("full"), Type.Literal("strict")])),
    protect_home: opt(Type.Union([Type.Boolean(), Type.Literal("read-only"), Type.Literal("tmpfs")])),
    read_only_paths: opt(Type.Array(SandboxPath)),
    read_write_paths: opt(Type.Array(SandboxPath)),
    inaccessible_paths: opt(Type.Array(SandboxPath)),
    seccomp: opt(
      Type.Union([value<string>("sysg.Seccomp"), Type.Array(value<string>("sysg.Seccomp"), { minItems: 1 })], {
        expected: 'a syscall group or name ("@system-service", "~@privileged") or a list of them',
      }),
    ),
    seccomp_errno: opt(value<string | number>("sysg.SeccompErrno")),
    apparmor_profile: opt(Type.String({ minLength: 1 })),
    selinux_context: opt(Type.String({ minLength: 1 })),
    umask: opt(value<string>("sysg.Umask")),
    protect_kernel_tunables: opt(Type.Boolean()),
    protect_kernel_modules: opt(Type.Boolean()),
    protect_kernel_logs: opt(Type.Boolean()),
    protect_control_groups: opt(Type.Boolean()),
    protect_clock: opt(Type.Boolean()),
    protect_hostname: opt(Type.Boolean()),
    restrict_suid_sgid: opt(Type.Boolean()),
    lock_personality: opt(Type.Boolean()),
    memory_deny_write_execute: opt(Type.Boolean()),
    restrict_realtime: opt(Type.Boolean()),
    restrict_namespaces: opt(
      Type.Union([Type.Boolean(), Type.Array(value<string>("sysg.Namespace"))], {
        expected: 'true (no new namespaces), or the namespaces allowed ("net", "mnt"; "~net" first to deny instead)',
      }),
    ),
    restrict_address_families: opt(
      Type.Array(value<string>("sysg.AddressFamily"), {
        minItems: 1,
        expected: 'the address families allowed (["AF_UNIX", "AF_INET", "AF_INET6"]; "~AF_PACKET" first to deny instead, or ["none"])',
      }),
    ),
    system_call_architectures: opt(value<string>("sysg.SyscallArchitectures")),
  },
  strict,
);

export const RawService = Type.Object(
  {
    command: ServiceCommand,
    working_dir: opt(Path),
    env: opt(RawEnv),
    restart_policy: opt(Type.Union([Type.Literal("always"), Type.Literal("on-failure"), Type.Literal("never")])),
    backoff: opt(Duration),
    backoff_max: opt(Duration),
    max_restarts: opt(Type.Integer({ minimum: 0 })),
    restart_reset: opt(Duration),
    critical: opt(Type.Boolean()),
    depends_on: opt(Type.Array(Type.String({ minLength: 1, expected: "a service name" }))),
    skip: opt(Type.Union([Type.Boolean(), Command], { expected: "true, false or a shell command" })),
    readiness: opt(RawReadiness),
    hooks: opt(RawHooks),
    deployment: opt(RawDeployment),
    cron: opt(RawCron),
    stop_signal: opt(value<string | number>("sysg.Signal")),
    stop_timeout: opt(Duration),
    logs: opt(RawLogs),
    user: opt(Id),
    group: opt(Id),
    supplementary_groups: opt(Type.Array(Id)),
    limits: opt(RawLimits),
    capabilities: opt(Type.Array(value<string>("sysg.Capability"))),
    isolation: opt(RawIsolation),
    socket_activation: opt(Type.Boolean()),
    health: opt(RawHealth),
    spawn: opt(RawSpawn),
  },
  strict,
);

export const RawConfig = Type.Object(
  {
    version: opt(Type.Union([Type.Literal("1"), Type.Literal(1)], { expected: '"1"' })),
    services: Type.Record(Type.String({ pattern: SERVICE_NAME.source }), RawService, {
      ...strict,
      keyName: "service name",
      keyHint: 'service names use letters, digits, _ . and - (and are not "." or "..")',
    }),
    env: opt(RawEnv),
    logs: opt(RawLogs),
  },
  strict,
);

export type RawEnv = Static<typeof RawEnv>;
export type RawLogs = Static<typeof RawLogs>;
export type RawReadiness = Static<typeof RawReadiness>;
export type RawHooks = Static<typeof RawHooks>;
export type RawDeployment = Static<typeof RawDeployment>;
export type RawCron = Static<typeof RawCron>;
export type RawHealth = Static<typeof RawHealth>;
export type RawSpawn = Static<typeof RawSpawn>;
export type RawCgroup = Static<typeof RawCgroup>;
export type RawLimits = Static<typeof RawLimits>;
export type RawIsolation = Static<typeof RawIsolation>;
export type RawService = Static<typeof RawService>;
export type RawConfig = Static<typeof RawConfig>;

/** Annotations read by validate.ts to word its messages. */
export interface SchemaNotes extends TSchema {
  expected?: string;
  keyName?: string;
  keyHint?: string;
}
