// The operator commands against a real daemon (`sysg start --daemonize`) in a temp HOME:
// status (live and from state files), stop, restart, reload, inspect, logs, purge.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, alive, ensureBuilt, run, sandbox, spawnSysg, taggedPids, until } from "../../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

const stateDir = (s: Sandbox) => join(s.home, ".local", "share", "systemg");

interface Unit {
  name: string;
  state: string;
  pid: number | null;
  health: string;
  rss: number;
}

function daemon(s: Sandbox, cfg: string): number {
  const r = run(s, ["start", "--daemonize", "-c", cfg], { timeout: 30_000 });
  // exit 1 with a running supervisor: a unit ended failed (some tests mean that)
  if (r.code !== 0 && !(r.code === 1 && /^supervisor started/.test(r.stdout))) throw new Error(`start --daemonize failed (${r.code}): ${r.stdout}${r.stderr}`);
  return JSON.parse(readFileSync(join(stateDir(s), "sysg.pid"), "utf8")).pid;
}

function status(s: Sandbox, extra: string[] = []): { code: number | null; units: Record<string, Unit>; order: string[]; doc: any } {
  const r = run(s, ["status", "--json", ...extra]);
  const doc = JSON.parse(r.stdout);
  return { code: r.code, doc, order: doc.units.map((u: Unit) => u.name), units: Object.fromEntries(doc.units.map((u: Unit) => [u.name, u])) };
}

const PAIR = `version: "1"
services:
  web:
    command: 'exec sleep 300'
    depends_on: [db]
    stop_timeout: 2s
  db:
    command: 'exec sleep 300'
    stop_timeout: 2s
`;

describe("status", () => {
  test("live: dependency order, pids, the table, --json, -s, exit 0", () => {
    sb = sandbox();
    daemon(sb, sb.write("pair.yaml", PAIR));
    const st = status(sb);
    expect(st.code).toBe(0);
    expect(st.doc.schema).toBe("sysg.status.v1");
    expect(st.doc.overall_health).toBe("healthy");
    expect(st.order).toEqual(["db", "web"]);
    for (const u of Object.values(st.units)) {
      expect(u.state).toBe("running");
      expect(alive(u.pid!)).toBe(true);
    }
    const one = status(sb, ["-s", "web"]);
    expect(one.order).toEqual(["web"]);
    const human = run(sb, ["status"], { env: { COLUMNS: "80" } });
    expect(human.code).toBe(0);
    const lines = human.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^UNIT\s+KIND\s+STATE\s+PID\s+CPU\s+RSS\s+UPTIME\s+RESTARTS\s+LAST_EXIT\s+HEALTH$/);
    expect(lines[1]).toMatch(new RegExp(`^db\\s+service\\s+running\\s+${st.units.db!.pid}\\s`));
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    const unknown = run(sb, ["status", "-s", "nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("nope");
    expect(unknown.stderr).toMatch(/db.*web|web.*db/);
  }, 40_000);

  test("exit 1 when degraded (crashed, waiting in backoff), 2 when failing", async () => {
    sb = sandbox();
    daemon(
      sb,
      sb.write(
        "mixed.yaml",
        `version: "1"
services:
  ok:
    command: 'exec sleep 300'
  flaky:
    command: 'exit 1'
    restart_policy: always
    backoff: 1m
`,
      ),
    );
    await until("flaky crashed", () => status(sb).units.flaky?.state === "crashed");
    expect(status(sb).code).toBe(1);
    expect(run(sb, ["status"]).code).toBe(1);
    sb.cleanup();

    sb = sandbox();
    daemon(
      sb,
      sb.write(
        "failing.yaml",
        `version: "1"
services:
  ok:
    command: 'exec sleep 300'
  broken:
    command: 'exit 3'
    max_restarts: 0
    restart_policy: on-failure
`,
      ),
    );
    await until("broken failed", () => status(sb).units.broken?.state === "failed");
    const st = status(sb);
    expect(st.code).toBe(2);
    expect(st.doc.overall_health).toBe("failing");
    expect(run(sb, ["status", "-s", "ok"]).code).toBe(0);
  }, 40_000);

  test("after `kill -9` of the supervisor: status marks the services orphaned (exit 3), `sysg stop` ends them", async () => {
    sb = sandbox();
    const sup = daemon(sb, sb.write("pair.yaml", PAIR));
    const live = status(sb);
    process.kill(sup, "SIGKILL");
    await until("supervisor gone", () => !alive(sup));
    const st = status(sb);
    expect(st.code).toBe(3);
    // the services outlive a SIGKILLed supervisor; their pids are verified by start time
    expect(st.units.web!.pid).toBe(live.units.web!.pid);
    expect(st.units.web!).toMatchObject({ kind: "orphaned", state: "running", health: "degraded" });
    expect(st.doc.overall_health).not.toBe("healthy");
    const human = run(sb, ["status"]);
    expect(human.code).toBe(3);
    expect(human.stderr).toContain(`no supervisor is running (pid ${sup} is gone)`);
    expect(human.stdout).toMatch(/^web\s+orphaned\s+running/m);
    // once a service dies too, it is reported failed
    process.kill(live.units.db!.pid!, "SIGKILL");
    await until("db gone", () => !alive(live.units.db!.pid!));
    const after = status(sb);
    expect(after.units.db!.state).toBe("failed");
    expect(after.code).toBe(3);
    // stop ends what is left (web), not a recycled pid; says what it did
    const stop = run(sb, ["stop"], { timeout: 30_000 });
    expect(stop.code).toBe(0);
    expect(stop.stdout).toMatch(/^web\s+stopped\s+stopped/m);
    expect(stop.stderr).not.toContain("nothing to stop");
    await until("web gone", () => !alive(live.units.web!.pid!));
    expect(taggedPids(sb.tag)).toEqual([]);
    const final = status(sb);
    expect(final.units.web!).toMatchObject({ kind: "service", state: "stopped", pid: null });
    expect(run(sb, ["stop"]).stderr).toContain("nothing to stop");
  }, 40_000);
});

describe("stop, restart, reload", () => {
  test("stop -s stops one service; the other keeps its pid; unknown names are listed", () => {
    sb = sandbox();
    daemon(sb, sb.write("pair.yaml", PAIR));
    const before = status(sb).units;
    const r = run(sb, ["stop", "-s", "web"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^web\s+stopped\s+stopped/m);
    const after = status(sb).units;
    expect(after.web!.state).toBe("stopped");
    expect(alive(before.web!.pid!)).toBe(false);
    expect(after.db!.pid).toBe(before.db!.pid);
    const unknown = run(sb, ["stop", "-s", "nope"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("nope");
    expect(unknown.stderr).toMatch(/db.*web|web.*db/);
  }, 40_000);

  test("restart -s touches only that service; restart without -s all", () => {
    sb = sandbox();
    daemon(sb, sb.write("pair.yaml", PAIR));
    const before = status(sb).units;
    const r = run(sb, ["restart", "-s", "web", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).units).toEqual([{ name: "web", action: "restarted", state: "running", reason: null }]);
    const mid = status(sb).units;
    expect(mid.web!.pid).not.toBe(before.web!.pid);
    expect(mid.db!.pid).toBe(before.db!.pid);
    expect(run(sb, ["restart"]).code).toBe(0);
    const after = status(sb).units;
    expect(after.web!.pid).not.toBe(mid.web!.pid);
    expect(after.db!.pid).not.toBe(mid.db!.pid);
    expect(run(sb, ["restart", "-s", "nope"]).code).toBe(1);
  }, 40_000);

  test("reload -c keeps unchanged pids, restarts changed, starts added, stops removed", () => {
    sb = sandbox();
    daemon(sb, sb.write("pair.yaml", PAIR));
    const before = status(sb).units;
    sb.write(
      "next.yaml",
      `version: "1"
services:
  db:
    command: 'exec sleep 300'
    stop_timeout: 2s
  cache:
    command: 'exec sleep 301'
`,
    );
    const r = run(sb, ["reload", "-c", "next.yaml"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^db\s+unchanged\s+running/m);
    expect(r.stdout).toMatch(/^cache\s+started\s+running/m);
    expect(r.stdout).toMatch(/^web\s+stopped/m);
    const after = status(sb).units;
    expect(after.db!.pid).toBe(before.db!.pid);
    expect(after.cache!.state).toBe("running");
    expect(alive(before.web!.pid!)).toBe(false);
    sb.write("next.yaml", readFileSync(join(sb.dir, "next.yaml"), "utf8").replace("sleep 301", "sleep 302"));
    const again = run(sb, ["restart", "-c", "next.yaml", "--json"]);
    expect(again.code).toBe(0);
    const actions = Object.fromEntries(JSON.parse(again.stdout).units.map((u: { name: string; action: string }) => [u.name, u.action]));
    expect(actions).toEqual({ db: "unchanged", cache: "restarted" });
    expect(status(sb).units.db!.pid).toBe(before.db!.pid);
    expect(run(sb, ["reload", "-c", "missing.yaml"]).code).toBe(1);
  }, 40_000);

  test("stop without -s stops everything and waits for the supervisor to exit", async () => {
    sb = sandbox();
    const sup = daemon(sb, sb.write("pair.yaml", PAIR));
    const r = run(sb, ["stop"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`supervisor (pid ${sup}) stopped`);
    expect(alive(sup)).toBe(false);
    await until("no process left", () => taggedPids(sb.tag).length === 0, 3000);
    const st = status(sb);
    expect(st.units.web!.state).toBe("stopped");
    expect(st.code).toBe(3);
    expect(run(sb, ["stop"]).code).toBe(0);
    expect(run(sb, ["stop", "-s", "web"]).code).toBe(1);
  }, 40_000);
});

describe("waiting for the supervisor", () => {
  test("stop waits as long as the stop timeouts need (a service that ignores SIGTERM)", async () => {
    sb = sandbox();
    const sup = daemon(
      sb,
      sb.write(
        "stubborn.yaml",
        `version: "1"
services:
  stubborn:
    command: 'trap "" TERM; while :; do sleep 0.1; done'
    stop_timeout: 3s
`,
      ),
    );
    const r = run(sb, ["stop"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(alive(sup)).toBe(false);
    await until("no process left", () => taggedPids(sb.tag).length === 0, 3000);
  }, 40_000);

  test("purge stops a supervisor that does not answer (SIGSTOPped) by signal, and its services", async () => {
    sb = sandbox();
    const sup = daemon(sb, sb.write("pair.yaml", PAIR));
    process.kill(sup, "SIGSTOP");
    const r = run(sb, ["purge"], { timeout: 40_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("stopping it by signal");
    expect(r.stdout).toContain(`stopped the supervisor (pid ${sup}) by signal`);
    expect(existsSync(stateDir(sb))).toBe(false);
    await until("no process left", () => taggedPids(sb.tag).length === 0, 3000);
  }, 60_000);
});

describe("restart --daemonize", () => {
  test("starts a supervisor when none runs; without the flag that is an error with a hint", () => {
    sb = sandbox();
    const cfg = sb.write("pair.yaml", PAIR);
    const none = run(sb, ["restart", "-c", cfg]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("no supervisor is running");
    expect(none.stderr).toContain("hint: start one with `sysg start --daemonize`");
    const started = run(sb, ["restart", "--daemonize", "-c", cfg]);
    expect(started.code).toBe(0);
    expect(status(sb).units.web!.state).toBe("running");
    const again = run(sb, ["restart", "--daemonize", "-c", cfg]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^web\s+unchanged\s+running/m);
  }, 40_000);
});

describe("inspect, logs, purge", () => {
  test("inspect shows the process tree and CPU/RSS samples after a couple of seconds", async () => {
    sb = sandbox();
    daemon(
      sb,
      sb.write(
        "tree.yaml",
        `version: "1"
services:
  work:
    command: 'sleep 300 & sleep 301 & wait'
`,
      ),
    );
    // two 1 Hz samples with the whole tree in them
    const doc = await until("two samples of work's three processes", () => {
      const r = run(sb, ["inspect", "work", "--json"]);
      const d = r.code === 0 ? JSON.parse(r.stdout) : null;
      return d && d.samples.length >= 2 && d.processes.length === 3 && d;
    });
    expect(doc.unit.name).toBe("work");
    expect(doc.samples.length).toBeGreaterThanOrEqual(2);
    expect(doc.samples.at(-1).rss).toBeGreaterThan(0);
    expect(doc.processes.length).toBe(3);
    expect(doc.config.command).toBe("sleep 300 & sleep 301 & wait");
    const human = run(sb, ["inspect", "work", "--window", "1m"]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^ {2}RSS [▁▂▃▄▅▆▇█ ]+ {2}now /m);
    expect(human.stdout).toMatch(/ {2}sleep 301$/m);
    expect(run(sb, ["inspect", "nope"]).code).toBe(1);
    expect(run(sb, ["inspect", "work", "--window", "soon"]).code).toBe(2);
  }, 40_000);

  test("logs: a service's lines, interleaving, and -f across rotation (tiny max_size)", async () => {
    sb = sandbox();
    const n = 400;
    daemon(
      sb,
      sb.write(
        "chatty.yaml",
        `version: "1"
services:
  quiet:
    command: 'echo quiet-line; exec sleep 300'
  chatty:
    command: 'sleep 0.5; i=1; while [ $i -le ${n} ]; do echo "line $i"; i=$((i+1)); sleep 0.002; done; exec sleep 300'
    logs: { max_size: 1K, max_files: 100 }
`,
      ),
    );
    const follower = spawnSysg(sb, ["logs", "chatty", "-f", "-l", "0"]);
    await follower.waitFor(new RegExp(`line ${n}\\n`), 20_000);
    follower.signal("SIGINT");
    expect(await follower.exited).toBe(0);
    const seen = follower
      .output()
      .trim()
      .split("\n")
      .map((l) => l.replace(/^\S+ /, ""));
    expect(seen).toEqual(Array.from({ length: n }, (_, i) => `line ${i + 1}`));
    expect(existsSync(join(stateDir(sb), "logs", "chatty_stdout.log.1"))).toBe(true);
    const tail = run(sb, ["logs", "chatty", "-l", "2"]);
    expect(tail.stdout).toMatch(new RegExp(`^\\S+Z line ${n - 1}\\n\\S+Z line ${n}\\n$`));
    const all = run(sb, ["logs", "-l", "1000"]);
    expect(all.stdout).toMatch(/^quiet\s+\| \S+Z quiet-line$/m);
    expect(all.stdout).toMatch(new RegExp(`^chatty\\s+\\| \\S+Z line ${n}$`, "m"));
  }, 40_000);

  test("purge stops the supervisor, removes the state dir and leaves no process", async () => {
    sb = sandbox();
    const sup = daemon(sb, sb.write("pair.yaml", PAIR));
    const r = run(sb, ["purge"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`stopped the supervisor (pid ${sup})`);
    expect(existsSync(stateDir(sb))).toBe(false);
    await until("no process left", () => taggedPids(sb.tag).length === 0, 3000);
  }, 40_000);

  test("purge after a SIGKILLed supervisor ends the services it left", async () => {
    sb = sandbox();
    const sup = daemon(sb, sb.write("pair.yaml", PAIR));
    process.kill(sup, "SIGKILL");
    await until("supervisor gone", () => !alive(sup));
    expect(taggedPids(sb.tag).length).toBeGreaterThan(0);
    const r = run(sb, ["purge"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("ended 2 service processes left running");
    await until("no process left", () => taggedPids(sb.tag).length === 0, 3000);
    expect(existsSync(stateDir(sb))).toBe(false);
  }, 40_000);
});
