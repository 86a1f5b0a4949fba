// One execution context per run (issue 15 item 1), proven through /proc: a service with
// `user: nobody`, no capabilities and its own cgroup runs its skip command, its exec readiness
// probe and its hooks as nobody, with every capability set empty, inside its cgroup — not as
// root with every capability outside it. A hook written with a leading "+" opts into the
// supervisor's full privileges (systemd's ExecStartPre=+). Needs root.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Sandbox, ensureBuilt, run, sandbox } from "../../helpers/sysg.ts";
import { NOBODY, skipReason, until } from "./helpers.ts";

const FILE = "test/privileged/cli/exec-context.test.ts";
const reason = skipReason(FILE);
if (reason) console.warn(reason);

function cgroup2Mount(): string | null {
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const [left, right] = line.split(" - ");
    if (right?.startsWith("cgroup2 ")) return left!.split(" ")[4]!;
  }
  return null;
}
const cgMount = reason ? null : cgroup2Mount();
if (!reason && !cgMount) console.warn(`skipping the cgroup checks of ${FILE}: no cgroup2 mount`);

let sb: Sandbox;
let out = "";
let cgRoot = "";

/** A command that records who runs it: Uid, CapEff, CapBnd and the cgroup, into out/<name>. */
const record = (name: string, then = "") =>
  `grep -E '^(Uid|CapEff|CapBnd):' /proc/self/status > ${out}/${name}.tmp; cat /proc/self/cgroup >> ${out}/${name}.tmp; mv ${out}/${name}.tmp ${out}/${name}${then}`;

function facts(name: string): { uid: string; capEff: string; capBnd: string; cgroup: string } {
  const text = readFileSync(join(out, name), "utf8");
  const field = (k: string) => text.match(new RegExp(`^${k}:\\s+(\\S+)`, "m"))?.[1] ?? "";
  return { uid: field("Uid"), capEff: field("CapEff"), capBnd: field("CapBnd"), cgroup: text.match(/^0::(.*)$/m)?.[1] ?? "" };
}

beforeAll(() => {
  if (reason) return;
  ensureBuilt();
  sb = sandbox();
  // nobody must be able to write the records (the sandbox itself is 0700 root)
  out = mkdtempSync(join(tmpdir(), "sysg-ctx-"));
  chmodSync(out, 0o777);
  if (cgMount) cgRoot = mkdtempSync(join(cgMount, "sysg-ctx-"));
  const cgroup = cgMount ? `\n    limits:\n      cgroup:\n        root: ${cgRoot}` : "";
  const config = `version: "1"
services:
  app:
    command: exec sleep 300
    working_dir: /
    user: nobody${cgroup}
    skip: "${record("skip", "; exit 1")}"
    readiness:
      exec: "${record("probe")}"
      timeout: 20s
    hooks:
      on_start:
        success: { command: "${record("on_start")}" }
      on_stop:
        success: { command: "+${record("on_stop_full")}" }
    stop_timeout: 2s
`;
  const r = run(sb, ["start", "--daemonize", "-c", sb.write("ctx.yaml", config)], { timeout: 30_000 });
  if (r.code !== 0) throw new Error(`start --daemonize failed (${r.code}): ${r.stdout}${r.stderr}`);
});

afterAll(() => {
  if (reason) return;
  run(sb, ["stop"], { timeout: 30_000 });
  sb.cleanup();
  rmSync(out, { recursive: true, force: true });
  if (cgRoot && existsSync(cgRoot)) {
    const remove = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) remove(join(dir, e.name));
      rmdirSync(dir);
    };
    remove(cgRoot);
  }
});

const rootTest = reason ? test.skip : test;

describe("children of a `user: nobody` service run as the service", () => {
  for (const name of ["skip", "probe", "on_start"]) {
    rootTest(`${name}: uid nobody, no capabilities${cgMount ? ", inside the service's cgroup" : ""}`, async () => {
      await until(`${name} recorded`, () => existsSync(join(out, name)), 20_000);
      const f = facts(name);
      expect({ name, uid: f.uid, capEff: f.capEff, capBnd: f.capBnd }).toEqual({
        name,
        uid: String(NOBODY),
        capEff: "0000000000000000",
        capBnd: "0000000000000000",
      });
      if (cgMount) expect(f.cgroup).toBe(`${cgRoot.slice(cgMount.length)}/app`);
    });
  }

  rootTest('a "+" hook runs with the supervisor\'s full privileges, outside the service\'s cgroup', async () => {
    expect(run(sb, ["stop", "-s", "app"], { timeout: 20_000 }).code).toBe(0);
    await until("on_stop_full recorded", () => existsSync(join(out, "on_stop_full")), 20_000);
    const f = facts("on_stop_full");
    const own = readFileSync("/proc/self/status", "utf8").match(/^CapEff:\s+(\S+)/m)![1];
    expect({ uid: f.uid, capEff: f.capEff }).toEqual({ uid: "0", capEff: own! });
    if (cgMount) expect(f.cgroup.startsWith(`${cgRoot.slice(cgMount.length)}/`)).toBe(false);
  });
});
