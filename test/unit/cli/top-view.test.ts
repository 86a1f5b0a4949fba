// The frame of `sysg top` from a model: its size, the selection, sparklines, the log pane.
import type { StatusResult } from "../../../src/ipc/protocol.ts";
import { plainTop, renderTop } from "../../../src/cli/top-view.ts";

const unit = (name: string, state: string, pid: number | null) => ({
  name,
  kind: "service" as const,
  state: state as "running",
  pid,
  cpu: 1.5,
  rss: 3 * 1024 * 1024,
  uptime: 10,
  restarts: 2,
  last_exit: null,
  health: "healthy" as const,
  reason: null,
  cron: null,
});
const status: StatusResult = {
  schema: "sysg.status.v1",
  captured_at: "2026-12-04T15:00:00.000Z",
  overall_health: "healthy",
  units: [unit("web", "running", 42), unit("db", "stopped", null)],
};
const history = new Map([["web", { cpu: [0, 5, 10, 5], rss: [1, 2, 3, 4] }]]);

describe("renderTop", () => {
  test("exactly the terminal's height, the selected unit marked, its logs with stderr marked", () => {
    const lines = renderTop(
      {
        status,
        problem: null,
        history,
        selected: 1,
        logs: [
          { service: "db", stream: "stdout", ts: Date.parse("2026-12-04T14:59:59.000Z"), text: "hello" },
          { service: "db", stream: "stderr", ts: null, text: "oops" },
        ],
        following: true,
        message: "",
      },
      { width: 100, height: 20, color: false },
    );
    expect(lines).toHaveLength(20);
    for (const l of lines) expect([...l].length <= 100).toBe(true);
    expect(lines[0]).toBe("sysg top — 2 units — healthy — 2026-12-04 15:00:00");
    expect(lines.find((l) => l.startsWith("> "))).toMatch(/^> db\s+stopped\s+-/);
    expect(lines.find((l) => l.startsWith("  web"))).toMatch(/2\s+-$/);
    expect(lines.join("\n")).toContain("── db logs (following)");
    expect(lines).toContain("14:59:59 hello");
    expect(lines).toContain("[stderr] oops");
    expect(lines[19]).toContain("q quit");
    expect(lines.join("")).not.toContain("\x1b");
  });

  test("without a supervisor the problem is shown; plain output has no marker column", () => {
    const lines = renderTop({ status: null, problem: "no supervisor is running", history: new Map(), selected: 0, logs: [], following: true, message: "" }, { width: 60, height: 6, color: true });
    expect(lines).toHaveLength(6);
    expect(lines[1]).toContain("no supervisor is running");
    const plain = plainTop(status, history);
    expect(plain[0]).toMatch(/^UNIT\s+STATE/);
    expect(plain[1]).toMatch(/^web\s+running\s+42\s+1\.5%\s+[▁▂▃▄▅▆▇█]{4}/);
  });
});
