// The performance scorecard (ISSUE 11): every row measured against the peers in ONE run, then
// written as a markdown table into docs/benchmarks.md (between the scorecard markers) with the
// ratios, the machine and the command. Per service count N (10, 100, 1000) and peer:
//   - PSS of the supervisor's own processes (smaps_rollup, summed; services not counted),
//     processes per service, idle CPU over SETTLE seconds (supervisor pinned to CPU 0),
//   - status latency (hyperfine -N): `sysg status`, runit's `sv status` over every service dir,
//     `supervisorctl status`, `pm2 jlist`,
//   - restart latency: SIGKILL one service, time until its replacement has exec'd (p50), with
//     the N-1 others running (sysg `backoff: 0s`; runit/s6 restart a short-lived service only
//     after ~1 s, so they get 1.1 s between kills).
// Logs: one service writing 85-byte lines through sysg into its (rotating) log, against the C
// pump (scripts/bench/pump.c: read 64 KiB, stamp each line, one write per read) and its raw
// copy mode, through the same pipe into the same disk; every line is checked (count, order,
// text, stamp) across the rotated files.
//
//   bun scripts/bench/scorecard.ts [--counts 10,100,1000] [--warm 32] [--settle 10] [--runs 20] [--restarts 15]
//                                  [--log-mb 256] [--only sysg-daemon,supervisord,pm2,runit,s6] [--no-write]
import { spawnSync } from "node:child_process";
import { createReadStream, existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Instance, type Peer, ensureAptPeers, names, pm2Argv, selectedPeers, supervisorctlArgv } from "./lib/peers.ts";
import { alive, children, comm, cpuTicks, parentPid, pollSync, sumMemory } from "./lib/proc.ts";
import { ROOT, SYSG, delay, fmt, machine, quantile, removeTemp, run, tempDir } from "./lib/run.ts";

const argv = process.argv.slice(2);
const opt = (name: string, def: string) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? argv[i + 1]! : def;
};
const counts = opt("counts", "10,100,1000").split(",").map(Number);
const settleMs = Number(opt("settle", "10")) * 1000;
// after every service runs, before the idle window: start-up effects (sysg's JIT, its code-page
// trims 3 s and 30 s after start, PM2's first metrics) are over for every peer alike
const warmMs = Number(opt("warm", "32")) * 1000;
const runs = Number(opt("runs", "20"));
const restarts = Number(opt("restarts", "15"));
const logMb = Number(opt("log-mb", "256"));
const write = !argv.includes("--no-write");
ensureAptPeers();
const peers = selectedPeers(argv, ["sysg-daemon", "supervisord", "pm2", "runit", "s6"]);
const started = new Date();
const commit = run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"]).out.trim() || "?";
const where = machine();
console.log(`scorecard: ${counts.join("/")} services, settle ${settleMs / 1000} s, machine: ${where}`);

interface Row {
  pss: number; // MiB
  perService: number; // processes per service beyond the service itself
  cpu: number; // % of one core
  status: number; // ms (mean), NaN if none
  restartP50: number; // ms
}
const results = new Map<number, Map<string, Row>>();
const loads: number[] = [];

function hyperfine(cmd: string[], env: Record<string, string>, n = runs): number {
  const out = join(tempDir("hf"), "hf.json");
  const line = cmd.map((a) => (/[\s'"]/.test(a) ? `'${a}'` : a)).join(" ");
  const r = run(["hyperfine", "-N", "-i", "--warmup", "3", "--runs", String(n), "--style", "none", "--export-json", out, line], { env, timeoutMs: 900_000 });
  if (r.code !== 0) {
    console.warn(`hyperfine failed: ${line}\n${r.out.slice(-500)}`);
    return NaN;
  }
  return (JSON.parse(readFileSync(out, "utf8")) as { results: { mean: number }[] }).results[0]!.mean * 1000;
}

function statusCommand(inst: Instance, n: number): { cmd: string[]; env: Record<string, string>; runs: number } | null {
  switch (inst.peer) {
    case "sysg-daemon":
      return { cmd: [SYSG, "status"], env: inst.clientEnv, runs };
    case "runit":
      return { cmd: ["sv", "status", ...names(n).map((s) => join(inst.dir, "sv", s))], env: {}, runs };
    case "supervisord":
      return { cmd: [...supervisorctlArgv(inst.dir), "status"], env: {}, runs };
    case "pm2":
      return { cmd: pm2Argv("jlist"), env: inst.clientEnv, runs: Math.ceil(runs / 2) };
    default:
      return null; // s6 has no one-command status of a whole scan dir
  }
}

async function restartP50(inst: Instance, throttled: boolean): Promise<number> {
  const samples: number[] = [];
  let victim = inst.services().find(alive);
  for (let i = 0; victim !== undefined && i < restarts + 2; i++) {
    await delay(throttled ? 1100 : 150);
    const parent = parentPid(victim);
    if (parent === null || !alive(victim)) {
      victim = inst.services().find(alive);
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
    if (t1 !== null && i >= 2) samples.push(t1 - t0); // two warm-up kills
  }
  return quantile(samples, 0.5);
}

async function measure(peer: Peer, n: number): Promise<Row | null> {
  const inst = peer.start(n, { restart: true });
  try {
    if (pollSync(() => inst.services().length >= n, 600_000, 5) === null) {
      console.warn(`${peer.name}: only ${inst.services().length}/${n} services; skipped`);
      return null;
    }
    // pin the supervisor's processes to CPU 0, as the numbers were taken
    for (const p of inst.supervisorPids()) spawnSync("taskset", ["-a", "-p", "-c", "0", String(p)], { stdio: "ignore" });
    const ticks = () => inst.supervisorPids().reduce((sum, p) => sum + cpuTicks(p), 0);
    await delay(warmMs);
    const c0 = ticks();
    const s0 = performance.now();
    await delay(settleMs);
    const cpu = ((ticks() - c0) / 100 / ((performance.now() - s0) / 1000)) * 100;
    const m = sumMemory(inst.supervisorPids());
    loads.push(Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]));
    const st = n >= 100 ? statusCommand(inst, n) : null;
    const status = st ? hyperfine(st.cmd, st.env, st.runs) : NaN;
    const restartMs = await restartP50(inst, peer.name === "runit" || peer.name === "s6");
    const row = { pss: m.pss / 1024, perService: (m.processes - 1) / n, cpu, status, restartP50: restartMs };
    console.log(
      `${n} × ${peer.name}: PSS ${fmt(row.pss, 1)} MiB, ${fmt(row.perService, 2)} extra process/service, idle CPU ${fmt(cpu, 2)} %, status ${fmt(status, 1)} ms, restart p50 ${fmt(restartMs, 1)} ms`,
    );
    return row;
  } finally {
    await inst.stop();
  }
}

for (const n of counts) {
  const byPeer = new Map<string, Row>();
  results.set(n, byPeer);
  for (const peer of peers) {
    const row = await measure(peer, n);
    if (row) byPeer.set(peer.name, row);
  }
}

// ── logs ─────────────────────────────────────────────────────────────────────
const LINE = "x".repeat(84);
const logBytes = logMb * 1024 * 1024;
const logLines = Math.floor(logBytes / 85);

function buildPump(): string {
  const bin = join(tempDir("pump"), "pump");
  const r = run(["cc", "-O2", "-o", bin, join(import.meta.dir, "pump.c")]);
  if (r.code !== 0) throw new Error(`cc pump.c failed: ${r.out}`);
  return bin;
}

function timeSh(cmd: string, env: Record<string, string> = {}): number {
  const t = performance.now();
  const r = spawnSync("sh", ["-c", cmd], { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`${cmd}: exit ${r.status}`);
  return performance.now() - t;
}

/** Counts the lines across the rotated files (oldest first) and checks each: stamp + exact text. */
async function checkLog(dir: string, base: string): Promise<{ lines: number; bad: number }> {
  const files = readdirSync(dir)
    .filter((f) => f === base || f.startsWith(`${base}.`))
    .sort((a, b) => (b === base ? -1 : a === base ? 1 : Number(b.slice(base.length + 1)) - Number(a.slice(base.length + 1))));
  let lines = 0;
  let bad = 0;
  const stamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;
  for (const f of files) {
    let rest = "";
    for await (const chunk of createReadStream(join(dir, f), { encoding: "latin1", highWaterMark: 1 << 20 })) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      for (const p of parts) {
        lines++;
        if (!stamp.test(p) || p.slice(25) !== LINE) bad++;
      }
    }
    if (rest) bad++; // a file must end at a line boundary
  }
  return { lines, bad };
}

async function logs(): Promise<{ c: number; raw: number; sysg: number; withReload: number; lost: number; bad: number; files: number }> {
  const pump = buildPump();
  const dir = tempDir("logs");
  const feed = `yes '${LINE}' | head -c ${logLines * 85}`;
  const cMs = timeSh(`${feed} | ${pump} ${join(dir, "c.out")}`);
  rmSync(join(dir, "c.out"));
  const rawMs = timeSh(`${feed} | ${pump} -r ${join(dir, "raw.out")}`);
  rmSync(join(dir, "raw.out"));
  const home = join(dir, "home");
  writeFileSync(
    join(dir, "sysg.yaml"),
    `version: "1"\nlogs:\n  max_size: 32M\n  max_files: 1000\nservices:\n  writer:\n    command: "${feed}"\n`,
  );
  const env = { HOME: home };
  // the supervisor is up and idle first; the clock runs from the service's start to the end of its log
  const conf = join(dir, "sysg.yaml");
  writeFileSync(join(dir, "idle.yaml"), `version: "1"\nservices:\n  idle:\n    command: "sleep 1000"\n`);
  timeSh(`${SYSG} start --daemonize -c ${join(dir, "idle.yaml")} >/dev/null`, env);
  const logDir = join(home, ".local/share/systemg/logs");
  const t0 = performance.now();
  timeSh(`${SYSG} reload -c ${conf} >/dev/null`, env);
  const want = logLines * (85 + 25);
  const size = () =>
    existsSync(logDir)
      ? readdirSync(logDir)
          .filter((f) => f.startsWith("writer_stdout.log"))
          .reduce((s, f) => s + Bun.file(join(logDir, f)).size, 0)
      : 0;
  pollSync(() => size() >= want, 600_000, 20); // coarse: the poll must not compete for the CPU
  const withReloadMs = performance.now() - t0;
  // The log path's own time: from the service's start (its "started" line in supervisor.log,
  // wall clock, ms) to the last write into its log (the newest file's mtime), so neither the
  // reload's ~0.2 s nor this poll's granularity is counted as logging time.
  const startedAt = readFileSync(join(logDir, "supervisor.log"), "utf8")
    .split("\n")
    .filter((l) => l.includes("writer: started"))
    .map((l) => Date.parse(l.slice(0, 24)))
    .pop();
  const lastWrite = Math.max(...readdirSync(logDir).filter((f) => f.startsWith("writer_stdout.log")).map((f) => statSync(join(logDir, f)).mtimeMs));
  const sysgMs = startedAt === undefined ? withReloadMs : lastWrite - startedAt;
  timeSh(`${SYSG} stop >/dev/null`, env);
  const check = await checkLog(logDir, "writer_stdout.log");
  const files = readdirSync(logDir).filter((f) => f.startsWith("writer_stdout.log")).length;
  spawnSync(SYSG, ["purge"], { env: { ...process.env, ...env } });
  removeTemp(dir);
  const mibs = (ms: number) => (logBytes / 1048576 / (ms / 1000));
  const r = { c: mibs(cMs), raw: mibs(rawMs), sysg: mibs(sysgMs), withReload: mibs(withReloadMs), lost: logLines - check.lines, bad: check.bad, files };
  console.log(
    `logs: C pump ${fmt(r.c, 0)} MiB/s, raw copy ${fmt(r.raw, 0)} MiB/s, sysg ${fmt(r.sysg, 0)} MiB/s (${fmt(r.sysg / r.c, 2)}× C; ${fmt(r.withReload, 0)} MiB/s with the reload that adds the service); ${r.lost} lost, ${r.bad} torn/malformed over ${files} file(s)`,
  );
  return r;
}

const log = logMb > 0 ? await logs() : null;

// ── the table ────────────────────────────────────────────────────────────────
const order = ["sysg-daemon", "pm2", "supervisord", "runit", "s6"].filter((p) => peers.some((x) => x.name === p));
const label = (p: string) => (p === "sysg-daemon" ? "sysg" : p);
const cell = (x: number | undefined, d: number, base: number | undefined) =>
  x === undefined || !Number.isFinite(x) ? "–" : base !== undefined && Number.isFinite(base) && base > 0 && x !== base ? `${fmt(x, d)} (${fmt(x / base, 2)}×)` : fmt(x, d);
const lines: string[] = [];
lines.push(`| | ${order.map(label).join(" | ")} |`);
lines.push(`|---|${order.map(() => "---").join("|")}|`);
const row = (title: string, n: number, pick: (r: Row) => number, d: number) => {
  const byPeer = results.get(n);
  if (!byPeer) return;
  const base = byPeer.get("sysg-daemon") ? pick(byPeer.get("sysg-daemon")!) : undefined;
  lines.push(`| ${title} | ${order.map((p) => cell(byPeer.get(p) ? pick(byPeer.get(p)!) : undefined, d, p === "sysg-daemon" ? undefined : base)).join(" | ")} |`);
};
for (const n of counts) row(`PSS MiB, ${n} services`, n, (r) => r.pss, 1);
const [lo, hi] = [counts.find((n) => n >= 100), counts.at(-1)];
if (lo !== undefined && hi !== undefined && hi > lo) {
  const byLo = results.get(lo)!;
  const byHi = results.get(hi)!;
  lines.push(
    `| marginal KiB/service (${lo}→${hi}) | ${order
      .map((p) => (byLo.get(p) && byHi.get(p) ? fmt(((byHi.get(p)!.pss - byLo.get(p)!.pss) * 1024) / (hi - lo), 0) : "–"))
      .join(" | ")} |`,
  );
}
row(`extra processes per service`, counts.at(-1)!, (r) => r.perService, 2);
for (const n of counts) row(`idle CPU %, ${n} services`, n, (r) => r.cpu, 2);
for (const n of counts.filter((x) => x >= 100)) row(`status ms, ${n} services`, n, (r) => r.status, 1);
for (const n of counts) row(`restart p50 ms, kill -9, ${n - 1} others`, n, (r) => r.restartP50, 1);
if (log) {
  lines.push("");
  lines.push(`| logs: one service, ${logMb} MiB of 85-byte lines | MiB/s | × C pump |`);
  lines.push("|---|---|---|");
  lines.push(`| C pump (pump.c: stamp each line, one write per 64 KiB read) | ${fmt(log.c, 0)} | 1.00× |`);
  lines.push(`| C raw copy (pump.c -r: read/write only) | ${fmt(log.raw, 0)} | ${fmt(log.raw / log.c, 2)}× |`);
  lines.push(
    `| sysg (service start → last write of its timestamped log, rotating at 32M: ${log.files} files) | ${fmt(log.sysg, 0)} | ${fmt(log.sysg / log.c, 2)}× |`,
  );
  lines.push(`| sysg, the clock started before the \`reload\` that adds the service | ${fmt(log.withReload, 0)} | ${fmt(log.withReload / log.c, 2)}× |`);
  lines.push(`| lines lost / torn or malformed | ${log.lost} / ${log.bad} | |`);
}
const meanLoad = loads.length ? loads.reduce((a, b) => a + b, 0) / loads.length : NaN;
const head = [
  `Run ${started.toISOString().slice(0, 16).replace("T", " ")} UTC, sysg at commit ${commit}, on ${where.replace(/, load [\d.]+$/, "")}; 1-minute load during the`,
  `measurements ${fmt(Math.min(...loads), 1)}–${fmt(Math.max(...loads), 1)} (mean ${fmt(meanLoad, 1)}). Command: \`bun scripts/bench/scorecard.ts ${argv.join(" ")}\`.`,
  "Ratios in parentheses are peer ÷ sysg (above 1: sysg is smaller/faster).",
  "",
];
const md = [...head, ...lines].join("\n");
console.log(`\n${md}\n`);
if (write) {
  const docPath = join(ROOT, "docs", "benchmarks.md");
  const doc = readFileSync(docPath, "utf8");
  const begin = "<!-- scorecard:begin -->";
  const end = "<!-- scorecard:end -->";
  const block = `${begin}\n${md}\n${end}`;
  const next = doc.includes(begin) ? doc.replace(new RegExp(`${begin}[\\s\\S]*?${end}`), block) : `${doc.trimEnd()}\n\n## Scorecard\n\n${block}\n`;
  writeFileSync(docPath, next);
  console.log(`written to ${docPath}`);
}
