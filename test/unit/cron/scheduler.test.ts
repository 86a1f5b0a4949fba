// The scheduler against a stand-in for the Supervisor (it records calls and lets the test end
// runs), real timers on a every-second schedule, and a real cron_state.json in a temp dir.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { CronScheduler, type CronHost } from "../../../src/cron/scheduler.ts";
import type { ExitStatus } from "../../../src/platform/types.ts";
import { CRON_HISTORY, CronStateFile, readJsonFile } from "../../../src/runtime/state.ts";
import { tempDirs } from "../runtime/tmp.ts";

const dirs = tempDirs();
afterAll(() => dirs.cleanup());

interface Call {
  name: string;
  at: number;
  end: (s: Omit<ExitStatus, "pid">) => void;
}

/** Cron units by name; `busy` makes runCron answer "overlap" as the Supervisor does. */
function host(units: Record<string, { expression: string; timezone: string }>) {
  const calls: Call[] = [];
  const h: CronHost & { calls: Call[]; busy: boolean; units: typeof units } = {
    calls,
    busy: false,
    units,
    names: () => Object.keys(h.units),
    serviceConfig: (name) => (h.units[name] ? { cron: h.units[name] } : null),
    runCron(name) {
      if (h.busy) return { ok: false, overlap: true, reason: "the previous run is still going" };
      let end: Call["end"] = () => {};
      const exit = new Promise<ExitStatus | null>((r) => (end = (s) => r({ pid: 1, ...s })));
      calls.push({ name, at: Date.now(), end });
      return { ok: true, exit };
    },
  };
  return h;
}

function setup(units: Record<string, { expression: string; timezone: string }>) {
  const dir = dirs.make();
  const statePath = join(dir, "cron_state.json");
  const h = host(units);
  const reports: string[] = [];
  const sched = new CronScheduler({ host: h, statePath, fileMode: 0o600, report: (_l, s, t) => reports.push(`${s}: ${t}`) });
  const file = () => {
    const r = readJsonFile(statePath, CronStateFile);
    if (!r.ok) throw new Error(r.error.message);
    return r.value;
  };
  return { h, sched, statePath, file, reports };
}

const EVERY_SECOND = { expression: "*/1 * * * * *", timezone: "UTC" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Polls `cond` (bounded: the assertions after it fail when it never came true). */
async function until(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await sleep(25);
}
/** Waits until `n` runs were asked for (bounded, so a broken scheduler fails the test). */
async function runs(h: { calls: Call[] }, n: number): Promise<void> {
  for (let i = 0; i < 60 && h.calls.length < n; i++) await sleep(50);
  expect(h.calls.length).toBeGreaterThanOrEqual(n);
}

describe("CronScheduler", () => {
  test("fires on the second, records the run, persists it and the next due time", async () => {
    const { h, sched, file } = setup({ job: EVERY_SECOND, other: { expression: "0 0 1 1 *", timezone: "UTC" } });
    sched.start();
    try {
      expect(file().job!.runs).toEqual([]);
      expect(Date.parse(file().job!.next_run!)).toBeGreaterThan(Date.now() - 1000);
      await runs(h, 1);
      expect(h.calls[0]!.name).toBe("job");
      // started on a whole second (after it, never before)
      expect(h.calls[0]!.at % 1000).toBeLessThan(500);
      const running = sched.history("job");
      expect(running).toHaveLength(1);
      expect(running[0]!.ended_at).toBeNull();
      expect(sched.info("job")!.last_run).toBeNull();

      const endAt = Date.now() + 10;
      h.calls[0]!.end({ code: 0, signal: null, at: endAt });
      await until(() => sched.history("job")[0]?.ended_at !== null);
      const [run] = sched.history("job");
      expect(run!.code).toBe(0);
      expect(run!.overlap).toBe(false);
      expect(run!.ended_at).toBe(new Date(endAt).toISOString());
      // seconds in the protocol, ms in the file
      const inFile = file().job!.runs[0]!;
      expect(run!.duration).toBe(inFile.duration! / 1000);
      expect(inFile.duration).toBe(endAt - Date.parse(inFile.start));
      expect(sched.info("job")!.last_run).toEqual({ code: 0, signal: null, at: new Date(endAt).toISOString() });
      expect(Date.parse(sched.info("job")!.next_run!)).toBeGreaterThan(h.calls[0]!.at);
      expect(sched.info("other")!.next_run).toBe(`${new Date().getUTCFullYear() + 1}-01-01T00:00:00.000Z`);
      expect(sched.info("nope")).toBeNull();
    } finally {
      sched.stop();
    }
  });

  test("a run due while the previous one goes is recorded as an overlap, not started", async () => {
    const { h, sched, file, reports } = setup({ job: EVERY_SECOND });
    sched.start();
    try {
      await runs(h, 1);
      h.busy = true;
      for (let i = 0; i < 60 && sched.history("job").length < 2; i++) await sleep(50);
      const [first, skipped] = sched.history("job");
      expect(h.calls).toHaveLength(1);
      expect(first!.overlap).toBe(false);
      expect(skipped).toEqual({ started_at: skipped!.started_at, ended_at: skipped!.started_at, code: null, signal: null, duration: null, overlap: true });
      expect(file().job!.runs[1]!.overlap).toBe(true);
      expect(reports.some((r) => r.startsWith("job: run due at") && r.includes("skipped"))).toBe(true);
      // an overlap is not a result: last_run stays the last finished run
      expect(sched.info("job")!.last_run).toBeNull();
    } finally {
      sched.stop();
    }
  });

  test("history is loaded at start, kept to CRON_HISTORY, and a run cut short by a dead supervisor is closed", async () => {
    const { h, sched, statePath, file } = setup({ job: EVERY_SECOND });
    const old = Array.from({ length: CRON_HISTORY }, (_, i) => ({
      start: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      end: i === CRON_HISTORY - 1 ? null : new Date(Date.UTC(2026, 0, 1, 0, 0, i, 100)).toISOString(),
      code: i === CRON_HISTORY - 1 ? null : i,
      signal: null,
      duration: i === CRON_HISTORY - 1 ? null : 100,
    }));
    writeFileSync(statePath, JSON.stringify({ job: { runs: old, next_run: null }, gone: { runs: [], next_run: null } }));
    sched.start();
    try {
      const loaded = file();
      expect(Object.keys(loaded)).toEqual(["job"]);
      expect(loaded.job!.runs).toHaveLength(CRON_HISTORY);
      const cut = loaded.job!.runs[CRON_HISTORY - 1]!;
      expect(cut.end).not.toBeNull();
      expect(cut.code).toBeNull();
      expect(sched.info("job")!.last_run!.code).toBeNull();
      await runs(h, 1);
      const after = file().job!.runs;
      expect(after).toHaveLength(CRON_HISTORY);
      expect(after[0]!.start).toBe(old[1]!.start);
      expect(after[CRON_HISTORY - 1]!.end).toBeNull();
    } finally {
      sched.stop();
    }
  });

  test("stop clears every timer and nulls next_run; a run going still gets its end recorded", async () => {
    const { h, sched, file } = setup({ job: EVERY_SECOND });
    sched.start();
    await runs(h, 1);
    sched.stop();
    expect(file().job!.next_run).toBeNull();
    h.calls[0]!.end({ code: null, signal: "SIGTERM", at: Date.now() });
    await until(() => file().job!.runs[0]!.signal === "SIGTERM");
    expect(file().job!.runs[0]!.signal).toBe("SIGTERM");
    // absence needs a window: past the next whole second, when a live timer would have fired
    await sleep(1300);
    expect(h.calls).toHaveLength(1);
  });

  test("sync follows a reload: a changed job keeps its history, removed jobs go, added ones are scheduled", async () => {
    const { h, sched, file } = setup({ a: EVERY_SECOND });
    sched.start();
    try {
      await runs(h, 1);
      h.calls[0]!.end({ code: 0, signal: null, at: Date.now() });
      h.units = { a: { expression: "0 0 1 1 *", timezone: "UTC" } };
      sched.sync();
      expect(sched.history("a")).toHaveLength(1);
      expect(sched.info("a")!.next_run).toBe(`${new Date().getUTCFullYear() + 1}-01-01T00:00:00.000Z`);
      await sleep(1200);
      expect(h.calls).toHaveLength(1);

      h.units = { b: EVERY_SECOND };
      sched.sync();
      expect(Object.keys(file())).toEqual(["b"]);
      expect(sched.info("a")).toBeNull();
      await runs(h, 2);
      expect(h.calls[1]!.name).toBe("b");
    } finally {
      sched.stop();
    }
  });
});
