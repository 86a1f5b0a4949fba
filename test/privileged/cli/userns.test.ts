// isolation.user through the compiled binary: the service is root inside its user namespace and
// its configured account outside, checked from outside in /proc (uid_map, gid_map, setgroups,
// status Uid/Gid) and from inside (what `id` printed). Also with a PID namespace (the mapping is
// on the service under its init), with a capability list, and under an unprivileged supervisor
// (root inside = the supervisor's own uid). Needs root and setpriv.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, ensureBuilt, run, sandbox } from "../../helpers/sysg.ts";
import { NOBODY, asNobody, procStatus, runAs, skipReason, until } from "./helpers.ts";

const FILE = "test/privileged/cli/userns.test.ts";
let reason = skipReason(FILE, { setpriv: true });
if (!reason && !existsSync("/proc/self/ns/user")) reason = `skipping ${FILE}: this kernel has no user namespaces`;
if (reason) console.warn(reason);
const rootTest = reason ? test.skip : test;

const ID = `id -u; id -g; exec sleep 300`;
let sb: Sandbox;
const stateDir = () => join(sb.home, ".local", "share", "systemg");

interface Unit {
  name: string;
  pid: number | null;
  state: string;
  reason: string | null;
}
function units(): Record<string, Unit> {
  const r = run(sb, ["status", "--json"]);
  return Object.fromEntries((JSON.parse(r.stdout).units as Unit[]).map((u) => [u.name, u]));
}
const map = (pid: number, file: string) => readFileSync(`/proc/${pid}/${file}`, "utf8").trim().split(/\s+/).join(" ");
const logOf = (name: string) => readFileSync(join(stateDir(), "logs", `${name}_stdout.log`), "utf8");
/** the lines a service printed, without the timestamps */
const printed = (name: string) =>
  logOf(name)
    .split("\n")
    .filter(Boolean)
    .map((l) => l.replace(/^\S+ /, ""));

beforeAll(() => {
  if (reason) return;
  ensureBuilt();
  sb = sandbox();
  const cfg = `version: "1"
services:
  mapped:
    command: ${ID}
    working_dir: /
    user: nobody
    group: nogroup
    isolation:
      user: true
    stop_timeout: 2s
  mappedpid:
    command: ${ID}
    working_dir: /
    user: nobody
    group: nogroup
    isolation:
      user: true
      pid: true
      network: true
    stop_timeout: 2s
  capped:
    command: exec sleep 300
    working_dir: /
    user: nobody
    capabilities: [CAP_NET_BIND_SERVICE]
    isolation:
      user: true
    stop_timeout: 2s
  rootmap:
    command: ${ID}
    working_dir: /
    isolation:
      user: true
    stop_timeout: 2s
`;
  const r = run(sb, ["start", "--daemonize", "-c", sb.write("userns.yaml", cfg)], { timeout: 30_000 });
  if (r.code !== 0) throw new Error(`start --daemonize failed (${r.code}): ${r.stdout}${r.stderr}`);
});

afterAll(() => {
  if (reason) return;
  run(sb, ["stop"], { timeout: 30_000 });
  sb.cleanup();
});

rootTest("user + group + isolation.user: root inside, nobody:nogroup outside", async () => {
  const u = units().mapped!;
  expect(u.state).toBe("running");
  const pid = u.pid!;
  const nogroup = Number(procStatus(pid).Gid!.split("\t")[0]);
  expect(nogroup).not.toBe(0);
  expect(readlinkSync(`/proc/${pid}/ns/user`)).not.toBe(readlinkSync("/proc/self/ns/user"));
  expect(map(pid, "uid_map")).toBe(`0 ${NOBODY} 1`);
  expect(map(pid, "gid_map")).toBe(`0 ${nogroup} 1`);
  expect(map(pid, "setgroups")).toBe("deny");
  expect(procStatus(pid).Uid!.split("\t")).toEqual(Array(4).fill(String(NOBODY)));
  // inside, the service is uid 0 / gid 0
  expect(await until("id output", () => (printed("mapped").length >= 2 ? printed("mapped") : null))).toEqual(["0", "0"]);
});

rootTest("with a PID namespace: the mapping is the service's (under its namespace init)", async () => {
  const u = units().mappedpid!;
  expect(u.state).toBe("running");
  expect(await until("id output", () => (printed("mappedpid").length >= 2 ? printed("mappedpid") : null))).toEqual(["0", "0"]);
  // the service is the process in the new user namespace whose outer uid is nobody
  const children = (pid: number) =>
    readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  const tree = [u.pid!, ...children(u.pid!)];
  const mapped = tree.filter((p) => map(p, "uid_map") === `0 ${NOBODY} 1`);
  expect(mapped.length).toBeGreaterThan(0);
  for (const p of mapped) expect(procStatus(p).Uid!.split("\t")[0]).toBe(String(NOBODY));
});

rootTest("capabilities apply inside the namespace: only the listed one is in the bounding set", () => {
  const pid = units().capped!.pid!;
  expect(map(pid, "uid_map")).toBe(`0 ${NOBODY} 1`);
  const bnd = BigInt(`0x${procStatus(pid).CapBnd}`);
  expect(bnd).toBe(1n << 10n); // CAP_NET_BIND_SERVICE
});

rootTest("no user: root inside maps to the supervisor's uid (0 here)", async () => {
  const pid = units().rootmap!.pid!;
  expect(map(pid, "uid_map")).toBe("0 0 1");
  expect(map(pid, "setgroups")).toBe("deny");
  expect(await until("id output", () => (printed("rootmap").length >= 2 ? printed("rootmap") : null))).toEqual(["0", "0"]);
});

rootTest("an unprivileged supervisor: root inside is its own uid, and it may add a network namespace", async () => {
  const s2 = sandbox();
  try {
    chmodSync(s2.dir, 0o777);
    chmodSync(s2.home, 0o777);
    const cfg = s2.write("u.yaml", `version: "1"\nservices:\n  inner:\n    command: ${ID}\n    working_dir: /\n    isolation:\n      user: true\n      network: true\n    stop_timeout: 2s\n`);
    chmodSync(cfg, 0o644);
    const env = { HOME: s2.home };
    const r = runAs(s2, asNobody, ["start", "--daemonize", "-c", cfg], env);
    expect(r.code).toBe(0);
    const st = runAs(s2, asNobody, ["status", "--json"], env);
    const u = JSON.parse(st.stdout).units[0] as Unit;
    expect(u.state).toBe("running");
    expect(map(u.pid!, "uid_map")).toBe(`0 ${NOBODY} 1`);
    expect(map(u.pid!, "gid_map")).toBe(`0 ${NOBODY} 1`);
    expect(readlinkSync(`/proc/${u.pid}/ns/net`)).not.toBe(readlinkSync("/proc/self/ns/net"));
    const log = join(s2.home, ".local", "share", "systemg", "logs", "inner_stdout.log");
    const lines = await until("id output", () => {
      const l = readFileSync(log, "utf8").split("\n").filter(Boolean).map((x) => x.replace(/^\S+ /, ""));
      return l.length >= 2 ? l : null;
    });
    expect(lines).toEqual(["0", "0"]);
    expect(runAs(s2, asNobody, ["stop"], env).code).toBe(0);
  } finally {
    s2.cleanup();
  }
});
