// `sysg spawn` under a `--sys` supervisor (real /var/lib/systemg etc., moved aside and restored):
// a service running as nobody reaches the supervisor through SYSG_SOCKET and may spawn under its
// own unit — the child runs as nobody too (the service's execution context) — while the same
// uid outside that service's process tree is refused, and root may spawn anywhere.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, SYSG, ensureBuilt, run, sandbox } from "../../helpers/sysg.ts";
import { NOBODY, SysPathsGuard, asNobody, procStatus, runAs, skipReason, until } from "./helpers.ts";

const FILE = "test/privileged/cli/sys-spawn.test.ts";
const reason = skipReason(FILE, { setpriv: true }) ?? SysPathsGuard.busy();
if (reason) console.warn(reason.startsWith("skipping") ? reason : `skipping ${FILE}: ${reason}`);
const rootTest = reason ? test.skip : test;

const guard = new SysPathsGuard();
let sb: Sandbox;

interface Unit {
  name: string;
  kind: string;
  pid: number | null;
}
const units = (): Unit[] => JSON.parse(run(sb, ["--sys", "status", "--json"]).stdout).units;

beforeAll(() => {
  if (reason) return;
  ensureBuilt();
  guard.save();
  sb = sandbox();
  chmodSync(sb.dir, 0o755);
  const cfg = sb.write(
    "sys.yaml",
    `version: "1"
services:
  app:
    # as nobody: spawn a helper under its own unit through SYSG_SOCKET, then keep running
    command: '${SYSG} spawn --name helper -- sleep 300; echo "spawn rc=$?"; exec sleep 300'
    user: nobody
    working_dir: /
    spawn: { max_children: 2 }
    stop_timeout: 2s
  other:
    command: exec sleep 300
    spawn: {}
    stop_timeout: 2s
`,
  );
  chmodSync(cfg, 0o644);
  const r = run(sb, ["--sys", "start", "--daemonize", "-c", cfg], { timeout: 30_000 });
  if (r.code !== 0) throw new Error(`--sys start failed: ${r.stdout}${r.stderr}`);
});

afterAll(() => {
  if (reason) return;
  run(sb, ["--sys", "stop"], { timeout: 30_000 });
  sb.cleanup();
  guard.restore();
});

rootTest("a service running as nobody spawns under its own unit; the child is nobody too", async () => {
  const helper = await until("app/helper", () => units().find((u) => u.name === "app/helper"));
  expect(helper.kind).toBe("spawned");
  expect(procStatus(helper.pid!).Uid!.split("\t")[0]).toBe(String(NOBODY));
  const log = readFileSync("/var/log/systemg/app_stdout.log", "utf8");
  expect(log).toContain("spawn rc=0");
});

rootTest("the same uid outside the service's tree is refused; root may spawn anywhere", () => {
  const denied = runAs(sb, asNobody, ["--sys", "spawn", "--parent", "app", "--", "sleep", "300"]);
  expect(denied.code).toBe(1);
  expect(denied.stderr).toContain('only root, group systemg or a process of "app" itself may spawn under it');
  expect(units().filter((u) => u.kind === "spawned").map((u) => u.name)).toEqual(["app/helper"]);
  const root = run(sb, ["--sys", "spawn", "--parent", "other", "--name", "byroot", "--", "sleep", "300"]);
  expect(root.code).toBe(0);
  expect(units().find((u) => u.name === "other/byroot")?.pid).toBe(Number(root.stdout.trim()));
});
