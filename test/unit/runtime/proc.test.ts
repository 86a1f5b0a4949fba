import {
  auxv,
  childrenByParent,
  descendants,
  isSameProcess,
  parseStat,
  processAgeSeconds,
  processGroup,
  procTable,
  readStat,
  readTree,
  startedAtMs,
  treeCpuPercent,
  treeTotals,
} from "../../../src/runtime/proc.ts";

describe("/proc readings", () => {
  test("readStat describes this process", () => {
    const st = readStat(process.pid);
    expect(st).not.toBeNull();
    expect(st!.pid).toBe(process.pid);
    expect(st!.ppid).toBe(process.ppid);
    expect(st!.startTime).toBeGreaterThan(0);
    expect(st!.rss).toBeGreaterThan(1024 * 1024);
    expect(["R", "S"]).toContain(st!.state);
    expect(processAgeSeconds(st!)).toBeLessThan(600);
    // the process started before its JS time origin (by its start-up, which a loaded machine
    // or deno's type check can stretch to minutes), and not long before that
    const started = startedAtMs(st!.startTime);
    const origin = Date.now() - performance.now();
    expect(started).toBeLessThan(origin + 1000);
    expect(started).toBeGreaterThan(origin - 600_000);
  });

  test("parseStat copes with spaces and parentheses in the command name", () => {
    const fields = ["S", "1", "77", "77", "0", "-1", "4194560", "0", "0", "0", "0", "12", "30", "0", "0", "20", "0", "1", "0", "4242", "1000", "25"];
    const st = parseStat(`123 (a) b (c)) ${fields.join(" ")}\n`);
    expect(st).toEqual({ pid: 123, comm: "a) b (c)", state: "S", ppid: 1, pgid: 77, sid: 77, cpuTicks: 42, startTime: 4242, rss: 25 * auxv().pageSize });
    expect(parseStat("garbage")).toBeNull();
  });

  test("isSameProcess checks the start time, so a recycled pid does not count", () => {
    const st = readStat(process.pid)!;
    expect(isSameProcess(process.pid, st.startTime)).toBe(true);
    expect(isSameProcess(process.pid, st.startTime + 1)).toBe(false);
    expect(isSameProcess(2 ** 22 + 1, st.startTime)).toBe(false);
    expect(readStat(2 ** 22 + 1)).toBeNull();
  });

  test("the process table walks: descendants by parent link, members of a group", () => {
    const table = procTable();
    expect(table.some((e) => e.pid === process.pid)).toBe(true);
    expect(descendants(process.ppid, table).map((e) => e.pid)).toContain(process.pid);
    expect(descendants(process.pid, table).map((e) => e.pid)).not.toContain(process.pid);
    const me = readStat(process.pid)!;
    expect(processGroup(me.pgid, table).map((e) => e.pid)).toContain(process.pid);
  });

  test("auxv gives the page size and clock ticks sysconf would", () => {
    const { pageSize, clockTicks } = auxv();
    expect(pageSize).toBeGreaterThanOrEqual(4096);
    expect(pageSize & (pageSize - 1)).toBe(0);
    expect(clockTicks).toBeGreaterThan(0);
  });

  test("a tree's CPU and RSS: every descendant counts, a rate between two readings, never below 0", () => {
    const hz = auxv().clockTicks;
    const p = (pid: number, ppid: number, cpuTicks: number, rss: number) => ({ pid, ppid, cpuTicks, rss });
    const table = [p(10, 1, 5, 1000), p(11, 10, hz, 2000), p(12, 11, hz, 3000), p(20, 1, 99, 99)];
    const index = { byPid: new Map(table.map((e) => [e.pid, e] as const)), children: childrenByParent(table) };
    expect(treeTotals(10, index, 7)).toEqual({ ticks: 5 + 2 * hz, rss: 6000, at: 7 });
    expect(treeTotals(99, index, 7)).toBeNull();
    expect(treeCpuPercent({ ticks: 0, at: 1000 }, { ticks: hz / 2, at: 2000 })).toBe(50);
    expect(treeCpuPercent({ ticks: 0, at: 0 }, { ticks: 2 * hz, at: 1000 })).toBe(200); // two busy members
    expect(treeCpuPercent({ ticks: 9, at: 0 }, { ticks: 3, at: 1000 })).toBe(0); // a member exited
    expect(treeCpuPercent({ ticks: 0, at: 5 }, { ticks: 10, at: 5 })).toBe(0);
    // our own RSS moves while we read: the tree's reading is bracketed by two of our stat
    const before = readStat(process.pid)!;
    const me = readTree(process.pid)!;
    const after = readStat(process.pid)!;
    expect(me.ticks).toBeGreaterThanOrEqual(before.cpuTicks);
    expect(me.rss).toBeGreaterThanOrEqual(Math.min(before.rss, after.rss));
  });

});
