// Issue 14 items 5, 6 and 7 through the compiled binary, each from the command a user typed:
// progress on a terminal, Ctrl-C during --daemonize, check reporting what start would hit,
// syntax errors with line and column, run-now of a cron job, inspect of a cron job.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, SYSG, ensureBuilt, run, sandbox, sleep } from "../../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

const hasScript = spawnSync("sh", ["-c", "command -v script"]).status === 0;

/** Runs sysg on a real pseudo-terminal (util-linux script) and returns what the terminal got. */
function onTty(s: Sandbox, args: string[], env: Record<string, string> = {}): { code: number | null; out: string } {
  const r = spawnSync("script", ["-qec", [SYSG, ...args].join(" "), "/dev/null"], {
    cwd: s.dir,
    env: { ...s.env, TERM: "xterm", ...env },
    encoding: "utf8",
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout };
}

describe("progress while waiting (a real pty)", () => {
  test.skipIf(!hasScript)("`sysg restart stubborn` and `sysg start --daemonize` say what they wait for; nothing of it off a terminal", () => {
    sb = sandbox();
    sb.write(
      "systemg.yaml",
      `version: "1"
services:
  db:
    command: exec sleep 300
    readiness: { exec: "sleep 2.5", timeout: 5s }
  stubborn:
    command: 'trap "" TERM; while :; do sleep 0.2; done'
    stop_timeout: 4s
`,
    );
    const start = onTty(sb, ["start", "--daemonize"]);
    expect(start.code).toBe(0);
    expect(start.out).toMatch(/db: waiting for readiness \ds\/5s/);
    const restart = onTty(sb, ["restart", "stubborn"]);
    expect(restart.code).toBe(0);
    expect(restart.out).toMatch(/stubborn: stopping \ds \((stubborn: )?SIGKILL in \ds\)/);
    expect(restart.out).toMatch(/stubborn: stopping [1-4]s \(stubborn: SIGKILL in [0-3]s\)/);
    expect(restart.out).toMatch(/stubborn\s+restarted\s+running/);
    // piped: no progress line, no escapes
    const piped = run(sb, ["restart", "stubborn"], { timeout: 30_000 });
    expect(piped.code).toBe(0);
    expect(piped.stderr).toBe("");
    expect(piped.stdout).not.toContain("\x1b");
  }, 60_000);

  test("Ctrl-C during `sysg start --daemonize` says what it left running", async () => {
    sb = sandbox();
    sb.write("systemg.yaml", `version: "1"\nservices:\n  slow:\n    command: exec sleep 300\n    readiness: { exec: "false", timeout: 30s }\n  web:\n    command: exec sleep 300\n`);
    const p = Bun.spawn([SYSG, "start", "--daemonize"], { cwd: sb.dir, env: sb.env, stdout: "pipe", stderr: "pipe" });
    // wait until the supervisor answers, then interrupt the waiting CLI
    const deadline = Date.now() + 15_000;
    while (run(sb, ["status", "--json"]).code === 3) {
      if (Date.now() > deadline) throw new Error("supervisor never answered");
      await sleep(50);
    }
    p.kill("SIGINT");
    expect(await p.exited).toBe(130);
    const err = await new Response(p.stderr).text();
    expect(err).toMatch(/sysg: start: interrupted; the supervisor \(pid \d+\) keeps running in the background: .*slow starting/);
    expect(err).toContain("`sysg stop` ends it");
    expect(run(sb, ["status", "--json"]).code).not.toBe(3);
  }, 40_000);
});

describe("check reports what start would hit", () => {
  test("`sysg check` names a missing working_dir and a program not on PATH or not executable", () => {
    sb = sandbox();
    sb.write(
      "systemg.yaml",
      `version: "1"
services:
  a:
    command: nosuch-program-i14 --flag
  b:
    command: ./bin/run
    working_dir: /nonexistent/i14
  c:
    command: ./data.txt
  d:
    command: 'echo shell syntax | cat'
`,
    );
    sb.write("data.txt", "not a program\n");
    const r = run(sb, ["check"]);
    expect(r.code).toBe(1);
    const file = join(sb.dir, "systemg.yaml");
    expect(r.stderr).toContain(`sysg: ${file}: services.a.command: program "nosuch-program-i14" not found in PATH (`);
    expect(r.stderr).toContain(`sysg: ${file}: services.b.working_dir: /nonexistent/i14 does not exist`);
    expect(r.stderr).toContain(`sysg: ${file}: services.c.command: ${join(sb.dir, "data.txt")} is not executable`);
    expect(r.stderr).not.toContain("services.d");
  });

  test("`sysg check` prints the warnings start would log; --strict makes them errors", () => {
    if (process.getuid?.() !== 0) {
      console.log("skip: needs root to run check as another user");
      return;
    }
    sb = sandbox();
    chmodSync(sb.dir, 0o755);
    sb.write("systemg.yaml", `version: "1"\nservices:\n  web:\n    command: exec sleep 1\n`);
    const asNobody = (args: string[]) =>
      spawnSync("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", SYSG, ...args], { cwd: sb.dir, env: sb.env, encoding: "utf8" });
    const warn = asNobody(["check", "--drop-privileges"]);
    expect(warn.status).toBe(0);
    expect(warn.stderr).toContain("warning: services.web: --drop-privileges ignored, the supervisor is not root");
    const strict = asNobody(["check", "--drop-privileges", "--strict"]);
    expect(strict.status).toBe(1);
    expect(strict.stderr).toContain("--drop-privileges ignored");
    expect(strict.stdout).toBe("");
    expect(asNobody(["check", "--strict"]).status).toBe(0);
  });

  test("syntax errors of JSON, YAML and TOML carry line and column", () => {
    sb = sandbox();
    const cases: [string, string][] = [
      ["bad.json", '{\n  "version": "1",\n  "services": {\n    "a": { "command": "x", }\n  }\n}\n'],
      ["bad.yaml", 'version: "1"\nservices:\n  a:\n    command: x\n   bad: [\n'],
      ["bad.toml", 'version = "1"\n[services.a]\ncommand = \n'],
    ];
    for (const [name, text] of cases) {
      sb.write(name, text);
      const r = run(sb, ["check", name]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`^sysg: ${join(sb.dir, name).replace(/[.]/g, "\\.")}: (JSON|YAML|TOML) syntax error: line \\d+, column \\d+: `));
    }
    expect(run(sb, ["check", "bad.json"]).stderr).toContain("line 4, column 28");
  });
});

describe("cron jobs", () => {
  test("`sysg run-now backup` runs the job once and waits; `sysg inspect backup` shows cron fields, not restart/backoff", () => {
    sb = sandbox();
    sb.write(
      "systemg.yaml",
      `version: "1"
services:
  backup:
    command: 'echo backing up; exit 3'
    cron: { expression: "0 0 1 1 *", timezone: UTC }
  web:
    command: exec sleep 300
`,
    );
    expect(run(sb, ["start", "--daemonize"], { timeout: 30_000 }).code).toBe(0);
    const r = run(sb, ["run-now", "backup"], { timeout: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^backup: ran for \d+\.\ds, ended with exit code 3$/m);
    const json = JSON.parse(run(sb, ["inspect", "backup", "--json"]).stdout);
    expect(json.cron_history).toHaveLength(1);
    expect(json.cron_history[0].code).toBe(3);
    expect(JSON.parse(run(sb, ["run-now", "backup", "--json"], { timeout: 30_000 }).stdout).code).toBe(3);
    const notCron = run(sb, ["run-now", "web"]);
    expect(notCron.code).toBe(1);
    expect(notCron.stderr).toContain('"web" is not a cron job');
    const human = run(sb, ["inspect", "backup"]).stdout;
    expect(human).toMatch(/^ {2}cron +0 0 1 1 \* \(UTC\)$/m);
    expect(human).toMatch(/^ {2}next run +2\d{3}-01-01T00:00:00\.000Z/m);
    expect(human).toMatch(/^ {2}last run +code 3/m);
    expect(human).not.toMatch(/^ {2}restart /m);
    expect(human).not.toContain("backoff");
    expect(human).not.toContain("Restarts");
    expect(run(sb, ["inspect", "web"]).stdout).toMatch(/^ {2}restart +never, backoff/m);
  }, 40_000);
});
