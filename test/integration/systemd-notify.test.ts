// sysg as a Type=notify service (the systemg.service unit): the real dist/sysg started with
// NOTIFY_SOCKET pointing at a real listening unix datagram socket — a path, and an abstract
// "@name" — as systemd would; a python3 listener records every datagram with its own
// CLOCK_MONOTONIC time.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { hasPython, listenNotify } from "../helpers/notify-listener.ts";
import { type Sandbox, ensureBuilt, sandbox, spawnSysg } from "../helpers/sysg.ts";

if (!hasPython) console.warn("skipping sd_notify client tests: python3 missing (the listener is a python3 script)");

let sb: Sandbox;
let stopListener: (() => void) | null = null;
beforeAll(() => {
  if (hasPython) ensureBuilt();
});
afterEach(() => {
  stopListener?.();
  sb?.cleanup();
});

const CONFIG = `version: "1"
services:
  once:
    command: 'echo "once sees NOTIFY_SOCKET=\${NOTIFY_SOCKET:-none}"'
  web:
    command: 'sleep 0.5; echo web up; exec sleep 300'
    readiness:
      log: "web up"
`;

describe.skipIf(!hasPython)("sysg start under systemd (NOTIFY_SOCKET)", () => {
  for (const kind of ["path", "abstract"] as const) {
    test(`READY=1 after every first attempt settled, STATUS=, RELOADING=1 around SIGHUP, STOPPING=1 (${kind} address)`, async () => {
      sb = sandbox();
      const address = kind === "path" ? join(sb.dir, "notify.sock") : `@sysg-test-${sb.tag}`;
      const l = await listenNotify(sb, address);
      stopListener = l.stop;
      const cfg = sb.write("systemg.yaml", CONFIG);
      const p = spawnSysg(sb, ["start", "-c", cfg], { env: { NOTIFY_SOCKET: address } });

      const ready = await l.next(/^READY=1$/m);
      // READY=1 only once nothing is still starting: the log probe of `web` passed, `once` exited
      expect(ready.msg).toBe("READY=1\nSTATUS=2 services: 1 running, 1 exited");
      // (the terminal copy of web's line is written on the next tick and read through a pipe,
      // so it may reach us just after the datagram: wait for it rather than race it)
      await p.waitFor(/web +\| web up/);
      // systemd's socket is sysg's own: the services never see it
      await p.waitFor(/once sees NOTIFY_SOCKET=none/);

      const before = l.messages.length;
      p.signal("SIGHUP");
      const reloading = await l.next(/^RELOADING=1$/m, before);
      const mono = Number(reloading.msg.match(/^MONOTONIC_USEC=(\d+)$/m)?.[1]);
      // CLOCK_MONOTONIC, the same clock python's time.monotonic_ns() reads: sent just before receipt
      expect(reloading.mono_usec - mono).toBeGreaterThanOrEqual(0);
      expect(reloading.mono_usec - mono).toBeLessThan(5_000_000);
      expect(reloading.msg).toContain(`STATUS=reloading ${cfg}`);
      const reloaded = await l.next(/^READY=1$/m, l.messages.indexOf(reloading) + 1);
      expect(reloaded.msg).toContain("STATUS=2 services");

      const beforeStop = l.messages.length;
      p.signal("SIGTERM");
      const stopping = await l.next(/^STOPPING=1$/m, beforeStop);
      expect(stopping.msg).toBe("STOPPING=1\nSTATUS=stopping all services");
      expect(await p.exited).toBe(0);
    }, 40_000);
  }

  test("a refused reload still ends the reloading state (READY=1 with the reason)", async () => {
    sb = sandbox();
    const address = join(sb.dir, "notify.sock");
    const l = await listenNotify(sb, address);
    stopListener = l.stop;
    const cfg = sb.write("systemg.yaml", `version: "1"\nservices:\n  a:\n    command: 'exec sleep 300'\n`);
    const p = spawnSysg(sb, ["start", "-c", cfg], { env: { NOTIFY_SOCKET: address } });
    await l.next(/^READY=1$/m);
    sb.write("systemg.yaml", `version: "1"\nservices:\n  a:\n    comand: 'exec sleep 300'\n`);
    const before = l.messages.length;
    p.signal("SIGHUP");
    await l.next(/^RELOADING=1$/m, before);
    const after = await l.next(/^READY=1$/m, before);
    expect(after.msg).toContain("STATUS=reload refused");
    p.signal("SIGTERM");
    expect(await p.exited).toBe(0);
  }, 30_000);

  test("STATUS= follows state changes after READY=1 (a service that dies)", async () => {
    sb = sandbox();
    const address = join(sb.dir, "notify.sock");
    const l = await listenNotify(sb, address);
    stopListener = l.stop;
    const cfg = sb.write("systemg.yaml", `version: "1"\nservices:\n  a:\n    command: 'exec sleep 300'\n  b:\n    command: 'exec sleep 301'\n`);
    const p = spawnSysg(sb, ["start", "-c", cfg], { env: { NOTIFY_SOCKET: address } });
    const ready = await l.next(/^READY=1$/m);
    expect(ready.msg).toBe("READY=1\nSTATUS=2 services: 2 running");
    const pid = Number((await p.waitFor(/b: started \(pid (\d+)\)/))[1]);
    const before = l.messages.length;
    process.kill(pid, "SIGKILL");
    const status = await l.next(/^STATUS=2 services: 1 running, 1 \w+$/, before);
    expect(status.msg).not.toContain("READY=1"); // a plain status update, not a new readiness
    p.signal("SIGTERM");
    expect(await p.exited).toBe(0);
  }, 30_000);

  test("a NOTIFY_SOCKET nobody listens on is reported, and sysg runs on", async () => {
    sb = sandbox();
    const cfg = sb.write("systemg.yaml", `version: "1"\nservices:\n  a:\n    command: 'echo hi; exec sleep 300'\n`);
    const p = spawnSysg(sb, ["start", "-c", cfg], { env: { NOTIFY_SOCKET: join(sb.dir, "nobody.sock") } });
    await p.waitFor(/sd_notify to systemd: sendto \S+nobody\.sock: No such file or directory/);
    await p.waitFor(/a +\| hi/);
    p.signal("SIGTERM");
    expect(await p.exited).toBe(0);
  }, 30_000);
});
