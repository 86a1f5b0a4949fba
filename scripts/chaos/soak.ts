// Scenario 7: a soak. Services that log steadily and services that crash and restart run for
// the whole duration while status is asked every second; the supervisor's RSS is sampled and
// its slope fitted (least squares over the second half, after warm-up), extrapolated per hour.
// Target: ≤ 1 MiB/h, judged on the anonymous part (heap, stacks: what a leak grows); the whole
// RSS is reported too, but its file-backed part is the 108 MiB executable's pages, which the
// daemon hands back now and then (MADV_PAGEOUT) and which fault back in as code runs.
// Also: no line of the loggers lost or torn at the end.
import { join } from "node:path";
import { type Tally, auditLog, box, checkAlive, fmt, logger, readLogs, sleep, startDaemon, statusRtt, stopDaemon, tally, truthCounts, usage } from "./lib.ts";
import { mkdirSync } from "node:fs";

export async function soak(durationMs: number): Promise<Tally> {
  const t = tally("7. soak");
  const b = box("soak");
  try {
    const truth = join(b.dir, "truth");
    mkdirSync(truth);
    const bin = logger();
    let cfg = 'version: "1"\nlogs:\n  max_size: 256K\n  max_files: 50\nservices:\n';
    for (let i = 0; i < 4; i++) cfg += `  log${i}:\n    command: "exec ${bin} log${i} ${truth} 200 60"\n    restart_policy: always\n`;
    for (let i = 0; i < 4; i++) cfg += `  flap${i}:\n    command: "echo up; sleep 0.${3 + i}; exit 3"\n    restart_policy: always\n    backoff: 100ms\n    backoff_max: 400ms\n    restart_reset: 200ms\n`;
    const pid = startDaemon(b, b.write("soak.yaml", cfg));
    const sock = join(b.stateDir, "control.sock");
    const samples: { s: number; rss: number; anon: number }[] = [];
    const t0 = Date.now();
    let statusErrors = 0;
    while (Date.now() - t0 < durationMs) {
      await sleep(1000);
      const u = usage(pid);
      if (!u) break;
      samples.push({ s: (Date.now() - t0) / 1000, rss: u.rss, anon: u.anon });
      const r = await statusRtt(sock);
      t.trials++;
      if (r.error && ++statusErrors <= 3) t.problems.push(`status during the soak: ${r.error}`);
    }
    if (!checkAlive(b, pid, t, "soak")) return t;
    const late = samples.slice(Math.floor(samples.length / 2));
    const perHour = (key: "rss" | "anon") => (leastSquares(late.map((x) => x.s), late.map((x) => x[key])) * 3600) / 1048576;
    const mib = (i: number, key: "rss" | "anon") => fmt((samples[i]?.[key] ?? 0) / 1048576);
    const anonSlope = perHour("anon");
    const n = samples.length - 1;
    t.figures.push(`${fmt(durationMs / 1000, 0)} s, ${samples.length} samples: anonymous RSS ${mib(0, "anon")} → ${mib(n, "anon")} MiB, slope over the second half ${fmt(anonSlope, 2)} MiB/h extrapolated (target ≤ 1)`);
    t.figures.push(`whole RSS ${mib(0, "rss")} → ${mib(n, "rss")} MiB, slope ${fmt(perHour("rss"), 2)} MiB/h (executable pages handed back and faulted in again)`);
    if (durationMs >= 300_000 && anonSlope > 1) t.problems.push(`anonymous RSS grows ${fmt(anonSlope, 2)} MiB/h over the second half of the soak (target ≤ 1)`);
    if (durationMs < 300_000) t.figures.push("(a short soak: the slope is reported, not judged; `npm run chaos` runs 10 minutes)");
    await stopDaemon(b, t, "soak");
    for (let i = 0; i < 4; i++) {
      const a = auditLog(readLogs(b.logDir, `log${i}`), `log${i}`, truthCounts(truth, `log${i}`), 60);
      t.lost += a.lost + a.torn;
      if (a.lost + a.torn > 0) t.problems.push(`log${i}: ${a.lost} lost, ${a.torn} torn of ${a.lines}: ${a.sample.join("; ")}`);
      if (i === 0) t.figures.push(`log0: ${a.lines} lines audited against the logger's own count`);
    }
  } finally {
    b.cleanup();
  }
  return t;
}

function leastSquares(xs: number[], ys: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}
