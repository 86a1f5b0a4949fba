// `sysg logs` against real log files written by LogFile (the supervisor's writer), read by the
// compiled binary: tail as stored, interleave with prefixes, follow across rotation.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { LogFile } from "../../../src/runtime/logfile.ts";
import { type Sandbox, ensureBuilt, run, sandbox, spawnSysg, sleep } from "../../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

function logDir(s: Sandbox): string {
  const dir = join(s.home, ".local", "share", "systemg", "logs");
  mkdirSync(dir, { recursive: true });
  return dir;
}

function open(dir: string, file: string, max_size = Number.POSITIVE_INFINITY, max_files = 5): LogFile {
  const r = LogFile.open(join(dir, file), { max_size, max_files, timestamps: true, mode: 0o600 });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const T0 = Date.parse("2026-11-23T10:00:00.000Z");
const write = (log: LogFile, text: string, ms: number) => {
  expect(log.write(new TextEncoder().encode(`${text}\n`), T0 + ms)).toBeNull();
};

describe("sysg logs", () => {
  test("NAME: its last N lines as stored, no header", () => {
    sb = sandbox();
    const dir = logDir(sb);
    const out = open(dir, "web_stdout.log");
    for (let i = 1; i <= 80; i++) write(out, `line ${i}`, i);
    out.close();
    const r = run(sb, ["logs", "web", "-l", "3"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      ["2026-11-23T10:00:00.078Z line 78", "2026-11-23T10:00:00.079Z line 79", "2026-11-23T10:00:00.080Z line 80", ""].join("\n"),
    );
    const def = run(sb, ["logs", "web"]);
    expect(def.stdout.trim().split("\n")).toHaveLength(50);
    const stderrOnly = run(sb, ["logs", "web", "-k", "stderr"]);
    expect(stderrOnly.code).toBe(0);
    expect(stderrOnly.stdout).toBe("");
  });

  test("without NAME: every service interleaved by time, prefixed with the name", () => {
    sb = sandbox();
    const dir = logDir(sb);
    const a = open(dir, "api_stdout.log");
    const b = open(dir, "db_stdout.log");
    const e = open(dir, "db_stderr.log");
    write(a, "a1", 1);
    write(b, "b2", 2);
    write(a, "a3", 3);
    write(e, "e4", 4);
    write(b, "b5", 5);
    for (const l of [a, b, e]) l.close();
    const r = run(sb, ["logs", "-l", "4"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines.map((l) => l.replace(/\s+\|.*\s/, "|"))).toEqual(["db|b2", "api|a3", "db|e4", "db|b5"]);
    expect(lines[1]).toBe("api  | 2026-11-23T10:00:00.003Z a3");
    const json = run(sb, ["logs", "-l", "1", "--json"]);
    expect(JSON.parse(json.stdout)).toEqual({ service: "db", stream: "stdout", ts: "2026-11-23T10:00:00.005Z", text: "b5" });
  });

  test("unknown NAME with no log files: exit 1 listing the services that have logs", () => {
    sb = sandbox();
    const dir = logDir(sb);
    open(dir, "api_stdout.log").close();
    open(dir, "db_stderr.log").close();
    const r = run(sb, ["logs", "nope"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no logs for "nope"');
    expect(r.stderr).toContain("hint: services with logs: api, db");
    expect(run(sb, ["logs", "-k", "bogus"]).code).toBe(2);
    expect(run(sb, ["logs", "-l", "x"]).code).toBe(2);
  });

  test("-k supervisor reads supervisor.log", () => {
    sb = sandbox();
    const dir = logDir(sb);
    const s = open(dir, "supervisor.log");
    write(s, "supervisor started", 0);
    s.close();
    const r = run(sb, ["logs", "-k", "supervisor"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("2026-11-23T10:00:00.000Z supervisor started\n");
  });

  test("-f follows new lines across rotation, losing and repeating none", async () => {
    sb = sandbox();
    const dir = logDir(sb);
    // tiny max_size: every few lines rotate
    const log = open(dir, "web_stdout.log", 200, 50);
    write(log, "before 0", 0);
    const follower = spawnSysg(sb, ["logs", "web", "-f", "-l", "1"]);
    await follower.waitFor(/before 0\n/);
    const total = 300;
    for (let i = 1; i <= total; i++) {
      write(log, `after ${i}`, i);
      if (i % 25 === 0) await sleep(30);
    }
    log.close();
    await follower.waitFor(new RegExp(`after ${total}\\n`), 10_000);
    follower.signal("SIGINT");
    expect(await follower.exited).toBe(0);
    const seen = follower
      .output()
      .trim()
      .split("\n")
      .map((l) => l.slice(25));
    expect(seen).toEqual(["before 0", ...Array.from({ length: total }, (_, i) => `after ${i + 1}`)]);
  });

  test("stderr lines carry a marker when both streams are shown; --json names the stream", () => {
    sb = sandbox();
    const dir = logDir(sb);
    const out = open(dir, "web_stdout.log");
    const err = open(dir, "web_stderr.log");
    write(out, "ok", 1);
    write(err, "bad", 2);
    out.close();
    err.close();
    expect(run(sb, ["logs", "web"]).stdout).toBe("2026-11-23T10:00:00.001Z ok\n2026-11-23T10:00:00.002Z [stderr] bad\n");
    expect(run(sb, ["logs", "web", "--stream", "stderr"]).stdout).toBe("2026-11-23T10:00:00.002Z bad\n");
    expect(run(sb, ["logs"]).stdout).toBe("web  | 2026-11-23T10:00:00.001Z ok\nweb  | 2026-11-23T10:00:00.002Z [stderr] bad\n");
    const colored = run(sb, ["logs", "web"], { env: { NO_COLOR: "" } });
    expect(colored.stdout).not.toContain("\x1b[");
  });

  test("--since/--until/--grep across rotated files, newest last, -s NAME, -l keeps the last matches", () => {
    sb = sandbox();
    const dir = logDir(sb);
    const log = open(dir, "api_stdout.log", 2000, 100);
    const err = open(dir, "api_stderr.log");
    for (let i = 0; i < 600; i++) write(log, `${i % 10 === 0 ? "ERROR" : "info"} request ${i}`, i * 1000);
    write(err, "ERROR from stderr", 300_500);
    log.close();
    err.close();
    const at = (ms: number) => new Date(T0 + ms).toISOString();
    const r = run(sb, ["logs", "-s", "api", "--since", at(100_000), "--until", at(400_000), "--grep", "^ERROR", "--stream", "all"]);
    expect(r.code).toBe(0);
    const want: string[] = [];
    for (let i = 100; i <= 400; i += 10) {
      want.push(`${at(i * 1000)} ERROR request ${i}`);
      if (i === 300) want.push(`${at(300_500)} [stderr] ERROR from stderr`);
    }
    expect(r.stdout.trim().split("\n")).toEqual(want);
    const last2 = run(sb, ["logs", "api", "--grep", "ERROR", "-k", "stdout", "-l", "2", "--json"]);
    expect(last2.stdout.trim().split("\n").map((l) => JSON.parse(l).text)).toEqual(["ERROR request 580", "ERROR request 590"]);
    const ci = run(sb, ["logs", "api", "--grep", "error request 59", "-i"]);
    expect(ci.stdout).toBe(`${at(590_000)} ERROR request 590\n`);
    expect(run(sb, ["logs", "api", "--since", at(700_000)]).stdout).toBe("");
  });

  test("bad --since/--grep and --until with -f are usage errors (exit 2) naming the flag", () => {
    sb = sandbox();
    open(logDir(sb), "api_stdout.log").close();
    const since = run(sb, ["logs", "--since", "soonish"]);
    expect(since.code).toBe(2);
    expect(since.stderr).toContain('--since: cannot read "soonish" as a time');
    const grep = run(sb, ["logs", "--grep", "(unclosed"]);
    expect(grep.code).toBe(2);
    expect(grep.stderr).toContain("--grep:");
    expect(run(sb, ["logs", "-f", "--until", "10m"]).code).toBe(2);
    expect(run(sb, ["logs", "--since", "1m", "--until", "2h"]).code).toBe(2);
    expect(run(sb, ["logs", "a", "-s", "b"]).code).toBe(2);
  });

  test("-f keeps applying --grep to new lines, across rotation", async () => {
    sb = sandbox();
    const dir = logDir(sb);
    const log = open(dir, "web_stdout.log", 300, 50);
    write(log, "keep 0", 0);
    write(log, "drop 0", 0);
    const follower = spawnSysg(sb, ["logs", "web", "-f", "--grep", "^keep"]);
    await follower.waitFor(/keep 0\n/);
    for (let i = 1; i <= 100; i++) {
      write(log, `drop ${i}`, i);
      write(log, `keep ${i}`, i);
      if (i % 20 === 0) await sleep(30);
    }
    log.close();
    await follower.waitFor(/keep 100\n/, 10_000);
    follower.signal("SIGINT");
    expect(await follower.exited).toBe(0);
    const seen = follower.output().trim().split("\n").map((l) => l.slice(25));
    expect(seen).toEqual(Array.from({ length: 101 }, (_, i) => `keep ${i}`));
  });
});
