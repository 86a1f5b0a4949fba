// Throughput of LogFile: short lines through a pipe, timestamped, to disk.
//
// Usage:
//   bun scripts/bench/logs.ts [--mb 500] [--line 85] [--runs 3] [--max-size 0] [--max-files 0]
//                             [--no-timestamps] [--dir DIR]
//
// Feeds `yes <line> | head -c <mb>MB` through a pipe into each contender, writing a file in
// DIR (default: a temp dir, removed afterwards):
//   cat, dd bs=64k     the floor: raw copy through a pipe to disk, no line work
//   LogFile readSync   a consumer process reading its stdin pipe (64 KiB reads) into LogFile
//   LogFile platform   the supervisor's own path: the consumer starts the feed through
//                      Platform.spawn with stdout on Platform.pipe() and reads it with
//                      Platform.readFd (needs .build/libsysg.so: `bun scripts/build.ts`)
// --max-size N (bytes, 0 = unlimited) makes LogFile rotate; --max-files must then keep every
// rotated file or the line check fails. After each LogFile run every output line is checked:
// count, order of the files, and the exact text after the timestamp.
// Runs are interleaved; each prints MiB/s of input and lines/s (wall time of the whole
// pipeline, consumer start-up included). Not a test: nothing asserts time.
import { spawnSync } from "node:child_process";
import { Buffer } from "node:buffer";
import { mkdtempSync, readFileSync, readSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LogFile } from "../../src/runtime/logfile.ts";

const BUF = 64 * 1024;
/** flags of the parent only, not passed on to consumers */
const OWN = ["--mb", "--line", "--runs", "--dir"];

function arg(name: string, dflt: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : dflt;
}

function openLog(path: string): LogFile {
  const maxSize = Number(arg("max-size", "0"));
  const opened = LogFile.open(path, {
    max_size: maxSize > 0 ? maxSize : Number.POSITIVE_INFINITY,
    max_files: Number(arg("max-files", "0")),
    timestamps: !process.argv.includes("--no-timestamps"),
    mode: 0o600,
  });
  if (!opened.ok) throw new Error(opened.error.message);
  return opened.value;
}

function report(log: LogFile, reads: number): void {
  const err = log.close();
  if (err) throw new Error(err.message);
  const u = process.cpuUsage();
  console.log(JSON.stringify({ user_ms: Math.round(u.user / 1000), sys_ms: Math.round(u.system / 1000), reads }));
}

/** Child mode: read fd 0 (a blocking pipe) into a LogFile. */
function consumeStdin(path: string): void {
  const log = openLog(path);
  const buf = new Uint8Array(BUF);
  let reads = 0;
  for (;;) {
    const n = readSync(0, buf, 0, BUF, null);
    if (n === 0) break;
    reads++;
    const err = log.write(buf.subarray(0, n));
    if (err) throw new Error(err.message);
  }
  report(log, reads);
}

/** Child mode: spawn the feed like the supervisor spawns a service, pump its stdout into a LogFile. */
async function consumePlatform(path: string, feed: string): Promise<void> {
  const { createBunPlatform } = await import("../../src/platform/bun/index.ts");
  const platform = createBunPlatform();
  const log = openLog(path);
  const pipe = platform.pipe();
  const spawned = platform.spawn({ argv: ["/bin/sh", "-c", feed], env: [`PATH=${process.env.PATH}`], cwd: "/", stdin: -1, stdout: pipe.write, stderr: 2 });
  platform.close(pipe.write);
  if (!spawned.ok) throw new Error(spawned.message);
  const exited = new Promise<number | null>((resolve) => platform.watch(spawned.pid, (s) => resolve(s.code)));
  let reads = 0;
  for await (const chunk of platform.readFd(pipe.read)) {
    reads++;
    const err = log.write(chunk);
    if (err) throw new Error(err.message);
  }
  const code = await exited;
  platform.shutdown();
  if (code !== 0) throw new Error(`feed exited with ${code}`);
  report(log, reads);
}

function shq(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

function timed(script: string): { ms: number; stdout: string } {
  const t0 = performance.now();
  const r = spawnSync("/bin/sh", ["-c", script], { encoding: "utf8", maxBuffer: 1 << 20 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${script}\nexit ${r.status}: ${r.stderr}`);
  return { ms, stdout: r.stdout };
}

/** Every line of path (+ rotated files, oldest first) must be `<stamp> <line>`. */
function checkLines(path: string, line: string, expected: number, timestamps: boolean): string | null {
  const dir = join(path, "..");
  const base = path.slice(dir.length + 1);
  const rotated = readdirSync(dir)
    .filter((f) => f.startsWith(`${base}.`))
    .map((f) => Number(f.slice(base.length + 1)))
    .sort((a, b) => b - a);
  const want = Buffer.from(`${line}\n`);
  const stampLen = timestamps ? 25 : 0;
  let count = 0;
  for (const file of [...rotated.map((k) => `${path}.${k}`), path]) {
    const data = readFileSync(file);
    let pos = 0;
    while (pos < data.length) {
      const nl = data.indexOf(10, pos);
      if (nl < 0) return `${file}: torn last line at byte ${pos}`;
      if (timestamps && !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z $/.test(data.toString("latin1", pos, pos + 25)))
        return `${file}: bad timestamp at byte ${pos}`;
      if (nl + 1 - pos - stampLen !== want.length || data.compare(want, 0, want.length, pos + stampLen, nl + 1) !== 0)
        return `${file}: bad line at byte ${pos}`;
      count++;
      pos = nl + 1;
    }
  }
  return count === expected ? null : `expected ${expected} lines, found ${count}`;
}

function bench(): void {
  const mb = Number(arg("mb", "500"));
  const lineLen = Number(arg("line", "85"));
  const runs = Number(arg("runs", "3"));
  const timestamps = !process.argv.includes("--no-timestamps");
  const line = "x".repeat(lineLen - 1 - String(lineLen).length) + String(lineLen).padStart(String(lineLen).length);
  // whole lines only, so the expected count is exact
  const lines = Math.floor((mb * 1e6) / (line.length + 1));
  const bytes = lines * (line.length + 1);
  const given = arg("dir", "");
  const dir = given || mkdtempSync(join(tmpdir(), "sysg-bench-logs-"));
  const feed = `yes ${shq(line)} | head -c ${bytes}`;
  const self = shq(process.argv[1]!);
  const passOn = process.argv
    .slice(2)
    .filter((_, i, a) => !OWN.includes(a[i - 1] ?? "") && !OWN.includes(a[i]!))
    .map(shq)
    .join(" ");
  console.log(`input: ${lines} lines of ${line.length + 1} B = ${(bytes / 2 ** 20).toFixed(1)} MiB; timestamps ${timestamps}; dir ${dir}`);
  const out = join(dir, "bench.log");
  const results: Record<string, number[]> = { cat: [], "dd bs=64k": [], "LogFile readSync": [], "LogFile platform": [] };
  const consumers: [string, string][] = [
    ["LogFile readSync", `${feed} | ${shq(process.execPath)} ${self} --consume stdin ${shq(out)} ${passOn}`],
    ["LogFile platform", `${shq(process.execPath)} ${self} --consume platform ${shq(out)} --feed ${shq(feed)} ${passOn}`],
  ];
  try {
    for (let r = 0; r < runs; r++) {
      clean(dir);
      results.cat!.push(timed(`${feed} | cat > ${shq(out)}`).ms);
      clean(dir);
      results["dd bs=64k"]!.push(timed(`${feed} | dd bs=64k of=${shq(out)} status=none`).ms);
      for (const [name, script] of consumers) {
        clean(dir);
        const run = timed(script);
        results[name]!.push(run.ms);
        const bad = checkLines(out, line, lines, timestamps);
        if (bad) throw new Error(`${name}: line check failed: ${bad}`);
        const c = JSON.parse(run.stdout.trim().split("\n").pop()!);
        console.log(
          `run ${r + 1}: ${name} ${fmt(bytes, lines, run.ms)}; consumer CPU user ${c.user_ms} ms sys ${c.sys_ms} ms, ${c.reads} reads (${(bytes / c.reads / 1024).toFixed(1)} KiB avg); every line checked`,
        );
      }
    }
    for (const [name, ms] of Object.entries(results)) {
      const all = ms.map((m) => fmt(bytes, lines, m)).join(" | ");
      console.log(`${name.padEnd(17)} ${all}`);
    }
  } finally {
    if (!given) rmSync(dir, { recursive: true, force: true });
  }
}

function fmt(bytes: number, lines: number, ms: number): string {
  return `${((bytes / 2 ** 20) / (ms / 1000)).toFixed(0)} MiB/s ${((lines / (ms / 1000)) / 1e6).toFixed(2)} Mlines/s (${ms.toFixed(0)} ms)`;
}

function clean(dir: string): void {
  for (const f of readdirSync(dir)) if (f.startsWith("bench.log")) rmSync(join(dir, f));
}

const ci = process.argv.indexOf("--consume");
if (ci < 0) bench();
else if (process.argv[ci + 1] === "stdin") consumeStdin(process.argv[ci + 2]!);
else await consumePlatform(process.argv[ci + 2]!, arg("feed", ""));
