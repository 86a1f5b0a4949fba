// Scenario 3: the disk fills up. The log dir is a 2 MiB tmpfs mounted for the run (on a temp
// mountpoint, unmounted at the end); loggers write until it is full. The services must keep
// running (same pids), the supervisor stays up and answers, a warning says what happened,
// logging resumes once space is freed (old rotated files removed), and no line is torn.
// What cannot be written while the disk is full is dropped — counted in a marker line, not
// counted as lost here (nothing can be written to a full disk); every line written is whole.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { type Tally, auditLog, box, checkAlive, fmt, logger, readLogs, sleep, startDaemon, statusRtt, stopDaemon, tagged, tally, until } from "./lib.ts";

export async function diskFull(quick: boolean): Promise<Tally> {
  const t = tally("3. disk full");
  if (process.getuid?.() !== 0) {
    t.skipped = "needs root to mount a tmpfs";
    return t;
  }
  const b = box("disk");
  mkdirSync(b.logDir, { recursive: true, mode: 0o700 });
  const m = spawnSync("mount", ["-t", "tmpfs", "-o", "size=2m,mode=0700", "sysg-chaos", b.logDir], { encoding: "utf8" });
  if (m.status !== 0) {
    b.cleanup();
    t.skipped = `cannot mount a tmpfs: ${m.stderr.trim()}`;
    return t;
  }
  try {
    const truth = join(b.dir, "truth");
    mkdirSync(truth);
    const bin = logger();
    let cfg = 'version: "1"\nlogs:\n  max_size: 256K\n  max_files: 20\nservices:\n';
    for (let i = 0; i < 3; i++) cfg += `  log${i}:\n    command: "exec ${bin} log${i} ${truth} 2000 100"\n`;
    const sup = startDaemon(b, b.write("disk.yaml", cfg));
    const pids = () => tagged(b.tag).filter((p) => p.argv[0]?.endsWith("chaos-logger")).map((p) => p.pid).sort();
    const before = pids().join(",");
    const sock = join(b.stateDir, "control.sock");
    // fill: 3 × 2000 lines/s × ~120 B ≈ 700 KB/s into 2 MiB
    const full = await until(() => free(b.logDir) < 8192, 20_000, 100);
    t.trials++;
    if (!full) t.problems.push(`the 2 MiB log dir did not fill in 20 s (free ${free(b.logDir)} bytes)`);
    const fullFor = quick ? 3000 : 10_000;
    const rtts: number[] = [];
    for (let end = Date.now() + fullFor; Date.now() < end; ) {
      const r = await statusRtt(sock);
      t.trials++;
      if (r.error) t.problems.push(`status while the disk is full: ${r.error}`);
      else rtts.push(r.ms);
      await sleep(200);
    }
    if (!checkAlive(b, sup, t, "disk full")) return t;
    if (pids().join(",") !== before) t.problems.push(`the services did not keep running while the disk was full: pids ${before} → ${pids().join(",")}`);
    t.figures.push(`disk full for ${fullFor / 1000} s: status answered ${rtts.length} times, max ${fmt(Math.max(...rtts))} ms; services kept their pids`);
    // free space: remove the rotated files, as an operator would
    for (const f of readdirSync(b.logDir)) if (/\.log\.\d+$/.test(f)) rmSync(join(b.logDir, f));
    const freedAt = Date.now();
    const sizeOf = () => readdirSync(b.logDir).filter((f) => f.startsWith("log0_stdout.log")).reduce((n, f) => n + statSync(join(b.logDir, f)).size, 0);
    const s0 = sizeOf();
    const resumed = await until(() => sizeOf() > s0 + 4096 || readLogs(b.logDir, "log0").includes("dropped"), 10_000, 50);
    t.trials++;
    if (!resumed) t.problems.push("logging did not resume within 10 s after space was freed");
    else t.figures.push(`logging resumed ${Date.now() - freedAt} ms after space was freed`);
    const supLog = readFileSync(join(b.logDir, "supervisor.log"), "utf8");
    const warning = supLog.split("\n").find((l) => /dropped|no space|ENOSPC/i.test(l));
    t.trials++;
    if (!warning) t.problems.push("no warning about the full disk in supervisor.log after space was freed");
    else t.figures.push(`warning: ${warning.slice(0, 200)}`);
    await stopDaemon(b, t, "disk full");
    // every line in the logs is whole (lines dropped while full are not looked for)
    for (let i = 0; i < 3; i++) {
      const text = readLogs(b.logDir, `log${i}`).split("\n").filter((l) => !l.includes("[sysg:")).join("\n");
      const a = auditLog(text, `log${i}`, new Map(), 100);
      t.lost += a.torn;
      if (a.torn > 0) t.problems.push(`log${i}: ${a.torn} torn line(s): ${a.sample.join("; ")}`);
      if (i === 0) {
        const marker = readLogs(b.logDir, "log0").split("\n").find((l) => l.includes("[sysg:"));
        t.figures.push(`log0: ${a.lines} whole lines kept; marker: ${marker?.slice(0, 160) ?? "(none)"}`);
      }
    }
  } finally {
    spawnSync("umount", ["-l", b.logDir]);
    b.cleanup();
  }
  return t;
}

function free(dir: string): number {
  const r = spawnSync("df", ["-B1", "--output=avail", dir], { encoding: "utf8" });
  return Number(r.stdout.trim().split("\n")[1] ?? 0);
}
