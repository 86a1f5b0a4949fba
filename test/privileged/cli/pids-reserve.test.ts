// A supervisor under a pids limit of its own keeps a share of it (src/privilege/pids-reserve.ts):
// the real dist/sysg started inside a pids cgroup (pids.max 64, as a unit's TasksMax would be)
// puts its services in a child cgroup with pids.max 32, and removes it when it stops. Without
// this a fork-bomb service took every pid and the runtime aborted (scripts/chaos, scenario 4).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, SYSG, ensureBuilt, run, sandbox } from "../../helpers/sysg.ts";
import { skipReason, until } from "./helpers.ts";

/** A fresh pids cgroup to start the supervisor in: v1 pids hierarchy, or cgroup2 with pids. */
function pidsParent(): { dir: string } | { skip: string } {
  const v1 = "/sys/fs/cgroup/pids";
  const name = `sysg-test-${process.pid}`;
  if (existsSync(join(v1, "cgroup.procs"))) return { dir: join(v1, name) };
  const mount = readFileSync("/proc/self/mountinfo", "utf8").split("\n").find((l) => l.includes(" - cgroup2 "))?.split(" ")[4];
  if (mount && readFileSync(join(mount, "cgroup.controllers"), "utf8").includes("pids")) {
    if (!readFileSync(join(mount, "cgroup.subtree_control"), "utf8").includes("pids")) return { skip: "cgroup2 has pids, but not enabled below the root" };
    return { dir: join(mount, name) };
  }
  return { skip: "no pids cgroup controller on this host" };
}

const where = pidsParent();
const skip = skipReason("test/privileged/cli/pids-reserve.test.ts") ?? ("skip" in where ? `skipping pids-reserve: ${where.skip}` : null);
if (skip) console.warn(skip);

describe.skipIf(skip !== null)("the supervisor's share of its own pids limit", () => {
  const parent = "dir" in where ? where.dir : "";
  let sb: Sandbox;
  beforeAll(() => {
    ensureBuilt();
    sb = sandbox();
    mkdirSync(parent);
    writeFileSync(join(parent, "pids.max"), "64");
  });
  afterAll(async () => {
    run(sb, ["stop"], { timeout: 30_000 });
    sb.cleanup();
    await until("the test cgroup empties", () => readFileSync(join(parent, "cgroup.procs"), "utf8").trim() === "", 10_000);
    for (const d of readdirSync(parent, { withFileTypes: true })) if (d.isDirectory()) rmdirSync(join(parent, d.name));
    rmdirSync(parent);
  });

  test("services run in a child cgroup with the limit minus the reserve; it goes at stop", async () => {
    const cfg = sb.write("sysg.yaml", 'version: "1"\nservices:\n  idle:\n    command: "exec sleep 600"\n');
    // the supervisor is started inside the limited cgroup (the shell moves itself, then execs)
    const r = spawnSync("/bin/sh", ["-c", `echo $$ > ${parent}/cgroup.procs && exec "${SYSG}" start --daemonize -c "${cfg}"`], {
      cwd: sb.dir,
      env: sb.env,
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const st = JSON.parse(run(sb, ["status", "--json"]).stdout) as { units: { name: string; pid: number }[] };
    const pid = st.units.find((u) => u.name === "idle")!.pid;
    const sup = JSON.parse(readFileSync(join(sb.home, ".local/share/systemg/sysg.pid"), "utf8")).pid as number;
    const services = join(parent, `sysg-services-${sup}`);
    expect(readFileSync(join(services, "pids.max"), "utf8").trim()).toBe("32");
    // the service is in it; the supervisor is not (it keeps the other 32)
    expect(readFileSync(join(services, "cgroup.procs"), "utf8").split("\n")).toContain(String(pid));
    expect(readFileSync(join(parent, "cgroup.procs"), "utf8").split("\n")).toContain(String(sup));
    const log = readFileSync(join(sb.home, ".local/share/systemg/logs/supervisor.log"), "utf8");
    expect(log).toContain("pids: this cgroup allows 64 tasks; services without a cgroup of their own share 32 of them");
    expect(run(sb, ["stop"], { timeout: 30_000 }).code).toBe(0);
    await until("the services' cgroup is removed", () => !existsSync(services), 10_000);
  });
});
