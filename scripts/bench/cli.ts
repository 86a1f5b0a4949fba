// CLI latency with hyperfine (-N: no shell in between): `sysg --version`, `sysg check`, and the
// status query against a running supervisor with 100 and 1000 `sleep` services —
// `sysg status --json` / `sysg status` (daemon from `start --daemonize`) vs `supervisorctl
// status` and `pm2 jlist`. Start-up rows also time `supervisord --version` and `pm2 --version`
// (the latter against a running PM2 daemon, which it would otherwise start).
//
//   bun scripts/bench/cli.ts [COUNTS=100,1000] [RUNS=20] [--only sysg-daemon,supervisord,pm2]
//
// Needs hyperfine (installed from apt on demand). PM2 commands get RUNS/2 runs: they are slow.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Instance, PEERS, ensureAptPeers, pm2Argv, positional, selectedPeers, supervisorctlArgv } from "./lib/peers.ts";
import { pollSync } from "./lib/proc.ts";
import { ROOT, SYSG, fmt, machine, ratio, run, table, tempDir, removeTemp } from "./lib/run.ts";

const args = process.argv.slice(2);
const [countsArg, runsArg] = positional(args);
const counts = (countsArg ?? "100,1000").split(",").map(Number);
const runs = Number(runsArg ?? 20);
ensureAptPeers();
const peers = selectedPeers(args, ["sysg-daemon", "supervisord", "pm2"]);
console.log(`cli: hyperfine, ${runs} runs, machine: ${machine()}`);
const out = tempDir("cli");

interface Timing {
  mean: number;
  stddev: number;
  median: number;
}

/** One hyperfine measurement (ms); null if hyperfine failed. */
function hyperfine(argv: string[], env: Record<string, string>, n = runs): Timing | null {
  const json = join(out, "hf.json");
  const cmd = argv.map((a) => (/[\s'"]/.test(a) ? `'${a}'` : a)).join(" ");
  const r = run(["hyperfine", "-N", "-i", "--warmup", "2", "--runs", String(n), "--style", "none", "--export-json", json, cmd], { env, timeoutMs: 600_000 });
  if (r.code !== 0) {
    console.warn(`hyperfine failed for ${cmd}:\n${r.out.slice(-1000)}`);
    return null;
  }
  const res = (JSON.parse(readFileSync(json, "utf8")) as { results: { mean: number; stddev: number; median: number }[] }).results[0]!;
  return { mean: res.mean * 1000, stddev: res.stddev * 1000, median: res.median * 1000 };
}

const rows = [["services", "command", "mean ms", "± sd", "median", "× sysg"]];
function report(n: string, label: string, t: Timing | null, base: Timing | null): void {
  rows.push([n, label, fmt(t?.mean ?? NaN, 1), fmt(t?.stddev ?? NaN, 1), fmt(t?.median ?? NaN, 1), ratio(t?.mean ?? NaN, base?.mean ?? NaN)]);
  console.log(`${n} ${label}: ${fmt(t?.mean ?? NaN, 1)} ms`);
}

async function startAll(n: number): Promise<Map<string, Instance>> {
  const running = new Map<string, Instance>();
  for (const p of peers) {
    const inst = p.start(n);
    if (pollSync(() => inst.services().length >= n, 300_000, 5) === null) {
      console.warn(`${p.name}: not all ${n} services started; skipped`);
      await inst.stop();
      continue;
    }
    running.set(p.name, inst);
  }
  return running;
}

// ── start-up: nothing to talk to ─────────────────────────────────────────────
const version = hyperfine([SYSG, "--version"], {});
report("–", "sysg --version", version, version);
report("–", "sysg check -c examples/hello.yaml", hyperfine([SYSG, "check", "-c", join(ROOT, "examples", "hello.yaml")], {}), version);
if (peers.some((p) => p.name === "supervisord")) report("–", "supervisord --version", hyperfine(["supervisord", "--version"], {}), version);
if (peers.some((p) => p.name === "pm2")) {
  const inst = PEERS.pm2.start(1);
  pollSync(() => inst.services().length >= 1, 60_000, 5);
  report("–", "pm2 --version (daemon up)", hyperfine(pm2Argv("--version"), inst.clientEnv, Math.ceil(runs / 2)), version);
  await inst.stop();
}

// ── status against a running supervisor ──────────────────────────────────────
for (const n of counts) {
  const running = await startAll(n);
  try {
    const sysgd = running.get("sysg-daemon");
    const base = sysgd ? hyperfine([SYSG, "status", "--json"], sysgd.clientEnv) : null;
    if (sysgd) {
      report(String(n), "sysg status --json", base, base);
      report(String(n), "sysg status", hyperfine([SYSG, "status", "--no-color"], sysgd.clientEnv), base);
    }
    const sd = running.get("supervisord");
    if (sd) report(String(n), "supervisorctl status", hyperfine([...supervisorctlArgv(sd.dir), "status"], {}), base);
    const pm = running.get("pm2");
    if (pm) report(String(n), "pm2 jlist", hyperfine(pm2Argv("jlist"), pm.clientEnv, Math.ceil(runs / 2)), base);
  } finally {
    for (const inst of running.values()) await inst.stop();
  }
}
removeTemp(out);
console.log();
table(rows);
