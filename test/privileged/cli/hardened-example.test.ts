// examples/hardened.yaml really runs hardened: through the compiled binary it passes check,
// scores at most 2.0 in `sysg security`, serves its page, and /proc of the running server shows
// the sandbox (no_new_privs, a seccomp filter, read-only /, private /tmp and /dev, nobody).
// Needs root, x86_64, /usr/bin/python3 and 127.0.0.1:47380 free.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { ROOT, type Sandbox, ensureBuilt, run, sandbox } from "../../helpers/sysg.ts";
import { NOBODY, procStatus, skipReason } from "./helpers.ts";

const FILE = "test/privileged/cli/hardened-example.test.ts";
const EXAMPLE = join(ROOT, "examples", "hardened.yaml");

async function portBusy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(port, "127.0.0.1");
    c.once("connect", () => {
      c.destroy();
      resolve(true);
    });
    c.once("error", () => resolve(false));
  });
}

let reason = skipReason(FILE);
if (!reason && process.arch !== "x64") reason = `skipping ${FILE}: its seccomp keys are x86_64 only (this is ${process.arch})`;
if (!reason && !existsSync("/usr/bin/python3")) reason = `skipping ${FILE}: the example serves with /usr/bin/python3`;
if (!reason && (await portBusy(47380))) reason = `skipping ${FILE}: 127.0.0.1:47380 is busy`;
if (reason) console.warn(reason);
const rootTest = reason ? test.skip : test;

let sb: Sandbox;
beforeAll(() => {
  if (reason) return;
  ensureBuilt();
  sb = sandbox();
});
afterAll(() => {
  if (reason) return;
  run(sb, ["stop"], { timeout: 30_000 });
  sb.cleanup();
});

rootTest("check passes and sysg security scores it at most 2.0 (exit 0 under --threshold 2.0)", () => {
  expect(run(sb, ["check", "-c", EXAMPLE]).code).toBe(0);
  const r = run(sb, ["security", "-c", EXAMPLE, "--json", "--threshold", "2.0"]);
  expect(r.code).toBe(0);
  const doc = JSON.parse(r.stdout);
  expect(doc.schema).toBe("sysg.security.v1");
  expect(doc.services[0].name).toBe("web");
  expect(doc.services[0].score).toBeLessThanOrEqual(2.0);
  // a stricter threshold than its score fails
  expect(run(sb, ["security", "-c", EXAMPLE, "--threshold", "0.1"]).code).toBe(1);
});

rootTest("it starts, serves, and /proc shows the sandbox", async () => {
  const r = run(sb, ["start", "--daemonize", "-c", EXAMPLE], { timeout: 40_000 });
  expect({ code: r.code, err: r.stderr }).toEqual({ code: 0, err: "" });
  const res = await fetch("http://127.0.0.1:47380/");
  expect(res.status).toBe(200);
  expect(await res.text()).toContain("Directory listing");
  const unit = JSON.parse(run(sb, ["status", "--json"]).stdout).units.find((u: { name: string }) => u.name === "web");
  expect(unit.state).toBe("running");
  // with pid: true too, the reported pid is the server's own (not its namespace's init)
  const pid: number = unit.pid;
  expect(readFileSync(`/proc/${pid}/cmdline`, "utf8")).toContain("http.server");
  const s = procStatus(pid);
  expect([s.NoNewPrivs, s.Seccomp, s.Seccomp_filters]).toEqual(["1", "2", "1"]);
  expect(s.Uid!.split("\t")[0]).toBe(String(NOBODY));
  expect(s.CapEff).toBe("0000000000000000");
  const info = readFileSync(`/proc/${pid}/mountinfo`, "utf8").split("\n").map((l) => l.split(" "));
  const opts = (point: string) => info.filter((f) => f[4] === point).at(-1)?.[5];
  expect(opts("/")).toMatch(/^ro/);
  expect(opts("/tmp")).toMatch(/^rw/);
  expect(opts("/dev")).toMatch(/^ro/);
  expect(existsSync(`/proc/${pid}/root/dev/vda`) || existsSync(`/proc/${pid}/root/dev/sda`)).toBe(false);
});
