// Issue 14 item 2 through the compiled binary: exit codes tell the truth.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { createServer } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, ensureBuilt, run, sandbox } from "../../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

const units = (s: Sandbox) => JSON.parse(run(s, ["status", "--json"]).stdout).units as { name: string; state: string; reason: string | null; pid: number | null }[];

describe("start --daemonize", () => {
  test("`sysg start --daemonize` exits 1 when a unit ends failed, naming the real reason (a readiness timeout)", () => {
    sb = sandbox();
    // a port nothing listens on: connection refused until the readiness timeout
    sb.write(
      "systemg.yaml",
      `version: "1"
services:
  db:
    command: exec sleep 300
    readiness: { tcp: "127.0.0.1:1", timeout: 1s }
  web:
    command: exec sleep 300
`,
    );
    const r = run(sb, ["start", "--daemonize"], { timeout: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("sysg: start: db failed: readiness tcp 127.0.0.1:1 did not pass within 1000 ms");
    expect(r.stderr).not.toContain("SIGTERM");
    expect(r.stdout).toMatch(/db\s+failed\s+-\s+readiness tcp/);
    expect(r.stdout).toMatch(/web\s+running/);
    const db = units(sb).find((u) => u.name === "db")!;
    expect(db.state).toBe("failed");
    expect(db.reason).toContain("readiness tcp 127.0.0.1:1 did not pass");
  }, 40_000);

  test("readiness passing is logged in supervisor.log", async () => {
    sb = sandbox();
    const server = createServer((c) => c.end()).listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    const port = (server.address() as { port: number }).port;
    try {
      sb.write("systemg.yaml", `version: "1"\nservices:\n  db:\n    command: exec sleep 300\n    readiness: { tcp: "127.0.0.1:${port}" }\n`);
      expect(run(sb, ["start", "--daemonize"], { timeout: 30_000 }).code).toBe(0);
      const log = readFileSync(join(sb.home, ".local/share/systemg/logs/supervisor.log"), "utf8");
      expect(log).toMatch(new RegExp(`db: ready: readiness tcp 127\\.0\\.0\\.1:${port} passed after \\d+ ms`));
    } finally {
      server.close();
    }
  }, 40_000);

  test("`sysg start other.yaml` while a supervisor runs another config: exit 1, nothing applied, points to reload", async () => {
    sb = sandbox();
    sb.write("systemg.yaml", `version: "1"\nservices:\n  a:\n    command: exec sleep 300\n`);
    sb.write("other.yaml", `version: "1"\nservices:\n  b:\n    command: exec sleep 300\n`);
    expect(run(sb, ["start", "--daemonize"], { timeout: 30_000 }).code).toBe(0);
    const r = run(sb, ["start", "other.yaml", "--daemonize"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`another config, ${join(sb.dir, "systemg.yaml")}`);
    expect(r.stderr).toContain(`sysg reload ${join(sb.dir, "other.yaml")}`);
    expect(units(sb).map((u) => u.name)).toEqual(["a"]);
    // the same config again is not an error
    const same = run(sb, ["start"]);
    expect(same.code).toBe(0);
    expect(same.stderr).toContain("already running");
  }, 40_000);
});

describe("inspect env (issue 14 item 4)", () => {
  test("`sysg inspect web --json` shows what the config set, inherited variables by name only; --show-env gives values to the owner", () => {
    sb = sandbox();
    sb.write("systemg.yaml", `version: "1"\nenv:\n  vars:\n    REGION: eu\nservices:\n  web:\n    command: exec sleep 300\n    env:\n      vars:\n        PORT: "8080"\n`);
    const shell = { SHELL_SECRET: "hunter2-do-not-show", TMUX: "/tmp/tmux-0/default,1,0" };
    expect(run(sb, ["start", "--daemonize"], { env: shell, timeout: 30_000 }).code).toBe(0);
    const r = run(sb, ["inspect", "web", "--json"]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("hunter2-do-not-show");
    const doc = JSON.parse(r.stdout);
    expect(doc.config.env).toEqual({ REGION: "eu", PORT: "8080" });
    expect(doc.inherited_env.SHELL_SECRET).toBeNull();
    expect(doc.inherited_env.TMUX).toBeNull();
    const human = run(sb, ["inspect", "web"]);
    expect(human.stdout).toContain("PORT=8080");
    expect(human.stdout).toMatch(/inherited +\d+ variables .*names only/);
    expect(human.stdout).not.toContain("hunter2");
    const shown = JSON.parse(run(sb, ["inspect", "web", "--json", "--show-env"]).stdout);
    expect(shown.inherited_env.SHELL_SECRET).toBe("hunter2-do-not-show");
  }, 40_000);
});
