// The daemon as operators live with it: the --daemonize handshake, one supervisor per state dir,
// recovery after SIGKILL, a slow command never blocking status, and hostile clients.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { type Sandbox, alive, ensureBuilt, run, sandbox, taggedPids, until } from "../helpers/sysg.ts";

beforeAll(() => ensureBuilt());

let sb: Sandbox;
afterEach(() => sb?.cleanup());

const stateDir = (s: Sandbox) => join(s.home, ".local/share/systemg");
const statusJson = (s: Sandbox) => JSON.parse(run(s, ["status", "--json"]).stdout) as { units: { name: string; pid: number | null; state: string }[] };
const supervisorPid = (s: Sandbox) => (JSON.parse(readFileSync(join(stateDir(s), "sysg.pid"), "utf8")) as { pid: number }).pid;

function config(s: Sandbox, body: string): string {
  return s.write("sysg.yaml", `version: "1"\nservices:\n${body}`);
}

describe("sysg start --daemonize", () => {
  test("returns once every first attempt settled, printing the result; a second start says it runs", () => {
    sb = sandbox();
    const cfg = config(
      sb,
      `  ok:\n    command: 'exec sleep 300'\n  oneshot:\n    command: 'echo done'\n  broken:\n    command: 'exit 4'\n  nobin:\n    command: 'exec /nonexistent/bin'\n`,
    );
    const r = run(sb, ["start", "--daemonize", "-c", cfg]);
    // any unit that ends failed makes the start a failure, each named with its reason
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("sysg: start: broken failed: exited with code 4");
    expect(r.stderr).toMatch(/sysg: start: nobin failed: .*nonexistent/);
    expect(r.stdout).toMatch(/supervisor started \(pid \d+\)/);
    expect(r.stdout).toMatch(/ok\s+running/);
    expect(r.stdout).toMatch(/oneshot\s+exited/);
    expect(r.stdout).toMatch(/broken\s+failed\s+-\s+exited with code 4/);
    expect(r.stdout).toMatch(/nobin\s+failed/);
    const again = run(sb, ["start", "--daemonize", "-c", cfg]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("a supervisor is already running");
    expect(run(sb, ["stop"]).code).toBe(0);
  });

  test("an invalid config starts no supervisor: exit 1, no socket", () => {
    sb = sandbox();
    const cfg = config(sb, `  web:\n    command: 'true'\n    restart_policy: bogus\n`);
    const r = run(sb, ["start", "--daemonize", "-c", cfg]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("services.web.restart_policy");
    expect(taggedPids(sb.tag)).toEqual([]);
  });

  test("a second supervisor for the same state dir refuses to start", async () => {
    sb = sandbox();
    const cfg = config(sb, `  a:\n    command: 'exec sleep 300'\n`);
    expect(run(sb, ["start", "--daemonize", "-c", cfg]).code).toBe(0);
    // a foreground start races the lock directly when sysg.pid is ignored: the lock still holds
    const r = run(sb, ["start", "-c", cfg, "--notify-fd", "1"]);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain("another sysg supervisor is running");
    expect(statusJson(sb).units.map((u) => u.name)).toEqual(["a"]);
    expect(run(sb, ["stop"]).code).toBe(0);
  });

  test("after SIGKILL of the supervisor the next start cleans up: no duplicates, no orphans", async () => {
    sb = sandbox();
    const cfg = config(sb, `  a:\n    command: 'sleep 300 & exec sleep 300'\n  b:\n    command: 'exec sleep 301'\n`);
    expect(run(sb, ["start", "--daemonize", "-c", cfg]).code).toBe(0);
    const before = statusJson(sb).units.map((u) => u.pid!);
    const sup = supervisorPid(sb);
    process.kill(sup, "SIGKILL");
    await until("the supervisor gone", () => !alive(sup));
    expect(before.length).toBe(2);
    expect(before.map(alive)).toEqual([true, true]); // the services outlived it
    const r = run(sb, ["start", "--daemonize", "-c", cfg]);
    expect(r.code).toBe(0);
    expect(before.some(alive)).toBe(false); // old runs stopped, not duplicated
    const after = statusJson(sb).units;
    expect(after.map((u) => u.state)).toEqual(["running", "running"]);
    expect(after.map((u) => u.pid).some((p) => before.includes(p!))).toBe(false);
    expect(readFileSync(join(stateDir(sb), "logs", "supervisor.log"), "utf8")).toContain("did not shut down cleanly");
    expect(run(sb, ["stop"]).code).toBe(0);
    await until("no process of the sandbox left", () => taggedPids(sb.tag).length === 0);
  });

  test("a slow restart (long stop_timeout) never blocks status", async () => {
    sb = sandbox();
    const cfg = config(
      sb,
      `  slow:\n    command: 'trap "" TERM; while true; do sleep 0.1; done'\n    stop_timeout: 3s\n  fast:\n    command: 'exec sleep 300'\n`,
    );
    expect(run(sb, ["start", "--daemonize", "-c", cfg]).code).toBe(0);
    const restart = Bun.spawn([join(import.meta.dir, "../../dist/sysg"), "restart", "-s", "slow"], { env: sb.env, cwd: sb.dir });
    await until("slow stopping", () => statusJson(sb).units.find((u) => u.name === "slow")?.state === "stopping");
    const t0 = Date.now();
    const st = run(sb, ["status", "--json"]);
    const took = Date.now() - t0;
    expect(st.code).toBe(1); // degraded: slow is stopping
    expect(JSON.parse(st.stdout).units.find((u: { name: string }) => u.name === "slow").state).toBe("stopping");
    expect(took).toBeLessThan(2000);
    expect(await restart.exited).toBe(0);
    expect(run(sb, ["stop"]).code).toBe(0);
  });

  test("hostile frames get errors, the daemon keeps serving and its state files stay intact", async () => {
    sb = sandbox();
    const cfg = config(sb, `  a:\n    command: 'exec sleep 300'\n`);
    expect(run(sb, ["start", "--daemonize", "-c", cfg]).code).toBe(0);
    const sock = join(stateDir(sb), "control.sock");
    const frames = [
      "not json\n",
      '{"v":1,"id":1,"cmd":"nope"}\n',
      '{"v":1,"id":"x","cmd":"status"}\n',
      '{"v":2,"id":3,"cmd":"status"}\n',
      '{"v":1,"id":4,"cmd":"stop","service":"../../etc"}\n',
      `${"x".repeat(2 * 1024 * 1024)}\n`,
      "\xff\xfe\n",
      '{"v":1,"id":5,"cmd":"status"}\n',
    ];
    const answers = await new Promise<string>((resolve) => {
      let got = "";
      const c = connect(sock, () => {
        for (const f of frames) c.write(f);
      });
      c.on("data", (d) => {
        got += d.toString();
        if (got.includes('"id":5,"ok":true')) {
          c.destroy();
          resolve(got);
        }
      });
      c.on("error", () => resolve(got));
      setTimeout(() => resolve(got), 5000);
    });
    const lines = answers.trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.ok === false).length).toBeGreaterThanOrEqual(6);
    expect(lines.some((l) => l.ok === true && l.id === 5)).toBe(true);
    // 300 connections opened and dropped at once
    await Promise.all(
      Array.from({ length: 300 }, () => new Promise<void>((r) => connect(sock).on("connect", function (this: import("node:net").Socket) {
        this.destroy();
        r();
      }).on("error", () => r()))),
    );
    const st = statusJson(sb);
    expect(st.units[0]!.state).toBe("running");
    expect(JSON.parse(readFileSync(join(stateDir(sb), "state.json"), "utf8")).a.state).toBe("running");
    expect(run(sb, ["stop"]).code).toBe(0);
  });

  test("status --all lists processes re-parented to the supervisor that no service owns", async () => {
    sb = sandbox();
    const cfg = config(sb, `  leaver:\n    command: '(setsid sleep 300 &) ; exit 0'\n  keeper:\n    command: 'exec sleep 300'\n`);
    expect(run(sb, ["start", "--daemonize", "-c", cfg]).code).toBe(0);
    type Row = { name: string; kind: string; pid: number };
    const orphan = await until("the orphan in status --all", () => (JSON.parse(run(sb, ["status", "--json", "--all"]).stdout).units as Row[]).find((u) => u.kind === "orphaned"));
    const plain = statusJson(sb).units;
    expect(plain.some((u) => u.name.startsWith("sleep["))).toBe(false);
    expect(orphan?.name).toMatch(/^sleep\[\d+\]$/);
    expect(alive(orphan!.pid)).toBe(true);
    expect(run(sb, ["stop"]).code).toBe(0);
    // zero survivors: adopted orphans end with the supervisor
    await until(`orphan ${orphan.pid} gone`, () => !alive(orphan.pid));
  });
});
