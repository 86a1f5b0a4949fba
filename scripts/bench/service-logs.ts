// Log throughput of the real supervisor: one service writes N MiB of short lines; sysg (daemon,
// no terminal echo) timestamps them into its log file. Measured from `start --daemonize` until
// the service has exited and its log holds every line, then checked line by line (count and
// text). The floor is the same bytes through `dd` into a file on the same disk.
//   bun scripts/bench/service-logs.ts [--mb 1024] [--line 85]
// Needs dist/sysg (`bun scripts/build.ts`). Prints MiB/s, lines/s and the ratio to dd.
import { spawnSync } from "node:child_process";
import { createReadStream, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const mb = arg("mb", 1024);
const lineLen = arg("line", 85);
const bytes = mb * 1024 * 1024;
const line = "x".repeat(lineLen - 1);
// head -c cuts the last line short; sysg flushes that partial line at exit (SPEC §4)
const tail = bytes % lineLen;
const expectedLines = Math.floor(bytes / lineLen) + (tail > 0 ? 1 : 0);
const sysg = join(import.meta.dir, "../../dist/sysg");
const dir = mkdtempSync(join(tmpdir(), "sysg-bench-logs-"));
const home = join(dir, "home");
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home };

function sh(cmd: string): number {
  const t = performance.now();
  const r = spawnSync("sh", ["-c", cmd], { env, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`${cmd}: exit ${r.status}`);
  return performance.now() - t;
}

try {
  // floor: the same stream through a pipe into a file
  const ddMs = sh(`yes '${line}' | head -c ${bytes} | dd of=${join(dir, "dd.out")} bs=64k status=none`);
  rmSync(join(dir, "dd.out"));

  writeFileSync(
    join(dir, "sysg.yaml"),
    `version: "1"\nlogs:\n  max_size: 4G\nservices:\n  writer:\n    command: "yes '${line}' | head -c ${bytes}"\n`,
  );
  const t0 = performance.now();
  sh(`${sysg} start --daemonize -c ${join(dir, "sysg.yaml")} >/dev/null`);
  for (;;) {
    const r = spawnSync(sysg, ["status", "--json", "-s", "writer"], { env, encoding: "utf8" });
    const state = JSON.parse(r.stdout).units[0].state;
    if (state === "exited" || state === "failed") break;
    await Bun.sleep(20);
  }
  const sysgMs = performance.now() - t0;
  sh(`${sysg} stop >/dev/null`);

  // check: every line present, in order, with a timestamp and the exact text
  const logDir = join(home, ".local/share/systemg/logs");
  const files = readdirSync(logDir).filter((f) => f.startsWith("writer_stdout.log"));
  if (files.length !== 1) throw new Error(`expected one log file, found ${files.join(", ")}`);
  const path = join(logDir, files[0]!);
  let count = 0;
  let bad = 0;
  let rest = "";
  const stamp = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;
  for await (const chunk of createReadStream(path, { encoding: "latin1", highWaterMark: 1 << 20 })) {
    const parts = (rest + chunk).split("\n");
    rest = parts.pop()!;
    for (const p of parts) {
      count++;
      const want = count === expectedLines && tail > 0 ? line.slice(0, tail) : line;
      if (!stamp.test(p) || p.slice(25) !== want) bad++;
    }
  }
  const lost = expectedLines - count;
  const mibs = (ms: number) => (mb / (ms / 1000)).toFixed(0);
  console.log(`input: ${mb} MiB, ${expectedLines} lines of ${lineLen} bytes; log file ${(statSync(path).size / 1048576).toFixed(0)} MiB`);
  console.log(`dd (pipe -> file, floor)  ${(ddMs / 1000).toFixed(2)} s  ${mibs(ddMs)} MiB/s`);
  console.log(
    `sysg (service -> log)     ${(sysgMs / 1000).toFixed(2)} s  ${mibs(sysgMs)} MiB/s  ${((count / sysgMs) * 1000 / 1e6).toFixed(2)} M lines/s  ratio to dd ${(ddMs / sysgMs).toFixed(2)}`,
  );
  console.log(`line check: ${count} lines, ${lost} lost, ${bad} malformed${rest ? ", trailing partial line!" : ""}`);
  if (lost !== 0 || bad !== 0 || rest) process.exitCode = 1;
} finally {
  spawnSync(sysg, ["purge"], { env });
  rmSync(dir, { recursive: true, force: true });
}
