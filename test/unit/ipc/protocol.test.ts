import { Value } from "@sinclair/typebox/value";
import {
  ErrorResponse,
  InspectResult,
  OkResponse,
  PingResult,
  RESULT_SCHEMAS,
  REQUEST_SCHEMAS,
  StatusResult,
  type StatusUnit,
} from "../../../src/ipc/protocol.ts";
import { ERROR_CODES } from "../../../src/ipc/constants.ts";
import type { ResolvedService } from "../../../src/config/resolved.ts";

const unit = (over: Partial<StatusUnit> = {}): StatusUnit => ({
  name: "web",
  kind: "service",
  state: "running",
  pid: 4242,
  cpu: 1.5,
  rss: 12_345_678,
  uptime: 61.2,
  restarts: 0,
  last_exit: null,
  health: "healthy",
  reason: null,
  cron: null,
  ...over,
});
const status = (units: unknown[]) => ({
  schema: "sysg.status.v1",
  captured_at: "2026-11-23T18:00:00.000Z",
  overall_health: "healthy",
  units,
});

describe("sysg.status.v1", () => {
  test("accepts services, crons and orphans as SPEC §5 describes them", () => {
    const units = [
      unit(),
      unit({
        name: "backup",
        kind: "cron",
        state: "exited",
        pid: null,
        cpu: 0,
        rss: 0,
        uptime: 0,
        last_exit: { code: 0, signal: null, at: "2026-11-23T17:00:01.000Z" },
        cron: {
          expression: "0 * * * *",
          timezone: "UTC",
          next_run: "2026-11-23T19:00:00.000Z",
          last_run: { code: 0, signal: null, at: "2026-11-23T17:00:01.000Z" },
        },
      }),
      unit({ name: "stray", kind: "orphaned", health: "degraded" }),
      unit({
        name: "db",
        state: "failed",
        pid: null,
        health: "failing",
        reason: 'db: chdir "/srv/db": No such file or directory',
        last_exit: { code: null, signal: "SIGKILL", at: "2026-11-23T17:59:00.000Z" },
        restarts: 3,
      }),
    ];
    expect(Value.Check(StatusResult, status(units))).toBe(true);
    expect(Value.Check(StatusResult, status([]))).toBe(true);
  });

  test("accepts every state name of SPEC §2 and no other", () => {
    for (const state of ["pending", "starting", "running", "stopping", "stopped", "exited", "crashed", "failed", "skipped"]) {
      expect(Value.Check(StatusResult, status([unit({ state: state as StatusUnit["state"] })]))).toBe(true);
    }
    for (const state of ["ready", "Running", "dead", ""]) {
      expect(Value.Check(StatusResult, status([{ ...unit(), state }]))).toBe(false);
    }
  });

  test("rejects a unit with a missing, extra or wrong-typed key", () => {
    const { reason: _dropped, ...missing } = unit();
    expect(Value.Check(StatusResult, status([missing]))).toBe(false);
    expect(Value.Check(StatusResult, status([{ ...unit(), memory: 1 }]))).toBe(false);
    expect(Value.Check(StatusResult, status([{ ...unit(), pid: "4242" }]))).toBe(false);
    expect(Value.Check(StatusResult, status([{ ...unit(), pid: 0 }]))).toBe(false);
    expect(Value.Check(StatusResult, status([{ ...unit(), kind: "job" }]))).toBe(false);
    expect(Value.Check(StatusResult, status([{ ...unit(), health: "ok" }]))).toBe(false);
    expect(Value.Check(StatusResult, status([{ ...unit(), rss: -1 }]))).toBe(false);
    expect(Value.Check(StatusResult, status([{ ...unit(), last_exit: { code: 1 } }]))).toBe(false);
  });

  test("rejects a wrong schema tag", () => {
    expect(Value.Check(StatusResult, { ...status([]), schema: "sysg.status.v2" })).toBe(false);
  });
});

const service: ResolvedService = {
  name: "web",
  command: "python3 -m http.server 8080",
  working_dir: "/srv/web",
  env: { PATH: "/usr/bin:/bin" },
  restart_policy: "on-failure",
  backoff: 1000,
  backoff_max: 60_000,
  max_restarts: null,
  restart_reset: 30_000,
  critical: false,
  depends_on: ["db"],
  skip: false,
  readiness: { probe: { kind: "tcp", host: "127.0.0.1", port: 8080 }, timeout: 60_000 },
  hooks: {},
  deployment: null,
  cron: null,
  stop_signal: "SIGTERM",
  stop_timeout: 10_000,
  logs: { max_size: 10_485_760, max_files: 5, timestamps: true },
  user: null,
  group: null,
  supplementary_groups: [],
  limits: null,
  capabilities: null,
  isolation: null,
  socket_activation: false,
  health: null,
  spawn: null,
};

describe("inspect result", () => {
  const result = {
    unit: unit(),
    config: service,
    processes: [
      { pid: 4242, ppid: 1, command: "python3 -m http.server 8080", cpu: 1.5, rss: 12_345_678 },
      { pid: 4243, ppid: 4242, command: "sh -c worker", cpu: 0, rss: 1_000_000 },
    ],
    window: 300,
    samples: [{ at: "2026-11-23T17:59:00.000Z", cpu: 2, rss: 12_000_000 }],
    exits: [{ at: "2026-11-23T17:00:00.000Z", code: 1, signal: null, reason: null }],
    restarts: [{ at: "2026-11-23T17:00:01.000Z", reason: "exit 1, backoff 1s" }],
    cron_history: null,
  };

  test("accepts a service with its resolved config, tree and history", () => {
    expect(Value.Check(InspectResult, result)).toBe(true);
    expect(Value.Check(InspectResult, { ...result, config: null })).toBe(true);
  });

  test("accepts cron history with an overlap", () => {
    const cron_history = [
      { started_at: "2026-11-23T17:00:00.000Z", ended_at: "2026-11-23T17:00:03.500Z", code: 0, signal: null, duration: 3.5, overlap: false },
      { started_at: "2026-11-23T17:01:00.000Z", ended_at: null, code: null, signal: null, duration: null, overlap: true },
    ];
    expect(Value.Check(InspectResult, { ...result, cron_history })).toBe(true);
  });

  test("rejects a config that is not a resolved service", () => {
    expect(Value.Check(InspectResult, { ...result, config: { ...service, restart_policy: "sometimes" } })).toBe(false);
    expect(Value.Check(InspectResult, { ...result, processes: [{ pid: 1 }] })).toBe(false);
  });
});

describe("envelopes", () => {
  test("every command has a request and a result schema", () => {
    expect(Object.keys(RESULT_SCHEMAS).sort()).toEqual(Object.keys(REQUEST_SCHEMAS).sort());
  });

  test("an ok response carries the command's result", () => {
    const ping = { pid: 10, version: "0.1.0", protocol: 1, uptime: 3, sys: false, config: "/etc/x.yaml" };
    expect(Value.Check(OkResponse(PingResult), { v: 1, id: 3, ok: true, result: ping })).toBe(true);
    expect(Value.Check(OkResponse(PingResult), { v: 1, id: 3, ok: true, result: { ...ping, protocol: 2 } })).toBe(false);
    expect(Value.Check(OkResponse(PingResult), { v: 1, id: null, ok: true, result: ping })).toBe(false);
  });

  test("an error response has a known code and may have id null", () => {
    for (const code of ERROR_CODES) {
      expect(Value.Check(ErrorResponse, { v: 1, id: null, ok: false, error: { code, message: "m" } })).toBe(true);
    }
    expect(Value.Check(ErrorResponse, { v: 1, id: 1, ok: false, error: { code: "oops", message: "m" } })).toBe(false);
    expect(Value.Check(ErrorResponse, { v: 1, id: 1, ok: false, error: { code: "busy" } })).toBe(false);
  });
});
