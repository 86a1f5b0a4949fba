// Scenario 8 (the known escape): services whose command leaves a double-fork + setsid daemon
// behind, re-parented to the supervisor within the first second — no cgroup. `stop -s` of
// each must leave nothing of it running while its neighbours keep running; the cost of the
// SYSG_UNIT attribution is reported (stop -s latency, bytes of environment per service).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Tally, box, crashOf, fmt, pct, startDaemon, stat, stopDaemon, supervisorPid, sysg, tagged, tally, until } from "./lib.ts";

export async function escape(services: number): Promise<Tally> {
  const t = tally("8. stop -s reaches double-forked daemons (no cgroup)");
  const b = box("escape");
  try {
    let cfg = 'version: "1"\nservices:\n';
    for (let i = 0; i < services; i++) cfg += `  d${i}:\n    command: "(setsid sleep 100000 &); (setsid sh -c 'sleep 100001 & exec sleep 100002' &); exec sleep 100003"\n    stop_timeout: 1s\n`;
    cfg += '  neighbour:\n    command: "exec sleep 100004"\n';
    const sup = startDaemon(b, b.write("escape.yaml", cfg));
    // every daemon re-parented to the supervisor (its parent subshell gone)
    const reparented = () => tagged(b.tag).filter((p) => p.argv[0] === "sleep" && p.argv[1] !== "100003" && p.argv[1] !== "100004");
    await until(() => reparented().filter((p) => p.ppid === sup).length >= services * 2, 10_000);
    const adopted = reparented().filter((p) => p.ppid === sup).length;
    t.figures.push(`${adopted} daemons re-parented to the supervisor before the stops (expected ${services * 2})`);
    const markBytes = envBytes(reparented()[0]?.pid);
    // what the supervisor pays per re-parented process: one environ read (the same call, timed here)
    const pidsToRead = reparented().map((p) => p.pid);
    const r0 = performance.now();
    for (let k = 0; k < 10; k++) for (const pid of pidsToRead) envBytes(pid);
    const perRead = ((performance.now() - r0) * 1000) / Math.max(1, 10 * pidsToRead.length);
    const times: number[] = [];
    const neighbour = () => tagged(b.tag).find((p) => p.argv.join(" ") === "sleep 100004");
    const before = neighbour()?.pid;
    for (let i = 0; i < services; i++) {
      t.trials++;
      const r = sysg(b, ["stop", "-s", `d${i}`], { timeout: 30_000 });
      times.push(r.ms);
      const c = crashOf(r, [0]);
      if (c) {
        t.crashes++;
        t.problems.push(`stop -s d${i}: ${c}`);
        continue;
      }
      const mine = () =>
        tagged(b.tag).filter((p) => {
          try {
            return readFileSync(`/proc/${p.pid}/environ`, "latin1").includes(`SYSG_UNIT=d${i}:`);
          } catch {
            return false;
          }
        });
      if (!(await until(() => mine().length === 0, 3000))) {
        const left = mine();
        t.orphans += left.length;
        t.problems.push(`stop -s d${i} left ${left.length} process(es): ${left.map((p) => `${p.pid} ${p.argv.join(" ")} (ppid ${p.ppid})`).join("; ")}`);
      }
    }
    if (neighbour()?.pid !== before || before === undefined) t.problems.push("the neighbour service did not survive the stops untouched");
    if (supervisorPid(b) !== sup || stat(sup) === null) t.problems.push("the supervisor changed during the stops");
    const plain = sysg(b, ["stop", "-s", "neighbour"], { timeout: 30_000 });
    t.figures.push(`stop -s (CLI round trip, stop_timeout 1 s for the escaped daemons): median ${fmt(pct(times, 50), 0)} ms, p90 ${fmt(pct(times, 90), 0)} ms; a service without escaped processes: ${fmt(plain.ms, 0)} ms`);
    t.figures.push(`attribution cost: no extra process; ${markBytes} bytes of environment per service (SYSG_UNIT), one /proc/<pid>/environ read per process re-parented to the supervisor (${fmt(perRead)} µs each here, cached per process)`);
    await stopDaemon(b, t, "escape");
  } finally {
    b.cleanup();
  }
  return t;
}

function envBytes(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /SYSG_UNIT=[^\0]*/.exec(readFileSync(`/proc/${pid}/environ`, "latin1"));
    return m ? m[0].length + 1 : 0;
  } catch {
    return 0;
  }
}
