// Platform.spawn against the real kernel: failure steps, signal state, fds, env, session.
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBunPlatform } from "../../../src/platform/bun/index.ts";
import { execDone, exited, openFds, PATH_ENV, settledFds, spawnOk, spec, stat, status, zombieChildren } from "./proc.ts";

const platform = createBunPlatform();
const running = new Set<number>();
const sleeper = (extra = {}) => {
  const pid = spawnOk(platform, spec(["sleep", "30"], extra));
  running.add(pid);
  execDone(pid);
  return pid;
};

afterEach(async () => {
  const waits = [...running].map((pid) => exited(platform, pid));
  for (const pid of running) platform.kill(pid, "SIGKILL");
  await Promise.all(waits);
  running.clear();
});
afterAll(() => platform.shutdown());

describe("spawn failures name the step and errno", () => {
  test("a missing program fails at exec with ENOENT, and the failed child is reaped", () => {
    const out = platform.spawn(spec(["sysg-no-such-program"]));
    expect(out).toEqual({
      ok: false,
      step: "exec",
      errno: 2,
      message: 'exec "sysg-no-such-program": No such file or directory',
    });
    expect(zombieChildren()).toEqual([]);
  });

  test("an absolute path that does not exist fails at exec too", () => {
    const out = platform.spawn(spec(["/nonexistent/bin/x"]));
    expect(out.ok).toBe(false);
    if (!out.ok) expect([out.step, out.errno]).toEqual(["exec", 2]);
  });

  test("a file without execute permission fails at exec with EACCES (even for root)", () => {
    const dir = mkdtempSync(join(tmpdir(), "sysg-spawn-"));
    try {
      writeFileSync(join(dir, "sysg-script"), "#!/bin/sh\n", { mode: 0o644 });
      const out = platform.spawn(spec([join(dir, "sysg-script")]));
      expect(out.ok).toBe(false);
      if (!out.ok) expect([out.step, out.errno]).toEqual(["exec", 13]);
      const searched = platform.spawn(spec(["sysg-script"], { env: [`PATH=/nonexistent:${dir}:/bin`] }));
      expect(searched.ok).toBe(false);
      if (!searched.ok) expect([searched.step, searched.errno]).toEqual(["exec", 13]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("PATH comes from the given env, not ours", () => {
    const out = platform.spawn(spec(["sleep", "0"], { env: ["PATH=/nonexistent"] }));
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.step).toBe("exec");
  });

  test("a missing working directory fails at chdir with the path in the message", () => {
    const out = platform.spawn(spec(["true"], { cwd: "/srv/sysg-missing/web" }));
    expect(out).toEqual({
      ok: false,
      step: "chdir",
      errno: 2,
      message: 'chdir "/srv/sysg-missing/web": No such file or directory',
    });
    expect(zombieChildren()).toEqual([]);
  });

  test("a bad stdio fd fails at stdio with EBADF", () => {
    const out = platform.spawn(spec(["true"], { stdout: 987654 }));
    expect(out.ok).toBe(false);
    if (!out.ok) expect([out.step, out.errno]).toEqual(["stdio", 9]);
  });

  test("an empty command is refused before any fork", () => {
    const out = platform.spawn(spec([]));
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.step).toBe("exec");
  });
});

describe("the child starts clean", () => {
  test("no blocked or ignored signals, no handlers, although Bun ignores some in the parent", () => {
    // Bun itself ignores SIGPIPE and SIGXFSZ; a handler makes SIGUSR2 caught too.
    const onUsr2 = () => {};
    process.on("SIGUSR2", onUsr2);
    try {
      const before = status(process.pid);
      expect(BigInt(`0x${before.SigIgn}`)).not.toBe(0n);
      const child = status(sleeper());
      expect([child.SigBlk, child.SigIgn, child.SigCgt]).toEqual(["0000000000000000", "0000000000000000", "0000000000000000"]);
      const after = status(process.pid); // the child reset its own copy of the handler table only
      expect([after.SigIgn, after.SigCgt, after.SigBlk]).toEqual([before.SigIgn, before.SigCgt, before.SigBlk]);
    } finally {
      process.off("SIGUSR2", onUsr2);
    }
  });

  test("exactly the given environment", () => {
    const env = [PATH_ENV, "SYSG_TEST=a b=c", "EMPTY=", "UNICODE=żółw"];
    const pid = sleeper({ env });
    expect(readFileSync(`/proc/${pid}/environ`, "utf8")).toBe(`${env.join("\0")}\0`);
  });

  test("an empty environment stays empty", () => {
    const pid = sleeper({ env: [], argv: ["/bin/sleep", "30"] });
    expect(readFileSync(`/proc/${pid}/environ`, "utf8")).toBe("");
  });

  test("argv and cwd as given", () => {
    const pid = sleeper({ cwd: "/tmp" });
    expect(readFileSync(`/proc/${pid}/cmdline`, "utf8")).toBe("sleep\u000030\u0000");
    expect(readlinkSync(`/proc/${pid}/cwd`)).toBe("/tmp");
  });

  test("session: true gives pid == pgid == sid", () => {
    const pid = sleeper();
    const f = stat(pid);
    expect([f[5], f[6]]).toEqual([String(pid), String(pid)]);
  });

  test("session: false gives its own group in our session", () => {
    const pid = sleeper({ session: false });
    const f = stat(pid);
    expect([f[5], f[6]]).toEqual([String(pid), stat(process.pid)[6]]);
  });

  test("umask is applied", () => {
    const pid = sleeper({ umask: 0o027 });
    expect(status(pid).Umask).toBe("0027");
  });
});

describe("file descriptors", () => {
  test("only 0, 1, 2: stdio -1 is /dev/null, every other fd of ours is closed", () => {
    const pipe = platform.pipe(); // fds without CLOEXEC surprises: the child must still not see them
    try {
      const pid = sleeper({ stdout: pipe.write });
      const fds = settledFds(pid);
      expect([...fds.keys()].sort()).toEqual([0, 1, 2]);
      expect(fds.get(0)).toBe("/dev/null");
      expect(fds.get(1)).toBe(readlinkSync(`/proc/self/fd/${pipe.write}`));
      expect(fds.get(2)).toBe("/dev/null");
    } finally {
      platform.close(pipe.read);
      platform.close(pipe.write);
    }
  });

  test("passed fds are renumbered from 3 in order, even when they collide with the targets", () => {
    // n pipes give us 2n fds, many of them in the child's target range 3..n+2 — n grows with the
    // lowest free fd, which earlier tests in this process may have pushed up.
    const probe = platform.pipe();
    platform.close(probe.read);
    platform.close(probe.write);
    const pipes = Array.from({ length: Math.max(8, probe.read) }, () => platform.pipe());
    try {
      const pass = pipes.map((p) => p.read).sort((a, b) => b - a); // highest first: maximal shuffling
      const lowest = Math.min(...pass);
      expect(lowest).toBeLessThan(3 + pass.length); // the collision really happens
      const pid = sleeper({ passFds: pass, stdin: pipes[0]!.write, stderr: pass[pass.length - 1] });
      const fds = settledFds(pid);
      expect([...fds.keys()].sort((a, b) => a - b)).toEqual([0, 1, 2, ...pass.map((_, i) => 3 + i)]);
      pass.forEach((fd, i) => expect(fds.get(3 + i)).toBe(readlinkSync(`/proc/self/fd/${fd}`)));
      expect(fds.get(0)).toBe(readlinkSync(`/proc/self/fd/${pipes[0]!.write}`));
      expect(fds.get(2)).toBe(readlinkSync(`/proc/self/fd/${pass[pass.length - 1]}`));
    } finally {
      for (const p of pipes) {
        platform.close(p.read);
        platform.close(p.write);
      }
    }
  });

  test("a child that fills its stdout pipe is read to EOF with the data intact", async () => {
    const pipe = platform.pipe();
    const pid = spawnOk(platform, spec(["seq", "1", "300000"], { stdout: pipe.write }));
    platform.close(pipe.write);
    const done = exited(platform, pid);
    const chunks: Uint8Array[] = [];
    for await (const chunk of platform.readFd(pipe.read)) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString();
    const expected = `${Array.from({ length: 300000 }, (_, i) => i + 1).join("\n")}\n`;
    expect(text.length).toBe(expected.length);
    expect(text === expected).toBe(true);
    expect((await done).code).toBe(0);
    expect(openFds(process.pid).has(pipe.read)).toBe(false); // readFd closed it
  });
});

describe("kill", () => {
  test("by name and by number, negative pid = group; false once the target is gone", async () => {
    const pid = spawnOk(platform, spec(["sleep", "30"]));
    const done = exited(platform, pid);
    expect(platform.kill(-pid, "TERM")).toBe(true);
    expect(await done).toMatchObject({ pid, code: null, signal: "SIGTERM" });
    expect(platform.kill(pid, 15)).toBe(false);
    expect(platform.kill(-pid, "SIGKILL")).toBe(false);
  });

  test("an unknown signal name is a TypeError", () => {
    expect(() => platform.kill(process.pid, "SIGNOPE")).toThrow(TypeError);
  });
});
