// Spawn benchmark: N × /bin/true through the sysg shim (from Bun via bun:ffi, and from C), a C
// posix_spawn loop (same semantics: SETSID|SETSIGDEF|SETSIGMASK), a C fork+exec loop (also
// from a process with a 256 MiB touched heap, where fork's page-table copy shows), and
// Bun.spawn. Reports mean µs per spawn call (children reaped after the loop) and per
// spawn+wait cycle, and each as a ratio to posix_spawn.
//
// Run:  bun scripts/build.ts (or just the cc line for .build/libsysg.so), then
//       bun scripts/bench/spawn.ts [N=1000]
// The C helper is compiled by this script into .build/spawn-bench.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ptr } from "bun:ffi";
import { createBunPlatform } from "../../src/platform/bun/index.ts";
import { shim } from "../../src/platform/bun/shim.ts";

const root = join(import.meta.dir, "..", "..");
const n = Number(process.argv[2] ?? 1000);
const helper = join(root, ".build", "spawn-bench");

const cc = spawnSync(process.env.CC ?? "cc", ["-O2", "-Wall", "-o", helper, join(import.meta.dir, "spawn-helper.c"), "-ldl"], { stdio: "inherit" });
if (cc.status !== 0) process.exit(1);

/** Heap a supervisor-sized process has touched: what fork must copy page tables for, vfork not. */
const BALLAST = 256;

type Row = { name: string; call: number; cycle: number };

function c(mode: string, name: string, ballastMiB = 0): Row {
  const r = spawnSync(helper, [mode, String(n), join(root, ".build", "libsysg.so"), String(ballastMiB)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${helper} ${mode} failed: ${r.stderr}`);
  const [call, cycle] = r.stdout.trim().split(" ").map(Number);
  return { name, call: call!, cycle: cycle! };
}

function sysgFromBun(): Row {
  const platform = createBunPlatform();
  const status = new Int32Array(1);
  const waitBlocking = (pid: number) => shim().sysg_waitpid(pid, ptr(status), 0);
  const spec = { argv: ["/bin/true"], env: ["PATH=/usr/bin:/bin"], cwd: "/", stdin: -1, stdout: -1, stderr: -1 };
  const one = () => {
    const out = platform.spawn(spec);
    if (!out.ok) throw new Error(out.message);
    return out.pid;
  };
  for (let i = 0; i < 50; i++) waitBlocking(one()); // warm-up (JIT, page cache)
  const pids: number[] = [];
  let call = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    pids.push(one());
    call += performance.now() - t0;
  }
  for (const pid of pids) waitBlocking(pid);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) waitBlocking(one());
  const cycle = performance.now() - t0;
  platform.shutdown();
  return { name: "sysg shim, from Bun (bun:ffi)", call: (call * 1000) / n, cycle: (cycle * 1000) / n };
}

async function bunSpawn(): Promise<Row> {
  for (let i = 0; i < 50; i++) await Bun.spawn(["/bin/true"]).exited;
  const procs = [];
  let call = 0;
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    procs.push(Bun.spawn(["/bin/true"], { stdio: ["ignore", "ignore", "ignore"] }));
    call += performance.now() - t0;
  }
  await Promise.all(procs.map((p) => p.exited));
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await Bun.spawn(["/bin/true"], { stdio: ["ignore", "ignore", "ignore"] }).exited;
  const cycle = performance.now() - t0;
  return { name: "Bun.spawn", call: (call * 1000) / n, cycle: (cycle * 1000) / n };
}

// sysg first: Bun.spawn leaves Bun's own child machinery running.
const rows = [c("posix_spawn", "posix_spawn (C loop)"), c("shim", "sysg shim, from C"), sysgFromBun(), c("fork", "fork+exec (C loop)"),
  c("fork", `fork+exec, ${BALLAST} MiB heap (C)`, BALLAST), c("shim", `sysg shim, ${BALLAST} MiB heap (C)`, BALLAST), await bunSpawn()];
const base = rows[0]!;
console.log(`N=${n} × /bin/true; µs per spawn call (children reaped after the loop) and per spawn+wait cycle`);
console.log(`${"method".padEnd(32)} ${"call µs".padStart(9)} ${"×posix".padStart(7)} ${"cycle µs".padStart(9)} ${"×posix".padStart(7)}`);
for (const r of rows) {
  console.log(
    `${r.name.padEnd(32)} ${r.call.toFixed(1).padStart(9)} ${(r.call / base.call).toFixed(2).padStart(7)} ${r.cycle.toFixed(1).padStart(9)} ${(r.cycle / base.cycle).toFixed(2).padStart(7)}`,
  );
}
