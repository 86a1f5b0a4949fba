// Issue 12 item 7: every command that prints data has --json (start prints logs, completion a
// script, man roff); check and purge as examples of the documents.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { type Sandbox, ensureBuilt, run, sandbox } from "../../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

const NOT_DATA = new Set(["start", "completion", "man"]);

describe("--json", () => {
  test("every listed command but start, completion and man takes --json", () => {
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
});
