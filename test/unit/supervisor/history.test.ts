import { auxv } from "../../../src/runtime/proc.ts";
import { HISTORY_SECONDS, History } from "../../../src/supervisor/history.ts";

const proc = (pid: number, ppid: number, cpuTicks: number, rss: number) => ({
  pid, ppid, pgid: pid, sid: pid, comm: "x", state: "S", cpuTicks, startTime: 1, rss,
});

describe("History", () => {
  test("samples a unit's whole tree at 1 Hz; times to the second, RSS to the KiB", () => {
    const h = new History();
    const t0 = 1_700_000_000_000;
    h.sample([{ name: "web", pid: 10 }], [proc(10, 1, 0, 4096 * 100), proc(11, 10, 0, 4096 * 5)], t0);
    h.sample([{ name: "web", pid: 10 }], [proc(10, 1, 50, 4096 * 100), proc(11, 10, 50, 4096 * 5)], t0 + 1000);
    const s = h.samples("web", 10_000, t0 + 1000);
    expect(s.map((x) => x.at)).toEqual([t0, t0 + 1000]);
    expect(s.map((x) => x.rss)).toEqual([4096 * 105, 4096 * 105]);
    expect(Math.abs(s[1]!.cpu - 100)).toBeLessThan(1e-6); // 100 ticks (two processes) in 1 s at 100 Hz
    expect(h.latest("web", 10)).toEqual(s[1]!);
    expect(h.latest("web", 99)).toBeNull();
    // each member over the same interval: what inspect shows per process
    const hz = auxv().clockTicks;
    expect(Math.abs(h.memberCpu("web", 10, 11)! - (50 / hz) * 100)).toBeLessThan(1e-6);
    expect(h.memberCpu("web", 10, 12)).toBeNull(); // never seen
    expect(h.memberCpu("web", 99, 11)).toBeNull(); // another run
    // a member born between the samples has no rate yet; one sample later it has
    h.sample([{ name: "web", pid: 10 }], [proc(10, 1, 50, 4096), proc(11, 10, 60, 4096), proc(12, 10, 7, 4096)], t0 + 2000);
    expect(h.memberCpu("web", 10, 12)).toBeNull();
    expect(Math.abs(h.memberCpu("web", 10, 11)! - (10 / hz) * 100)).toBeLessThan(1e-6);
    expect(h.memberCpu("web", 10, 10)).toBe(0);
  });

  test("the ring keeps the last HISTORY_SECONDS samples", () => {
    const h = new History();
    const t0 = 1_700_000_000_000;
    for (let i = 0; i < HISTORY_SECONDS + 50; i++) h.sample([{ name: "a", pid: 5 }], [proc(5, 1, i, 8192)], t0 + i * 1000);
    const s = h.samples("a", 10_000_000, t0 + (HISTORY_SECONDS + 50) * 1000);
    expect(s.length).toBe(HISTORY_SECONDS);
    expect(s[0]!.at).toBe(t0 + 50 * 1000);
  });
});
