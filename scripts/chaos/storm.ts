// Scenario 5: a crash storm. 100 services exit at once, forever (restart_policy: always, a
// 50 ms first backoff). The supervisor's CPU must stay bounded by the backoff, and `status`
// must answer within 50 ms throughout (measured over the socket, so CLI start-up is not in it).
import { type Tally, box, fmt, pct, startDaemon, statusRtt, stopDaemon, tally, usage, checkAlive, sleep } from "./lib.ts";
import { join } from "node:path";

export async function crashStorm(durationMs: number): Promise<Tally> {
  const t = tally("5. crash storm");
  const b = box("storm");
  try {
    let cfg = 'version: "1"\nservices:\n';
    for (let i = 0; i < 100; i++) cfg += `  s${i}:\n    command: "exit 1"\n    restart_policy: always\n    backoff: 50ms\n    backoff_max: 5s\n`;
    const pid = startDaemon(b, b.write("storm.yaml", cfg));
    const sock = join(b.stateDir, "control.sock");
    const rtts: number[] = [];
    const cpu: { at: number; ticks: number }[] = [];
    const end = Date.now() + durationMs;
    let errors = 0;
    while (Date.now() < end) {
      const u = usage(pid);
      if (u) cpu.push({ at: Date.now(), ticks: u.ticks });
      const r = await statusRtt(sock);
      t.trials++;
      if (r.error) {
        errors++;
        if (errors <= 3) t.problems.push(`status failed during the storm: ${r.error}`);
      } else rtts.push(r.ms);
      await sleep(50);
    }
    if (!checkAlive(b, pid, t, "storm")) return t;
    const cpuPct = (a: number, z: number) => (((cpu[z]!.ticks - cpu[a]!.ticks) / 100) * 100_000) / Math.max(1, cpu[z]!.at - cpu[a]!.at);
    const half = Math.floor(cpu.length / 2);
    const whole = cpuPct(0, cpu.length - 1);
    const late = cpuPct(half, cpu.length - 1);
    const p99 = pct(rtts, 99);
    t.figures.push(`status over the socket: ${rtts.length} answers, p50 ${fmt(pct(rtts, 50))} ms, p99 ${fmt(p99)} ms, max ${fmt(Math.max(...rtts))} ms`);
    t.figures.push(`supervisor CPU: ${fmt(whole)} % of one core over ${fmt(durationMs / 1000, 0)} s, ${fmt(late)} % in the second half (backoff capped at 5 s)`);
    if (p99 > 50) t.problems.push(`status p99 ${fmt(p99)} ms during the storm (target < 50 ms)`);
    if (late > 25) t.problems.push(`supervisor CPU ${fmt(late)} % in the second half of the storm: not bounded by the backoff`);
    await stopDaemon(b, t, "storm");
  } finally {
    b.cleanup();
  }
  return t;
}
