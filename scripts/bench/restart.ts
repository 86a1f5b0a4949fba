// Crash → restart latency: one `sleep` service set to restart at once (sysg `restart_policy:
// always` + `backoff: 0s`; supervisord `autorestart=true startsecs=0`; PM2 `autorestart` +
// `restart_delay: 0`; runit and s6 restart by design). Each iteration SIGKILLs the running
// service from outside and polls /proc (every 0.1 ms) until a new `sleep` process has been
// exec'd under the same parent; the time from kill() to that moment is one sample. BACKGROUND
// more idle services run beside it, to show what the restart path costs on a busy supervisor.
//
//   bun scripts/bench/restart.ts [ITERATIONS=50] [BACKGROUND=0] [--only sysg,supervisord,pm2,runit,s6]
//
// runsv and s6-supervise wait a second before restarting a service that ran for less than one,
// so they get a 1.1 s gap between iterations (the others 100 ms) and fewer iterations: their
// numbers show the reaction time of a service that had been up for a while.
import { positional, selectedPeers } from "./lib/peers.ts";
import { alive, children, comm, parentPid, pollSync } from "./lib/proc.ts";
import { delay, fmt, machine, quantile, ratio, table } from "./lib/run.ts";

const args = process.argv.slice(2);
const [itArg, bgArg] = positional(args);
const iterations = Number(itArg ?? 50);
const background = Number(bgArg ?? 0);
const WARMUP = 3;
const peers = selectedPeers(args);
console.log(`restart: ${iterations} iteration(s) per peer, ${background} other service(s), machine: ${machine()}`);

const results = new Map<string, number[]>();
const failures = new Map<string, number>();

for (const peer of peers) {
  const throttled = peer.name === "runit" || peer.name === "s6";
  const gap = throttled ? 1100 : 100;
  const count = throttled ? Math.min(iterations, 15) : iterations;
  const inst = peer.start(1 + background, { restart: true });
  const samples: number[] = [];
  let failed = 0;
  try {
    if (pollSync(() => inst.services().filter(alive).length > background, 300_000, 5) === null) throw new Error(`${peer.name}: the services never started`);
    let victim = inst.services().find(alive)!;
    for (let i = 0; i < WARMUP + count; i++) {
      await delay(gap);
      // the restarted service appears under the same parent (supervisor, or its runsv); only
      // that parent's children are read while timing, so the poll stays cheap beside 1000 others
      const parent = parentPid(victim);
      if (parent === null || !alive(victim)) {
        failed++;
        await delay(1000);
        victim = inst.services().find(alive) ?? victim;
        continue;
      }
      const before = new Set(children(parent));
      let next = 0;
      const t0 = performance.now();
      process.kill(victim, "SIGKILL");
      const t1 = pollSync(() => {
        next = children(parent).find((c) => !before.has(c) && comm(c) === "sleep" && alive(c)) ?? 0;
        return next > 0;
      }, 10_000, 0.1);
      if (next > 0) victim = next;
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
