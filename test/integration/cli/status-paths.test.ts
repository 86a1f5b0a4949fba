// Status computed in one place (issue 15 item 6), through the compiled binary: the rows the
// supervisor answers over its socket and the rows `status` rebuilds from the state files after
// the supervisor was SIGKILLed have the same shape, and cpu/rss mean the same quantity — the
// whole process tree of the run (here a shell whose child spins), CPU over a recent interval.
// Before, the offline path showed the main process alone, averaged over its whole life (~0 %),
// and inspect showed every process at 0 %.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, alive, ensureBuilt, run, sandbox } from "../../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

interface Row {
  name: string;
  kind: string;
  state: string;
  pid: number | null;
  cpu: number;
  rss: number;
  uptime: number;
  [k: string]: unknown;
}
const stateDir = (s: Sandbox) => join(s.home, ".local/share/systemg");
const statusJson = (s: Sandbox) => {
  const r = run(s, ["status", "--json"]);
  return { code: r.code, doc: JSON.parse(r.stdout) as { units: Row[]; [k: string]: unknown } };
};
const row = (rows: Row[], name: string) => rows.find((u) => u.name === name)!;

async function until<T>(what: string, f: () => T, timeoutMs = 30_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** RSS of `pid` and its children, bytes, from /proc right now. */
function treeRss(pid: number): number {
  const page = 4096;
  const one = (p: number) => Number(readFileSync(`/proc/${p}/statm`, "latin1").split(" ")[1]) * page;
  let sum = one(pid);
  for (const c of readFileSync(`/proc/${pid}/task/${pid}/children`, "latin1").trim().split(/\s+/).filter(Boolean)) sum += one(Number(c));
  return sum;
}

describe("status online and offline: one computation", () => {
  test("same fields; cpu and rss are the run's whole tree, a recent rate, on both paths", async () => {
    sb = sandbox();
    // spin: the main shell waits while its child burns a CPU; idle: one sleeping process
    const cfg = sb.write(
      "sysg.yaml",
      `version: "1"\nservices:\n  spin:\n    command: 'sh -c "while :; do :; done" & wait'\n  idle:\n    command: 'exec sleep 300'\n`,
    );
    expect(run(sb, ["start", "--daemonize", "-c", cfg]).code).toBe(0);
    // online: wait for the sampler to have measured the spinning child (a loaded 2-CPU host may give it less than a core)
    const online = await until("online cpu of spin", () => {
      const { doc } = statusJson(sb);
      return row(doc.units, "spin").cpu > 20 ? doc : null;
    });
    const spinPid = row(online.units, "spin").pid!;
    expect(row(online.units, "idle").cpu).toBeLessThan(5);
    // inspect: the same quantity per process — the spinning child, not the waiting shell
    const procs = await until("inspect's per-process cpu", () => {
      const list = JSON.parse(run(sb, ["inspect", "spin", "--json"]).stdout).processes as { pid: number; ppid: number; cpu: number }[];
      return list.length === 2 && list[1]!.cpu > 20 ? list : null;
    });
    expect(procs[0]).toMatchObject({ pid: spinPid });
    expect(procs[0]!.cpu).toBeLessThan(5);
    expect(procs[1]!.ppid).toBe(spinPid);

    const sup = (JSON.parse(readFileSync(join(stateDir(sb), "sysg.pid"), "utf8")) as { pid: number }).pid;
    process.kill(sup, "SIGKILL");
    await until("the supervisor gone", () => !alive(sup));

    const off = statusJson(sb);
    expect(off.code).toBe(3); // from the state files
    const offline = off.doc;
    // the same document and row shape
    expect(Object.keys(offline).sort()).toEqual(Object.keys(online).sort());
    expect(offline.units.map((u) => u.name).sort()).toEqual(online.units.map((u) => u.name).sort());
    for (const u of offline.units) expect(Object.keys(u).sort()).toEqual(Object.keys(row(online.units, u.name)).sort());

    const spin = row(offline.units, "spin");
    expect(spin.pid).toBe(spinPid);
    // the same quantity: the tree's recent CPU (the main shell alone uses none), its tree's RSS
    expect(spin.cpu).toBeGreaterThan(20);
    expect(row(offline.units, "idle").cpu).toBeLessThan(5);
    const rssNow = treeRss(spinPid);
    expect(Math.abs(spin.rss - rssNow) / rssNow).toBeLessThan(0.2);
    expect(Math.abs(row(online.units, "spin").rss - rssNow) / rssNow).toBeLessThan(0.2);
    // uptime: since the run's main process started, on both
    expect(spin.uptime).toBeGreaterThanOrEqual(row(online.units, "spin").uptime);
    expect(spin.uptime).toBeLessThan(row(online.units, "spin").uptime + 60);
  }, 60_000);
});
