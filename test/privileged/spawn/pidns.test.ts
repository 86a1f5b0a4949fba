// CLONE_NEWPID: the service runs under a tiny static init (ffi/init/init.c, exec'd from a sealed
// memfd) that is PID 1 of the new namespace, forwards signals, reaps orphans and exits with the
// service's status; the spawn reports the program's pid beside the init's. Needs root.
import { afterAll, afterEach, expect, test } from "bun:test";
import { existsSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createBunPlatform } from "../../../src/platform/bun/index.ts";
import { installInit } from "../../../src/platform/bun/init.ts";
import type { SpawnSpec } from "../../../src/platform/types.ts";
import { exited, spawnOk, spec, stat, status } from "../../integration/spawn/proc.ts";

const isRoot = process.getuid?.() === 0;
const canUnshare = isRoot && existsSync("/proc/self/ns/pid_for_children");
if (!canUnshare) console.warn("skipping test/privileged/spawn/pidns.test.ts: needs root and PID namespaces");
const rootTest = canUnshare ? test : test.skip;

const CLONE_NEWPID = 0x20000000;
const RLIMIT_NOFILE = 7;

const platform = createBunPlatform();
const running = new Set<number>();
afterEach(async () => {
  const waits = [...running].map((pid) => exited(platform, pid));
  for (const pid of running) platform.kill(pid, "SIGKILL");
  await Promise.all(waits);
  running.clear();
});
afterAll(() => platform.shutdown());

function start(argv: string[], extra: Partial<SpawnSpec> = {}): number {
  const pid = spawnOk(platform, spec(argv, { namespaces: CLONE_NEWPID, ...extra }));
  running.add(pid);
  return pid;
}
const children = (pid: number) =>
  readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
/** Waits until `check` is true (polling /proc), or fails after 3 s. */
async function until(what: string, check: () => boolean): Promise<void> {
  for (const end = Date.now() + 3000; !check(); await Bun.sleep(10)) if (Date.now() > end) throw new Error(`timed out: ${what}`);
}
const nspid = (pid: number) => status(pid).NSpid!.split("\t");

rootTest("the init is PID 1 in the namespace and the service PID 2, in its own session", async () => {
  const init = start(["sleep", "30"]);
  await until("service started", () => children(init).length === 1);
  const service = children(init)[0]!;
  expect(nspid(init)).toEqual([String(init), "1"]);
  expect(nspid(service)).toEqual([String(service), "2"]);
  const f = stat(init);
  expect([f[5], f[6]]).toEqual([String(init), String(init)]); // pid == pgid == sid for the supervisor
  expect(stat(service)[6]).toBe(String(service));
  expect(readdirSync(`/proc/${init}/fd`)).toEqual([]); // holds none of our pipes open
  await until("service exec'd", () => readFileSync(`/proc/${service}/cmdline`, "utf8").startsWith("sleep"));
  const s = status(service);
  expect([s.SigBlk, s.SigIgn]).toEqual(["0000000000000000", "0000000000000000"]);
});

rootTest("a plain SIGTERM to the init (or its group) stops the service; 128+signal comes back", async () => {
  for (const target of [1, -1]) {
    const init = start(["sleep", "30"]);
    await until("service started", () => children(init).length === 1);
    const done = exited(platform, init);
    expect(platform.kill(target * init, "SIGTERM")).toBe(true);
    expect(await done).toMatchObject({ code: 128 + 15, signal: null });
    running.delete(init);
  }
});

rootTest("the init takes the service's uid (no capabilities left) and can still signal it", async () => {
  const init = start(["sleep", "30"], { uid: 65534, gid: 65534, groups: [], capabilities: [] });
  await until("service started", () => children(init).length === 1);
  const service = children(init)[0]!;
  await until("service exec'd", () => readFileSync(`/proc/${service}/cmdline`, "utf8").startsWith("sleep"));
  for (const pid of [init, service]) {
    const s = status(pid);
    expect([s.Uid, s.Gid, s.Groups, s.CapPrm, s.CapEff]).toEqual(["65534\t65534\t65534\t65534", "65534\t65534\t65534\t65534", "", "0000000000000000", "0000000000000000"]);
  }
  // not dumpable: its /proc files stay root's, so the service (same uid) cannot read its memory
  expect(statSync(`/proc/${init}/mem`).uid).toBe(0);
  expect(statSync(`/proc/${service}/mem`).uid).toBe(65534);
  const done = exited(platform, init);
  platform.kill(init, "SIGTERM");
  expect((await done).code).toBe(128 + 15);
  running.delete(init);
});

rootTest("a root service with a capability list gets an init without capabilities", async () => {
  const init = start(["sleep", "30"], { capabilities: [10] });
  await until("service started", () => children(init).length === 1);
  expect(status(init).CapEff).toBe("0000000000000000");
  const done = exited(platform, init);
  platform.kill(init, "SIGTERM");
  expect((await done).code).toBe(128 + 15);
  running.delete(init);
});

rootTest("the service's exit code reaches the supervisor", async () => {
  const init = start(["sh", "-c", "exit 42"]);
  expect((await exited(platform, init)).code).toBe(42);
  running.delete(init);
});

rootTest("SIGKILL to the init ends the whole namespace", async () => {
  const init = start(["sleep", "30"]);
  await until("service started", () => children(init).length === 1);
  const service = children(init)[0]!;
  const done = exited(platform, init);
  platform.kill(init, "SIGKILL");
  expect((await done).signal).toBe("SIGKILL");
  running.delete(init);
  await until("service gone", () => !existsSync(`/proc/${service}/stat`) || stat(service)[3] === "Z");
});

rootTest("orphans inside the namespace are reaped by the init", async () => {
  const init = start(["sh", "-c", "(sleep 0.2 &); exec sleep 30"]);
  // adopted as soon as its parent subshell exits, which may be before it has exec'd sleep
  const orphanOf = () => children(init).find((pid) => readFileSync(`/proc/${pid}/cmdline`, "utf8") === "sleep\u00000.2\u0000");
  await until("orphan adopted by the init and running sleep", () => orphanOf() !== undefined);
  const orphan = orphanOf();
  await until("orphan reaped", () => !existsSync(`/proc/${orphan}/stat`));
  expect(children(init)).toHaveLength(1);
});

rootTest("a failing service step is reported with its step, and nothing is left behind", () => {
  const out = platform.spawn(spec(["true"], { namespaces: CLONE_NEWPID, cwd: "/nonexistent-sysg" }));
  expect(out).toMatchObject({ ok: false, step: "chdir", errno: 2 });
  const exec = platform.spawn(spec(["sysg-no-such-program"], { namespaces: CLONE_NEWPID }));
  expect(exec).toMatchObject({ ok: false, step: "exec", errno: 2 });
});

rootTest("a failing init-side step (limits) is reported too", () => {
  const out = platform.spawn(spec(["true"], { namespaces: CLONE_NEWPID, rlimits: [{ resource: RLIMIT_NOFILE, soft: 300, hard: 200 }] }));
  expect(out).toMatchObject({ ok: false, step: "limits", errno: 22 });
});

rootTest("the service's stdout pipe reaches EOF when the service exits", async () => {
  const pipe = platform.pipe();
  const init = start(["sh", "-c", "echo in-namespace $$"], { stdout: pipe.write });
  platform.close(pipe.write);
  let text = "";
  for await (const chunk of platform.readFd(pipe.read)) text += Buffer.from(chunk).toString();
  expect(text).toBe("in-namespace 2\n");
  expect((await exited(platform, init)).code).toBe(0);
  running.delete(init);
});

rootTest("the spawn reports the program: the init's only child, running the program's command", async () => {
  const out = platform.spawn(spec(["sleep", "30"], { namespaces: CLONE_NEWPID }));
  if (!out.ok) throw new Error(out.message);
  running.add(out.pid);
  expect(out.program).not.toBe(out.pid);
  expect(children(out.pid)).toEqual([out.program]);
  // the announcement comes before exec: wait for the exec itself
  await until("program exec'd", () => readFileSync(`/proc/${out.program}/cmdline`, "utf8") === "sleep\u000030\u0000");
  expect(nspid(out.program)).toEqual([String(out.program), "2"]);
});

rootTest("PID 1 is the static init from the memfd, not a copy of the supervisor", async () => {
  const init = start(["sleep", "30"]);
  await until("init exec'd", () => readlinkSync(`/proc/${init}/exe`).startsWith("/memfd:sysg-init"));
  expect(readFileSync(`/proc/${init}/comm`, "utf8")).toBe("sysg-init\n");
  expect(readFileSync(`/proc/${init}/cmdline`, "utf8")).toBe("sysg-init\u00002\u0000");
  const pss = Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${init}/smaps_rollup`, "utf8"))![1]);
  expect(pss).toBeLessThan(256);
  // our memfd: sealed against writes and truncation, and close-on-exec
  const memfds = readdirSync("/proc/self/fd").filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).startsWith("/memfd:sysg-init");
    } catch {
      return false;
    }
  });
  expect(memfds).toHaveLength(1);
  const flags = Number.parseInt(/^flags:\s+(\d+)/m.exec(readFileSync(`/proc/self/fdinfo/${memfds[0]}`, "utf8"))![1]!, 8);
  expect(flags & 0o2000000).toBe(0o2000000);
  expect(() => writeFileSync(`/proc/self/fd/${memfds[0]}`, "x")).toThrow();
});

rootTest("an init that cannot be exec'd fails the spawn at step init, and nothing is left behind", async () => {
  const marker = ["sleep", "31.4159"];
  const mine = () =>
    readdirSync("/proc")
      .filter((e) => /^\d+$/.test(e))
      .filter((e) => {
        try {
          return readFileSync(`/proc/${e}/cmdline`, "utf8") === `${marker.join("\u0000")}\u0000` && stat(Number(e))[3] !== "Z";
        } catch {
          return false;
        }
      });
  expect(installInit(Buffer.from("not an executable\n"))).toBeGreaterThan(2);
  try {
    const out = platform.spawn(spec(marker, { namespaces: CLONE_NEWPID }));
    expect(out).toMatchObject({ ok: false, step: "init", errno: 8 }); // ENOEXEC
    if (!out.ok) expect(out.message).toContain("sysg-init");
    await until("the forked service is gone with its namespace", () => mine().length === 0);
  } finally {
    expect(installInit(readFileSync(join(import.meta.dir, "../../../.build/sysg-init")))).toBeGreaterThan(2);
  }
  const init = start(["sleep", "30"]); // the real one again
  await until("service started", () => children(init).length === 1);
});
