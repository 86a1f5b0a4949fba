// The Supervisor driven through a scripted Platform (./fake-platform.ts) and an empty ProcScan:
// which states a unit passes through, which hooks run, what is reported.
import type { ResolvedConfig } from "../../../src/config/resolved.ts";
import { Supervisor, type UnitSnapshot } from "../../../src/supervisor/supervisor.ts";
import { Fixture } from "../config/fixture.ts";
import { FakePlatform, type Program, waitFor } from "./fake-platform.ts";

interface Harness {
  sup: Supervisor;
  platform: FakePlatform;
  states: UnitSnapshot[];
  reports: string[];
  statesOf(name: string): string[];
}

function harness(config: ResolvedConfig, programs: (command: string) => Program): Harness {
  const platform = new FakePlatform(programs);
  const states: UnitSnapshot[] = [];
  const reports: string[] = [];
  const sup = new Supervisor({
    platform,
    config,
    scan: () => [],
    sink: () => ({ write() {}, flush() {} }),
    onState: (u) => states.push(u),
    report: (level, service, text) => reports.push(`${level} ${service ?? "-"}: ${text}`),
    random: () => 0.5,
  });
  return { sup, platform, states, reports, statesOf: (n) => states.filter((s) => s.name === n).map((s) => s.state) };
}

/** hooks echo their own name; "serve" runs until signalled; "crash" exits 3 */
const programs = (command: string): Program => {
  if (command === "serve") return {};
  if (command === "crash") return { exitCode: 3 };
  return { exitCode: 0 };
};

let fx: Fixture;
beforeEach(() => {
  fx = new Fixture();
});
afterEach(() => fx.remove());

const hooksYaml = `
    hooks:
      on_start: { success: { command: "hook on_start.success" }, error: { command: "hook on_start.error" } }
      on_stop: { success: { command: "hook on_stop.success" }, error: { command: "hook on_stop.error" } }
      on_restart: { success: { command: "hook on_restart.success" }, error: { command: "hook on_restart.error" } }`;

describe("readiness timeout", () => {
  for (const policy of ["never", "on-failure", "always"]) {
    test(`is handled once with restart_policy ${policy}: failed, on_start.error, no restart`, async () => {
      const config = await fx.good(`
version: "1"
services:
  web:
    command: serve
    restart_policy: ${policy}
    backoff: 10ms
    readiness: { log: "never printed", timeout: 50ms }${hooksYaml}
`);
      const h = harness(config, programs);
      h.sup.start();
      await waitFor(() => h.sup.snapshot("web")?.state === "failed", "web failed");
      const web = h.sup.snapshot("web")!;
      // shutdown waits for running hooks, so a second handling (a late hook) shows itself
      await h.sup.shutdown();
      expect(web.reason).toContain("readiness log /never printed/ did not pass within 50 ms");
      expect(web.restarts).toBe(0);
      expect(h.statesOf("web")).not.toContain("crashed");
      const hooks = h.platform.commands().filter((c) => c.startsWith("hook "));
      expect(hooks).toEqual(["hook on_start.error"]);
      expect(h.reports.filter((r) => r.includes("restarting"))).toEqual([]);
      // the service ran exactly once
      expect(h.platform.commands().filter((c) => c === "serve").length).toBe(1);
    });
  }
});
