// Crash → restart latency: one `sleep` service set to restart at once (sysg `restart_policy:
// always` + `backoff: 0s`; supervisord `autorestart=true startsecs=0`; PM2 `autorestart` +
// `restart_delay: 0`; runit and s6 restart by design). Each iteration SIGKILLs the running
// service from outside and polls /proc (every 0.1 ms) until a new `sleep` process has been
// exec'd under the supervisor; the time from kill() to that moment is one sample.
//
//   bun scripts/bench/restart.ts [ITERATIONS=50] [--only sysg,supervisord,pm2,runit,s6]
//
// runsv and s6-supervise wait a second before restarting a service that ran for less than one,
// so they get a 1.1 s gap between iterations (the others 100 ms) and fewer iterations: their
// numbers show the reaction time of a service that had been up for a while.
import { positional, selectedPeers } from "./lib/peers.ts";
import { alive, pollSync } from "./lib/proc.ts";
import { delay, fmt, machine, quantile, ratio, table } from "./lib/run.ts";

const args = process.argv.slice(2);
const iterations = Number(positional(args)[0] ?? 50);
const WARMUP = 3;
const peers = selectedPeers(args);
console.log(`restart: ${iterations} iteration(s) per peer, machine: ${machine()}`);

const results = new Map<string, number[]>();
const failures = new Map<string, number>();

for (const peer of peers) {
  const throttled = peer.name === "runit" || peer.name === "s6";
  const gap = throttled ? 1100 : 100;
  const count = throttled ? Math.min(iterations, 15) : iterations;
  const inst = peer.start(1, { restart: true });
  const samples: number[] = [];
  let failed = 0;
  try {
    const up = () => inst.services().find(alive);
    if (pollSync(() => up() !== undefined, 60_000, 1) === null) throw new Error(`${peer.name}: the service never started`);
    for (let i = 0; i < WARMUP + count; i++) {
      await delay(gap);
      const old = up();
      if (old === undefined) {
        failed++;
        await delay(1000);
        continue;
      }
      const t0 = performance.now();
      process.kill(old, "SIGKILL");
      const t1 = pollSync(() => inst.services().some((p) => p !== old && alive(p)), 10_000, 0.1);
      if (t1 === null) failed++;
      else if (i >= WARMUP) samples.push(t1 - t0);
    }
  } finally {
    await inst.stop();
  }
  results.set(peer.name, samples);
  failures.set(peer.name, failed);
  console.log(`${peer.name}: ${samples.length} samples, p50 ${fmt(quantile(samples, 0.5))} ms${failed ? `, ${failed} without a restart within 10 s` : ""}`);
}

const sysgP50 = quantile(results.get("sysg") ?? [], 0.5);
const rows = [["", "samples", "p50 ms", "p90 ms", "min", "max", "p50 × sysg"]];
for (const [name, xs] of results) {
  const p50 = quantile(xs, 0.5);
  rows.push([name, String(xs.length), fmt(p50), fmt(quantile(xs, 0.9)), fmt(Math.min(...xs)), fmt(Math.max(...xs)), ratio(p50, sysgP50)]);
}
console.log();
table(rows);
