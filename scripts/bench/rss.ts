// Supervisor memory with 10 / 100 / 1000 `sleep` services, after they all run and a settle time:
// VmRSS (/proc/<pid>/status) and Pss (/proc/<pid>/smaps_rollup, shared pages divided among
// their users) of the supervisor's own processes — sysg in the foreground, the sysg daemon
// (`start --daemonize`), supervisord, PM2's God daemon, and for runit / s6 the scanner plus one
// runsv / s6-supervise per service, summed. The services themselves are not counted. RssAnon is
// the private heap part of VmRSS; the rest is mapped file pages (for sysg: its 100+ MiB binary,
// shared with any other sysg process and reclaimable, yet counted in VmRSS). "idle CPU" is the
// CPU time the supervisor's processes used during the settle time, as a share of one core.
//
//   bun scripts/bench/rss.ts [COUNTS=10,100,1000] [SETTLE_S=5] [--only sysg,sysg-daemon,supervisord,pm2,runit,s6]
import { positional, selectedPeers } from "./lib/peers.ts";
import { cpuTicks, pollSync, sumMemory } from "./lib/proc.ts";
import { delay, fmt, machine, ratio, table } from "./lib/run.ts";

const args = process.argv.slice(2);
const [countsArg, settleArg] = positional(args);
const counts = (countsArg ?? "10,100,1000").split(",").map(Number);
const settleMs = Number(settleArg ?? 5) * 1000;
const peers = selectedPeers(args);
console.log(`rss: ${counts.join("/")} services, settle ${settleMs / 1000} s, machine: ${machine()}`);

const MB = (kb: number) => kb / 1024;
const rows = [["services", "supervisor", "processes", "threads", "VmRSS MB", "RssAnon MB", "Pss MB", "RSS × sysg", "anon × sysg", "Pss × sysg", "idle CPU %"]];

for (const n of counts) {
  let base = { rss: NaN, anon: NaN, pss: NaN };
  for (const peer of peers) {
    const inst = peer.start(n);
    try {
      const t = pollSync(() => inst.services().length >= n, 300_000, 5);
      if (t === null) {
        console.warn(`${peer.name}: only ${inst.services().length}/${n} services after 300 s; skipped`);
        rows.push([String(n), peer.name, "–", "–", "timeout", "–", "–", "–", "–", "–", "–"]);
        continue;
      }
      const ticks = () => inst.supervisorPids().reduce((sum, p) => sum + cpuTicks(p), 0);
      const c0 = ticks();
      const s0 = performance.now();
      await delay(settleMs);
      const cpu = (ticks() - c0) / 100 / ((performance.now() - s0) / 1000);
      const m = sumMemory(inst.supervisorPids());
      if (peer.name === "sysg") base = m;
      rows.push([
        String(n),
        peer.name,
        String(m.processes),
        String(m.threads),
        fmt(MB(m.rss), 1),
        fmt(MB(m.anon), 1),
        fmt(MB(m.pss), 1),
        ratio(m.rss, base.rss),
        ratio(m.anon, base.anon),
        ratio(m.pss, base.pss),
        fmt(cpu * 100, 1),
      ]);
      console.log(`${n} × ${peer.name}: RSS ${fmt(MB(m.rss), 1)} MB, anon ${fmt(MB(m.anon), 1)} MB, Pss ${fmt(MB(m.pss), 1)} MB (${m.processes} process(es)), idle CPU ${fmt(cpu * 100, 1)} %`);
    } finally {
      await inst.stop();
    }
  }
}
console.log();
table(rows);
