// `sysg --sys` end to end with the compiled binary, on the real paths /var/lib/systemg,
// /var/log/systemg and /etc/systemg (moved aside before and restored after, exactly as found):
// root required to start, a socket every local user may read through, changes only for root and
// group systemg, refusals that say why, world-readable logs owned by root, purge. Needs root and
// setpriv; the group part also needs groupadd/useradd.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { type Sandbox, ensureBuilt, run, sandbox, taggedPids } from "../../helpers/sysg.ts";
import { NOBODY, SysPathsGuard, asNobody, runAs, skipReason, until } from "./helpers.ts";

const reason = skipReason("test/privileged/cli/sys-mode.test.ts", { setpriv: true }) ?? SysPathsGuard.busy();
if (reason) console.warn(reason.startsWith("skipping") ? reason : `skipping test/privileged/cli/sys-mode.test.ts: ${reason}`);
const hasUserTools = ["groupadd", "useradd", "userdel", "groupdel"].every((t) => spawnSync("sh", ["-c", `command -v ${t}`]).status === 0);
if (!reason && !hasUserTools) console.warn("skipping the group systemg case of sys-mode.test.ts: groupadd/useradd/userdel/groupdel missing");
const rootTest = reason ? test.skip : test;
const groupTest = reason || !hasUserTools ? test.skip : test;

const guard = new SysPathsGuard();
let sb: Sandbox;
const member = `sysgt${process.pid % 100000}`;
let createdGroup = false;

beforeAll(() => {
  if (reason) return;
  ensureBuilt();
  guard.save();
  sb = sandbox();
  if (hasUserTools) {
    // group systemg must exist before the supervisor starts (its gid is looked up at start)
    if (spawnSync("getent", ["group", "systemg"]).status !== 0) {
      expect(spawnSync("groupadd", ["systemg"]).status).toBe(0);
      createdGroup = true;
    }
    expect(spawnSync("useradd", ["-M", "-N", "-d", "/nonexistent", "-s", "/usr/sbin/nologin", "-G", "systemg", member]).status).toBe(0);
  }
});

afterAll(() => {
  if (reason) return;
  sb?.cleanup(); // kills every tagged process (a supervisor a failed test left behind)
  if (hasUserTools) {
    spawnSync("userdel", [member]);
    if (createdGroup) spawnSync("groupdel", ["systemg"]);
  }
  guard.restore();
});

const CONFIG = `version: "1"
services:
  x:
    command: 'echo hello-x; exec sleep 300'
    env:
      vars:
        API_TOKEN: s3cret-value
    stop_timeout: 2s
  y:
    command: 'echo as-nobody; id -u; exec sleep 300'
    user: nobody
    working_dir: /
    stop_timeout: 2s
`;

const pidOfUnit = (name: string): number => {
  const r = run(sb, ["--sys", "status", "--json"]);
  return JSON.parse(r.stdout).units.find((u: { name: string }) => u.name === name).pid;
};

rootTest("non-root `sysg --sys start`: exit 1, says root is required, creates nothing", () => {
  const cfg = sb.write("sys.yaml", CONFIG);
  const r = runAs(sb, asNobody, ["--sys", "start", "--daemonize", "-c", cfg]);
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(/requires root/);
  for (const dir of SysPathsGuard.DIRS) expect(`${dir} ${existsSync(dir)}`).toBe(`${dir} false`);
});

describe("a running --sys supervisor", () => {
  let supervisor = 0;
  beforeAll(() => {
    if (reason) return;
    const r = run(sb, ["--sys", "start", "--daemonize", "-c", sb.write("sys.yaml", CONFIG)], { timeout: 30_000 });
    if (r.code !== 0) throw new Error(`sysg --sys start --daemonize failed (${r.code}): ${r.stdout}${r.stderr}`);
    supervisor = JSON.parse(readFileSync("/var/lib/systemg/sysg.pid", "utf8")).pid;
  });

  rootTest("state in /var/lib/systemg (0755), logs in /var/log/systemg, the socket connectable by everyone", () => {
    expect(taggedPids(sb.tag)).toContain(supervisor);
    expect(statSync("/var/lib/systemg").mode & 0o777).toBe(0o755);
    expect(statSync("/var/log/systemg").mode & 0o777).toBe(0o755);
    expect(statSync("/var/lib/systemg/control.sock").mode & 0o777).toBe(0o666);
    expect(existsSync("/var/log/systemg/supervisor.log")).toBe(true);
  });

  rootTest("log files of a service running as nobody stay owned by root, mode 0644", async () => {
    const out = "/var/log/systemg/y_stdout.log";
    await until("y's output", () => existsSync(out) && readFileSync(out, "utf8").includes(String(NOBODY)));
    const st = statSync(out);
    expect([st.uid, st.gid, st.mode & 0o777]).toEqual([0, 0, 0o644]);
  });

  rootTest("nobody may run status, inspect (values hidden) and logs", async () => {
    const status = runAs(sb, asNobody, ["--sys", "status", "--json"]);
    expect(status.stderr).toBe("");
    expect(status.code).toBe(0);
    const units = JSON.parse(status.stdout).units.map((u: { name: string; state: string }) => `${u.name}:${u.state}`);
    expect(units.sort()).toEqual(["x:running", "y:running"]);

    const inspect = runAs(sb, asNobody, ["--sys", "inspect", "x", "--json"]);
    expect(inspect.code).toBe(0);
    expect(inspect.stdout).toContain("API_TOKEN");
    expect(inspect.stdout).not.toContain("s3cret-value");
    expect(inspect.stdout).toContain("(hidden)");
    // root sees the values
    expect(run(sb, ["--sys", "inspect", "x", "--json"]).stdout).toContain("s3cret-value");
    // inherited variables: names only; --show-env gives values to root, never to other users
    const inherited = JSON.parse(runAs(sb, asNobody, ["--sys", "inspect", "x", "--json", "--show-env"]).stdout).inherited_env;
    expect(Object.keys(inherited)).toContain("SYSG_TEST_TAG");
    expect(inherited.SYSG_TEST_TAG).toBeNull();
    expect(JSON.parse(run(sb, ["--sys", "inspect", "x", "--json"]).stdout).inherited_env.SYSG_TEST_TAG).toBeNull();
    expect(JSON.parse(run(sb, ["--sys", "inspect", "x", "--json", "--show-env"]).stdout).inherited_env.SYSG_TEST_TAG).toBe(sb.tag);

    await until("x's output", () => readFileSync("/var/log/systemg/x_stdout.log", "utf8").includes("hello-x"));
    const logs = runAs(sb, asNobody, ["--sys", "logs", "x"]);
    expect(logs.code).toBe(0);
    expect(logs.stdout).toContain("hello-x");
  });

  rootTest("nobody's stop and restart are refused with the reason; nothing changes", () => {
    const before = pidOfUnit("x");
    for (const cmd of [["stop", "-s", "x"], ["restart", "-s", "x"], ["stop"]]) {
      const r = runAs(sb, asNobody, ["--sys", ...cmd]);
      expect(`${cmd.join(" ")} → ${r.code}`).toBe(`${cmd.join(" ")} → 1`);
      expect(r.stderr).toMatch(/only root and members of group systemg may/);
      expect(r.stderr).toContain(`uid ${NOBODY}`);
    }
    expect(pidOfUnit("x")).toBe(before);
    const purge = runAs(sb, asNobody, ["--sys", "purge"]);
    expect(purge.code).toBe(1);
    expect(purge.stderr).toMatch(/only root may/);
    expect(existsSync("/var/lib/systemg/control.sock")).toBe(true);
  });

  groupTest("a member of group systemg may change things", () => {
    const before = pidOfUnit("x");
    const r = runAs(sb, [`--reuid=${member}`, "--regid=nogroup", "--init-groups"], ["--sys", "restart", "-s", "x"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const after = pidOfUnit("x");
    expect(after).toBeGreaterThan(0);
    expect(after).not.toBe(before);
  });

  rootTest("root may stop and start a service", () => {
    expect(run(sb, ["--sys", "stop", "-s", "x"]).code).toBe(0);
    expect(pidOfUnit("x")).toBeNull();
    expect(run(sb, ["--sys", "start", "-s", "x"]).code).toBe(0);
    expect(pidOfUnit("x")).toBeGreaterThan(0);
  });

  rootTest("a non-root `sysg status` with no supervisor of its own shows the system supervisor", () => {
    const r = runAs(sb, asNobody, ["status"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/system supervisor/);
    expect(r.stdout).toMatch(/\bx\b.*running/);
    const json = runAs(sb, asNobody, ["status", "--json"]);
    expect(JSON.parse(json.stdout).units.map((u: { name: string }) => u.name).sort()).toEqual(["x", "y"]);
  });

  rootTest("`sysg --sys purge` as root stops everything and removes /var/lib/systemg and /var/log/systemg", async () => {
    const r = run(sb, ["--sys", "purge"], { timeout: 30_000 });
    expect(r.code).toBe(0);
    expect(existsSync("/var/lib/systemg")).toBe(false);
    expect(existsSync("/var/log/systemg")).toBe(false);
    await until("every service gone", () => taggedPids(sb.tag).length === 0);
  });
});
