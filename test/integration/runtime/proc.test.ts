// Process-tree readings against real processes, including a descendant that called setsid.
import { afterEach, describe, expect, test } from "bun:test";
import { descendantTable, descendants, isSameProcess, processGroup, procTable, readStat } from "../../../src/runtime/proc.ts";

const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    for (const d of descendants(pid)) process.kill(d.pid, "SIGKILL");
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

async function until<T>(probe: () => T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error("timed out");
    await Bun.sleep(10);
  }
}

describe("process tree", () => {
  test("descendants include a grandchild that called setsid; the group holds the others", async () => {
    const proc = Bun.spawn(["/bin/sh", "-c", "setsid sleep 30 & sleep 31 & sh -c 'sleep 32' & wait"], { stdout: "ignore" });
    started.push(proc.pid);
    const tree = await until(() => {
      const d = descendants(proc.pid);
      return d.filter((e) => e.comm === "sleep").length === 3 ? d : undefined;
    });
    const shell = readStat(proc.pid)!;
    const sleeps = tree.filter((e) => e.comm === "sleep");
    const escaped = sleeps.filter((e) => e.sid !== shell.sid);
    expect(escaped).toHaveLength(1);
    expect(escaped[0]!.pgid).toBe(escaped[0]!.pid);
    const group = processGroup(shell.pgid, procTable()).map((e) => e.pid);
    expect(group).toContain(proc.pid);
    expect(group).not.toContain(escaped[0]!.pid);
    for (const e of sleeps) expect(isSameProcess(e.pid, e.startTime)).toBe(true);
  });

  test("descendantTable (children links) finds the same tree as a whole-table scan", async () => {
    const proc = Bun.spawn(["/bin/sh", "-c", "setsid sleep 30 & sleep 31 & sh -c 'sleep 32' & wait"], { stdout: "ignore" });
    started.push(proc.pid);
    const full = await until(() => {
      const d = descendants(proc.pid);
      return d.filter((e) => e.comm === "sleep").length === 3 ? d : undefined;
    });
    const linked = descendantTable(proc.pid);
    expect(linked[0]!.pid).toBe(proc.pid);
    const strip = (e: { pid: number; ppid: number; pgid: number; startTime: number; comm: string }) => ({ pid: e.pid, ppid: e.ppid, pgid: e.pgid, startTime: e.startTime, comm: e.comm });
    const byPid = (a: { pid: number }, b: { pid: number }) => a.pid - b.pid;
    expect(linked.slice(1).map(strip).sort(byPid)).toEqual(full.map(strip).sort(byPid));
    // from our own pid (multi-threaded: every thread's children file) it reaches the same processes
    const mine = descendantTable(process.pid).map((e) => e.pid);
    for (const e of full) expect(mine).toContain(e.pid);
    // extra roots are followed too, and a vanished pid is skipped
    expect(descendantTable(999_999_999, [proc.pid]).map((e) => e.pid).sort()).toEqual([proc.pid, ...full.map((e) => e.pid)].sort());
  });

  test("a killed and reaped process is no longer the same process", async () => {
    const proc = Bun.spawn(["/bin/sh", "-c", "sleep 30"], { stdout: "ignore" });
    started.push(proc.pid);
    const st = readStat(proc.pid)!;
    expect(isSameProcess(proc.pid, st.startTime)).toBe(true);
    proc.kill("SIGKILL");
    await proc.exited;
    expect(isSameProcess(proc.pid, st.startTime)).toBe(false);
  });

  test("a zombie (exited, not yet collected by its parent) is no longer the same process", async () => {
    // sh forks `sleep 0`, then becomes `sleep 30`, which never waits for it
    const proc = Bun.spawn(["/bin/sh", "-c", "sleep 0 & exec sleep 30"], { stdout: "ignore" });
    started.push(proc.pid);
    const zombie = await until(() => descendants(proc.pid).find((e) => e.state === "Z"));
    expect(readStat(zombie.pid)?.startTime).toBe(zombie.startTime);
    expect(isSameProcess(zombie.pid, zombie.startTime)).toBe(false);
  });
});
