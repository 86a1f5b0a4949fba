// Start-up cost per service: from the exec of a supervisor (sysg in the foreground, supervisord,
// PM2's `pm2 start` with a cold daemon, runsvdir, s6-svscan) until all N `sleep` services exist
// in /proc under it (exec done: their name is `sleep`). The floor is a shell loop running
// /bin/true N times. Every service is one process: sysg runs `exec sleep 1000` through /bin/sh
// (it always uses sh -c), supervisord and PM2 run `sleep 1000` directly, runit and s6 run a
// `run` script that execs sleep. Rounds interleave the peers; the table shows medians. "stop
// all" is each peer's normal stop (SIGTERM, or `pm2 kill`, `sv exit`), until the supervisor and
// every service are gone (seen by polling every 20 ms).
//
//   bun scripts/bench/start100.ts [N=100] [ROUNDS=5] [--only sysg,supervisord,pm2,runit,s6]
//
// Peers are installed on demand (apt / npm into .bench/pm2). Polling /proc every 1 ms costs a
// little CPU on the same machine, the same for every peer.
import { positional, selectedPeers } from "./lib/peers.ts";
import { pollSync } from "./lib/proc.ts";
import { fmt, machine, median, ratio, table } from "./lib/run.ts";

const args = process.argv.slice(2);
const [nArg, roundsArg] = positional(args);
const n = Number(nArg ?? 100);
const rounds = Number(roundsArg ?? 5);
const TIMEOUT_MS = 120_000;

const peers = selectedPeers(args);
console.log(`start${n}: ${rounds} round(s), machine: ${machine()}`);

function floor(): number {
  const t0 = performance.now();
  const r = Bun.spawnSync(["sh", "-c", `for i in $(seq ${n}); do /bin/true; done`]);
  if (r.exitCode !== 0) throw new Error("shell loop failed");
  return performance.now() - t0;
}

const results = new Map<string, number[]>();
/** how long the peer's normal stop took (signal or stop command, until it and every service are gone) */
const stops = new Map<string, number[]>();
const add = (name: string, ms: number) => results.set(name, [...(results.get(name) ?? []), ms]);

for (let round = 1; round <= rounds; round++) {
  add("floor: sh loop of /bin/true", floor());
  for (const peer of peers) {
    const inst = peer.start(n);
    const t = pollSync(() => inst.services().length >= n, TIMEOUT_MS, 1);
    if (t === null) console.warn(`round ${round}: ${peer.name} had ${inst.services().length}/${n} services after ${TIMEOUT_MS} ms`);
    else add(peer.name, t - inst.t0);
    const s0 = performance.now();
    await inst.stop();
    stops.set(peer.name, [...(stops.get(peer.name) ?? []), performance.now() - s0]);
  }
  console.log(`round ${round}/${rounds}: ${[...results].map(([k, v]) => `${k.split(":")[0]} ${fmt(v.at(-1)!, 0)} ms`).join(", ")}`);
}

const sysgMs = median(results.get("sysg") ?? []);
const sysgStop = median(stops.get("sysg") ?? []);
const rows = [["", `all ${n} started, ms (median)`, "min", "max", "per service, ms", "× sysg", "stop all, ms", "× sysg"]];
for (const [name, xs] of results) {
  const m = median(xs);
  const st = median(stops.get(name) ?? []);
  rows.push([name, fmt(m, 1), fmt(Math.min(...xs), 1), fmt(Math.max(...xs), 1), fmt(m / n, 3), ratio(m, sysgMs), fmt(st, 0), ratio(st, sysgStop)]);
}
console.log();
table(rows);
