// Spawn benchmark: N × /bin/true through the sysg shim (from Bun via bun:ffi, and from C), a C
// posix_spawn loop (same semantics: SETSID|SETSIGDEF|SETSIGMASK), a C fork+exec loop (also
// from a process with a 256 MiB touched heap, where fork's page-table copy shows), and
// Bun.spawn. Columns, in mean µs per spawn: "cycle" = spawn + wait of /bin/true, "no exec" =
// spawning a missing program, i.e. the spawn machinery without the cost of exec. Each is the
// median of ROUNDS interleaved rounds (the box is small and shared, so single runs are noisy);
// "×posix" = ratio to posix_spawn.
//
// Run:  bun scripts/build.ts (or just its cc line for .build/libsysg.so), then
//       bun scripts/bench/spawn.ts [N=1000] [ROUNDS=3]
// The C helper (scripts/bench/spawn-helper.c) is compiled by this script into .build/spawn-bench.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ptr } from "bun:ffi";
import { createBunPlatform } from "../../src/platform/bun/index.ts";
import { shim } from "../../src/platform/bun/shim.ts";

const root = join(import.meta.dir, "..", "..");
const n = Number(process.argv[2] ?? 1000);
const rounds = Number(process.argv[3] ?? 3);
const helper = join(root, ".build", "spawn-bench");
/** Heap a supervisor-sized process has touched: what fork must copy page tables for, vfork not. */
const BALLAST = 256;

const cc = spawnSync(process.env.CC ?? "cc", ["-O2", "-Wall", "-o", helper, join(import.meta.dir, "spawn-helper.c"), "-ldl"], { stdio: "inherit" });
if (cc.status !== 0) process.exit(1);

type Sample = [cycle: number, noExec: number];

function c(mode: string, ballastMiB = 0): Sample {
  const r = spawnSync(helper, [mode, String(n), join(root, ".build", "libsysg.so"), String(ballastMiB)], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`${helper} ${mode} failed: ${r.stderr}`);
  return r.stdout.trim().split(" ").map(Number) as Sample;
}

const platform = createBunPlatform();
const status = new Int32Array(1);
const waitBlocking = (pid: number) => shim().sysg_waitpid(pid, ptr(status), 0);
const base = { env: ["PATH=/usr/bin:/bin"], cwd: "/", stdin: -1, stdout: -1, stderr: -1 };

function sysgFromBun(): Sample {
  const spawnTrue = () => {
    const out = platform.spawn({ ...base, argv: ["/bin/true"] });
    if (!out.ok) throw new Error(out.message);
    return out.pid;
  };
  for (let i = 0; i < 50; i++) waitBlocking(spawnTrue()); // warm-up (JIT, page cache)
  let t0 = performance.now();
  for (let i = 0; i < n; i++) waitBlocking(spawnTrue());
  const cycle = performance.now() - t0;
  t0 = performance.now();
  for (let i = 0; i < n; i++) if (platform.spawn({ ...base, argv: ["/nonexistent/sysg-bench"] }).ok) throw new Error("spawned?");
  const noExec = performance.now() - t0;
  return [(cycle * 1000) / n, (noExec * 1000) / n];
}

async function bunSpawn(): Promise<Sample> {
  const opts = { stdin: "ignore", stdout: "ignore", stderr: "ignore" } as const;
  for (let i = 0; i < 50; i++) await Bun.spawn(["/bin/true"], opts).exited;
  let t0 = performance.now();
  for (let i = 0; i < n; i++) await Bun.spawn(["/bin/true"], opts).exited;
  const cycle = performance.now() - t0;
  t0 = performance.now();
  for (let i = 0; i < n; i++) {
    try {
      Bun.spawn(["/nonexistent/sysg-bench"], opts);
    } catch {
      // ENOENT, as expected
    }
  }
  const noExec = performance.now() - t0;
  return [(cycle * 1000) / n, (noExec * 1000) / n];
}

const methods: [string, () => Sample | Promise<Sample>][] = [
  ["posix_spawn (C loop)", () => c("posix_spawn")],
  ["sysg shim, from C", () => c("shim")],
  ["sysg shim, from Bun (bun:ffi)", sysgFromBun],
  ["fork+exec (C loop)", () => c("fork")],
  [`posix_spawn, ${BALLAST} MiB heap (C)`, () => c("posix_spawn", BALLAST)],
  [`sysg shim, ${BALLAST} MiB heap (C)`, () => c("shim", BALLAST)],
  [`fork+exec, ${BALLAST} MiB heap (C)`, () => c("fork", BALLAST)],
  ["Bun.spawn", bunSpawn],
];
const samples = methods.map((): Sample[] => []);
for (let r = 0; r < rounds; r++) for (const [i, [, run]] of methods.entries()) samples[i]!.push(await run());
platform.shutdown();

const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const rows = methods.map(([name], i) => ({ name, v: [0, 1].map((k) => median(samples[i]!.map((s) => s[k]!))) }));
const posix = rows[0]!.v;
const cell = (v: number, k: number) => `${v.toFixed(0).padStart(8)} ${(v / posix[k]!).toFixed(2).padStart(6)}`;
console.log(`N=${n} × /bin/true, median of ${rounds} rounds; µs per spawn (×posix_spawn)`);
console.log(`${"method".padEnd(32)} ${"cycle".padStart(8)} ${"×posix".padStart(6)} ${"no exec".padStart(8)} ${"×posix".padStart(6)}`);
for (const { name, v } of rows) console.log(`${name.padEnd(32)} ${v.map(cell).join(" ")}`);
