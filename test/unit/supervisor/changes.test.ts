// The change queue (src/supervisor/changes.ts) with a scripted supervisor whose apply/restart/
// stop finish when the test says: which changes conflict, that a SIGHUP during a change is
// queued and coalesced into one reload, and that every change is recorded with its origin.
import { ChangeQueue, type Origin, conflicts, describeOrigin } from "../../../src/supervisor/changes.ts";
import type { History } from "../../../src/supervisor/history.ts";
import type { Supervisor } from "../../../src/supervisor/supervisor.ts";

const units = (...n: string[]) => new Set(n);
const client: Origin = { kind: "client", pid: 42, uid: 1000 };

describe("conflicts", () => {
  test("a reload conflicts with everything, and everything with a reload", () => {
    for (const kind of ["reload", "start", "stop", "restart"] as const) {
      expect(conflicts({ kind: "reload", units: "all" }, { kind, units: units("a") })).toBe(true);
      expect(conflicts({ kind, units: units("a") }, { kind: "reload", units: "all" })).toBe(true);
    }
  });
  test("unit changes conflict when their units overlap; a stop never waits for a start or restart", () => {
    expect(conflicts({ kind: "restart", units: units("a", "db") }, { kind: "start", units: units("db") })).toBe(true);
    expect(conflicts({ kind: "restart", units: units("a") }, { kind: "restart", units: units("b") })).toBe(false);
    expect(conflicts({ kind: "restart", units: "all" }, { kind: "start", units: units("b") })).toBe(true);
    expect(conflicts({ kind: "stop", units: units("a") }, { kind: "start", units: units("a") })).toBe(true);
    expect(conflicts({ kind: "restart", units: units("a") }, { kind: "stop", units: units("a") })).toBe(false);
    expect(conflicts({ kind: "stop", units: units("a") }, { kind: "stop", units: units("a") })).toBe(false);
  });
  test("origins say who asked", () => {
    expect(describeOrigin({ kind: "signal", signal: "SIGHUP" })).toBe("SIGHUP");
    expect(describeOrigin(client)).toBe("client (pid 42, uid 1000)");
    expect(describeOrigin({ kind: "client", pid: null, uid: null })).toBe("client");
  });
});

/** A supervisor whose apply and restart wait for the test's go-ahead. */
function scripted() {
  const gates: (() => void)[] = [];
  const gate = () => new Promise<void>((r) => gates.push(r));
  let applying = 0;
  let maxApplying = 0;
  const applied: string[] = [];
  const sup = {
    names: () => ["a", "b", "db"],
    snapshot: (n: string) => (["a", "b", "db"].includes(n) ? { name: n, state: "running", reason: null } : null),
    withDependencies: (names: string[]) => new Set([...names, ...(names.includes("a") ? ["db"] : [])]),
    async apply(next: { path: string }) {
      applying++;
      maxApplying = Math.max(maxApplying, applying);
      await gate();
      applied.push(next.path);
      applying--;
      return [{ name: "a", action: "restarted" as const }];
    },
    whenSettled: async () => {},
    start() {},
    async stop() {
      await gate();
    },
    async restart() {
      await gate();
      return {};
    },
  };
  const restarts: [string, string][] = [];
  const history = { restartedBy: (n: string, why: string) => restarts.push([n, why]) };
  let file = "v1";
  const logs: string[] = [];
  const q = new ChangeQueue({
    supervisor: sup as unknown as Supervisor,
    history: history as unknown as History,
    loadConfig: async () => ({ ok: true, config: { path: file } as never }),
    adopt: () => {},
    configPath: () => file,
    report: (_l, _s, text) => logs.push(text),
  });
  const flush = () => new Promise((r) => setTimeout(r, 0));
  return {
    q,
    restarts,
    logs,
    applied,
    maxApplying: () => maxApplying,
    setFile: (f: string) => (file = f),
    /** lets the oldest waiting apply/restart/stop finish */
    async release() {
      for (let i = 0; i < 50 && gates.length === 0; i++) await flush();
      gates.shift()!();
      for (let i = 0; i < 5; i++) await flush();
    },
  };
}

describe("ChangeQueue", () => {
  test("a reload in progress: another reload, a restart, a start and a stop are busy; after it, a reload runs", async () => {
    const s = scripted();
    const first = s.q.reload(undefined, client);
    for (const r of [
      await s.q.reload(undefined, { kind: "client", pid: 7, uid: 0 }),
      await s.q.restart(["b"], client),
      await s.q.start(undefined, client),
      await s.q.stop("b", client),
    ]) {
      expect(r).toMatchObject({ ok: false, code: "busy" });
      if (!r.ok) expect(r.message).toContain("a reload asked by client (pid 42, uid 1000) is in progress");
    }
    await s.release();
    expect(await first).toMatchObject({ ok: true, units: [{ name: "a", action: "restarted" }] });
    const again = s.q.reload(undefined, client);
    await s.release();
    expect((await again).ok).toBe(true);
    expect(s.maxApplying()).toBe(1);
    expect(s.restarts).toEqual([
      ["a", "reload by client (pid 42, uid 1000): definition changed"],
      ["a", "reload by client (pid 42, uid 1000): definition changed"],
    ]);
  });

  test("SIGHUPs during a change are queued, coalesced into one reload that reads the file when it begins", async () => {
    const s = scripted();
    const restart = s.q.restart(["a"], client);
    s.q.hangup();
    s.setFile("v2");
    s.q.hangup();
    s.q.hangup();
    expect(s.logs.filter((l) => l.includes("during a restart"))).toHaveLength(1);
    expect(s.applied).toEqual([]);
    // the queued reload goes next: a change on other units must not overtake (and starve) it
    const overtake = await s.q.restart(["b"], client);
    expect(overtake).toMatchObject({ ok: false, code: "busy" });
    if (!overtake.ok) expect(overtake.message).toContain("a reload asked by SIGHUP is queued");
    await s.release(); // the restart ends: the queued reload begins
    expect(await restart).toMatchObject({ ok: true });
    // the queued reload now holds the queue; it read the file as it was when it began
    expect(s.q.inProgress().map((c) => [c.kind, describeOrigin(c.origin)])).toEqual([["reload", "SIGHUP"]]);
    expect((await s.q.reload(undefined, client)) as { code?: string }).toMatchObject({ code: "busy" });
    await s.release();
    await s.q.hangupSettled();
    expect(s.applied).toEqual(["v2"]);
    expect(s.restarts).toEqual([
      ["a", "restart by client (pid 42, uid 1000)"],
      ["a", "reload by SIGHUP: definition changed"],
    ]);
    expect(s.logs).toContain("reloaded (SIGHUP): a restarted");
  });

  test("unit changes on other units run side by side; a stop joins a restart of its unit; close refuses and drops a queued SIGHUP", async () => {
    const s = scripted();
    const a = s.q.restart(["a"], client);
    const b = s.q.restart(["b"], client);
    expect(s.q.inProgress().map((c) => c.kind)).toEqual(["restart", "restart"]);
    expect(await s.q.start(["db"], client)).toMatchObject({ ok: false, code: "busy" }); // a depends on db
    const stop = s.q.stop("a", client);
    await s.release();
    await s.release();
    await s.release();
    expect([(await a).ok, (await b).ok, (await stop).ok]).toEqual([true, true, true]);
    const c = s.q.restart(["a"], client);
    s.q.hangup();
    s.q.close();
    await s.release();
    await c;
    expect(s.applied).toEqual([]);
    const late = await s.q.reload(undefined, client);
    expect(late).toMatchObject({ ok: false, code: "busy" });
    if (!late.ok) expect(late.message).toContain("shutting down");
  });
});
