// Restart-hook semantics and liveness through the compiled binary:
// - on_restart.success fires once the new run is started and ready, with SYSG_PID = its pid
//   (the pid status shows), never with the crashed one; on_restart.error when the restart failed;
// - `health` (liveness): N failed checks in a row restart the service by its policy, and the
//   reason shows in status; a health URL that is not http is a config error.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, alive, ensureBuilt, run, sandbox, until } from "../../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => {
  run(sb, ["stop"], { timeout: 30_000 });
  sb.cleanup();
});

interface Unit {
  name: string;
  state: string;
  pid: number | null;
  restarts: number;
  reason: string | null;
}
const unit = (name: string): Unit => JSON.parse(run(sb, ["status", "--json"]).stdout).units.find((u: Unit) => u.name === name);
const read = (p: string) => (existsSync(p) ? readFileSync(p, "utf8") : "");

describe("on_restart", () => {
  test("success after the new run is ready, SYSG_PID = the new pid; the crashed pid is only the exit's", async () => {
    sb = sandbox();
    const log = join(sb.dir, "hooks.log");
    const cfg = sb.write(
      "r.yaml",
      `version: "1"
services:
  app:
    # the first run writes its pid and crashes; the restart stays up
    command: 'if [ -f crashed ]; then exec sleep 300; else echo $$ > first.pid; touch crashed; exit 5; fi'
    restart_policy: on-failure
    backoff: 100ms
    readiness: { exec: "test -f crashed", timeout: 10s }
    hooks:
      on_restart:
        success: { command: 'echo "success pid=$SYSG_PID code=$SYSG_EXIT_CODE alive=$(kill -0 $SYSG_PID 2>/dev/null && echo yes)" >> ${log}' }
        error: { command: 'echo "error" >> ${log}' }
    stop_timeout: 2s
`,
    );
    expect(run(sb, ["start", "--daemonize", "-c", cfg], { timeout: 30_000 }).code).toBe(0);
    const line = await until("on_restart.success", () => read(log).match(/^success pid=(\d+) code=(\S*) alive=(\S*)$/m));
    const app = unit("app");
    expect(app.state).toBe("running");
    expect(Number(line[1])).toBe(app.pid!);
    expect(Number(line[1])).not.toBe(Number(read(join(sb.dir, "first.pid")).trim()));
    expect(line[2]).toBe("5"); // the exit it follows
    expect(line[3]).toBe("yes"); // the new run existed when the hook ran
    expect(read(log)).not.toContain("error");
  });

  test("error when the restart fails (the new run crashes before it is ready)", async () => {
    sb = sandbox();
    const log = join(sb.dir, "hooks.log");
    const cfg = sb.write(
      "r.yaml",
      `version: "1"
services:
  app:
    command: 'sleep 0.3; exit 3'
    restart_policy: on-failure
    backoff: 100ms
    max_restarts: 1
    readiness: { exec: "false", timeout: 10s }
    hooks:
      on_restart:
        success: { command: 'echo success >> ${log}' }
        error: { command: 'echo "error pid=$SYSG_PID code=$SYSG_EXIT_CODE" >> ${log}' }
`,
    );
    expect(run(sb, ["start", "--daemonize", "-c", cfg], { timeout: 30_000 }).code).toBe(0);
    await until("failed", () => unit("app").state === "failed");
    await until("on_restart.error", () => read(log).includes("error"));
    expect(read(log)).toMatch(/^error pid=\d* code=3$/m);
    expect(read(log)).not.toContain("success");
  });

  test("an operator restart runs on_restart.success with the new pid", async () => {
    sb = sandbox();
    const log = join(sb.dir, "hooks.log");
    const cfg = sb.write(
      "r.yaml",
      `version: "1"\nservices:\n  app:\n    command: exec sleep 300\n    hooks: { on_restart: { success: { command: 'echo "pid=$SYSG_PID" >> ${log}' } } }\n    stop_timeout: 2s\n`,
    );
    expect(run(sb, ["start", "--daemonize", "-c", cfg], { timeout: 30_000 }).code).toBe(0);
    const before = unit("app").pid;
    expect(run(sb, ["restart", "-s", "app"], { timeout: 30_000 }).code).toBe(0);
    const line = await until("hook", () => read(log).match(/^pid=(\d+)$/m));
    expect(Number(line[1])).toBe(unit("app").pid!);
    expect(Number(line[1])).not.toBe(before);
  });
});

describe("liveness (health)", () => {
  test("N failed checks in a row restart the service by its policy; the reason shows in status", async () => {
    sb = sandbox();
    const sick = join(sb.dir, "sick");
    const cfg = sb.write(
      "l.yaml",
      `version: "1"
services:
  app:
    command: exec sleep 300
    restart_policy: always
    backoff: 100ms
    health: { exec: "test ! -e ${sick}", interval: 150ms, timeout: 2s, failures: 3 }
    stop_timeout: 2s
  steady:
    command: exec sleep 300
    health: { exec: "true", interval: 100ms }
    stop_timeout: 2s
`,
    );
    expect(run(sb, ["start", "--daemonize", "-c", cfg], { timeout: 30_000 }).code).toBe(0);
    const first = unit("app");
    expect(first.state).toBe("running");
    writeFileSync(sick, "");
    // the failing run is ended and a new one starts
    const restarted = await until("restart by liveness", () => {
      const u = unit("app");
      return u.restarts === 1 && u.state === "running" && u.pid !== first.pid ? u : null;
    });
    rmSync(sick);
    expect(restarted.reason ?? "").toContain("liveness exec");
    expect(restarted.reason ?? "").toContain("failed 3 times in a row");
    expect(alive(first.pid!)).toBe(false);
    const steady = unit("steady");
    expect([steady.state, steady.restarts]).toEqual(["running", 0]);
    // inspect keeps the exit of the ended run
    const inspect = JSON.parse(run(sb, ["inspect", "app", "--json"]).stdout);
    expect(inspect.unit.last_exit.signal).toBe("SIGTERM");
  });

  test("restart_policy never: the service becomes failed with the reason", async () => {
    sb = sandbox();
    const cfg = sb.write(
      "l.yaml",
      `version: "1"\nservices:\n  app:\n    command: exec sleep 300\n    health: { tcp: "127.0.0.1:1", interval: 100ms, timeout: 500ms, failures: 2 }\n    stop_timeout: 2s\n`,
    );
    expect(run(sb, ["start", "--daemonize", "-c", cfg], { timeout: 30_000 }).code).toBe(0);
    const pid = unit("app").pid!;
    const failed = await until("failed", () => (unit("app").state === "failed" ? unit("app") : null));
    expect(failed.reason).toContain("liveness tcp 127.0.0.1:1 failed 2 times in a row");
    expect(alive(pid)).toBe(false);
    const st = run(sb, ["status"]);
    expect(st.stdout).toContain("liveness tcp 127.0.0.1:1");
    expect(st.code).toBe(2); // failing
  });

  test("bad input: a health URL that is not http, or no probe, is a located config error; nothing starts", () => {
    sb = sandbox();
    const cfg = sb.write("bad.yaml", `version: "1"\nservices:\n  app:\n    command: exec sleep 300\n    health: { http: "ftp://127.0.0.1/x" }\n  b:\n    command: exec sleep 300\n    health: { interval: 1s }\n`);
    const r = run(sb, ["start", "--daemonize", "-c", cfg], { timeout: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("services.app.health.http");
    expect(r.stderr).toContain("http(s) URL");
    expect(r.stderr).toContain("services.b.health");
    expect(run(sb, ["status", "--json"]).code).not.toBe(0);
  });
});
