// The 1 Hz tick reads only the supervisor's own processes (ISSUE 11 item 4): the stat files of
// the services' processes, never a listing of /proc nor a stat file of anyone else's process.
// Watched with strace on the real supervisor.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { type Sandbox, ensureBuilt, sandbox, sleep, spawnSysg } from "../../helpers/sysg.ts";

const hasStrace = spawnSync("strace", ["-V"]).status === 0;
if (!hasStrace) console.log("tick-reads: skipped, needs strace (apt-get install strace)");

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    for (const w of readFileSync(`/proc/${pid}/task/${tid}/children`, "latin1").split(" ")) if (w) out.push(Number(w));
  }
  return out;
}

describe("the 1 Hz tick", () => {
  test.skipIf(!hasStrace)("reads the services' stat files, nothing else of /proc", async () => {
    sb = sandbox();
    const cfg = sb.write("tick.yaml", `version: "1"\nservices:\n  a: { command: "sleep 300" }\n  b: { command: "sleep 301" }\n  c: { command: "sleep 302" }\n`);
    const p = spawnSysg(sb, ["start", "-c", cfg]);
    let services: number[] = [];
    const end = Date.now() + 15_000;
    while (services.length < 3 && Date.now() < end) {
      await sleep(50);
      services = childrenOf(p.pid);
    }
    expect(services.length).toBe(3);
    // a few ticks, with processes appearing on the host meanwhile (strace itself, this test's)
    const r = spawnSync("strace", ["-f", "-qq", "-y", "-e", "trace=openat,getdents64", "-p", String(p.pid)], { encoding: "utf8", timeout: 4_500, killSignal: "SIGINT" });
    const lines = r.stderr.split("\n");
    const own = new Set([p.pid, ...readdirSync(`/proc/${p.pid}/task`).map(Number), ...services]);
    const listings = lines.filter((l) => /getdents64\(\d+<\/proc>/.test(l));
    expect(listings).toEqual([]);
    const foreign = lines.filter((l) => {
      const m = /openat\([^"]*"\/proc\/(\d+)\//.exec(l);
      return m !== null && !own.has(Number(m[1]));
    });
    expect(foreign).toEqual([]);
    // and it did read each service, every second
    for (const pid of services) expect(lines.filter((l) => l.includes(`"/proc/${pid}/stat"`)).length).toBeGreaterThanOrEqual(2);
    p.signal("SIGTERM");
    expect(await p.exited).toBe(0);
  }, 30_000);
});
