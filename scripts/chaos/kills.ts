// Scenario 1: the supervisor SIGKILLed at random moments — during start, stop -s, restart -s,
// reload and plain heavy logging. After each kill the next `start --daemonize` must succeed
// and then: every state file parses, no service runs twice, nothing is left over that the new
// supervisor does not own (the setsid double-fork daemon included), and at the end every line
// each logger wrote (its own count of returned write() calls) is in its log, untorn.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type Box,
  type Tally,
  SYSG,
  alive,
  auditLog,
  box,
  crashOf,
  fmt,
  logger,
  readLogs,
  sleep,
  stat,
  stopDaemon,
  supervisorPid,
  sysg,
  tagged,
  tally,
  truthCounts,
  until,
} from "./lib.ts";

const LOGGERS = ["logA", "logB", "logC"];
const PAD = 80;
const ACTIONS = ["start", "stop", "restart", "reload", "logging"] as const;

export async function kills(trials: number, rand: () => number): Promise<Tally> {
  const t = tally("1. supervisor SIGKILLed");
  const b = box("kills");
  const truth = join(b.dir, "truth");
  mkdirSync(truth);
  const bin = logger();
  const variant = (v: 0 | 1) => {
    let cfg = 'version: "1"\nlogs:\n  max_size: 64K\n  max_files: 1000\nservices:\n';
    for (const n of LOGGERS) cfg += `  ${n}:\n    command: "exec ${bin} ${n} ${truth} ${n === "logC" ? 3000 : 600} ${PAD}"\n    restart_policy: always\n    backoff: 100ms\n${n === "logB" ? `    env:\n      vars:\n        VARIANT: "${v}"\n` : ""}`;
    cfg += `  daemon:\n    command: "(setsid sleep 100000 &); exec sleep 100000"\n    restart_policy: always\n`;
    if (v === 0) cfg += `  flap:\n    command: "sleep 0.2; exit 1"\n    restart_policy: always\n    backoff: 50ms\n    backoff_max: 200ms\n`;
    else cfg += `  extra:\n    command: "exec sleep 100000"\n`;
    return cfg;
  };
  const cfgPath = join(b.dir, "kills.yaml");
  let current: 0 | 1 = 0;
  writeFileSync(cfgPath, variant(current));
  const counts = new Map<string, number>();
  const recoveryMs: number[] = [];
  try {
    let r = sysg(b, ["start", "--daemonize", "-c", cfgPath], { timeout: 60_000 });
    if (r.code !== 0) throw new Error(`first start failed: ${r.stderr}`);
    for (let i = 0; i < trials; i++) {
      const action = ACTIONS[Math.floor(rand() * ACTIONS.length)]!;
      counts.set(action, (counts.get(action) ?? 0) + 1);
      t.trials++;
      const sup = supervisorPid(b);
      if (sup === null) {
        t.problems.push(`trial ${i}: no supervisor before the trial`);
        break;
      }
      let cli: Promise<{ code: number | null; signal: string | null; stderr: string; ms: number; timedOut: boolean; stdout: string }> | null = null;
      let victim = sup;
      const wait = Math.floor(rand() * 400);
      if (action === "start") {
        process.kill(sup, "SIGKILL");
        await until(() => !alive(sup), 5000);
        cli = cliAsync(b, ["start", "--daemonize", "-c", cfgPath]);
        // kill the new supervisor somewhere in its start-up (recovery, spawning, settling)
        const found = await until(() => {
          const p = supervisorPid(b);
          return p !== null && p !== sup;
        }, 10_000, 5);
        victim = supervisorPid(b) ?? 0;
        if (!found || victim === 0) {
          await cli;
          t.problems.push(`trial ${i}: the new supervisor never appeared`);
          continue;
        }
        await sleep(wait);
      } else if (action === "stop") cli = cliAsync(b, ["stop", "-s", pick(rand, [...LOGGERS, "daemon"])]);
      else if (action === "restart") cli = cliAsync(b, ["restart", "-s", pick(rand, [...LOGGERS, "daemon"])]);
      else if (action === "reload") {
        current = current === 0 ? 1 : 0;
        writeFileSync(cfgPath, variant(current));
        cli = cliAsync(b, ["reload", "-c", cfgPath]);
      }
      if (action !== "start") await sleep(action === "logging" ? Math.floor(rand() * 1500) : wait);
      try {
        process.kill(victim, "SIGKILL");
      } catch {}
      await until(() => !alive(victim), 5000);
      if (cli) {
        const c = await cli;
        const crash = crashOf(c, [0, 1]);
        if (crash) {
          t.crashes++;
          t.problems.push(`trial ${i} (${action}): the CLI: ${crash}`);
        }
      }
      // recovery
      const t0 = performance.now();
      r = sysg(b, ["start", "--daemonize", "-c", cfgPath], { timeout: 60_000 });
      recoveryMs.push(performance.now() - t0);
      const rc = crashOf(r, [0]);
      if (rc) {
        t.crashes++;
        t.problems.push(`trial ${i} (${action}): start after the kill: ${rc}`);
        if (supervisorPid(b) === null) break;
      }
      await verify(b, t, i, action, current === 0 ? "flap" : "extra");
    }
    await stopDaemon(b, t, "kills");
    let lines = 0;
    for (const n of LOGGERS) {
      const a = auditLog(readLogs(b.logDir, n), n, truthCounts(truth, n), PAD);
      lines += a.lines;
      t.lost += a.lost + a.torn;
      if (a.lost + a.torn > 0) t.problems.push(`${n}: ${a.lost} lines lost, ${a.torn} torn (of ${a.lines} logged): ${a.sample.join("; ")}`);
    }
    t.figures.push(`actions: ${[...counts].map(([k, n]) => `${k} ${n}`).join(", ")}; ${lines} logged lines audited against the loggers' own counts`);
    t.figures.push(`start after a kill (recovery + settle): median ${fmt(median(recoveryMs), 0)} ms, max ${fmt(Math.max(...recoveryMs), 0)} ms`);
  } finally {
    b.cleanup();
  }
  return t;
}

async function verify(b: Box, t: Tally, i: number, action: string, variantService: string): Promise<void> {
  const what = `trial ${i} (${action})`;
  for (const f of ["state.json", "pid.json", "sysg.pid"]) {
    try {
      JSON.parse(readFileSync(join(b.stateDir, f), "utf8"));
    } catch (e) {
      t.problems.push(`${what}: ${f} does not parse: ${(e as Error).message}`);
    }
  }
  const sup = supervisorPid(b);
  if (sup === null) {
    t.crashes++;
    t.problems.push(`${what}: no supervisor after start`);
    return;
  }
  // settle: every always-running service up exactly once, nothing outside the new tree
  const check = () => {
    const procs = tagged(b.tag);
    const problems: string[] = [];
    let orphans = 0;
    const per = new Map<string, number>();
    for (const p of procs) {
      if (p.pid === sup) continue;
      if (!descendsFrom(p.pid, sup)) {
        orphans++;
        problems.push(`left over: pid ${p.pid} (${p.argv.join(" ").slice(0, 60)})`);
        continue;
      }
      if (p.argv[0]?.endsWith("chaos-logger")) per.set(p.argv[1]!, (per.get(p.argv[1]!) ?? 0) + 1);
    }
    for (const [n, k] of per) if (k > 1) problems.push(`${n} runs ${k} times`);
    return { orphans, problems, twice: [...per.values()].some((k) => k > 1) };
  };
  const settled = await until(() => {
    const c = check();
    return c.orphans === 0 && !c.twice;
  }, 8000, 100);
  if (!settled) {
    const c = check();
    t.orphans += c.orphans;
    t.problems.push(`${what}: ${c.problems.slice(0, 4).join("; ")}`);
    // leave the host clean for the next trial
    for (const p of tagged(b.tag)) if (p.pid !== sup && !descendsFrom(p.pid, sup)) try { process.kill(p.pid, "SIGKILL"); } catch {}
  }
  void variantService;
}

function descendsFrom(pid: number, ancestor: number): boolean {
  for (let p = pid, n = 0; p > 1 && n < 100; n++) {
    const s = stat(p);
    if (!s) return false;
    if (s.ppid === ancestor) return true;
    p = s.ppid;
  }
  return false;
}

function cliAsync(b: Box, args: string[]) {
  const t0 = performance.now();
  return new Promise<{ code: number | null; signal: string | null; stderr: string; stdout: string; ms: number; timedOut: boolean }>((resolve) => {
    const p = spawn(SYSG, args, { cwd: b.dir, env: b.env, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "";
    let stdout = "";
    p.stdout.on("data", (d) => (stdout += d));
    p.stderr.on("data", (d) => (stderr += d));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      p.kill("SIGKILL");
    }, 60_000);
    p.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stderr, stdout, ms: performance.now() - t0, timedOut });
    });
  });
}

function pick<T>(rand: () => number, xs: T[]): T {
  return xs[Math.floor(rand() * xs.length)]!;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}
