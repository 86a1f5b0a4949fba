// Cron jobs through the compiled binary: a every-second schedule runs repeatedly into its log
// file, status/inspect/cron_state.json report it, a long job overlaps without ever running
// twice at once, a failing job shows its code, a job not yet due does not run at start, history
// survives a supervisor restart, and `sysg stop` leaves no process.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { InspectResult, StatusResult, StatusUnit } from "../../../src/ipc/protocol.ts";
import { CRON_HISTORY, type CronStateFile } from "../../../src/runtime/state.ts";
import { type Sandbox, ensureBuilt, run, sandbox, sleep, taggedPids } from "../../helpers/sysg.ts";

const stateDir = (s: Sandbox) => join(s.home, ".local/share/systemg");
const logDir = (s: Sandbox) => join(stateDir(s), "logs");
const cronState = (s: Sandbox) => JSON.parse(readFileSync(join(stateDir(s), "cron_state.json"), "utf8")) as CronStateFile;

function status(s: Sandbox): StatusResult {
  const r = run(s, ["status", "--json"]);
  return JSON.parse(r.stdout) as StatusResult;
}
const unit = (st: StatusResult, name: string) => st.units.find((u) => u.name === name) as StatusUnit;
function inspect(s: Sandbox, name: string): InspectResult {
  const r = run(s, ["inspect", name, "--json"]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as InspectResult;
}

/** Polls `cond` every 100 ms for up to `ms`; the caller asserts on what it finally sees. */
async function until(cond: () => boolean, ms: number): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end && !cond(); ) await sleep(100);
}

// A month six months away: its first day is far in the future whenever the test runs.
const farMonth = ((new Date().getUTCMonth() + 6) % 12) + 1;

let sb: Sandbox;
let cfg: string;
// ten runs from an earlier supervisor, so the cap and the reload of history both show
const OLD_RUNS = Array.from({ length: CRON_HISTORY }, (_, i) => ({
  start: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  end: new Date(Date.UTC(2026, 0, 1, 0, 0, i, 5)).toISOString(),
  code: 0,
  signal: null,
  duration: 5,
}));

beforeAll(async () => {
  ensureBuilt();
  sb = sandbox();
  cfg = sb.write(
    "sysg.yaml",
    `version: "1"
services:
  tick:
    command: 'echo "tick $(date +%s)"'
    cron: { expression: "*/1 * * * * *", timezone: UTC }
  slow:
    command: 'echo start >> slow.runs; sleep 2.5; echo end >> slow.runs'
    cron: { expression: "*/1 * * * * *" }
  bad:
    command: 'echo failing >&2; exit 3'
    cron: { expression: "*/1 * * * * *", timezone: Europe/Paris }
  far:
    command: 'touch far.ran'
    cron: { expression: "0 0 1 ${farMonth} *", timezone: UTC }
  web:
    command: 'exec sleep 300'
`,
  );
  mkdirSync(stateDir(sb), { recursive: true });
  writeFileSync(join(stateDir(sb), "cron_state.json"), JSON.stringify({ tick: { runs: OLD_RUNS, next_run: null } }));
  const r = run(sb, ["start", "--daemonize", "-c", cfg]);
  expect(r.code).toBe(0);
  // slow's first run takes 2.5 s: by then tick ran a few times and slow overlapped twice
  await until(() => {
    const runs = cronState(sb).slow?.runs ?? [];
    return runs.filter((x) => x.overlap).length >= 2 && runs.some((x) => x.end !== null && !x.overlap);
  }, 8000);
});

afterAll(() => sb?.cleanup());

describe("a every-second cron job", () => {
  test("runs repeatedly, each run's output in its log file", () => {
    const lines = readFileSync(join(logDir(sb), "tick_stdout.log"), "utf8").trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const l of lines) expect(l).toMatch(/ tick \d+$/);
    // one run per second: the epoch seconds the runs printed are all different
    const seconds = lines.map((l) => l.split(" ").pop());
    expect(new Set(seconds).size).toBe(seconds.length);
  });

  test("status --json: kind cron, expression, next run ahead, last run", () => {
    const st = status(sb);
    const tick = unit(st, "tick");
    expect(tick.kind).toBe("cron");
    expect(tick.cron!.expression).toBe("*/1 * * * * *");
    expect(tick.cron!.timezone).toBe("UTC");
    const next = Date.parse(tick.cron!.next_run!);
    const captured = Date.parse(st.captured_at);
    expect(next).toBeGreaterThan(captured - 1000);
    expect(next).toBeLessThanOrEqual(captured + 1000);
    expect(next % 1000).toBe(0);
    expect(tick.cron!.last_run!.code).toBe(0);
    expect(tick.cron!.last_run!.signal).toBeNull();
    expect(tick.restarts).toBe(0);
  });

  test("inspect --json: cron_history with this supervisor's runs after the loaded ones", () => {
    const r = inspect(sb, "tick");
    const h = r.cron_history!;
    expect(h).toHaveLength(CRON_HISTORY);
    const fresh = h.filter((x) => Date.parse(x.started_at) > Date.UTC(2026, 0, 2));
    expect(fresh.length).toBeGreaterThanOrEqual(3);
    // the oldest loaded runs made room; the kept ones are still there, in order
    expect(h.slice(0, h.length - fresh.length).map((x) => x.started_at)).toEqual(
      OLD_RUNS.slice(OLD_RUNS.length - (h.length - fresh.length)).map((x) => x.start),
    );
    // every fresh run but possibly the last has ended (not an empty loop: at least 2)
    const ended = fresh.filter((x) => x.ended_at !== null);
    expect(ended.length).toBeGreaterThanOrEqual(fresh.length - 1);
    for (const x of ended) {
      expect(x.code).toBe(0);
      expect(x.overlap).toBe(false);
      // the protocol says seconds, the time between the run's own start and end: an echo takes
      // well under one
      expect(x.duration!).toBe((Date.parse(x.ended_at!) - Date.parse(x.started_at)) / 1000);
      expect(x.duration!).toBeLessThan(1);
    }
    // a long-running service is no cron job: no history at all
    expect(inspect(sb, "web").cron_history).toBeNull();
    expect(unit(status(sb), "web").cron).toBeNull();
  });

  test("cron_state.json keeps at most CRON_HISTORY runs per job, durations in ms", () => {
    const file = cronState(sb);
    expect(Object.keys(file).sort()).toEqual(["bad", "far", "slow", "tick"]);
    for (const job of Object.values(file)) expect(job.runs.length).toBeLessThanOrEqual(CRON_HISTORY);
    expect(file.tick!.runs).toHaveLength(CRON_HISTORY);
    const inspected = inspect(sb, "tick").cron_history!;
    const done = file.tick!.runs.filter((x) => x.duration !== null);
    // the same runs seen both ways (a run or two may have moved on between the two reads)
    const pairs = done.flatMap((x) => inspected.filter((y) => y.started_at === x.start).map((y) => [x, y] as const));
    expect(pairs.length).toBeGreaterThanOrEqual(done.length - 2);
    expect(pairs.length).toBeGreaterThan(0);
    for (const [x, y] of pairs) expect(y.duration).toBe(x.duration! / 1000);
  });
});

describe("overlap", () => {
  test("a run still going when the next is due is recorded as an overlap, never started twice", async () => {
    await until(() => (cronState(sb).slow?.runs ?? []).filter((x) => !x.overlap).length >= 2, 4000);
    const runs = cronState(sb).slow!.runs;
    const started = runs.filter((x) => !x.overlap);
    expect(started.length).toBeGreaterThanOrEqual(2);
    expect(runs.filter((x) => x.overlap).length).toBeGreaterThanOrEqual(2);
    for (const x of runs.filter((x) => x.overlap)) {
      expect(x.code).toBeNull();
      expect(x.duration).toBeNull();
    }
    // the first run took its 2.5 s and the next one started only after it ended
    const [first, second] = started;
    expect(first!.code).toBe(0);
    expect(first!.duration!).toBeGreaterThanOrEqual(2500);
    expect(Date.parse(second!.start)).toBeGreaterThanOrEqual(Date.parse(first!.end!));
    // what the runs themselves wrote: strictly start, end, start, end…
    const marks = readFileSync(join(sb.dir, "slow.runs"), "utf8").trim().split("\n");
    marks.forEach((m, i) => expect(m).toBe(i % 2 === 0 ? "start" : "end"));
    const h = inspect(sb, "slow").cron_history!;
    expect(h.some((x) => x.overlap && x.duration === null)).toBe(true);
  });
});

describe("a failing job", () => {
  test("shows failed with its exit code", () => {
    const bad = unit(status(sb), "bad");
    expect(bad.kind).toBe("cron");
    expect(bad.state).toBe("failed");
    expect(bad.last_exit!.code).toBe(3);
    expect(bad.cron!.last_run!.code).toBe(3);
    expect(bad.cron!.timezone).toBe("Europe/Paris");
    expect(bad.reason).toContain("3");
    const h = inspect(sb, "bad").cron_history!;
    const ended = h.filter((x) => x.ended_at !== null);
    expect(ended.length).toBeGreaterThan(0); // every() on an empty list would pass
    expect(ended.map((x) => x.code)).toEqual(ended.map(() => 3));
    expect(readFileSync(join(logDir(sb), "bad_stderr.log"), "utf8")).toContain("failing");
  });
});

describe("a job whose time has not come", () => {
  test("does not run at start: stopped, waiting, next run on its date", () => {
    const far = unit(status(sb), "far");
    expect(far.state).toBe("stopped");
    expect(far.reason).toBe("waiting for its schedule");
    expect(far.cron!.last_run).toBeNull();
    const next = new Date(far.cron!.next_run!);
    expect(next.getUTCMonth() + 1).toBe(farMonth);
    expect(next.getUTCDate()).toBe(1);
    expect(next.getTime()).toBeGreaterThan(Date.now() + 100 * 86_400_000);
    expect(inspect(sb, "far").cron_history).toEqual([]);
    expect(existsSync(join(sb.dir, "far.ran"))).toBe(false);
  });
});

describe("sysg stop, then start again", () => {
  test("stop leaves no process and no next run; the next supervisor shows the history", async () => {
    const before = cronState(sb).tick!.runs.map((x) => x.start);
    const r = run(sb, ["stop"]);
    expect(r.code).toBe(0);
    await until(() => taggedPids(sb.tag).length === 0, 5000);
    expect(taggedPids(sb.tag)).toEqual([]);
    const after = cronState(sb);
    // the every-second jobs have runs to check (the loop below is not over an empty state)
    for (const name of ["tick", "slow", "bad"]) expect(after[name]?.runs.length).toBeGreaterThan(0);
    for (const job of Object.values(after)) {
      expect(job.next_run).toBeNull();
      // every run has ended (the slow one by the stop's SIGTERM)
      for (const x of job.runs) expect(x.end).not.toBeNull();
    }
    const again = run(sb, ["start", "--daemonize", "-c", cfg]);
    expect(again.code).toBe(0);
    const h = inspect(sb, "tick").cron_history!.map((x) => x.started_at);
    // the previous supervisor's runs are still there (the oldest may have made room for a new one)
    expect(h).toContain(before[before.length - 1]!);
    expect(run(sb, ["stop"]).code).toBe(0);
    await until(() => taggedPids(sb.tag).length === 0, 5000);
    expect(taggedPids(sb.tag)).toEqual([]);
  });
});

describe("reload", () => {
  test("a changed or added job waits for its schedule (it does not run at reload); a changed one keeps its history", async () => {
    const rb = sandbox();
    try {
      const yaml = (farCmd: string, tickExpr: string, extra = "") =>
        `version: "1"\nservices:\n  far:\n    command: '${farCmd}'\n    cron: { expression: "0 0 1 ${farMonth} *" }\n  tick:\n    command: 'true'\n    cron: { expression: "${tickExpr}", timezone: UTC }\n${extra}`;
      const file = rb.write("sysg.yaml", yaml("touch far1.ran", "*/1 * * * * *"));
      expect(run(rb, ["start", "--daemonize", "-c", file]).code).toBe(0);
      await until(() => (cronState(rb).tick?.runs ?? []).some((x) => x.end !== null), 3000);
      const ran = cronState(rb).tick!.runs.map((x) => x.start);
      expect(ran.length).toBeGreaterThanOrEqual(1);

      rb.write("sysg.yaml", yaml("touch far2.ran", "0 0 1 1 *", `  added:\n    command: 'touch added.ran'\n    cron: { expression: "0 0 1 ${farMonth} *" }\n`));
      const r = run(rb, ["reload", "-c", file]);
      expect(r.code).toBe(0);
      // every job settles waiting for its schedule (one that ran at reload would show it)
      const waiting = (st: StatusResult) =>
        ["far", "added", "tick"].every((name) => unit(st, name)?.state === "stopped" && unit(st, name)?.reason === "waiting for its schedule");
      await until(() => waiting(status(rb)), 10_000);
      const st = status(rb);
      for (const name of ["far", "added", "tick"]) {
        expect(unit(st, name).state).toBe("stopped");
        expect(unit(st, name).reason).toBe("waiting for its schedule");
      }
      for (const f of ["far1.ran", "far2.ran", "added.ran"]) expect(existsSync(join(rb.dir, f))).toBe(false);
      // tick's new schedule is yearly; what it ran before the reload is still its history
      expect(unit(st, "tick").cron!.next_run!.slice(5)).toBe("01-01T00:00:00.000Z");
      expect(inspect(rb, "tick").cron_history!.map((x) => x.started_at).slice(0, ran.length)).toEqual(ran);
      expect(run(rb, ["stop"]).code).toBe(0);
      await until(() => taggedPids(rb.tag).length === 0, 5000);
      expect(taggedPids(rb.tag)).toEqual([]);
    } finally {
      rb.cleanup();
    }
  });
});
