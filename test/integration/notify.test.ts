// `readiness: {notify: true}` through the compiled binary: the sd_notify socket per service,
// READY=1 gating dependents, the readiness timeout, NOTIFY_SOCKET scoping and cleanup.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, lstatSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, alive, ensureBuilt, run, sandbox, sleep, spawnSysg } from "../helpers/sysg.ts";

beforeAll(() => ensureBuilt());

let sb: Sandbox;
afterEach(() => sb?.cleanup());

/** Shell scripts that send their arguments, newline-joined, as one datagram to $NOTIFY_SOCKET. */
function senders(): { name: string; script: string }[] {
  const out: { name: string; script: string }[] = [];
  if (Bun.which("systemd-notify")) out.push({ name: "systemd-notify", script: `#!/bin/sh\nexec ${Bun.which("systemd-notify")} "$@"\n` });
  // the real interpreter, not a pyenv shim (the sandbox has its own HOME)
  const py = Bun.which("python3") ? spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout?.trim() : "";
  if (py) {
    // it stays a moment after sending: a sender is checked against the service's process tree
    // when its message is read, and one that is gone by then cannot be (systemd-notify waits too)
    const code = `import os, socket, sys, time; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto("\\n".join(sys.argv[1:]).encode(), os.environ["NOTIFY_SOCKET"]); time.sleep(0.5)`;
    out.push({ name: "python3", script: `#!/bin/sh\nexec ${py} -c '${code}' "$@"\n` });
  }
  return out;
}

const SENDERS = senders();
if (SENDERS.length === 0) console.warn("notify tests skipped: neither systemd-notify nor python3 is installed to send a datagram");

const stateDir = (s: Sandbox) => join(s.home, ".local/share/systemg");

function withSender(s: Sandbox, script: string): void {
  chmodSync(s.write("send", script), 0o755);
}

type Unit = { name: string; state: string; reason: string | null };
const units = (s: Sandbox) => JSON.parse(run(s, ["status", "--json"]).stdout).units as Unit[];

/** The units' states once none is still starting (or the last seen after 5 s). */
async function settledStates(s: Sandbox): Promise<Record<string, string>> {
  let states: Record<string, string> = {};
  for (const end = Date.now() + 5000; Date.now() < end; await sleep(50)) {
    states = Object.fromEntries(units(s).map((u) => [u.name, u.state]));
    if (!Object.values(states).includes("starting")) break;
  }
  return states;
}

for (const sender of SENDERS) {
  describe(`notify readiness (${sender.name})`, () => {
    test("a dependent starts only after READY=1; NOTIFY_SOCKET is the service's own; the socket goes at stop", async () => {
      sb = sandbox();
      withSender(sb, sender.script);
      const cfg = sb.write(
        "notify.yaml",
        `version: "1"
services:
  n:
    command: 'echo "socket=$NOTIFY_SOCKET"; sleep 0.3; touch ready-sent; ./send STATUS=serving READY=1; sleep 0.2; ./send STATUS=later; echo "later rc=$?"; exec sleep 60'
    readiness: { notify: true, timeout: 10s }
  d:
    command: 'if [ -e ready-sent ]; then echo dep-after-ready; else echo dep-too-early; fi; echo "dep NOTIFY_SOCKET=\${NOTIFY_SOCKET-unset}"; exec sleep 60'
    depends_on: [n]
`,
      );
      // as if sysg itself ran under systemd: its own NOTIFY_SOCKET reaches no service
      const p = spawnSysg(sb, ["start", "-c", cfg], { env: { NOTIFY_SOCKET: join(sb.dir, "sysg-own.sock") } });
      const sock = join(stateDir(sb), "notify-n.sock");
      await p.waitFor(/n\s+\| socket=(\S+)/);
      expect(p.output()).toContain(`socket=${sock}`);
      await p.waitFor(/d\s+\| dep NOTIFY_SOCKET=/);
      expect(p.output()).toContain("dep-after-ready");
      expect(p.output()).not.toContain("dep-too-early");
      expect(p.output()).toContain("dep NOTIFY_SOCKET=unset");
      const st = lstatSync(sock);
      expect(st.isSocket()).toBe(true);
      // private to the service's user (here: ours)
      expect(st.mode & 0o777).toBe(0o600);
      expect(st.uid).toBe(process.getuid!());
      expect(await settledStates(sb)).toEqual({ n: "running", d: "running" });
      // the socket stays open and is still read after READY=1: a later message is accepted
      // (systemd-notify's BARRIER=1 would otherwise wait 5 s and fail)
      await p.waitFor(/n\s+\| later rc=0/, 3000);
      p.signal("SIGTERM");
      expect(await p.exited).toBe(0);
      expect(existsSync(sock)).toBe(false);
    });

    test("a service that never sends READY=1 fails after its timeout with the reason; its dependent fails too", async () => {
      sb = sandbox();
      withSender(sb, sender.script);
      const cfg = sb.write(
        "quiet.yaml",
        `version: "1"
services:
  quiet:
    command: 'echo pid $$; ./send STATUS=still-loading; exec sleep 60'
    readiness: { notify: true, timeout: 700ms }
  after:
    command: 'echo should-not-run'
    depends_on: [quiet]
`,
      );
      const p = spawnSysg(sb, ["start", "-c", cfg]);
      const pid = Number((await p.waitFor(/quiet\s+\| pid (\d+)/))[1]);
      await p.waitFor(/quiet: readiness notify did not pass within 700 ms \(no READY=1 on NOTIFY_SOCKET yet; last STATUS=still-loading\)/);
      // the run is stopped before the unit is failed; wait for the process, not a fixed time
      for (const end = Date.now() + 10_000; alive(pid) && Date.now() < end; ) await sleep(10);
      expect(alive(pid)).toBe(false);
      expect(await stateOnce(sb, "quiet", (s) => s !== "stopping")).toBe("failed");
      const byName = Object.fromEntries(units(sb).map((u) => [u.name, u]));
      expect(byName.quiet?.reason).toContain("readiness notify did not pass within 700 ms");
      expect(byName.after?.reason).toBe("dependency 'quiet' failed");
      expect(p.output()).not.toContain("should-not-run");
      // the run is over, so is its socket
      expect(existsSync(join(stateDir(sb), "notify-quiet.sock"))).toBe(false);
      p.signal("SIGTERM");
      expect(await p.exited).toBe(0);
    });
  });
}

/** The unit's state once `done(state)` holds (or the last seen after 10 s). */
async function stateOnce(s: Sandbox, name: string, done: (state: string) => boolean): Promise<string | undefined> {
  let state: string | undefined;
  for (const end = Date.now() + 10_000; Date.now() < end; await sleep(50)) {
    state = units(s).find((u) => u.name === name)?.state;
    if (state !== undefined && done(state)) break;
  }
  return state;
}

/** The real python3 (not a pyenv shim: the sandbox has its own HOME), or null. */
const PYTHON = Bun.which("python3") ? spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout?.trim() || null : null;
if (!PYTHON) console.warn("notify access tests skipped: python3 is not installed to send a datagram");
const pyTest = PYTHON ? test : test.skip;
const SEND_PY = (text: string) =>
  `import os, socket, time; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"${text}", os.environ["NOTIFY_SOCKET"]); time.sleep(60)`;

describe("notify access (SCM_CREDENTIALS)", () => {
  pyTest("READY=1 from a process outside the service is refused: the service fails by its timeout", async () => {
    sb = sandbox();
    const cfg = sb.write(
      "foreign.yaml",
      `version: "1"\nservices:\n  svc:\n    command: 'echo up; exec sleep 60'\n    readiness: { notify: true, timeout: 5s }\n`,
    );
    const p = spawnSysg(sb, ["start", "-c", cfg]);
    await p.waitFor(/svc\s+\| up/);
    const sock = join(stateDir(sb), "notify-svc.sock");
    // this test process is no descendant of the service: its READY=1 must not count
    const sent = spawnSync(PYTHON!, ["-c", `import socket; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"READY=1", "${sock}")`]);
    expect({ status: sent.status, stderr: String(sent.stderr) }).toEqual({ status: 0, stderr: "" });
    await p.waitFor(/svc: readiness notify did not pass within 5000 ms/, 15_000);
    expect(p.output()).toMatch(/svc: notify message from pid \d+ \(uid \d+\) refused: only its main process or one of its descendants \(pid \d+\) may send \(notify_access: all\)/);
    expect(await stateOnce(sb, "svc", (s) => s !== "stopping")).toBe("failed");
    p.signal("SIGTERM");
    expect(await p.exited).toBe(0);
  });

  pyTest("notify_access: main accepts the main process and refuses its children", async () => {
    sb = sandbox();
    sb.write("send.py", SEND_PY("READY=1"));
    const cfg = sb.write(
      "main.yaml",
      `version: "1"
services:
  direct:
    command: ["${PYTHON}", "send.py"]
    readiness: { notify: true, notify_access: main, timeout: 10s }
  child:
    command: '"${PYTHON}" send.py & wait'
    readiness: { notify: true, notify_access: main, timeout: 2s }
`,
    );
    const p = spawnSysg(sb, ["start", "-c", cfg]);
    await p.waitFor(/child: readiness notify did not pass within 2000 ms/, 15_000);
    expect(p.output()).toMatch(/child: notify message from pid \d+ \(uid \d+\) refused: only its main process \(pid \d+\) may send \(notify_access: main\)/);
    expect(await stateOnce(sb, "child", (s) => s !== "stopping")).toBe("failed");
    expect(await stateOnce(sb, "direct", (s) => s !== "starting")).toBe("running");
    p.signal("SIGTERM");
    expect(await p.exited).toBe(0);
  });
});

test("a socket path too long for sockaddr_un fails the run with the reason", async () => {
  sb = sandbox();
  const name = `n${"x".repeat(100)}`;
  const cfg = sb.write("long.yaml", `version: "1"\nservices:\n  ${name}:\n    command: 'echo should-not-run'\n    readiness: { notify: true }\n`);
  const p = spawnSysg(sb, ["start", "-c", cfg]);
  const sock = join(stateDir(sb), `notify-${name}.sock`);
  await p.waitFor(/notify socket \S+: path is \d+ bytes, a unix socket path may have at most 107/);
  expect(p.output()).toContain(`${name}: notify socket ${sock}: path is ${sock.length} bytes`);
  expect(p.output()).not.toContain("should-not-run");
  expect(units(sb).find((u) => u.name === name)?.state).toBe("failed");
  p.signal("SIGTERM");
  expect(await p.exited).toBe(0);
});
