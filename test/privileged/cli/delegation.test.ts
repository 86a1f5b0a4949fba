// Delegate=yes in systemg.service, played without systemd (which cannot run here): the test
// makes a `*.service` cgroup under the real cgroup2 mount, as systemd does for a unit, starts
// the real dist/sysg inside it with INVOCATION_ID set, and checks that sysg moves itself to
// <unit>/supervisor and puts a service with `limits.cgroup` (no `root`) in <unit>/services/<name>.
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { cgroupPids, findCgroup2Mount, removeCgroup } from "../../../src/privilege/cgroup.ts";
import { SYSG, type Sandbox, ensureBuilt, sandbox } from "../../helpers/sysg.ts";
import { pidOf, until } from "./helpers.ts";

const mount = findCgroup2Mount();
function why(): string | null {
  if (process.geteuid?.() !== 0) return "not root";
  if (mount === null) return "no cgroup2 mount in /proc/self/mountinfo";
  const probe = join(mount, `sysg-probe-${process.pid}`);
  try {
    mkdirSync(probe);
    rmdirSync(probe);
  } catch (e) {
    return `cgroup2 at ${mount} is not writable: ${(e as Error).message}`;
  }
  return null;
}
const skip = why();
if (skip) console.warn(`skipping test/privileged/cli/delegation.test.ts: ${skip}`);

let sb: Sandbox | null = null;
let unit = "";
afterEach(() => {
  sb?.cleanup();
  sb = null;
  if (unit && existsSync(unit)) {
    for (const pid of cgroupPids(unit)) process.kill(pid, "SIGKILL");
    removeCgroup(unit);
  }
});

const cgroupOf = (pid: number) => readFileSync(`/proc/${pid}/cgroup`, "utf8").split("\n").find((l) => l.startsWith("0::"))?.slice(3);

describe.skipIf(skip !== null)("sysg under systemd with Delegate=yes", () => {
  test("sysg moves into <unit>/supervisor; a service's cgroup is <unit>/services/<name>", async () => {
    ensureBuilt();
    sb = sandbox();
    const name = `sysg-test-${process.pid}.service`;
    unit = join(mount!, name);
    mkdirSync(unit);
    const cfg = sb.write(
      "systemg.yaml",
      `version: "1"\nservices:\n  web:\n    command: 'echo up; exec sleep 300'\n    limits:\n      cgroup:\n        pids_max: 64\n  plain:\n    command: 'exec sleep 301'\n`,
    );
    // what systemd does for a unit: the main process starts inside the unit's cgroup
    const sh = `echo $$ > ${unit}/cgroup.procs && exec "$0" "$@"`;
    const proc = Bun.spawn(["sh", "-c", sh, SYSG, "start", "-c", cfg], {
      env: { ...sb.env, INVOCATION_ID: "0123456789abcdef0123456789abcdef" },
      cwd: sb.dir,
      stdout: "pipe",
      stderr: "pipe",
    });
    const web = await until("web running", () => pidOf(sb!.tag, "sleep 300"));
    const plain = await until("plain running", () => pidOf(sb!.tag, "sleep 301"));
    expect(cgroupOf(proc.pid)).toBe(`/${name}/supervisor`);
    expect(cgroupOf(web)).toBe(`/${name}/services/web`);
    // a service without limits.cgroup stays with the supervisor
    expect(cgroupOf(plain)).toBe(`/${name}/supervisor`);
    // the unit's own cgroup holds no process (cgroup v2: controllers only pass to children then)
    expect(readFileSync(join(unit, "cgroup.procs"), "utf8").trim()).toBe("");
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  }, 30_000);
});
