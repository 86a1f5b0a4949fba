import { formatMs, renderInspect, tree } from "../../../src/cli/inspect-view.ts";
import type { InspectResult } from "../../../src/ipc/protocol.ts";

const T0 = Date.parse("2026-11-23T18:00:00.000Z");
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

function result(over: Partial<InspectResult> = {}): InspectResult {
  return {
    unit: {
      name: "web",
      kind: "service",
      state: "running",
      pid: 10,
      cpu: 2,
      rss: 4096,
      uptime: 60,
      restarts: 1,
      last_exit: { code: 1, signal: null, at: iso(-70) },
      health: "healthy",
      reason: null,
      cron: null,
    },
    config: null,
    processes: [
      { pid: 12, ppid: 11, command: "grandchild", cpu: 0, rss: 1024 },
      { pid: 10, ppid: 1, command: "sh -c server", cpu: 2, rss: 4096 },
      { pid: 11, ppid: 10, command: "server", cpu: 1, rss: 2048 },
      { pid: 13, ppid: 10, command: "helper", cpu: 0, rss: 1024 },
    ],
    window: 60,
    samples: Array.from({ length: 60 }, (_, i) => ({ at: iso(i - 59), cpu: i, rss: 1000 + i })),
    exits: [{ at: iso(-70), code: 1, signal: null, reason: null }],
    restarts: [{ at: iso(-69), reason: "exit 1, backoff 1s" }],
    cron_history: null,
    ...over,
  };
}

describe("inspect view", () => {
  test("the process tree is depth-first from the roots, children by pid", () => {
    expect(tree(result().processes).map((t) => `${t.depth}:${t.node.pid}`)).toEqual(["0:10", "1:11", "2:12", "1:13"]);
  });

  test("sections, indented tree, sparklines rising with the samples", () => {
    const lines = renderInspect(result(), { color: false, width: 100, now: T0 });
    const text = lines.join("\n");
    for (const s of ["Processes", "Usage (the last 1m00s, 60 samples)", "Recent exits", "Restarts"]) expect(text).toContain(s);
    expect(lines.find((l) => l.endsWith("grandchild"))).toMatch(/ {4}grandchild$/);
    const cpu = lines.find((l) => l.startsWith("  CPU "))!;
    expect(cpu).toContain("▁");
    expect(cpu).toContain("█");
    expect(cpu.indexOf("▁")).toBeLessThan(cpu.indexOf("█"));
    expect(text).toContain("exit 1, backoff 1s");
    expect(text).toContain("code 1");
  });

  test("no samples and cron history are shown as such", () => {
    const lines = renderInspect(
      result({
        samples: [],
        cron_history: [
          { started_at: iso(-120), ended_at: iso(-118), code: 0, signal: null, duration: 2, overlap: false },
          { started_at: iso(-60), ended_at: null, code: null, signal: null, duration: null, overlap: true },
        ],
      }),
      { color: false, width: 100, now: T0 },
    ).join("\n");
    expect(lines).toContain("no samples yet");
    expect(lines).toContain("Cron history");
    expect(lines).toContain("code 0, 2s");
    expect(lines).toContain("skipped: previous run still going");
  });

  test("formatMs speaks config durations", () => {
    expect(formatMs(250)).toBe("250ms");
    expect(formatMs(1500)).toBe("1.5s");
    expect(formatMs(10_000)).toBe("10s");
    expect(formatMs(60_000)).toBe("1m");
  });
});
