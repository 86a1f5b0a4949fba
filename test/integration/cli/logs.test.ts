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
});
