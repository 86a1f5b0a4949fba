// Speed of `sysg logs --grep/--since/--until` on a large rotated log, beside journalctl (the same
// lines imported into a journal file with systemd-journal-remote), GNU grep and ripgrep.
//
// Usage:
//   bun scripts/bench/logquery.ts [--mb 1024] [--runs 3] [--dir DIR] [--no-journal] [--only sysg,grep,rg]
//
// Writes <mb> MiB of ~100-byte access-log lines, stamped evenly over 24 h, as `big_stdout.log`
// plus rotated files of 100 MiB (the real LogFile writer), with a rare "payment timeout" line
// every 100,000 lines. Then times, interleaved, each query through the compiled binary with
// stdout to a counting pipe, and checks every tool printed the same number of lines:
//   grep-rare     --grep 'payment timeout'              (whole set scanned)
//   since-10m     --since <last 10 minutes>             (binary search; rotated files skipped)
//   window-grep   --since/--until one hour + --grep     (both ends searched, then a regex scan)
// Anchors: `journalctl --file … --grep/--since/--until -o cat`, `LC_ALL=C grep -c`, `rg -c`
// (for the plain regex only: neither knows the stamps). Not a test: nothing asserts time.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LogFile } from "../../src/runtime/logfile.ts";

const ROOT = join(import.meta.dir, "..", "..");
const SYSG = process.env.SYSG ?? join(ROOT, "dist", "sysg");

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : dflt;
}
const MB = Number(arg("mb", "1024"));
const RUNS = Number(arg("runs", "3"));
const own = process.argv.includes("--dir");
const dir = own ? arg("dir", "") : mkdtempSync(join(tmpdir(), "sysg-bench-logquery-"));
const home = join(dir, "home");
const logDir = join(home, ".local", "share", "systemg", "logs");
const journal = join(dir, "big.journal");
/** journal-remote archives its output file at a size limit, like journald: query them all */
const journals = `'${join(dir, "big*.journal")}'`;
const END = Date.UTC(2026, 11, 1, 12, 0, 0);
const SPAN = 24 * 3600 * 1000;

function have(cmd: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
}
const journalRemote = ["/lib/systemd/systemd-journal-remote", "/usr/lib/systemd/systemd-journal-remote"].find(existsSync);

function generate(): number {
  spawnSync("mkdir", ["-p", logDir]);
  const r = LogFile.open(join(logDir, "big_stdout.log"), { max_size: 100 * 1024 * 1024, max_files: 100, timestamps: true, mode: 0o600 });
  if (!r.ok) throw new Error(r.error.message);
  const log = r.value;
  const target = MB * 1024 * 1024;
  const lineGuess = 100;
  const total = Math.floor(target / lineGuess);
  const enc = new TextEncoder();
  const BATCH = 1000;
  let written = 0;
  for (let i = 0; i < total; i += BATCH) {
    const parts: string[] = [];
    for (let j = i; j < Math.min(total, i + BATCH); j++) {
      if (j % 100_000 === 50_000) parts.push(`ERROR payment timeout order=${j} after 30000ms upstream=pay-${j % 7}`);
      else parts.push(`GET /api/v1/items/${j} 200 ${j % 997}ms user=u${j % 5003} agent=curl/8.5.0 bytes=${(j * 7919) % 65536}`);
    }
    const text = `${parts.join("\n")}\n`;
    written += parts.length;
    const err = log.write(enc.encode(text), END - SPAN + Math.floor((i / total) * SPAN));
    if (err) throw new Error(err.message);
  }
  log.close();
  return written;
}

/** The same lines as a journal file, for journalctl. */
function importJournal(): boolean {
  if (!journalRemote || process.argv.includes("--no-journal")) return false;
  const files = readdirSync(logDir)
    .filter((f) => f.startsWith("big_stdout.log"))
    .sort((a, b) => rank(b) - rank(a))
    .map((f) => join(logDir, f));
  // export format: one entry per line; the stamp becomes __REALTIME_TIMESTAMP (µs)
  const conv = `perl -MTime::Local -ne 'if (/^(\\d{4})-(\\d\\d)-(\\d\\d)T(\\d\\d):(\\d\\d):(\\d\\d)\\.(\\d{3})Z (.*)$/) { my $s = timegm($6,$5,$4,$3,$2-1,$1); print "__REALTIME_TIMESTAMP=", $s*1000000+$7*1000, "\\n__MONOTONIC_TIMESTAMP=0\\n_BOOT_ID=0123456789abcdef0123456789abcdef\\nSYSLOG_IDENTIFIER=big\\nMESSAGE=$8\\n\\n" }'`;
  const t0 = performance.now();
  const r = spawnSync("sh", ["-c", `cat ${files.join(" ")} | ${conv} | ${journalRemote} --split-mode=none -o ${journal} -`], { stdio: ["ignore", "ignore", "pipe"] });
  if (r.status !== 0 || !existsSync(journal)) {
    console.log(`journal import failed (${r.status}): ${r.stderr.toString().slice(0, 300)}`);
    return false;
  }
  const parts = readdirSync(dir).filter((f) => f.startsWith("big") && f.endsWith(".journal"));
  const size = parts.reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  console.log(`journal: imported in ${((performance.now() - t0) / 1000).toFixed(1)} s, ${parts.length} files, ${(size / 2 ** 20).toFixed(0)} MiB`);
  return true;
}

function rank(f: string): number {
  const m = /\.(\d+)$/.exec(f);
  return m ? Number(m[1]) : 0;
}

/** Runs a shell pipeline with stdout counted by `wc -l`; returns seconds and the count. */
function timed(cmd: string): { s: number; lines: number } {
  const t0 = performance.now();
  const r = spawnSync("sh", ["-c", `${cmd} | wc -l`], { env: { ...process.env, HOME: home, NO_COLOR: "1", LC_ALL: "C" }, encoding: "utf8" });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  return { s, lines: Number(r.stdout.trim()) };
}

const iso = (t: number) => new Date(t).toISOString();
const jtime = (t: number) => `@${Math.floor(t / 1000)}`;

const written = own && existsSync(join(logDir, "big_stdout.log")) ? 0 : generate();
const files = readdirSync(logDir).filter((f) => f.startsWith("big_stdout.log"));
const bytes = files.reduce((n, f) => n + statSync(join(logDir, f)).size, 0);
console.log(`logs: ${files.length} files, ${(bytes / 2 ** 20).toFixed(0)} MiB${written ? `, ${written} lines` : ""} in ${logDir}`);
const withJournal = existsSync(journal) || importJournal();
const paths = files.map((f) => join(logDir, f)).join(" ");
const since10 = END - 10 * 60_000;
const wFrom = END - 13 * 3600_000;
const wTo = wFrom + 3600_000;

const cases: Record<string, Record<string, string>> = {
  "grep-rare": {
    sysg: `${SYSG} logs big --grep 'payment timeout'`,
    ...(withJournal ? { journalctl: `journalctl --file ${journals} --grep 'payment timeout' -o cat` } : {}),
    grep: `grep -h 'payment timeout' ${paths}`,
    ...(have("rg") ? { rg: `rg -N --no-filename 'payment timeout' ${paths}` } : {}),
  },
  "since-10m": {
    sysg: `${SYSG} logs big --since ${iso(since10)}`,
    ...(withJournal ? { journalctl: `journalctl --file ${journals} --since ${jtime(since10)} -o cat` } : {}),
  },
  "window-grep": {
    sysg: `${SYSG} logs big --since ${iso(wFrom)} --until ${iso(wTo - 1)} --grep 'user=u42\\b'`,
    ...(withJournal ? { journalctl: `journalctl --file ${journals} --since ${jtime(wFrom)} --until ${jtime(wTo - 1000)} --grep 'user=u42\\b' -o cat` } : {}),
  },
};

const only = process.argv.includes("--only") ? new Set(arg("only", "").split(",")) : null;
for (const [name, all] of Object.entries(cases)) {
  const tools = Object.fromEntries(Object.entries(all).filter(([t]) => only === null || t === "sysg" || only.has(t)));
  const times: Record<string, number[]> = {};
  const counts: Record<string, number> = {};
  for (let i = 0; i < RUNS; i++) {
    for (const [tool, cmd] of Object.entries(tools)) {
      const r = timed(cmd);
      (times[tool] ??= []).push(r.s);
      counts[tool] = r.lines;
    }
  }
  const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const base = med(times.sysg!);
  console.log(`\n${name}`);
  for (const tool of Object.keys(tools)) {
    const m = med(times[tool]!);
    console.log(
      `  ${tool.padEnd(11)} median ${m.toFixed(3)} s  (runs ${times[tool]!.map((t) => t.toFixed(3)).join(", ")})  lines ${counts[tool]}  ${tool === "sysg" ? "" : `sysg/${tool} = ${(base / m).toFixed(2)}`}`,
    );
  }
}
if (!own) rmSync(dir, { recursive: true, force: true });
