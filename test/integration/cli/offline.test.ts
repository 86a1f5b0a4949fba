// Commands without a supervisor, through the compiled binary: status from hand-written state
// files (exit code per health, pids checked by start time, nothing written), purge of a state
// dir whose supervisor is gone but whose service processes are not.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SYSG, type Sandbox, alive, ensureBuilt, run, sandbox, spawnSysg, until } from "../../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

const AT = "2026-11-23T17:00:00.000Z";

function stateDir(s: Sandbox): string {
  const dir = join(s.home, ".local", "share", "systemg");
  mkdirSync(dir, { recursive: true });
  return dir;
}

function startTime(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
}

/** A real process in its own group that carries the sandbox tag (cleanup kills it), once its
 *  shell has started the sleep it waits for. */
async function service(s: Sandbox): Promise<number> {
  const p = Bun.spawn(["setsid", "sh", "-c", "sleep 60 & wait"], { env: s.env, stdout: "ignore", stderr: "ignore" });
  const children = () => readFileSync(`/proc/${p.pid}/task/${p.pid}/children`, "latin1").trim();
  await until(`pid ${p.pid}'s sleep`, () => children() !== "");
  return p.pid;
}

function unit(state: string, extra: Record<string, unknown> = {}) {
  return { state, restarts: 0, last_exit: null, reason: null, since: AT, ...extra };
}

describe("status without a supervisor", () => {
  test("`sysg status` with no supervisor and no state: exit 3, one line on stderr", () => {
    sb = sandbox();
    const r = run(sb, ["status"]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr.trimEnd().split("\n")).toEqual([`sysg: status: no supervisor is running (and no state in ${join(sb.home, ".local", "share", "systemg")})`]);
    expect(run(sb, ["status", "--json"]).code).toBe(3);
    expect(existsSync(join(sb.home, ".local"))).toBe(false);
  });

  test("from state files: exit 3 (not running); a live recorded process is orphaned; json is sysg.status.v1; nothing is written", async () => {
    sb = sandbox();
    const dir = stateDir(sb);
    const pid = await service(sb);
    writeFileSync(join(dir, "pid.json"), JSON.stringify({ web: { pid, pgid: pid, start_time: startTime(pid) } }));
    const states = (db: string) =>
      writeFileSync(join(dir, "state.json"), JSON.stringify({ db: unit(db), web: unit("running", { restarts: 2 }) }));

    states("stopped");
    const offline = run(sb, ["status", "--json"]);
    expect(offline.code).toBe(3);
    expect(offline.stderr).toContain("note: no supervisor is running");
    const doc = JSON.parse(offline.stdout);
    expect(doc.schema).toBe("sysg.status.v1");
    expect(doc.overall_health).toBe("degraded");
    const web = doc.units.find((u: { name: string }) => u.name === "web");
    expect(web).toMatchObject({ kind: "orphaned", state: "running", pid, restarts: 2, health: "degraded" });
    expect(web.reason).toContain("orphaned");
    expect(web.rss).toBeGreaterThan(0);

    states("crashed"); // crashed, with nobody to restart it: not running, so failed
    expect(run(sb, ["status"]).code).toBe(3);
    states("exited");
    writeFileSync(join(dir, "pid.json"), JSON.stringify({ web: { pid, pgid: pid, start_time: startTime(pid) + 1 } }));
    const before = readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs]);
    const recycled = run(sb, ["status", "--json", "-s", "web"]);
    expect(recycled.code).toBe(3);
    expect(JSON.parse(recycled.stdout).units).toHaveLength(1);
    expect(JSON.parse(recycled.stdout).units[0]).toMatchObject({ state: "failed", pid: null });
    expect(readdirSync(dir).map((f) => [f, statSync(join(dir, f)).mtimeMs])).toEqual(before);
  });

  test("the table says where it comes from and fits 80 columns", async () => {
    sb = sandbox();
    const dir = stateDir(sb);
    writeFileSync(
      join(dir, "state.json"),
      JSON.stringify({
        "a-service-with-a-name-longer-than-anyone-should-use": unit("failed", { reason: "exec: No such file or directory", last_exit: { code: 127, signal: null, at: AT } }),
        db: unit("stopped"),
      }),
    );
    const r = run(sb, ["status"], { env: { COLUMNS: "80" } });
    expect(r.code).toBe(3);
    const lines = r.stdout.trimEnd().split("\n");
    expect(r.stderr).toContain("no supervisor is running");
    expect(lines[0]).toMatch(/^UNIT\s+KIND\s+STATE\s+PID\s+CPU\s+RSS\s+UPTIME\s+RESTARTS\s+LAST_EXIT\s+HEALTH/);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    expect(r.stdout).toContain("code 127");
    expect(r.stdout).toContain("└ exec: No such file or directory");
    expect(run(sb, ["status", "-s", "nope"]).stderr).toContain("known units: a-service-with-a-name-longer-than-anyone-should-use, db");
  });
});

describe("status --watch", () => {
  test("redraws every period until SIGINT, then exits 0; --json gives one document per line", async () => {
    sb = sandbox();
    const dir = stateDir(sb);
    writeFileSync(join(dir, "state.json"), JSON.stringify({ db: unit("stopped") }));
    const w = spawnSysg(sb, ["status", "--watch", "0.2", "--json"]);
    await w.waitFor(/(sysg\.status\.v1[^\n]*\n[^]*){3}/);
    w.signal("SIGINT");
    expect(await w.exited).toBe(0);
    const docs = w.output().trim().split("\n").map((l) => JSON.parse(l));
    expect(docs.length).toBeGreaterThanOrEqual(3);
    for (const d of docs) expect(d.units[0].name).toBe("db");
    expect(run(sb, ["status", "--watch", "0"]).code).toBe(2);
  });
});

describe("purge without a supervisor", () => {
  test("ends the service processes pid.json records (by start time) and removes the state dir", async () => {
    sb = sandbox();
    const dir = stateDir(sb);
    const pid = await service(sb);
    const stranger = await service(sb);
    writeFileSync(
      join(dir, "pid.json"),
      JSON.stringify({
        web: { pid, pgid: pid, start_time: startTime(pid) },
        // a recycled pid: the start time does not match, so it must be left alone
        old: { pid: stranger, pgid: stranger, start_time: startTime(stranger) + 7 },
      }),
    );
    writeFileSync(join(dir, "state.json"), JSON.stringify({ web: unit("running") }));
    const r = run(sb, ["purge"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("ended 1 service process left running");
    expect(r.stdout).toContain(`removed ${dir}`);
    expect(existsSync(dir)).toBe(false);
    await until(`pid ${pid} gone`, () => !alive(pid));
    expect(alive(stranger)).toBe(true);
    expect(run(sb, ["purge"]).stdout).toContain("nothing to purge");
  });

  test("--sys purge refuses when not root", () => {
    sb = sandbox();
    // as root, run it as nobody: a test must never purge the real /var/lib/systemg
    const argv = process.getuid?.() === 0 ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", SYSG] : [SYSG];
    const r = Bun.spawnSync([...argv, "--sys", "purge"], { env: sb.env, cwd: sb.dir });
    if (process.getuid?.() === 0 && r.exitCode === 127) {
      console.warn("skipping the non-root --sys purge check: setpriv is not available");
      return;
    }
    expect(r.exitCode).toBe(1);
    expect(r.stderr.toString()).toContain("permission denied: only root may stop the system supervisor");
  });
});
