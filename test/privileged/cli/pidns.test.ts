// isolation.pid through the compiled binary: the namespace's PID 1 is the small static init
// exec'd from a memfd (not a copy of the supervisor), and every pid sysg reports — status,
// inspect, pid.json, SYSG_PID of hooks — is the program's. Stop, exit codes and recovery after
// a SIGKILLed supervisor still reach the whole namespace. Needs root (PID namespaces).
import { afterEach, expect, test } from "bun:test";
import { existsSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, ensureBuilt, run, sandbox } from "../../helpers/sysg.ts";
import { skipReason, until } from "./helpers.ts";

const FILE = "test/privileged/cli/pidns.test.ts";
const reason = skipReason(FILE) ?? (existsSync("/proc/self/ns/pid_for_children") ? null : `skipping ${FILE}: the kernel has no PID namespaces`);
if (reason) console.warn(reason);
const rootTest = reason ? test.skip : test;

let sb: Sandbox | null = null;
afterEach(() => {
  if (sb) {
    run(sb, ["stop"], { timeout: 30_000 });
    sb.cleanup();
  }
  sb = null;
});

/** A shell program (the trap makes SIGTERM exit 7) whose on_start hook records SYSG_PID. */
function start(): Sandbox {
  ensureBuilt();
  const s = sandbox();
  const cfg = s.write(
    "pidns.yaml",
    `version: "1"
services:
  iso:
    command: "trap 'exit 7' TERM; sleep 300 & wait"
    working_dir: /
    isolation:
      pid: true
    stop_timeout: 10s
    hooks:
      on_start:
        success:
          command: "echo $SYSG_PID > ${join(s.dir, "hook-pid")}"
`,
  );
  const r = run(s, ["start", "--daemonize", "-c", cfg], { timeout: 30_000 });
  if (r.code !== 0) throw new Error(`start failed: ${r.stdout}${r.stderr}`);
  return s;
}

interface Unit {
  pid: number | null;
  state: string;
  last_exit: { code: number | null } | null;
}
const unit = (s: Sandbox): Unit => JSON.parse(run(s, ["status", "--json"]).stdout).units.find((u: { name: string }) => u.name === "iso");
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
const ppid = (pid: number) => {
  const text = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(text.slice(text.lastIndexOf(")") + 2).split(" ")[1]);
};
const field = (pid: number, name: string) =>
  readFileSync(`/proc/${pid}/status`, "utf8").split("\n").find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1).trim();
/** Live (not zombie) processes whose PID namespace is `ns` (a /proc/PID/ns/pid link). */
function inNamespace(ns: string): number[] {
  const out: number[] = [];
  for (const e of readdirSync("/proc")) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readlinkSync(`/proc/${e}/ns/pid`) === ns && field(Number(e), "State")?.[0] !== "Z") out.push(Number(e));
    } catch {}
  }
  return out;
}
/** The running program (its shell has exec'd: cmdline is /bin/sh -c …) and its init. */
async function program(s: Sandbox): Promise<{ pid: number; init: number; ns: string }> {
  const pid = await until("iso running with a pid", () => {
    const u = unit(s);
    return u?.state === "running" && u.pid !== null && cmdline(u.pid)[0] === "/bin/sh" ? u.pid : null;
  });
  return { pid, init: ppid(pid), ns: readlinkSync(`/proc/${pid}/ns/pid`) };
}

rootTest("status, inspect, pid.json and SYSG_PID name the program, not the namespace's init", async () => {
  sb = start();
  const s = sb;
  const { pid, init } = await program(s);
  expect(cmdline(pid)).toEqual(["/bin/sh", "-c", "trap 'exit 7' TERM; sleep 300 & wait"]);
  expect(field(pid, "NSpid")!.split("\t")).toEqual([String(pid), "2"]); // the service under PID 1
  expect(field(init, "NSpid")!.split("\t")).toEqual([String(init), "1"]);
  const inspect = JSON.parse(run(s, ["inspect", "iso", "--json"]).stdout);
  expect(inspect.unit.pid).toBe(pid);
  const pids = JSON.parse(readFileSync(join(s.home, ".local", "share", "systemg", "pid.json"), "utf8"));
  // the group is the init's: what stop signals and what recovery ends along with the program
  expect({ pid: pids.iso.pid, pgid: pids.iso.pgid }).toEqual({ pid, pgid: init });
  const hookPid = await until("on_start hook wrote SYSG_PID", () => {
    const p = join(s.dir, "hook-pid");
    return existsSync(p) && readFileSync(p, "utf8").endsWith("\n") ? readFileSync(p, "utf8").trim() : null;
  });
  expect(hookPid).toBe(String(pid));
});

rootTest("the init is the small static sysg-init from a memfd, not a copy of the supervisor", async () => {
  sb = start();
  const { init } = await program(sb);
  const supervisor = ppid(init);
  expect(readlinkSync(`/proc/${init}/exe`)).toMatch(/^\/memfd:sysg-init/);
  expect(readlinkSync(`/proc/${supervisor}/exe`)).not.toMatch(/memfd/);
  expect(readFileSync(`/proc/${init}/comm`, "utf8").trim()).toBe("sysg-init");
  // one file mapping (the memfd), no shim, no libc, no Bun heap
  const files = new Set(
    readFileSync(`/proc/${init}/maps`, "utf8")
      .split("\n")
      .map((l) => l.split(/\s+/).slice(5).join(" "))
      .filter((p) => p.startsWith("/")),
  );
  expect([...files]).toEqual(["/memfd:sysg-init (deleted)"]);
  const pss = Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${init}/smaps_rollup`, "utf8"))![1]);
  expect(pss).toBeLessThan(256); // KiB; the forked supervisor it replaces pinned about 4 MiB
  expect(readdirSync(`/proc/${init}/fd`)).toEqual([]); // neither our pipes nor the memfd
});

rootTest("stop ends the whole namespace; SIGTERM reaches the program through the init (exit 7)", async () => {
  sb = start();
  const s = sb;
  const { pid, init, ns } = await program(s);
  await until("the sleep runs in the namespace too", () => inNamespace(ns).length === 3);
  expect(inNamespace(ns).sort()).toContain(pid);
  expect(inNamespace(ns)).toContain(init);
  const r = run(s, ["stop", "-s", "iso"], { timeout: 30_000 });
  expect(r.code).toBe(0);
  const u = unit(s);
  expect({ state: u.state, code: u.last_exit?.code }).toEqual({ state: "stopped", code: 7 });
  await until("namespace empty", () => inNamespace(ns).length === 0);
});

rootTest("after a SIGKILLed supervisor, `sysg stop` finds and ends both the program and its init", async () => {
  sb = start();
  const s = sb;
  const { pid, init, ns } = await program(s);
  const pids = JSON.parse(readFileSync(join(s.home, ".local", "share", "systemg", "pid.json"), "utf8"));
  expect(pids.iso.pid).toBe(pid);
  const supervisor = ppid(init);
  process.kill(supervisor, "SIGKILL");
  await until("supervisor gone", () => !existsSync(`/proc/${supervisor}`) || field(supervisor, "State")?.[0] === "Z");
  expect(inNamespace(ns)).toContain(init); // still running, re-parented
  const r = run(s, ["stop"], { timeout: 30_000 });
  expect(r.code).toBe(0);
  await until("namespace empty", () => inNamespace(ns).length === 0);
});
