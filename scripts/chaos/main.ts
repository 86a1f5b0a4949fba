// npm run chaos [-- --quick] [--only N,M] [--seed S]
// Drives the compiled dist/sysg through faults (docs/reliability.md) and ends with one line:
//   chaos: N trials, L lost, O orphans, C crashes
// Exit 0 only when every count is 0 and no scenario failed its own checks. Not part of
// `npm test`; .ci/run runs --quick (under 3 minutes).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { ROOT, SYSG, type Tally, fmt } from "./lib.ts";
import { configs } from "./configs.ts";
import { kills } from "./kills.ts";
import { diskFull } from "./diskfull.ts";
import { exhaustion } from "./exhaust.ts";
import { crashStorm } from "./storm.ts";
import { ipcFlood } from "./ipcflood.ts";
import { soak } from "./soak.ts";
import { escape } from "./escape.ts";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const onlyArg = args[args.indexOf("--only") + 1];
const only = args.includes("--only") && onlyArg ? new Set(onlyArg.split(",")) : null;
const seedArg = args.includes("--seed") ? Number(args[args.indexOf("--seed") + 1]) : Date.now() % 1_000_000;

/** mulberry32: a seeded generator, so a failing run can be replayed with --seed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rand = prng(seedArg);
const SCENARIOS: [string, () => Promise<Tally>][] = [
  ["1", () => kills(quick ? 20 : 100, rand)],
  ["2", () => configs(quick ? 150 : 1000, rand, !quick)],
  ["3", () => diskFull(quick)],
  ["4", () => exhaustion(quick)],
  ["5", () => crashStorm(quick ? 15_000 : 60_000)],
  ["6", () => ipcFlood(quick ? 300 : 1000, quick ? 2000 : 10_000)],
  ["7", () => soak(quick ? 20_000 : 600_000)],
  ["8", () => escape(quick ? 10 : 50)],
];

if (!existsSync(SYSG) || args.includes("--build")) {
  const r = spawnSync(process.execPath, ["scripts/build.ts"], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) process.exit(1);
}

console.log(`chaos: ${quick ? "quick" : "full"} mode, seed ${seedArg} (replay with --seed ${seedArg})`);
const results: Tally[] = [];
const t0 = Date.now();
for (const [id, run] of SCENARIOS) {
  if (only && !only.has(id)) continue;
  const s0 = Date.now();
  let r: Tally;
  try {
    r = await run();
  } catch (err) {
    r = { name: `scenario ${id}`, trials: 1, lost: 0, orphans: 0, crashes: 0, figures: [], problems: [`the scenario itself failed: ${err instanceof Error ? (err.stack ?? err.message) : err}`] };
  }
  results.push(r);
  const verdict = r.skipped ? `SKIPPED (${r.skipped})` : r.problems.length === 0 ? "ok" : "FAILED";
  console.log(`\n[${r.name}] ${verdict} in ${fmt((Date.now() - s0) / 1000)} s: ${r.trials} trials, ${r.lost} lost, ${r.orphans} orphans, ${r.crashes} crashes`);
  for (const f of r.figures) console.log(`  ${f}`);
  for (const p of r.problems.slice(0, 20)) console.log(`  ! ${p}`);
  if (r.problems.length > 20) console.log(`  ! … ${r.problems.length - 20} more`);
}
const sum = (k: "trials" | "lost" | "orphans" | "crashes") => results.reduce((n, r) => n + r[k], 0);
const failed = results.filter((r) => r.problems.length > 0).length;
console.log(`\nchaos: ${fmt((Date.now() - t0) / 1000)} s, ${failed} scenario(s) with problems`);
// The closing line, always last and always this shape (CI greps it).
console.log(`chaos: ${sum("trials")} trials, ${sum("lost")} lost, ${sum("orphans")} orphans, ${sum("crashes")} crashes`);
process.exit(failed === 0 && sum("lost") + sum("orphans") + sum("crashes") === 0 ? 0 : 1);
