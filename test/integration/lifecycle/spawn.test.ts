// `sysg spawn` through the compiled binary: a child unit under a running service, listed under
// it in status, in its parent's env and working dir plus --env, stopped when its TTL ends or
// its parent stops, bounded by the parent's spawn config, spawned from inside a service through
// SYSG_SOCKET; bad input refused with a clear error and nothing left running.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, SYSG, alive, ensureBuilt, run, sandbox, until } from "../../helpers/sysg.ts";

let sb: Sandbox;
interface Unit {
  name: string;
  kind: string;
  state: string;
  pid: number | null;
  reason: string | null;
}
const status = (): Unit[] => JSON.parse(run(sb, ["status", "--json"]).stdout).units;
const unit = (name: string) => status().find((u) => u.name === name);
const log = (name: string) => readFileSync(join(sb.home, ".local", "share", "systemg", "logs", `${name}_stdout.log`), "utf8");

beforeAll(() => {
  ensureBuilt();
  sb = sandbox();
  mkdirSync(join(sb.dir, "work"));
  const cfg = sb.write(
    "spawn.yaml",
    `version: "1"
services:
  web:
    command: exec sleep 300
    working_dir: work
    env: { vars: { FROM_PARENT: yes-parent, OVERRIDE_ME: parent } }
    spawn: { max_children: 2, max_depth: 2 }
    stop_timeout: 2s
  selfspawn:
    # a service that spawns its own child through SYSG_SOCKET (no --parent: its own unit)
    command: '${SYSG} spawn --name helper -- sleep 300 && exec sleep 300'
    spawn: {}
    stop_timeout: 2s
  plain:
    command: exec sleep 300
    stop_timeout: 2s
`,
  );
  const r = run(sb, ["start", "--daemonize", "-c", cfg], { timeout: 30_000 });
  if (r.code !== 0) throw new Error(`start failed: ${r.stdout}${r.stderr}`);
});

afterAll(() => {
  run(sb, ["stop"], { timeout: 30_000 });
  sb.cleanup();
});

describe("sysg spawn", () => {
  test("a child under its parent: pid printed, env/cwd inherited with --env on top, listed right under the parent", async () => {
    const r = run(sb, ["spawn", "--parent", "web", "--name", "w1", "--env", "OVERRIDE_ME=child", "--", "sh", "-c", 'echo "env=$FROM_PARENT/$OVERRIDE_ME/$SYSG_PARENT dir=$(pwd)"; exec sleep 300']);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const pid = Number(r.stdout.trim());
    expect(pid).toBeGreaterThan(1);
    expect(alive(pid)).toBe(true);
    const units = status();
    const at = units.findIndex((u) => u.name === "web");
    expect(units[at + 1]).toMatchObject({ name: "web/w1", kind: "spawned", state: "running", pid });
    // the child's output goes to its parent's log
    const line = await until("child output", () => log("web").match(/env=(\S+) dir=(\S+)/));
    expect(line[1]).toBe("yes-parent/child/web");
    expect(line[2]).toBe(join(sb.dir, "work"));
    expect(run(sb, ["stop", "-s", "web"]).code).toBe(0);
    await until("child gone with its parent", () => !alive(pid));
    expect(unit("web/w1")).toBeUndefined();
    expect(run(sb, ["start", "-s", "web"]).code).toBe(0);
  });

  test("the TTL ends the child", async () => {
    const r = run(sb, ["spawn", "--parent", "web", "--ttl", "1s", "--json", "--", "sleep", "300"]);
    expect(r.code).toBe(0);
    const child = JSON.parse(r.stdout);
    expect(child).toMatchObject({ parent: "web", ttl: 1 });
    expect(child.name).toMatch(/^web\/child-\d+$/);
    expect(unit(child.name)!.reason).toContain("ttl 1s");
    await until("ttl ended", () => !alive(child.pid));
    expect(unit(child.name)).toBeUndefined();
  });

  test("max_children and max_depth refuse clearly; nothing extra runs", async () => {
    const a = run(sb, ["spawn", "--parent", "web", "--name", "a", "--", "sleep", "300"]);
    const b = run(sb, ["spawn", "--parent", "web/a", "--name", "b", "--", "sleep", "300"]);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(unit("web/a/b")!.pid).toBe(Number(b.stdout.trim()));
    const before = status().filter((u) => u.kind === "spawned").length;
    const third = run(sb, ["spawn", "--parent", "web", "--", "sleep", "300"]);
    expect(third.code).toBe(1);
    expect(third.stderr).toContain("web already has 2 live children");
    expect(third.stderr).toContain("services.web.spawn.max_children: 2");
    expect(third.stderr).toContain("hint:");
    expect(status().filter((u) => u.kind === "spawned").length).toBe(before);
    // stopping a child stops its own children (here: its TTL-less grandchild)
    const bPid = Number(b.stdout.trim());
    process.kill(Number(a.stdout.trim()), "SIGTERM");
    await until("grandchild gone with its parent", () => !alive(bPid));
  });

  test("depth past max_depth is refused", async () => {
    const a = run(sb, ["spawn", "--parent", "web", "--name", "d1", "--", "sleep", "300"]);
    const b = run(sb, ["spawn", "--parent", "web/d1", "--name", "d2", "--", "sleep", "300"]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const c = run(sb, ["spawn", "--parent", "web/d1/d2", "--", "sleep", "300"]);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain("depth 3 is past services.web.spawn.max_depth (2)");
    process.kill(Number(a.stdout.trim()), "SIGTERM");
    await until("d2 gone", () => !alive(Number(b.stdout.trim())));
  });

  test("--parent-pid: the unit whose process is that pid (SPEC's form); a pid of no unit is refused", async () => {
    const web = unit("web")!;
    const r = run(sb, ["spawn", "--parent-pid", String(web.pid), "--name", "bypid", "--ttl", "30s", "--", "sleep", "300"]);
    expect(r.code).toBe(0);
    expect(unit("web/bypid")!.pid).toBe(Number(r.stdout.trim()));
    process.kill(Number(r.stdout.trim()), "SIGTERM");
    await until("bypid gone", () => !unit("web/bypid"));
    const none = run(sb, ["spawn", "--parent-pid", String(process.pid), "--", "sleep", "1"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`pid ${process.pid} belongs to no running service or child`);
  });

  test("from inside a service: SYSG_SOCKET, and the caller's own unit is the parent", async () => {
    const helper = await until("helper", () => unit("selfspawn/helper"));
    expect(helper.kind).toBe("spawned");
    expect(alive(helper.pid!)).toBe(true);
  });

  test("bad input: unknown parent, TTL 0, a parent without spawn, no command, unknown flag — clear errors, nothing started", () => {
    const before = status().filter((u) => u.kind === "spawned").map((u) => u.name);
    const cases: [string[], number, string][] = [
      [["--parent", "nope", "--", "sleep", "1"], 1, 'unknown service "nope"'],
      [["--parent", "web", "--ttl", "0", "--", "sleep", "1"], 2, "--ttl: must be longer than 0"],
      [["--parent", "plain", "--", "sleep", "1"], 1, "plain does not allow dynamic children"],
      [["--parent", "web"], 2, "no command to run"],
      [["--parnet", "web", "--", "sleep", "1"], 2, "did you mean --parent"],
      [["--", "sleep", "1"], 1, "no parent"],
    ];
    for (const [args, code, text] of cases) {
      const r = run(sb, ["spawn", ...args]);
      expect({ args, code: r.code, has: r.stderr.includes(text) }).toEqual({ args, code, has: true });
      expect(r.stdout).toBe("");
    }
    expect(status().filter((u) => u.kind === "spawned").map((u) => u.name)).toEqual(before);
  });
});

describe("sysg spawn after a SIGKILLed supervisor", () => {
  test("the next start stops the children it left (they are recorded with the services)", async () => {
    const s2 = sandbox();
    try {
      const cfg = s2.write("k.yaml", `version: "1"\nservices:\n  web:\n    command: exec sleep 300\n    spawn: {}\n    stop_timeout: 2s\n`);
      expect(run(s2, ["start", "--daemonize", "-c", cfg], { timeout: 30_000 }).code).toBe(0);
      const child = Number(run(s2, ["spawn", "--parent", "web", "--", "sleep", "300"]).stdout.trim());
      expect(alive(child)).toBe(true);
      const state = join(s2.home, ".local", "share", "systemg");
      await until("child in pid.json", () => readFileSync(join(state, "pid.json"), "utf8").includes("web/child-1"));
      const sup = JSON.parse(readFileSync(join(state, "sysg.pid"), "utf8")).pid;
      process.kill(sup, "SIGKILL");
      await until("the supervisor gone", () => !alive(sup));
      expect(alive(child)).toBe(true); // nothing stops it but the next supervisor
      expect(run(s2, ["start", "--daemonize", "-c", cfg], { timeout: 30_000 }).code).toBe(0);
      await until("child stopped by the next start", () => !alive(child));
      run(s2, ["stop"], { timeout: 30_000 });
    } finally {
      s2.cleanup();
    }
  });
});
