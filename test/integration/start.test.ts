// `sysg start` in the foreground, driven through the compiled binary against real processes.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, alive, ensureBuilt, run, sandbox, sleep, spawnSysg, taggedPids, until } from "../helpers/sysg.ts";

beforeAll(() => ensureBuilt());

let sb: Sandbox;
afterEach(() => sb?.cleanup());

const logDir = (s: Sandbox) => join(s.home, ".local/share/systemg/logs");

/** Waits until only the supervisor itself (or nothing) carries the tag. */
async function survivors(s: Sandbox, supervisorPid: number, ms = 3000): Promise<number[]> {
  const end = Date.now() + ms;
  let left = taggedPids(s.tag).filter((p) => p !== supervisorPid);
  while (left.length > 0 && Date.now() < end) {
    await sleep(50);
    left = taggedPids(s.tag).filter((p) => p !== supervisorPid);
  }
  return left;
}

describe("sysg start (foreground)", () => {
  test("runs the hello example, logs timestamped lines, stops on SIGINT with exit 0 and no survivors", async () => {
    sb = sandbox();
    const p = spawnSysg(sb, ["start", "-c", join(import.meta.dir, "../../examples/hello.yaml")]);
    await p.waitFor(/hello\s+\| hello from sysg \(1\)/);
    const log = readFileSync(join(logDir(sb), "hello_stdout.log"), "utf8");
    expect(log).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z hello from sysg \(1\)$/m);
    p.signal("SIGINT");
    expect(await p.exited).toBe(0);
    expect(await survivors(sb, p.pid)).toEqual([]);
    expect(readFileSync(join(logDir(sb), "supervisor.log"), "utf8")).toContain("all services stopped");
  });

  test("starts in dependency order and waits for readiness probes", async () => {
    sb = sandbox();
    const port = 20000 + Math.floor(Math.random() * 20000);
    const cfg = sb.write(
      "chain.yaml",
      `version: "1"
services:
  db:
    command: 'sleep 0.4; exec node -e "require(\\"net\\").createServer(s => { s.on(\\"error\\", () => {}); s.end() }).listen(${port}, \\"127.0.0.1\\", () => console.log(\\"listening\\"))"'
    readiness: { tcp: "127.0.0.1:${port}", timeout: 10s }
  api:
    command: 'echo api-up; exec sleep 60'
    depends_on: [db]
  web:
    command: 'echo web-up; exec sleep 60'
    depends_on: [api, db]
`,
    );
    const p = spawnSysg(sb, ["start", "-c", cfg]);
    await p.waitFor(/web\s+\| web-up/);
    const out = p.output();
    const at = (re: RegExp) => out.search(re);
    // db's own output and its readiness travel on different pipes, so order them by the
    // supervisor's lines: api is started only after db's readiness probe passed.
    expect(at(/db\s+\| listening/)).toBeGreaterThan(-1);
    expect(at(/db: ready: readiness tcp/)).toBeGreaterThan(-1);
    expect(at(/db: ready: readiness tcp/)).toBeLessThan(at(/api: started/));
    expect(at(/api: started/)).toBeLessThan(at(/web: started/));
    expect(at(/api\s+\| api-up/)).toBeLessThan(at(/web\s+\| web-up/));
    p.signal("SIGTERM");
    expect(await p.exited).toBe(0);
    // reverse dependency order: web is stopped before api, api before db
    const o = p.output();
    expect(o.indexOf("web: stopped")).toBeGreaterThan(-1);
    expect(o.indexOf("web: stopped")).toBeLessThan(o.indexOf("api: stopped"));
    expect(o.indexOf("api: stopped")).toBeLessThan(o.indexOf("db: stopped"));
    expect(await survivors(sb, p.pid)).toEqual([]);
  });

  test("restarts with backoff, gives up after max_restarts, and leaves other services alone", async () => {
    sb = sandbox();
    const cfg = sb.write(
      "crash.yaml",
      `version: "1"
services:
  flaky:
    command: 'echo run; exit 3'
    restart_policy: on-failure
    backoff: 50ms
    max_restarts: 2
  steady:
    command: 'exec sleep 60'
`,
    );
    const p = spawnSysg(sb, ["start", "-c", cfg]);
    await p.waitFor(/gave up after 2 restarts/);
    expect(p.output().match(/flaky\s+\| run/g)?.length).toBe(3);
    const steadyPid = Number((await p.waitFor(/steady: started \(pid (\d+)\)/))[1]);
    expect(alive(steadyPid)).toBe(true);
    p.signal("SIGINT");
    expect(await p.exited).toBe(0);
  });

  test("restart_policy always restarts a clean exit too", async () => {
    sb = sandbox();
    const cfg = sb.write("always.yaml", `version: "1"\nservices:\n  tick:\n    command: 'echo tick'\n    restart_policy: always\n    backoff: 0s\n`);
    const p = spawnSysg(sb, ["start", "-c", cfg]);
    await p.waitFor(/(tick \| tick[\s\S]*){5}/);
    p.signal("SIGINT");
    expect(await p.exited).toBe(0);
  });

  test("an exec failure names the step and errno, and other services keep running", async () => {
    sb = sandbox();
    const cfg = sb.write(
      "bad.yaml",
      `version: "1"\nservices:\n  broken:\n    command: 'true'\n    working_dir: /nonexistent/dir\n  fine:\n    command: 'echo fine-up; exec sleep 60'\n`,
    );
    const p = spawnSysg(sb, ["start", "-c", cfg]);
    await p.waitFor(/broken: chdir "\/nonexistent\/dir": No such file or directory/);
    await p.waitFor(/fine\s+\| fine-up/);
    p.signal("SIGINT");
    expect(await p.exited).toBe(0);
  });

  test("a failed dependency fails its dependents with the reason; other branches run", async () => {
    sb = sandbox();
    const cfg = sb.write(
      "dep.yaml",
      `version: "1"
services:
  db:
    command: 'exit 1'
  web:
    command: 'echo should-not-run'
    depends_on: [db]
  other:
    command: 'echo other-up; exec sleep 60'
`,
    );
    const p = spawnSysg(sb, ["start", "-c", cfg, "--log-level", "debug"]);
    await p.waitFor(/other\s+\| other-up/);
    // web is failed for its dependency without ever running
    await until("web failed", () => {
      const st = run(sb, ["status", "--json"]);
      const web = st.stdout ? JSON.parse(st.stdout).units.find((u: { name: string }) => u.name === "web") : undefined;
      return web?.state === "failed" && web.reason === "dependency 'db' failed";
    });
    expect(p.output()).not.toContain("should-not-run");
    p.signal("SIGINT");
    expect(await p.exited).toBe(0);
    const log = readFileSync(join(logDir(sb), "supervisor.log"), "utf8");
    expect(log).toContain("db: exited with code 1");
  });

  test("a readiness timeout stops the process and fails the service with the reason", async () => {
    sb = sandbox();
    const cfg = sb.write(
      "ready.yaml",
      `version: "1"\nservices:\n  slow:\n    command: 'echo pid $$; exec sleep 60'\n    readiness: { exec: "false", timeout: 300ms }\n`,
    );
    const p = spawnSysg(sb, ["start", "-c", cfg]);
    const pid = Number((await p.waitFor(/slow: started \(pid (\d+)\)/))[1]);
    await p.waitFor(/readiness exec "false" did not pass within 300 ms/);
    await until(`pid ${pid} gone`, () => !alive(pid));
    p.signal("SIGINT");
    expect(await p.exited).toBe(0);
  });

  test("a log readiness probe passes on the first matching line", async () => {
    sb = sandbox();
    const cfg = sb.write(
      "log.yaml",
      `version: "1"
services:
  srv:
    command: 'sleep 0.3; echo "server ready on 8080"; exec sleep 60'
    readiness: { log: "ready on \\\\d+", timeout: 5s }
  client:
    command: 'echo client-up; exec sleep 60'
    depends_on: [srv]
`,
    );
    const p = spawnSysg(sb, ["start", "-c", cfg]);
    await p.waitFor(/client\s+\| client-up/);
    const out = p.output();
    expect(out.indexOf("server ready on 8080")).toBeLessThan(out.indexOf("client-up"));
    p.signal("SIGINT");
    expect(await p.exited).toBe(0);
  });

  test("skip: true and a skip command count as ready for dependents", async () => {
    sb = sandbox();
    const cfg = sb.write(
      "skip.yaml",
      `version: "1"
services:
  a:
    command: 'echo a-ran'
    skip: true
  b:
    command: 'echo b-ran'
    skip: 'test -d /'
  c:
    command: 'echo c-up; exec sleep 60'
    depends_on: [a, b]
`,
    );
    const p = spawnSysg(sb, ["start", "-c", cfg]);
    await p.waitFor(/c\s+\| c-up/);
    expect(p.output()).not.toContain("a-ran");
    expect(p.output()).not.toContain("b-ran");
    p.signal("SIGINT");
    expect(await p.exited).toBe(0);
  });

  test("stop kills the whole tree, including descendants that called setsid", async () => {
    sb = sandbox();
    const cfg = sb.write(
      "tree.yaml",
      `version: "1"\nservices:\n  forker:\n    command: 'setsid sleep 300 & sleep 300 & echo forked; wait'\n    stop_timeout: 1s\n`,
    );
    const p = spawnSysg(sb, ["start", "-c", cfg]);
    await p.waitFor(/forker\s+\| forked/);
    await until("sysg, sh and both sleeps", () => taggedPids(sb.tag).length >= 4);
    p.signal("SIGTERM");
    expect(await p.exited).toBe(0);
    expect(await survivors(sb, p.pid)).toEqual([]);
  });

  test("a service that ignores its stop signal is killed after stop_timeout", async () => {
    sb = sandbox();
    const cfg = sb.write(
      "stubborn.yaml",
      `version: "1"\nservices:\n  stubborn:\n    command: 'trap "" TERM; echo trapped; while true; do sleep 0.1; done'\n    stop_timeout: 500ms\n`,
    );
    const p = spawnSysg(sb, ["start", "-c", cfg]);
    await p.waitFor(/stubborn\s+\| trapped/);
    const t0 = Date.now();
    p.signal("SIGTERM");
    expect(await p.exited).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(450);
    expect(await survivors(sb, p.pid)).toEqual([]);
  });

  test("a second SIGINT kills everything at once", async () => {
    sb = sandbox();
    const cfg = sb.write(
      "force.yaml",
      `version: "1"\nservices:\n  stubborn:\n    command: 'trap "" TERM INT; echo trapped; while true; do sleep 0.1; done'\n    stop_timeout: 60s\n`,
    );
    const p = spawnSysg(sb, ["start", "-c", cfg]);
    await p.waitFor(/stubborn\s+\| trapped/);
    p.signal("SIGINT");
    await p.waitFor(/stopping all services/);
    p.signal("SIGINT");
    await p.waitFor(/killing every process now/);
    expect(await p.exited).toBe(0);
    expect(await survivors(sb, p.pid)).toEqual([]);
  });

  test("a critical service that fails ends sysg with its exit code after stopping the rest", async () => {
    sb = sandbox();
    const cfg = sb.write(
      "critical.yaml",
      `version: "1"\nservices:\n  main:\n    command: 'sleep 0.3; exit 7'\n    critical: true\n  side:\n    command: 'exec sleep 60'\n`,
    );
    const p = spawnSysg(sb, ["start", "-c", cfg]);
    expect(await p.exited).toBe(7);
    expect(await survivors(sb, p.pid)).toEqual([]);
  });

  test("an invalid config starts nothing and exits 1 with every error", () => {
    sb = sandbox();
    const cfg = sb.write(
      "invalid.yaml",
      `version: "1"\nservices:\n  web:\n    command: 'echo hi'\n    restart_policy: sometimes\n    backof: 1s\n  db:\n    depends_on: [nope]\n`,
    );
    const r = run(sb, ["start", "-c", cfg]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("services.web.restart_policy");
    expect(r.stderr).toContain("services.web.backof");
    expect(r.stderr).toContain("services.db");
    expect(existsSync(join(logDir(sb), "web_stdout.log"))).toBe(false);
  });

  test("the binary runs from any directory with no bun or compiler on PATH, leaving nothing in TMPDIR", async () => {
    sb = sandbox();
    const tmp = join(sb.dir, "tmp");
    require("node:fs").mkdirSync(tmp);
    const cfg = sb.write("abs.yaml", `version: "1"\nservices:\n  one:\n    command: '/bin/echo from-stripped-path; exec /bin/sleep 60'\n`);
    const env = { PATH: "/nonexistent", TMPDIR: tmp };
    expect(run(sb, ["--version"], { cwd: tmp, env }).stdout).toMatch(/^sysg \d+\.\d+\.\d+/);
    const p = spawnSysg(sb, ["start", "-c", cfg], { cwd: tmp, env });
    await p.waitFor(/one\s+\| from-stripped-path/);
    p.signal("SIGINT");
    expect(await p.exited).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
  });

  test("leftovers of a crashed run (even setsid ones) are killed around the restart", async () => {
    sb = sandbox();
    const cfg = sb.write(
      "leftover.yaml",
      `version: "1"\nservices:\n  crashy:\n    command: 'setsid sleep 300 & echo "child $!"; sleep 1.5; exit 1'\n    restart_policy: on-failure\n    backoff: 0s\n    max_restarts: 1\n`,
    );
    const p = spawnSysg(sb, ["start", "-c", cfg]);
    await p.waitFor(/gave up after 1 restart/);
    const children = [...p.output().matchAll(/crashy\s+\| child (\d+)/g)].map((m) => Number(m[1]));
    expect(children.length).toBe(2);
    await until("both children gone", () => children.filter(alive).length === 0);
    p.signal("SIGINT");
    expect(await p.exited).toBe(0);
  });
});

