// Memory of `isolation.pid`: N `sleep` services each in its own PID namespace, under the sysg
// daemon (`start --daemonize`). Pss (/proc/<pid>/smaps_rollup, shared pages divided among their
// users) of the supervisor plus every namespace init, summed, after a settle time; then the
// same N services without isolation (the supervisor alone: what the inits add on top). Run it
// with SYSG_BEFORE=<an older dist/sysg> to put a build whose init was a fork of the supervisor
// beside this one: "saved per service" = (before − this) / N.
//
//   bun scripts/build.ts && flock /work/bench.lock bun scripts/bench/pidns.ts [N=20] [SETTLE_S=5]
//   SYSG_BEFORE=/path/to/old/sysg bun scripts/bench/pidns.ts 20
//
// Needs root (PID namespaces).
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { positional } from "./lib/peers.ts";
import { children, pollSync, sumMemory } from "./lib/proc.ts";
import { SYSG, delay, fmt, machine, removeTemp, run, table, tempDir, track } from "./lib/run.ts";

if (process.getuid?.() !== 0) {
  console.error("scripts/bench/pidns.ts: needs root (PID namespaces); run it with sudo");
  process.exit(1);
}
const [nArg, settleArg] = positional(process.argv.slice(2));
const n = Number(nArg ?? 20);
const settleMs = Number(settleArg ?? 5) * 1000;
const before = process.env.SYSG_BEFORE;
console.log(`pidns: ${n} services, settle ${settleMs / 1000} s, machine: ${machine()}`);

interface Measured {
  supervisor: number;
  inits: number;
  initCount: number;
  initExe: string;
}

async function measure(binary: string, isolated: boolean): Promise<Measured> {
  const dir = tempDir("pidns");
  const home = join(dir, "home");
  const env = { HOME: home, NO_COLOR: "1" };
  const services = Array.from({ length: n }, (_, i) => `  s${i}:\n    command: sleep 3600\n    working_dir: /\n${isolated ? "    isolation:\n      pid: true\n" : ""}`);
  const cfg = join(dir, "pidns.yaml");
  writeFileSync(cfg, `version: "1"\nservices:\n${services.join("")}`);
  try {
    const r = run([binary, "start", "--daemonize", "-c", cfg], { env, timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`${binary} start failed: ${r.out}`);
    const sup = JSON.parse(readFileSync(join(home, ".local", "share", "systemg", "sysg.pid"), "utf8")).pid as number;
    track(sup);
    const running = () => {
      const st = run([binary, "status", "--json"], { env });
      return st.code === 0 && JSON.parse(st.out).units.filter((u: { state: string }) => u.state === "running").length === n;
    };
    if (pollSync(running, 120_000, 50) === null) throw new Error(`${binary}: not all ${n} services running`);
    await delay(settleMs);
    const inits = isolated ? children(sup) : [];
    if (isolated && inits.length !== n) throw new Error(`${binary}: ${inits.length} inits for ${n} services`);
    let initExe = "–";
    try {
      if (inits[0] !== undefined) initExe = readFileSync(`/proc/${inits[0]}/comm`, "utf8").trim();
    } catch {}
    const m = { supervisor: sumMemory([sup]).pss, inits: sumMemory(inits).pss, initCount: inits.length, initExe };
    run([binary, "stop"], { env, timeoutMs: 120_000 });
    return m;
  } finally {
    removeTemp(dir);
  }
}

const KB_MB = (kb: number) => kb / 1024;
const rows = [["build", "isolation.pid", "init (comm)", "supervisor Pss MB", "inits Pss MB", "total Pss MB", "per init KB"]];
const results: [string, boolean, Measured][] = [];
const builds: [string, string][] = [["this", SYSG], ...(before ? ([["before", before]] as [string, string][]) : [])];
for (const [label, binary] of builds) {
  for (const isolated of [true, false]) {
    if (label === "before" && !isolated) continue;
    const m = await measure(binary, isolated);
    results.push([label, isolated, m]);
    rows.push([
      label,
      isolated ? "yes" : "no",
      m.initExe,
      fmt(KB_MB(m.supervisor), 1),
      fmt(KB_MB(m.inits), 1),
      fmt(KB_MB(m.supervisor + m.inits), 1),
      m.initCount > 0 ? fmt(m.inits / m.initCount, 0) : "–",
    ]);
  }
}
table(rows);
const total = (label: string, iso: boolean) => {
  const r = results.find(([l, i]) => l === label && i === iso)?.[2];
  return r ? r.supervisor + r.inits : NaN;
};
console.log(`isolation.pid costs ${fmt((total("this", true) - total("this", false)) / n, 0)} KB Pss per service (this build)`);
if (before) console.log(`saved per isolation.pid service: ${fmt((total("before", true) - total("this", true)) / n, 0)} KB Pss (before − this) / ${n}`);
