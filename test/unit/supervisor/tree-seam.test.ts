// The Supervisor's ProcScan seam with a scripted process table: which processes it kills when a
// run ends is decided from what the scan reported, with the manual clock and the fake Platform.
import type { ProcEntry } from "../../../src/supervisor/tree.ts";
import { Supervisor } from "../../../src/supervisor/supervisor.ts";
import { Fixture } from "../config/fixture.ts";
import { FakePlatform, ManualClock } from "./fake-platform.ts";

let fx: Fixture;
beforeEach(() => {
  fx = new Fixture();
});
afterEach(() => fx.remove());

/** The scripted process table the supervisor's scans read; each test rewrites it. */
let table: ProcEntry[] = [];

/** One `web` service that is never restarted, started and running on the manual clock. */
async function started() {
  const config = await fx.good(`
version: "1"
services:
  web: { command: serve, restart_policy: never }
`);
  table = [];
  const clock = new ManualClock();
  const platform = new FakePlatform(() => ({}), () => clock.now());
  const sup = new Supervisor({ platform, config, scan: () => table, sink: () => ({ attach: async () => {} }), report: () => {}, clock });
  sup.start();
  await clock.advance(100);
  return { clock, platform, sup, main: sup.snapshot("web")!.pid! };
}

describe("process trees through the ProcScan seam", () => {
  test("a crash SIGKILLs the descendant that left the group (setsid) as the tick saw it, and nothing that is not a member", async () => {
    const { clock, platform, sup, main } = await started();
    // the main process forked 5000, which called setsid (its own group); 6000 is not ours
    table = [
      { pid: main, ppid: 1, pgid: main, startTime: 10 },
      { pid: 5000, ppid: main, pgid: 5000, startTime: 11 },
      { pid: 6000, ppid: 1, pgid: 6000, startTime: 12 },
    ];
    sup.refreshTrees(); // the 1 Hz tick
    expect([...sup.memberPids()].sort()).toEqual([main, 5000]);

    // the main process crashes; 5000 is re-parented away from it but stays a member
    table = [{ pid: 5000, ppid: 1, pgid: 5000, startTime: 11 }, { pid: 6000, ppid: 1, pgid: 6000, startTime: 12 }];
    platform.exit(main, 1);
    await clock.advance(100); // the sweep after a crash runs within 50 ms (one /proc scan shared by the runs ending meanwhile)
    expect(sup.snapshot("web")!.state).toBe("failed");
    const killed = platform.kills.filter((k) => k.signal === "SIGKILL").map((k) => k.pid);
    expect(killed).toContain(-main); // the group at once
    expect(killed).toContain(5000); // the escaped descendant, by the tree
    expect(killed).not.toContain(6000);
  });

  test("a member whose pid was recycled (another start time) is never signalled", async () => {
    const { clock, platform, sup, main } = await started();
    table = [
      { pid: main, ppid: 1, pgid: main, startTime: 10 },
      { pid: 5000, ppid: main, pgid: 5000, startTime: 11 },
    ];
    sup.refreshTrees();
    // 5000 ended and the kernel gave its pid to an unrelated program
    table = [{ pid: 5000, ppid: 1, pgid: 5000, startTime: 99 }];
    platform.exit(main, 1);
    await clock.advance(100); // the sweep after a crash runs within 50 ms (one /proc scan shared by the runs ending meanwhile)
    expect(platform.kills.map((k) => k.pid)).not.toContain(5000);
  });
});
