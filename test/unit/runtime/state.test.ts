import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  CRON_HISTORY,
  CronStateFile,
  PidFile,
  StateFile,
  SysgPidFile,
  readJsonFile,
  readJsonMap,
  removeFile,
  writeFileAtomic,
  writeJsonAtomic,
} from "../../../src/runtime/state.ts";
import { tempDirs } from "./tmp.ts";

const tmp = tempDirs();
afterEach(() => tmp.cleanup());

const NOW = "2026-01-02T03:04:05.678Z";

describe("writeJsonAtomic", () => {
  test("writes the value with the exact mode and leaves no temp file", () => {
    const dir = tmp.make();
    const path = join(dir, "state.json");
    const old = process.umask(0o022);
    try {
      expect(writeJsonAtomic(path, { a: 1 }, 0o600)).toEqual({ ok: true, value: undefined });
      expect(writeJsonAtomic(path, { a: 2 }, 0o644).ok).toBe(true);
    } finally {
      process.umask(old);
    }
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ a: 2 });
    expect(statSync(path).mode & 0o777).toBe(0o644);
    expect(readdirSync(dir)).toEqual(["state.json"]);
  });

  test("a failed write is a value and leaves the old file alone", () => {
    const dir = tmp.make();
    const path = join(dir, "pid.json");
    writeJsonAtomic(path, { kept: true }, 0o600);
    const r = writeJsonAtomic(join(dir, "no-such-dir", "x.json"), {}, 0o600);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain("no-such-dir");
    expect(writeFileAtomic(join(dir, "hint"), "/etc/app.yaml\n", 0o600).ok).toBe(true);
    expect(readFileSync(join(dir, "hint"), "utf8")).toBe("/etc/app.yaml\n");
    expect(JSON.parse(readFileSync(path, "utf8"))).toEqual({ kept: true });
  });
});

describe("readers", () => {
  const unit = { state: "running", restarts: 2, last_exit: { code: 1, signal: null, at: NOW }, reason: null, since: NOW };

  test("round-trip every state file through its schema", () => {
    const dir = tmp.make();
    const files = [
      [SysgPidFile, { pid: 10, start_time: 99, started_at: NOW, config: "/srv/sysg.yaml", version: "0.1.0" }],
      [PidFile, { web: { pid: 11, pgid: 11, start_time: 100 } }],
      [StateFile, { web: unit, db: { ...unit, state: "crashed", last_exit: null, reason: "exit 1" } }],
      [CronStateFile, { backup: { runs: [{ start: NOW, end: NOW, code: 0, signal: null, duration: 1200 }], next_run: NOW } }],
    ] as const;
    files.forEach(([schema, value], i) => {
      const path = join(dir, `${i}.json`);
      expect(writeJsonAtomic(path, value, 0o600).ok).toBe(true);
      expect(readJsonFile(path, schema) as unknown).toEqual({ ok: true, value });
    });
  });

  test("a missing file is a 'missing' error, or the empty map for keyed files", () => {
    const path = join(tmp.make(), "state.json");
    const r = readJsonFile(path, StateFile);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe("missing");
    expect(readJsonMap(path, StateFile)).toEqual({ ok: true, value: {} });
  });

  test("broken JSON and schema mismatches are 'corrupt' errors naming the place", () => {
    const dir = tmp.make();
    const path = join(dir, "state.json");
    writeFileSync(path, '{"web": {"state": "run');
    const a = readJsonMap(path, StateFile);
    expect(a.ok).toBe(false);
    if (!a.ok) {
      expect(a.error.kind).toBe("corrupt");
      expect(a.error.message).toContain("not valid JSON");
      expect(a.error.hint).toBeDefined();
    }
    writeJsonAtomic(path, { web: { ...unit, restarts: -1 } }, 0o600);
    const b = readJsonFile(path, StateFile);
    expect(b.ok).toBe(false);
    if (!b.ok) expect(b.error.message).toContain("web.restarts");
    writeJsonAtomic(path, { web: { ...unit, since: "yesterday" } }, 0o600);
    const c = readJsonFile(path, StateFile);
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.error.message).toContain("web.since");
  });

  test("cron history holds at most CRON_HISTORY runs", () => {
    const path = join(tmp.make(), "cron_state.json");
    const run = { start: NOW, end: null, code: null, signal: null, duration: null };
    writeJsonAtomic(path, { job: { runs: Array(CRON_HISTORY).fill(run), next_run: null } }, 0o600);
    expect(readJsonFile(path, CronStateFile).ok).toBe(true);
    writeJsonAtomic(path, { job: { runs: Array(CRON_HISTORY + 1).fill(run), next_run: null } }, 0o600);
    expect(readJsonFile(path, CronStateFile).ok).toBe(false);
  });

  test("removeFile says whether there was something to remove", () => {
    const path = join(tmp.make(), "x");
    writeFileSync(path, "");
    expect(removeFile(path)).toEqual({ ok: true, value: true });
    expect(removeFile(path)).toEqual({ ok: true, value: false });
  });
});
