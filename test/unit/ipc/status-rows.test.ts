// The status rows both paths share (src/ipc/status.ts): one computation from unit facts.
import { type UnitFacts, statusDocument, statusRow } from "../../../src/ipc/status.ts";

const base: UnitFacts = {
  name: "web",
  kind: "service",
  state: "running",
  pid: 42,
  startedAt: 1_000_000,
  restarts: 1,
  last_exit: null,
  reason: null,
  cron: null,
  usage: { cpu: 12.345, rss: 4096 },
};

describe("status rows", () => {
  test("a running unit: cpu to a tenth, rss, uptime since its main process started; health from the state", () => {
    expect(statusRow(base, 1_061_234)).toEqual({
      name: "web",
      kind: "service",
      state: "running",
      pid: 42,
      cpu: 12.3,
      rss: 4096,
      uptime: 61.2,
      restarts: 1,
      last_exit: null,
      health: "healthy",
      reason: null,
      cron: null,
    });
  });
  test("nothing runs: cpu, rss and uptime are 0 whatever was measured; an orphan's health is its own", () => {
    const stopped = statusRow({ ...base, state: "stopped", pid: null }, 2_000_000);
    expect([stopped.cpu, stopped.rss, stopped.uptime, stopped.health]).toEqual([0, 0, 0, "inactive"]);
    const unread = statusRow({ ...base, usage: null }, 1_000_500);
    expect([unread.cpu, unread.rss, unread.uptime]).toEqual([0, 0, 0.5]);
    expect(statusRow({ ...base, kind: "orphaned", health: "degraded" }, 1_000_000).health).toBe("degraded");
  });
  test("the document: schema, capture time, the worst active health", () => {
    const doc = statusDocument([base, { ...base, name: "db", state: "crashed", pid: null }, { ...base, name: "x", state: "stopped", pid: null }], 0);
    expect(doc.schema).toBe("sysg.status.v1");
    expect(doc.captured_at).toBe("1970-01-01T00:00:00.000Z");
    expect(doc.overall_health).toBe("degraded");
    expect(doc.units.map((u) => u.name)).toEqual(["web", "db", "x"]);
  });
});
