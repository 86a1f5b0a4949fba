// Every privilege setting through the compiled binary, checked in /proc of the real service:
// identity, capabilities, rlimits, nice, affinity, namespaces, cgroup (a temporary hierarchy
// under the host's cgroup2 mount), a non-root service on port 80, a PID-namespace service that
// still stops and reports its exit code, --drop-privileges as root and as non-root. Needs root.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmdirSync, statSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { type Sandbox, ensureBuilt, run, sandbox, taggedPids } from "../../helpers/sysg.ts";
import { NOBODY, asNobody, pidOf as tagged, procLimit, procStatus, runAs, skipReason, until } from "./helpers.ts";

const FILE = "test/privileged/cli/settings.test.ts";
const reason = skipReason(FILE, { setpriv: true });
if (reason) console.warn(reason);
const rootTest = reason ? test.skip : test;

/** The cgroup2 mount from mountinfo (on this hybrid host /sys/fs/cgroup/unified). */
function cgroup2Mount(): string | null {
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const [left, right] = line.split(" - ");
    if (right?.startsWith("cgroup2 ")) return left!.split(" ")[4]!;
  }
  return null;
}
const cgMount = reason ? null : cgroup2Mount();
if (!reason && !cgMount) console.warn(`skipping the cgroup case of ${FILE}: no cgroup2 mount`);
const cgTest = reason || !cgMount ? test.skip : test;

/** Nothing listens on 127.0.0.1:80? (a connect, not a bind: a bind also trips over TIME_WAIT) */
async function port80Free(): Promise<boolean> {
  return new Promise((resolve) => {
    const c = connect(80, "127.0.0.1");
    c.once("connect", () => {
      c.destroy();
      resolve(false);
    });
    c.once("error", () => resolve(true));
  });
}

const PY = "/usr/bin/python3";
const BIND80 = `${PY} -c "import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', 80)); s.listen(); print('bound', flush=True); c,_=s.accept(); c.sendall(b'hi from 80'); c.close(); time.sleep(300)"`;

let sb: Sandbox;
let cgRoot = "";
let supervisor = 0;
// known before the tests are declared, so the port-80 case is skipped (with its reason), not passed
const free80 = reason ? false : await port80Free();
if (!reason && !free80) console.warn(`skipping the port-80 case of ${FILE}: 127.0.0.1:80 is busy`);
const stateDir = () => join(sb.home, ".local", "share", "systemg");
const supervisorLog = () => readFileSync(join(stateDir(), "logs", "supervisor.log"), "utf8");

function units(s: Sandbox): Record<string, { pid: number | null; state: string; reason: string | null; last_exit: { code: number | null } | null }> {
  const r = run(s, ["status", "--json"]);
  return Object.fromEntries(JSON.parse(r.stdout).units.map((u: { name: string }) => [u.name, u]));
}
const pidOf = (name: string) => units(sb)[name]!.pid!;
const ns = (pid: number, kind: string) => readlinkSync(`/proc/${pid}/ns/${kind}`);

function config(): string {
  const cgroup = cgMount ? `\n      cgroup:\n        root: ${cgRoot}\n        memory_max: 512M\n        cpu_max: "50000 100000"\n        pids_max: 64` : "";
  return `version: "1"
services:
  full:
    command: exec sleep 300
    working_dir: /
    user: nobody
    group: nogroup
    supplementary_groups: [users]
    capabilities: [CAP_NET_BIND_SERVICE]
    limits:
      nofile: 4096
      nproc: 512
      memlock: 4M
      nice: 5
      cpu_affinity: [0]${cgroup}
    isolation:
      network: true
      mount: true
    stop_timeout: 2s
${cgMount ? `  escaper:
    # a daemonized grandchild: reparented to sysg (the subreaper), outside the service's tree
    command: (setsid sleep 301 &); exec sleep 300
    limits:
      cgroup:
        root: ${cgRoot}
    stop_timeout: 2s
` : ""}  asroot:
    command: exec sleep 300
    stop_timeout: 2s
  userns:
    command: exec sleep 300
    isolation:
      user: true
    stop_timeout: 2s
  denied:
    # chdir runs after the uid switch: nobody may not enter the sandbox (0700)
    command: exec sleep 300
    working_dir: ${sb.dir}
    user: nobody
  pidns:
    command: "trap 'exit 7' TERM; sleep 300 & wait"
    isolation:
      pid: true
    stop_timeout: 5s
${free80 ? `  port80:
    command: "${BIND80.replaceAll('"', '\\"')}"
    working_dir: /
    user: nobody
    capabilities: [CAP_NET_BIND_SERVICE]
    stop_timeout: 2s
` : ""}`;
}

beforeAll(async () => {
  if (reason) return;
  ensureBuilt();
  sb = sandbox();
  if (cgMount) cgRoot = mkdtempSync(join(cgMount, "sysg-test-"));
  const r = run(sb, ["start", "--daemonize", "-c", sb.write("settings.yaml", config())], { timeout: 30_000 });
  // `denied` is meant to fail (chdir as nobody), which makes start --daemonize exit 1 naming it
  if (r.code !== 1 || !r.stderr.includes("sysg: start: denied failed: chdir")) throw new Error(`start --daemonize (${r.code}): ${r.stdout}${r.stderr}`);
  supervisor = JSON.parse(readFileSync(join(stateDir(), "sysg.pid"), "utf8")).pid;
});

afterAll(() => {
  if (reason) return;
  run(sb, ["stop"], { timeout: 30_000 });
  sb.cleanup();
  if (cgRoot) {
    // cgroupfs directories go with rmdir, innermost first
    const remove = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) remove(join(dir, e.name));
      rmdirSync(dir);
    };
    if (existsSync(cgRoot)) remove(cgRoot);
  }
});

describe("a service with every setting (user nobody)", () => {
  rootTest("Uid, Gid, Groups", () => {
    const s = procStatus(pidOf("full"));
    expect(s.Uid).toBe(`${NOBODY}\t${NOBODY}\t${NOBODY}\t${NOBODY}`);
    expect(s.Gid).toBe(`${NOBODY}\t${NOBODY}\t${NOBODY}\t${NOBODY}`);
    expect(s.Groups!.split(" ").map(Number).sort((a, b) => a - b)).toEqual([100, NOBODY]);
    const env = readFileSync(`/proc/${pidOf("full")}/environ`, "utf8").split("\0");
    expect(env).toContain("USER=nobody");
    expect(env).toContain("LOGNAME=nobody");
  });

  rootTest("exactly CAP_NET_BIND_SERVICE in all five capability sets", () => {
    const s = procStatus(pidOf("full"));
    for (const set of ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]) expect(`${set} ${s[set]}`).toBe(`${set} 0000000000000400`);
  });

  rootTest("rlimits soft = hard, nice, CPU affinity", () => {
    const pid = pidOf("full");
    expect(procLimit(pid, "Max open files")).toEqual(["4096", "4096"]);
    expect(procLimit(pid, "Max processes")).toEqual(["512", "512"]);
    expect(procLimit(pid, "Max locked memory")).toEqual([String(4 * 1024 * 1024), String(4 * 1024 * 1024)]);
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    expect(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]).toBe("5"); // field 19: nice
    expect(procStatus(pid).Cpus_allowed_list).toBe("0");
  });

  rootTest("network and mount namespaces differ from the supervisor's; pid and user are shared", () => {
    const pid = pidOf("full");
    expect(ns(pid, "net")).not.toBe(ns(supervisor, "net"));
    expect(ns(pid, "mnt")).not.toBe(ns(supervisor, "mnt"));
    expect(ns(pid, "pid")).toBe(ns(supervisor, "pid"));
    expect(ns(pid, "user")).toBe(ns(supervisor, "user"));
  });

  cgTest("joined <root>/full before exec; v1-bound controllers warn instead of failing", () => {
    const pid = pidOf("full");
    const dir = join(cgRoot, "full");
    expect(readFileSync(join(dir, "cgroup.procs"), "utf8").trim().split("\n")).toContain(String(pid));
    const rel = dir.slice(cgMount!.length);
    expect(readFileSync(`/proc/${pid}/cgroup`, "utf8")).toContain(`0::${rel}\n`);
    const available = readFileSync(join(cgMount!, "cgroup.controllers"), "utf8").trim().split(" ");
    for (const [key, controller, file, value] of [
      ["memory_max", "memory", "memory.max", "536870912"],
      ["cpu_max", "cpu", "cpu.max", "50000 100000"],
      ["pids_max", "pids", "pids.max", "64"],
    ] as const) {
      if (available.includes(controller)) expect(readFileSync(join(dir, file), "utf8").trim()).toBe(value);
      else expect(supervisorLog()).toContain(`services.full.limits.cgroup.${key} not applied: controller "${controller}" is not available`);
    }
  });

  cgTest("stop kills what escaped the process tree through cgroup.kill", async () => {
    const stray = await until("the escaped sleep", () => tagged(sb.tag, "sleep 301"));
    expect(readFileSync(join(cgRoot, "escaper", "cgroup.procs"), "utf8").split("\n")).toContain(String(stray));
    expect(readFileSync(`/proc/${stray}/stat`, "utf8").split(") ")[1]!.split(" ")[1]).toBe(String(supervisor)); // ppid: sysg
    expect(run(sb, ["stop", "-s", "escaper"], { timeout: 20_000 }).code).toBe(0);
    await until("the escaped sleep killed", () => !taggedPids(sb.tag).includes(stray));
    expect(readFileSync(join(cgRoot, "escaper", "cgroup.procs"), "utf8")).toBe("");
  });

  rootTest("its log files stay owned by root (0600 in user mode)", async () => {
    run(sb, ["stop", "-s", "asroot"]); // any supervisor activity; the files exist from the start
    for (const stream of ["stdout", "stderr"]) {
      const st = statSync(join(stateDir(), "logs", `full_${stream}.log`));
      expect([stream, st.uid, st.mode & 0o777]).toEqual([stream, 0, 0o600]);
    }
  });
});

rootTest("a root service that lists no capabilities runs with every set empty", () => {
  run(sb, ["start", "-s", "asroot"]);
  const s = procStatus(pidOf("asroot"));
  expect(s.Uid!.split("\t")[0]).toBe("0");
  for (const set of ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]) expect(`${set} ${s[set]}`).toBe(`${set} 0000000000000000`);
});

rootTest("a failing step in the child: the unit is failed with the step and errno, nothing runs", () => {
  const u = units(sb).denied!;
  expect(u.state).toBe("failed");
  expect(u.pid).toBeNull();
  expect(u.reason).toMatch(/chdir.*Permission denied/);
  expect(supervisorLog()).toMatch(/denied: .*chdir.*Permission denied/);
});

rootTest("isolation.user: a new user namespace", () => {
  const pid = pidOf("userns");
  expect(ns(pid, "user")).not.toBe(ns(supervisor, "user"));
});

rootTest("isolation.pid: own PID namespace; a plain `sysg stop -s` stops it and its exit code reaches status", async () => {
  const pid = pidOf("pidns");
  expect(ns(pid, "pid")).not.toBe(ns(supervisor, "pid"));
  const r = run(sb, ["stop", "-s", "pidns"], { timeout: 20_000 });
  expect(r.code).toBe(0);
  const u = units(sb).pidns!;
  expect(u.state).toBe("stopped");
  expect(u.last_exit?.code).toBe(7);
  expect(taggedPids(sb.tag)).not.toContain(pid);
});

(reason || !free80 ? test.skip : test)("a service as nobody with CAP_NET_BIND_SERVICE binds 127.0.0.1:80", async () => {
  const pid = pidOf("port80");
  expect(procStatus(pid).Uid!.split("\t")[0]).toBe(String(NOBODY));
  await until("bound", () => readFileSync(join(stateDir(), "logs", "port80_stdout.log"), "utf8").includes("bound"));
  const got = await new Promise<string>((resolve, reject) => {
    let text = "";
    const c = connect(80, "127.0.0.1");
    c.on("data", (d) => (text += d));
    c.on("end", () => resolve(text));
    c.on("error", reject);
  });
  expect(got).toBe("hi from 80");
});

describe("--drop-privileges", () => {
  const CFG = `version: "1"\nservices:\n  anon:\n    command: exec sleep 300\n    working_dir: /\n    stop_timeout: 2s\n`;

  rootTest("as root: a service without `user` runs as nobody with no capabilities", () => {
    const s2 = sandbox();
    try {
      const r = run(s2, ["--drop-privileges", "start", "--daemonize", "-c", s2.write("drop.yaml", CFG)], { timeout: 30_000 });
      expect(r.code).toBe(0);
      const st = run(s2, ["status", "--json"]);
      const pid = JSON.parse(st.stdout).units[0].pid;
      const s = procStatus(pid);
      expect(s.Uid).toBe(`${NOBODY}\t${NOBODY}\t${NOBODY}\t${NOBODY}`);
      expect(s.CapBnd).toBe("0000000000000000");
      expect(run(s2, ["stop"], { timeout: 20_000 }).code).toBe(0);
    } finally {
      s2.cleanup();
    }
  });

  rootTest("as non-root: a warning, not a failure", async () => {
    const s2 = sandbox();
    try {
      // nobody needs to read the config and own its HOME
      chmodSync(s2.dir, 0o755);
      const cfg = s2.write("drop.yaml", CFG);
      chmodSync(cfg, 0o644);
      const home = join(s2.dir, "nobody-home");
      mkdirSync(home);
      chownSync(home, NOBODY, NOBODY);
      const r = runAs(s2, asNobody, ["--drop-privileges", "start", "--daemonize", "-c", cfg], { HOME: home });
      expect(`${r.code} ${r.stderr}`).toBe("0 ");
      const log = readFileSync(join(home, ".local", "share", "systemg", "logs", "supervisor.log"), "utf8");
      expect(log).toContain("--drop-privileges ignored, the supervisor is not root");
      const st = JSON.parse(runAs(s2, asNobody, ["status", "--json"], { HOME: home }).stdout);
      expect(st.units[0].state).toBe("running");
      expect(procStatus(st.units[0].pid).Uid!.split("\t")[0]).toBe(String(NOBODY));
      expect(runAs(s2, asNobody, ["stop"], { HOME: home }).code).toBe(0);
    } finally {
      s2.cleanup();
    }
  });
});
