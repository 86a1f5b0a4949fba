// Raw (schema-valid) config → ResolvedConfig: defaults from SPEC §1, values normalised
// (ms, bytes, canonical names, absolute paths), env merged per service, the start order.
// limits and isolation stay as written (schema-checked): src/privilege normalises them
// against what the host can grant.
// Works service by service and skips any part the schema already rejected, so the caller
// can report schema errors and these together.
import { isAbsolute, join, resolve as resolvePath } from "node:path";
import { parseCapability } from "./capabilities.ts";
import { parseCron, parseTimezone } from "./cron.ts";
import { parseDuration } from "../model/duration.ts";
import { inheritedEnv, mergeEnv, readEnvFile, varsAsText } from "./env.ts";
import { type ConfigError, pathOf, type Segment } from "./errors.ts";
import { checkDependencies, startOrder } from "./graph.ts";
import type { Parsed } from "../model/parsed.ts";
import type {
  ResolvedConfig,
  ResolvedHook,
  ResolvedLogs,
  LivenessProbe,
  ResolvedProbe,
  ResolvedService,
} from "./resolved.ts";
import {
  LIVENESS_KEYS,
  PROBE_KEYS,
  type RawConfig,
  type RawDeployment,
  type RawEnv,
  type RawHealth,
  type RawHooks,
  type RawLogs,
  type RawReadiness,
  type RawService,
} from "./schema.ts";
import { parseSignal } from "../model/signals.ts";
import { parseFiniteSize } from "./size.ts";
import { parseAddress, parseHookCommand, parseHttpStatus } from "./values.ts";

export interface ResolveContext {
  /** absolute path of the config file */
  path: string;
  /** its directory */
  dir: string;
  home: string;
  /** the environment sysg was started with */
  baseEnv: Readonly<Record<string, string>>;
  /** true when the schema rejected something at or below this path: leave it alone */
  rejected: (path: string) => boolean;
}

const DEFAULT_LOGS: ResolvedLogs = { max_size: 10 * 1024 * 1024, max_files: 5, timestamps: true };
const DEFAULTS = {
  restart_policy: "never",
  backoff: 1000,
  backoff_max: 60_000,
  restart_reset: 30_000,
  stop_signal: "SIGTERM",
  stop_timeout: 10_000,
  readiness_timeout: 60_000,
  hook_timeout: 30_000,
  deployment_strategy: "immediate",
  health_check_timeout: 30_000,
  health_check_retries: 3,
  grace_period: 0,
  cron_timezone: "local",
  health_interval: 10_000,
  health_timeout: 5_000,
  health_failures: 3,
  spawn_max_children: 10,
  spawn_max_depth: 1,
} as const;

/** Values the schema accepted; their parsers cannot fail here. */
function must<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw new Error(`config: a schema-checked value failed to parse: ${parsed.error}`);
  return parsed.value;
}
const ms = (v: string | number | undefined, fallback: number): number => (v === undefined ? fallback : must(parseDuration(v)));

export function resolveConfig(raw: RawConfig, ctx: ResolveContext): { config: ResolvedConfig; errors: ConfigError[] } {
  const errors: ConfigError[] = [];
  const logs = mergeLogs(DEFAULT_LOGS, ctx.rejected("logs") ? undefined : raw.logs);
  const rootEnv = ctx.rejected("env") ? [] : envLayers(raw.env, ["env"], ctx, errors);
  const inherited = inheritedEnv(ctx.baseEnv);
  const services: Record<string, ResolvedService> = {};
  const deps: Record<string, string[]> = {};
  for (const [name, svc] of Object.entries(raw.services ?? {})) {
    const at = (...rest: Segment[]) => pathOf(["services", name, ...rest]);
    const isMap = svc !== null && typeof svc === "object" && !Array.isArray(svc);
    if (!isMap) continue;
    // Keys the schema rejected are left out, so the rest still gets checked; the service
    // itself is kept only when nothing in it was rejected.
    const usable = Object.fromEntries(Object.entries(svc).filter(([k]) => !ctx.rejected(at(k)))) as RawService;
    if (usable.depends_on) deps[name] = [...new Set(usable.depends_on)];
    const own = envLayers(usable.env, ["services", name, "env"], ctx, errors);
    const env = mergeEnv(inherited, ...rootEnv, ...own);
    const envSet = [...new Set([...rootEnv, ...own].flatMap((layer) => Object.keys(layer)))];
    const service = { ...resolveService(name, usable, { ...ctx, env, logs, errors, at }), env_set: envSet };
    if (!ctx.rejected(at())) services[name] = service;
  }
  // A service whose own keys were rejected still exists for the graph (its name is known).
  for (const name of Object.keys(raw.services ?? {})) deps[name] ??= [];
  const graphErrors = checkDependencies(deps);
  errors.push(...graphErrors);
  const order = graphErrors.length === 0 ? startOrder(deps) : [];
  return { config: { path: ctx.path, dir: ctx.dir, services, order, logs }, errors };
}

interface ServiceContext extends ResolveContext {
  env: Record<string, string>;
  logs: ResolvedLogs;
  errors: ConfigError[];
  at: (...rest: Segment[]) => string;
}

function resolveService(name: string, s: RawService, c: ServiceContext): ResolvedService {
  const backoff = ms(s.backoff, DEFAULTS.backoff);
  const backoff_max = ms(s.backoff_max, Math.max(DEFAULTS.backoff_max, backoff));
  // Compared only when both were accepted, so a rejected one does not cause a second error.
  const comparable = !c.rejected(c.at("backoff")) && !c.rejected(c.at("backoff_max"));
  if (comparable && backoff_max < backoff) {
    c.errors.push({
      path: c.at("backoff_max"),
      message: `backoff_max (${backoff_max} ms) is shorter than backoff (${backoff} ms)`,
      hint: "backoff is the first delay and backoff_max its cap: raise backoff_max or lower backoff",
    });
  }
  return {
    name,
    command: s.command,
    working_dir: s.working_dir === undefined ? c.dir : absolutePath(s.working_dir, c.dir, c.home),
    env: c.env,
    restart_policy: s.restart_policy ?? DEFAULTS.restart_policy,
    backoff,
    backoff_max,
    max_restarts: s.max_restarts ?? null,
    restart_reset: ms(s.restart_reset, DEFAULTS.restart_reset),
    critical: s.critical ?? false,
    depends_on: [...new Set(s.depends_on ?? [])],
    skip: s.skip ?? false,
    readiness: readiness(s.readiness, c),
    hooks: hooks(s.hooks),
    deployment: deployment(s.deployment, s, c),
    cron: s.cron
      ? { expression: must(parseCron(s.cron.expression)), timezone: s.cron.timezone === undefined ? DEFAULTS.cron_timezone : must(parseTimezone(s.cron.timezone)) }
      : null,
    stop_signal: s.stop_signal === undefined ? DEFAULTS.stop_signal : must(parseSignal(s.stop_signal)),
    stop_timeout: ms(s.stop_timeout, DEFAULTS.stop_timeout),
    logs: mergeLogs(c.logs, s.logs),
    user: s.user === undefined ? null : String(s.user),
    group: s.group === undefined ? null : String(s.group),
    supplementary_groups: (s.supplementary_groups ?? []).map(String),
    limits: s.limits ?? null,
    capabilities: s.capabilities ? capabilities(s.capabilities, c) : null,
    isolation: s.isolation ?? null,
    socket_activation: s.socket_activation ?? false,
    health: health(s.health, c),
    spawn: s.spawn
      ? { max_children: s.spawn.max_children ?? DEFAULTS.spawn_max_children, max_depth: s.spawn.max_depth ?? DEFAULTS.spawn_max_depth }
      : null,
  };
}

/** Paths: "~" and "~/…" from HOME, relative ones from the config file's directory. */
export function absolutePath(p: string, dir: string, home: string): string {
  if (p === "~") return home;
  if (p.startsWith("~/")) return join(home, p.slice(2));
  return isAbsolute(p) ? resolvePath(p) : resolvePath(dir, p);
}

/** The env layers of one `env` block: each file in order, then vars. File errors go to `errors`. */
function envLayers(env: RawEnv | undefined, at: Segment[], ctx: ResolveContext, errors: ConfigError[]): Record<string, string>[] {
  if (!env) return [];
  const files = env.file === undefined ? [] : Array.isArray(env.file) ? env.file : [env.file];
  const layers: Record<string, string>[] = [];
  files.forEach((file, i) => {
    const read = readEnvFile(absolutePath(file, ctx.dir, ctx.home));
    if (read.ok) layers.push(read.vars);
    else {
      const path = pathOf(Array.isArray(env.file) ? [...at, "file", i] : [...at, "file"]);
      errors.push({ path, message: read.error, hint: "env file paths are relative to the config file's directory" });
    }
  });
  layers.push(varsAsText(env.vars));
  return layers;
}

function mergeLogs(base: ResolvedLogs, over: RawLogs | undefined): ResolvedLogs {
  return {
    max_size: over?.max_size === undefined ? base.max_size : must(parseFiniteSize(over.max_size)),
    max_files: over?.max_files ?? base.max_files,
    timestamps: over?.timestamps ?? base.timestamps,
  };
}

function readiness(r: RawReadiness | undefined, c: ServiceContext): ResolvedService["readiness"] {
  const timeout = ms(r?.timeout, DEFAULTS.readiness_timeout);
  const set = PROBE_KEYS.filter((k) => r?.[k] !== undefined);
  if (set.length > 1) {
    c.errors.push({
      path: c.at("readiness"),
      message: `one probe per service, found ${set.join(" and ")}`,
      hint: "keep one of notify, tcp, http, exec, log",
    });
  }
  if (r?.notify_access !== undefined && r.notify === undefined) {
    c.errors.push({ path: c.at("readiness", "notify_access"), message: "notify_access applies only to notify readiness", hint: "add notify: true or remove notify_access" });
  }
  if (r?.status !== undefined && r.http === undefined) {
    c.errors.push({ path: c.at("readiness", "status"), message: "status applies only to an http probe", hint: "add http: URL or remove status" });
  }
  return { probe: probe(r), timeout };
}

function probe(r: RawReadiness | undefined): ResolvedProbe {
  if (r?.notify) return { kind: "notify", access: r.notify_access ?? "all" };
  if (r?.tcp !== undefined) return { kind: "tcp", ...must(parseAddress(r.tcp)) };
  if (r?.http !== undefined) return { kind: "http", url: r.http, status: r.status === undefined ? "2xx" : must(parseHttpStatus(r.status)) };
  if (r?.exec !== undefined) return { kind: "exec", command: r.exec };
  if (r?.log !== undefined) return { kind: "log", regex: r.log };
  return { kind: "default" };
}

function hookCommand(raw: string): { command: string; full_privileges?: true } {
  const { command, full_privileges } = must(parseHookCommand(raw));
  return full_privileges ? { command, full_privileges } : { command };
}

function hooks(h: RawHooks | undefined): ResolvedService["hooks"] {
  const out: ResolvedService["hooks"] = {};
  for (const event of ["on_start", "on_stop", "on_restart"] as const) {
    const pair = h?.[event];
    if (!pair) continue;
    const hook = (x: { command: string; timeout?: string | number } | undefined): ResolvedHook | undefined =>
      x ? { ...hookCommand(x.command), timeout: ms(x.timeout, DEFAULTS.hook_timeout) } : undefined;
    const success = hook(pair.success);
    const error = hook(pair.error);
    out[event] = { ...(success ? { success } : {}), ...(error ? { error } : {}) };
  }
  return out;
}

function deployment(d: RawDeployment | undefined, s: RawService, c: ServiceContext): ResolvedService["deployment"] {
  if (!d) return null;
  if (d.strategy === "rolling" && !d.health_check && !c.rejected(c.at("deployment"))) {
    c.errors.push({
      path: c.at("deployment", "health_check"),
      message: "a rolling deployment needs a health check: the old instance is stopped only once the new one passes it",
      hint: 'add health_check: {url: "http://127.0.0.1:PORT/health"}, or use strategy: immediate',
    });
  }
  if (d.strategy === "rolling" && s.cron) {
    c.errors.push({
      path: c.at("deployment", "strategy"),
      message: "a cron job cannot be deployed rolling: it has no instance that keeps serving",
      hint: "remove deployment from the cron job, or use strategy: immediate",
    });
  }
  return {
    strategy: d.strategy ?? DEFAULTS.deployment_strategy,
    pre_start: d.pre_start ?? null,
    health_check: d.health_check
      ? {
          url: d.health_check.url,
          timeout: ms(d.health_check.timeout, DEFAULTS.health_check_timeout),
          retries: d.health_check.retries ?? DEFAULTS.health_check_retries,
        }
      : null,
    grace_period: ms(d.grace_period, DEFAULTS.grace_period),
  };
}

function health(h: RawHealth | undefined, c: ServiceContext): ResolvedService["health"] {
  if (!h || c.rejected(c.at("health"))) return null;
  const set = LIVENESS_KEYS.filter((k) => h[k] !== undefined);
  if (set.length !== 1) {
    c.errors.push({
      path: c.at("health"),
      message: set.length === 0 ? "no probe: a liveness check needs one of tcp, http, exec" : `one probe per check, found ${set.join(" and ")}`,
      hint: 'e.g. health: {http: "http://127.0.0.1:8080/health", interval: 10s, failures: 3}',
    });
    return null;
  }
  if (h.status !== undefined && h.http === undefined) {
    c.errors.push({ path: c.at("health", "status"), message: "status applies only to an http probe", hint: "add http: URL or remove status" });
  }
  const probe: LivenessProbe =
    h.tcp !== undefined
      ? { kind: "tcp", ...must(parseAddress(h.tcp)) }
      : h.http !== undefined
        ? { kind: "http", url: h.http, status: h.status === undefined ? "2xx" : must(parseHttpStatus(h.status)) }
        : { kind: "exec", command: h.exec! };
  const interval = ms(h.interval, DEFAULTS.health_interval);
  const timeout = ms(h.timeout, Math.min(DEFAULTS.health_timeout, interval));
  if (interval <= 0) c.errors.push({ path: c.at("health", "interval"), message: "interval must be longer than 0", hint: "e.g. interval: 10s" });
  if (timeout <= 0) c.errors.push({ path: c.at("health", "timeout"), message: "timeout must be longer than 0", hint: "e.g. timeout: 5s" });
  return { probe, interval, timeout, failures: h.failures ?? DEFAULTS.health_failures };
}

function capabilities(list: readonly string[], c: ServiceContext): string[] {
  const names = [...new Set(list.map((x) => must(parseCapability(x))))];
  if (names.includes("ALL") && names.length > 1) {
    c.errors.push({
      path: c.at("capabilities"),
      message: '"ALL" keeps every capability, so it cannot be combined with names',
      hint: 'use ["ALL"] alone, or list only the capabilities the service needs',
    });
  }
  return names;
}
