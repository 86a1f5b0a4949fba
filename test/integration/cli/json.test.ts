// Issue 12 item 7: every command that prints data has --json (completion prints a script, man
// roff); check, purge and start --daemonize as examples of the documents.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { type Sandbox, ensureBuilt, run, sandbox } from "../../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

const NOT_DATA = new Set(["completion", "man"]);

describe("--json", () => {
  test("every listed command but completion and man takes --json", () => {
    sb = sandbox();
    const commands = [...run(sb, ["--help"]).stdout.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]!);
    expect(commands.length).toBeGreaterThan(12);
    const missing = commands.filter((c) => !NOT_DATA.has(c) && !run(sb, ["help", c]).stdout.includes("--json"));
    expect(missing).toEqual([]);
  });

  test("check --json: the summary, or every error with its path, on stdout", () => {
    sb = sandbox();
    const good = run(sb, ["check", "--json", "-c", sb.write("ok.yaml", 'version: "1"\nservices:\n  a:\n    command: sleep 1\n  b:\n    command: "true"\n    cron: { expression: "* * * * *" }\n')]);
    expect(good.code).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ schema: "sysg.check.v1", ok: true, services: { total: 2, long_running: 1, cron: 1 }, errors: [] });
    const bad = run(sb, ["check", "--json", "-c", sb.write("bad.yaml", 'version: "1"\nservices:\n  a:\n    comand: x\n')]);
    expect(bad.code).toBe(1);
    const doc = JSON.parse(bad.stdout);
    expect(doc.ok).toBe(false);
    expect(doc.errors.map((e: { path: string }) => e.path)).toContain("services.a.comand");
  });

  test("purge --json: what was done", () => {
    sb = sandbox();
    const r = run(sb, ["purge", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ schema: "sysg.purge.v1", supervisor: null, ended: 0, removed: [] });
  });

  test("start --json: with --daemonize the settled units; in the foreground a usage error", () => {
    sb = sandbox();
    const cfg = sb.write("s.yaml", 'version: "1"\nservices:\n  a:\n    command: sleep 300\n');
    expect(run(sb, ["start", "-c", cfg, "--json"]).code).toBe(2);
    try {
      const r = run(sb, ["start", "-c", cfg, "--daemonize", "--json"], { timeout: 30_000 });
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.schema).toBe("sysg.start.v1");
      expect(doc.supervisor.already_running).toBe(false);
      expect(doc.units).toMatchObject([{ name: "a", state: "running" }]);
      const again = JSON.parse(run(sb, ["start", "-c", cfg, "--json"]).stdout);
      expect(again.supervisor).toEqual({ pid: doc.supervisor.pid, already_running: true });
    } finally {
      run(sb, ["stop"]);
    }
  }, 40_000);
});
