import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderActions } from "../../../src/cli/actions.ts";
import { offlineStatus } from "../../../src/cli/offline-status.ts";
import { healthExitCode, renderStatus } from "../../../src/cli/status-view.ts";
import { visibleLength } from "../../../src/cli/table.ts";
import type { StatusResult, StatusUnit } from "../../../src/ipc/protocol.ts";
import { runtimePaths } from "../../../src/runtime/paths.ts";
import { readStat } from "../../../src/runtime/proc.ts";

const NOW = Date.parse("2026-11-23T18:00:00.000Z");

function unit(name: string, over: Partial<StatusUnit> = {}): StatusUnit {
  return {
    name,
    kind: "service",
    state: "running",
    pid: 4242,
    cpu: 1.5,
    rss: 12.3 * 1024 * 1024,
    uptime: 192,
    restarts: 0,
    last_exit: null,
    health: "healthy",
    reason: null,
    cron: null,
    ...over,
  };
}

function result(units: StatusUnit[], overall: StatusResult["overall_health"] = "healthy"): StatusResult {
  return { schema: "sysg.status.v1", captured_at: new Date(NOW).toISOString(), overall_health: overall, units };
}

describe("renderStatus", () => {
  const status = result(
    [
      unit("db"),
      unit("a-rather-long-service-name-for-a-table", {
        state: "failed",
        health: "failing",
        pid: null,
        last_exit: { code: 127, signal: null, at: "2026-11-23T17:59:00.000Z" },
        reason: 'exec "nope": No such file or directory — and a long explanation after it that does not fit',
      }),
      unit("backup", {
        kind: "cron",
        state: "exited",
        pid: null,
        last_exit: { code: 0, signal: null, at: "2026-11-23T17:00:03.000Z" },
        cron: {
          expression: "0 * * * *",
          timezone: "UTC",
          next_run: "2026-11-23T19:00:00.000Z",
          last_run: { code: 0, signal: null, at: "2026-11-23T17:00:03.000Z" },
        },
      }),
    ],
    "failing",
  );

  test("the columns of SPEC §5, units in the order given", () => {
    const lines = renderStatus(status, { color: false, width: 200 });
    expect(lines[0]!.split(/\s+/)).toEqual(["UNIT", "KIND", "STATE", "PID", "CPU", "RSS", "UPTIME", "RESTARTS", "LAST_EXIT", "HEALTH"]);
    const names = lines.filter((l) => !l.startsWith("  ")).slice(1).map((l) => l.split(/\s+/)[0]);
    expect(names).toEqual(["db", "a-rather-long-service-name-for-a-table", "backup"]);
    const db = lines[1]!.split(/\s+/);
    expect(db).toEqual(["db", "service", "running", "4242", "1.5%", "12.3M", "3m12s", "0", "-", "healthy"]);
  });

  test("a cron row is followed by its last result and next run; a failed one by its reason", () => {
    const lines = renderStatus(status, { color: false, width: 200 });
    const cron = lines[lines.findIndex((l) => l.startsWith("backup")) + 1]!;
    expect(cron).toContain("0 * * * * (UTC)");
    expect(cron).toContain("last run code 0 59m57s ago");
    expect(cron).toContain("next in 1h00m");
    const failed = lines[lines.findIndex((l) => l.startsWith("a-rather")) + 1]!;
    expect(failed).toContain('exec "nope"');
  });

  test("fits 80 columns", () => {
    for (const line of renderStatus(status, { color: true, width: 80 })) expect(visibleLength(line)).toBeLessThanOrEqual(80);
  });

  test("no units says so", () => {
    expect(renderStatus(result([]), { color: false, width: 80 })).toEqual(["no units"]);
  });

  test("exit code per overall health", () => {
    expect(healthExitCode("healthy")).toBe(0);
    expect(healthExitCode("inactive")).toBe(0);
    expect(healthExitCode("degraded")).toBe(1);
    expect(healthExitCode("failing")).toBe(2);
  });
});

describe("renderActions", () => {
  test("one line per unit with the reason", () => {
    const lines = renderActions(
      {
        units: [
          { name: "web", action: "restarted", state: "running", reason: null },
          { name: "cache", action: "started", state: "failed", reason: "exec failed" },
        ],
      },
      false,
    );
    expect(lines).toEqual(["web    restarted  running", "cache  started    failed (exec failed)"]);
    expect(renderActions({ units: [] }, false)).toEqual(["nothing to do"]);
  });
});

describe("offlineStatus", () => {
  let home = "";
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "sysg-cli-"));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const at = "2026-11-23T17:00:00.000Z";
  function write(files: Record<string, unknown>): ReturnType<typeof runtimePaths> {
    const paths = runtimePaths({ sys: false, home });
    mkdirSync(paths.stateDir, { recursive: true });
    for (const [name, value] of Object.entries(files)) writeFileSync(join(paths.stateDir, name), JSON.stringify(value));
    return paths;
  }

  test("neither supervisor nor state: an error naming the state dir", async () => {
    const r = await offlineStatus(runtimePaths({ sys: false, home }));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(join(home, ".local", "share", "systemg"));
  });

  test("a recorded pid counts as running only while its start time matches", async () => {
    const me = readStat(process.pid)!;
    const paths = write({
      "state.json": {
        alive: { state: "running", restarts: 1, last_exit: null, reason: null, since: at },
        recycled: { state: "running", restarts: 0, last_exit: null, reason: null, since: at },
        done: { state: "stopped", restarts: 0, last_exit: { code: 0, signal: null, at }, reason: null, since: at },
      },
      "pid.json": {
        alive: { pid: process.pid, pgid: me.pgid, start_time: me.startTime },
        recycled: { pid: process.pid, pgid: me.pgid, start_time: me.startTime + 1 },
      },
      "sysg.pid": { pid: process.pid, start_time: me.startTime + 1, started_at: at, config: null, version: "0" },
    });
    const before = readdirSync(paths.stateDir).map((f) => [f, statSync(join(paths.stateDir, f)).mtimeMs]);
    const r = await offlineStatus(paths, {}, NOW);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const by = Object.fromEntries(r.value.status.units.map((u) => [u.name, u]));
    expect(by.alive!.pid).toBe(process.pid);
    expect(by.alive!.state).toBe("running");
    expect(by.alive!.rss).toBeGreaterThan(0);
    expect(by.alive!.restarts).toBe(1);
    expect(by.recycled!.pid).toBeNull();
    expect(by.recycled!.state).toBe("failed");
    expect(by.recycled!.reason).toContain(`process ${process.pid} is gone`);
    expect(by.done!.state).toBe("stopped");
    expect(by.done!.health).toBe("inactive");
    expect(r.value.status.overall_health).toBe("failing");
    expect(r.value.supervisor).toEqual({ pid: process.pid, alive: false });
    expect(r.value.status.units.map((u) => u.name)).toEqual(["alive", "recycled", "done"]);
    // reading never writes
    expect(readdirSync(paths.stateDir).map((f) => [f, statSync(join(paths.stateDir, f)).mtimeMs])).toEqual(before);
  });

  test("cron jobs: last finished run, no next run without a supervisor, expression from the config", async () => {
    const paths = write({
      "state.json": { backup: { state: "exited", restarts: 0, last_exit: { code: 0, signal: null, at }, reason: null, since: at } },
      "cron_state.json": {
        backup: {
          runs: [
            { start: at, end: "2026-11-23T17:00:04.000Z", code: 3, signal: null, duration: 4000 },
            { start: "2026-11-23T17:01:00.000Z", end: null, code: null, signal: null, duration: null, overlap: true },
          ],
          next_run: "2026-11-23T18:00:00.000Z",
        },
      },
    });
    const r = await offlineStatus(paths, { cronConfig: () => ({ expression: "0 * * * *", timezone: "UTC" }) }, NOW);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const u = r.value.status.units[0]!;
    expect(u.kind).toBe("cron");
    expect(u.cron).toEqual({ expression: "0 * * * *", timezone: "UTC", next_run: null, last_run: { code: 3, signal: null, at: "2026-11-23T17:00:04.000Z" } });
  });

  test("-s with an unknown name lists the known ones; a corrupt file is reported", async () => {
    const paths = write({ "state.json": { web: { state: "stopped", restarts: 0, last_exit: null, reason: null, since: at } } });
    const r = await offlineStatus(paths, { service: "nope" }, NOW);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.hint).toBe("known units: web");
    writeFileSync(paths.pidJson, "{not json");
    const c = await offlineStatus(paths, {}, NOW);
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.message).toContain("pid.json is corrupt");
  });
});
