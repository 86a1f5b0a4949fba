// The 1 Hz tick reads the stat files of the processes the trees know, and walks children links
// (to find new descendants) only when a process can have appeared, at most every DISCOVER_MS.
import type { ProcStat } from "../../../src/runtime/proc.ts";
import { DISCOVER_MS, type ProcSource, TickReader } from "../../../src/supervisor/tick-reader.ts";

const proc = (pid: number, ppid: number, state = "S"): ProcStat => ({
  pid, ppid, pgid: pid, sid: pid, comm: "x", state, cpuTicks: 0, startTime: 1, rss: 0,
});

/** A fake /proc: processes by pid, the newest pid, and a log of what was read. */
function fakeProc(procs: ProcStat[], newest: { pid: number | null }) {
  const reads = { stat: [] as number[], walks: 0 };
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const source: ProcSource = {
    stat: (pid) => {
      reads.stat.push(pid);
      return byPid.get(pid) ?? null;
    },
    descendants: (root, extra) => {
      reads.walks++;
      const out: ProcStat[] = [];
      const seen = new Set<number>();
      const queue = [root, ...extra];
      while (queue.length > 0) {
        const pid = queue.pop()!;
        if (seen.has(pid) || !byPid.has(pid)) continue;
        seen.add(pid);
        out.push(byPid.get(pid)!);
        for (const p of byPid.values()) if (p.ppid === pid) queue.push(p.pid);
      }
      return out;
    },
    lastPid: () => newest.pid,
  };
  return { source, reads, add: (p: ProcStat) => byPid.set(p.pid, p), remove: (pid: number) => byPid.delete(pid) };
}

describe("TickReader", () => {
  test("reads only the known members' stat files while no process appeared on the host", () => {
    const newest = { pid: 500 };
    const f = fakeProc([proc(1, 0), proc(10, 1), proc(11, 1), proc(99, 0)], newest);
    const r = new TickReader(f.source, 1);
    // the first tick walks (nothing was walked yet)
    expect(r.read([10, 11], 0).map((e) => e.pid).sort()).toEqual([10, 11]);
    expect(f.reads.walks).toBe(1);
    for (let t = 1; t <= 20; t++) {
      f.reads.stat.length = 0;
      const table = r.read([10, 11], t * 1000);
      expect(table.map((e) => e.pid).sort()).toEqual([10, 11]);
      // one read per member, nothing else on the host (pid 99) is touched
      expect(f.reads.stat.sort()).toEqual([10, 11]);
    }
    expect(f.reads.walks).toBe(1);
  });

  test("a new descendant is found by the next walk: when the newest pid moved, at most every DISCOVER_MS", () => {
    const newest = { pid: 500 };
    const f = fakeProc([proc(1, 0), proc(10, 1)], newest);
    const r = new TickReader(f.source, 1);
    r.read([10], 0);
    // service 10 forks 501
    f.add(proc(501, 10));
    newest.pid = 501;
    expect(r.read([10], 1000).map((e) => e.pid)).toEqual([10]);
    expect(f.reads.walks).toBe(1);
    expect(r.read([10], DISCOVER_MS).map((e) => e.pid).sort()).toEqual([10, 501]);
    expect(f.reads.walks).toBe(2);
    // once known, it is read every tick; a dead or zombie member drops out
    f.add(proc(501, 10, "Z"));
    expect(r.read([10, 501], DISCOVER_MS + 1000).map((e) => e.pid)).toEqual([10]);
    f.remove(10);
    expect(r.read([10, 501], DISCOVER_MS + 2000)).toEqual([]);
  });

  test("what a walk found is read every tick after it, also when no tree lists it (a dynamic child's descendants)", () => {
    const newest = { pid: 500 };
    const f = fakeProc([proc(1, 0), proc(10, 1), proc(20, 1), proc(21, 20)], newest);
    const r = new TickReader(f.source, 1);
    expect(r.read([10], 0).map((e) => e.pid).sort()).toEqual([10, 20, 21]);
    f.reads.stat.length = 0;
    expect(r.read([10], 1000).map((e) => e.pid).sort()).toEqual([10, 20, 21]);
    expect(f.reads.stat.sort()).toEqual([10, 20, 21]);
    // gone: not read again
    f.remove(21);
    r.read([10], 2000);
    f.reads.stat.length = 0;
    r.read([10], 3000);
    expect(f.reads.stat.sort()).toEqual([10, 20]);
    expect(f.reads.walks).toBe(1);
  });

  test("walks every DISCOVER_MS when the newest pid cannot be read", () => {
    const f = fakeProc([proc(1, 0), proc(10, 1)], { pid: null });
    const r = new TickReader(f.source, 1);
    for (let t = 0; t < 3 * DISCOVER_MS; t += 1000) r.read([10], t);
    expect(f.reads.walks).toBe(3);
  });
});
