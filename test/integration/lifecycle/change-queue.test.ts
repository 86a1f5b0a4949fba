// One change path (issue 15 item 6), through the compiled binary and its real control socket:
// a reload in progress (a service that ignores SIGTERM makes it last its stop_timeout) answers
// a second reload, a restart or a start `busy`; a SIGHUP that arrives meanwhile is queued and
// applied afterwards, reading the file as it is then; nothing is applied twice or half; the
// history (`inspect`'s restarts) names who asked for each change, client or SIGHUP.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { type Sandbox, alive, ensureBuilt, run, sandbox, taggedPids } from "../../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

const stateDir = (s: Sandbox) => join(s.home, ".local/share/systemg");
const supervisorLog = (s: Sandbox) => readFileSync(join(stateDir(s), "logs", "supervisor.log"), "utf8");
const supervisorPid = (s: Sandbox) => (JSON.parse(readFileSync(join(stateDir(s), "sysg.pid"), "utf8")) as { pid: number }).pid;

interface Reply {
  id: number;
  ok: boolean;
  result?: any;
  error?: { code: string; message: string };
}

/** One request on its own connection; resolves with the answer (however long it takes). */
function ask(s: Sandbox, cmd: string, args: Record<string, unknown> = {}, timeoutMs = 60_000): Promise<Reply> {
  return new Promise((resolve, reject) => {
    let got = "";
    const c = connect(join(stateDir(s), "control.sock"), () => c.write(`${JSON.stringify({ v: 1, id: 1, cmd, ...args })}\n`));
    const t = setTimeout(() => {
      c.destroy();
      reject(new Error(`${cmd}: no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    c.on("data", (d) => {
      got += d.toString();
      const nl = got.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(t);
      c.destroy();
      resolve(JSON.parse(got.slice(0, nl)));
    });
    c.on("error", (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

async function until<T>(what: string, f: () => T | Promise<T>, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await f();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `slow` ignores SIGTERM: stopping it (a reload that changes it) lasts its stop_timeout. */
function writeConfig(s: Sandbox, slow: string, plain: string): string {
  return s.write(
    "sysg.yaml",
    `version: "1"
services:
  slow:
    command: 'trap "" TERM; while true; do sleep 0.1; done'
    stop_timeout: 3s
    env:
      vars:
        V: "${slow}"
  plain:
    command: 'exec sleep 300'
    env:
      vars:
        V: "${plain}"
`,
  );
}

const unit = async (s: Sandbox, name: string) => (await ask(s, "status")).result.units.find((u: { name: string }) => u.name === name);
const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, "latin1").split("\0");
const restarts = async (s: Sandbox, name: string): Promise<string[]> =>
  (await ask(s, "inspect", { name })).result.restarts.map((r: { reason: string }) => r.reason);

describe("one change queue for SIGHUP and the control socket", () => {
  test("a client reload in progress: a second reload, a restart and a start are busy; a SIGHUP is queued and applied after, once", async () => {
    sb = sandbox();
    const cfg = writeConfig(sb, "1", "1");
    expect(run(sb, ["start", "--daemonize", "-c", cfg]).code).toBe(0);
    const sup = supervisorPid(sb);
    const plain0 = (await unit(sb, "plain")).pid as number;

    writeConfig(sb, "2", "1"); // slow changes
    const first = ask(sb, "reload");
    await until("slow stopping", async () => (await unit(sb, "slow")).state === "stopping");

    // the reload holds the queue: conflicting changes are refused at once, naming who holds it
    const second = await ask(sb, "reload");
    expect(second.ok).toBe(false);
    expect(second.error!.code).toBe("busy");
    expect(second.error!.message).toMatch(/a reload asked by client \(pid \d+, uid \d+\) is in progress/);
    for (const [cmd, args] of [["restart", { service: "plain" }], ["start", { service: "plain" }], ["restart", {}]] as const) {
      const r = await ask(sb, cmd, args);
      expect({ cmd, code: r.error?.code }).toEqual({ cmd, code: "busy" });
    }
    // status and inspect are no changes: they answer
    expect((await ask(sb, "status")).ok).toBe(true);

    // a SIGHUP now is queued; the file it will read changes plain, not slow
    writeConfig(sb, "2", "3");
    process.kill(sup, "SIGHUP");
    process.kill(sup, "SIGHUP"); // coalesces with the first
    await until("the queued SIGHUP logged", () => /SIGHUP during a reload asked by client .*queued/.test(supervisorLog(sb)));

    const done = await first;
    expect(done.ok).toBe(true);
    const actions = Object.fromEntries(done.result.units.map((u: { name: string; action: string }) => [u.name, u.action]));
    // the first reload applied what the file said when it began: slow only
    expect(actions).toEqual({ slow: "restarted", plain: "unchanged" });

    // then the queued SIGHUP reload: plain restarted with V=3, slow untouched
    const plain = await until("plain restarted by the SIGHUP reload", async () => {
      const u = await unit(sb, "plain");
      return u.state === "running" && u.pid !== plain0 ? u : null;
    });
    await until("the SIGHUP reload finished", () => /reloaded \(SIGHUP\): plain restarted/.test(supervisorLog(sb)));
    expect(environ(plain.pid)).toContain("V=3");
    const slow = await unit(sb, "slow");
    expect(slow.state).toBe("running");
    expect(environ(slow.pid)).toContain("V=2");

    // each change once, with its origin
    const slowHistory = await restarts(sb, "slow");
    const plainHistory = await restarts(sb, "plain");
    expect(slowHistory).toEqual([expect.stringMatching(/^reload by client \(pid \d+, uid \d+\): definition changed$/)]);
    expect(plainHistory).toEqual(["reload by SIGHUP: definition changed"]);
    const log = supervisorLog(sb);
    expect(log.match(/SIGHUP: reloading/g)?.length).toBe(1);
    expect(log.match(/refused \(busy\)/g)?.length).toBe(4);
    expect(log).toMatch(/reload asked by client \(pid \d+, uid \d+\)\n/);
    expect(log).toMatch(/reloaded \(client \(pid \d+, uid \d+\)\): slow restarted\n/);
    expect(alive(sup)).toBe(true);

    expect(run(sb, ["stop"]).code).toBe(0);
    await until("every process gone", () => taggedPids(sb.tag).length === 0);
  }, 90_000);

  test("a SIGHUP reload in progress: a client's reload is busy (naming SIGHUP) and the CLI exits 1 with a hint; both are in the history", async () => {
    sb = sandbox();
    const cfg = writeConfig(sb, "1", "1");
    expect(run(sb, ["start", "--daemonize", "-c", cfg]).code).toBe(0);
    const sup = supervisorPid(sb);

    writeConfig(sb, "2", "1");
    process.kill(sup, "SIGHUP");
    await until("slow stopping", async () => (await unit(sb, "slow")).state === "stopping");
    const busy = await ask(sb, "reload");
    expect(busy.error).toMatchObject({ code: "busy" });
    expect(busy.error!.message).toMatch(/a reload asked by SIGHUP is in progress/);
    const cli = run(sb, ["reload"]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/busy|in progress/);
    expect(cli.stderr).toContain("hint:");
    await until("the SIGHUP reload finished", () => /reloaded \(SIGHUP\): slow restarted/.test(supervisorLog(sb)));

    // now free: the client's reload applies
    writeConfig(sb, "3", "1");
    const ok = await ask(sb, "reload");
    expect(ok.ok).toBe(true);
    expect(ok.result.units.find((u: { name: string }) => u.name === "slow").action).toBe("restarted");
    const history = await restarts(sb, "slow");
    expect(history).toHaveLength(2);
    expect(history[0]).toBe("reload by SIGHUP: definition changed");
    expect(history[1]).toMatch(/^reload by client \(pid \d+, uid \d+\): definition changed$/);
    expect(environ((await unit(sb, "slow")).pid)).toContain("V=3");

    expect(run(sb, ["stop"]).code).toBe(0);
    await until("every process gone", () => taggedPids(sb.tag).length === 0);
  }, 90_000);
});
