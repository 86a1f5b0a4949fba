// Scenario 4: resource exhaustion.
//  fd: the supervisor runs under `ulimit -n 48` with more services than it has fds for —
//      spawns must fail with a clear reason (no crash), status must still answer; after
//      `prlimit` raises the limit of the running supervisor, `restart` brings every service up.
//  pid: the supervisor runs in a pids cgroup (pids.max 64; a cpu quota of 20 % keeps the
//      shared machine safe) next to a fork-bomb service. The supervisor keeps a share of the
//      limit for itself (its services run in a child cgroup with a lower pids.max): the bomb
//      exhausts the services' share, its forks fail with EAGAIN, the supervisor stays up (it
//      used to abort: the runtime could not start a thread), status answers, the other
//      services restart; stopping the bomb frees the pids.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Box, type Tally, box, checkAlive, crashOf, killTagged, readLogs, sleep, statusRtt, stopDaemon, supervisorPid, sysg, tagged, tally, until } from "./lib.ts";

export async function exhaustion(_quick: boolean): Promise<Tally> {
  const t = tally("4. fd and pid exhaustion");
  await fds(t);
  await pids(t);
  return t;
}

async function fds(t: Tally): Promise<void> {
  const b = box("fds");
  try {
    let cfg = 'version: "1"\nservices:\n';
    for (let i = 0; i < 20; i++) cfg += `  s${i}:\n    command: "exec sleep 100000"\n    restart_policy: on-failure\n    backoff: 200ms\n    max_restarts: 2\n`;
    const file = b.write("fds.yaml", cfg);
    const r = sysg(b, ["start", "--daemonize", "-c", file], { timeout: 60_000 });
    const sup = supervisorPid(b);
    if (r.code !== 0 || sup === null) {
      t.problems.push(`fd: start failed: ${r.stderr.slice(0, 200)}`);
      return;
    }
    // the running supervisor gets a few fds more than it holds, then everything restarts
    const inUse = readdirSync(`/proc/${sup}/fd`).length;
    // the soft limit only: raising a hard limit again needs CAP_SYS_RESOURCE
    const soft = /Max open files\s+(\d+)/.exec(readFileSync(`/proc/${sup}/limits`, "utf8"))?.[1] ?? "1024";
    spawnSync("prlimit", ["--pid", String(sup), `--nofile=${inUse - 30}:`]);
    const rs = sysg(b, ["restart"], { timeout: 60_000 });
    t.trials++;
    const c = crashOf(rs, [0, 1]);
    if (c) {
      t.crashes++;
      t.problems.push(`fd: restart at the fd limit: ${c}`);
    }
    await sleep(1500); // the on-failure restarts (200 ms backoff, at most 2) run out
    const st = sysg(b, ["status", "--json"], { timeout: 20_000 });
    t.trials++;
    const sc = crashOf(st, [0, 1, 2]);
    if (sc) {
      t.crashes++;
      t.problems.push(`fd: status at the fd limit: ${sc}`);
    }
    let units: { name: string; state: string; reason: string | null }[] = [];
    try {
      units = JSON.parse(st.stdout).units;
    } catch {
      t.problems.push(`fd: status --json at the fd limit gave no JSON: ${st.stderr.slice(0, 160)}`);
    }
    const failed = units.filter((u) => u.state === "failed" || u.state === "crashed");
    const reason = failed.find((u) => u.reason)?.reason ?? "";
    t.figures.push(`fd: with ${inUse - 30} fds allowed (${inUse} in use), ${units.length - failed.length} of 20 services run after restart, ${failed.length} did not: "${reason.slice(0, 120)}"`);
    if (failed.length === 0) t.problems.push("fd: no spawn failed at the fd limit (the scenario did not reach it)");
    else if (!/open files|EMFILE|descriptor/i.test(reason)) t.problems.push(`fd: the failure reason does not say it is the fd limit: "${reason}"`);
    if (!checkAlive(b, sup, t, "fd limit")) return;
    // free: raise the running supervisor's limit, restart
    const raised = spawnSync("prlimit", ["--pid", String(sup), `--nofile=${soft}:`], { encoding: "utf8" });
    if (raised.status !== 0) t.problems.push(`fd: cannot raise the limit again: ${raised.stderr.trim()}`);
    const again = sysg(b, ["restart"], { timeout: 60_000 });
    t.trials++;
    const rc = crashOf(again, [0, 1]);
    if (rc) {
      t.crashes++;
      t.problems.push(`fd: restart after raising the limit: ${rc}`);
    }
    const up = await until(() => tagged(b.tag).filter((p) => p.argv.join(" ") === "sleep 100000").length === 20, 15_000, 100);
    if (!up) t.problems.push(`fd: after raising the limit only ${tagged(b.tag).filter((p) => p.argv.join(" ") === "sleep 100000").length} of 20 services run`);
    else t.figures.push(`fd: after the soft limit went back to ${soft} and a restart, all 20 run`);
    await stopDaemon(b, t, "fd");
  } finally {
    b.cleanup();
  }
}

async function pids(t: Tally): Promise<void> {
  const pidsRoot = "/sys/fs/cgroup/pids";
  const cpuRoot = "/sys/fs/cgroup/cpu";
  const v2 = readFileSync("/proc/self/mountinfo", "utf8").includes(" cgroup2 ") && existsSync("/sys/fs/cgroup/cgroup.controllers") && readFileSync("/sys/fs/cgroup/cgroup.controllers", "utf8").includes("pids");
  const b = box("pids");
  const name = `sysg-chaos-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  let pidsDir: string;
  let cpuDir: string | null = null;
  if (v2) {
    pidsDir = join("/sys/fs/cgroup", name);
  } else if (existsSync(join(pidsRoot, "cgroup.procs"))) {
    pidsDir = join(pidsRoot, name);
    if (existsSync(join(cpuRoot, "cgroup.procs"))) cpuDir = join(cpuRoot, name);
  } else {
    t.figures.push("pid: skipped, no pids cgroup controller on this host (the fork bomb is only run inside one)");
    b.cleanup();
    return;
  }
  try {
    mkdirSync(pidsDir);
    writeFileSync(join(pidsDir, "pids.max"), "64");
    if (v2) writeFileSync(join(pidsDir, "cpu.max"), "20000 100000");
    if (cpuDir) {
      mkdirSync(cpuDir);
      writeFileSync(join(cpuDir, "cpu.cfs_quota_us"), "20000");
    }
  } catch (e) {
    t.figures.push(`pid: skipped, cannot create a pids cgroup: ${(e as Error).message}`);
    b.cleanup();
    return;
  }
  try {
    const cfg = `version: "1"
services:
  steady:
    command: "exec sleep 100000"
  flap:
    command: "sleep 0.3"
    restart_policy: always
    backoff: 100ms
    backoff_max: 500ms
  bomb:
    command: "bash -c 'while :; do sleep 100000 & done'"
    stop_timeout: 1s
`;
    const file = b.write("pids.yaml", cfg);
    const join_ = [pidsDir, cpuDir].filter(Boolean).map((d) => `echo $$ > ${d}/cgroup.procs`).join(" && ");
    const r = sh(b, `${join_} && exec "$SYSG" start --daemonize -c ${file}`);
    t.trials++;
    const c = crashOf(r, [0, 1]);
    if (c) {
      t.crashes++;
      t.problems.push(`pid: start next to a fork bomb: ${c}`);
    }
    const sup = supervisorPid(b);
    if (sup === null) {
      t.problems.push(`pid: no supervisor (exit ${r.code}): ${r.stderr.slice(0, 200)}`);
      return;
    }
    // the supervisor keeps a share of its cgroup's limit: the services run in a child cgroup
    const servicesDir = await servicesCgroup(pidsDir);
    if (!servicesDir) {
      t.problems.push("pid: the supervisor made no services' cgroup under its pids limit (it would share every pid with the bomb)");
      return;
    }
    const servicesMax = Number(readFileSync(join(servicesDir, "pids.max"), "utf8"));
    const count = (dir: string) => Number(readFileSync(join(dir, "pids.current"), "utf8"));
    const full = await until(() => count(servicesDir) >= servicesMax, 15_000, 100);
    if (!full) t.problems.push(`pid: the bomb did not reach the services' limit (${count(servicesDir)} of ${servicesMax})`);
    const flapBefore = restartsOf(b, "flap");
    // while the bomb holds every pid it may have: status answers, flap's restarts go on
    await sleep(2000);
    const sock = join(b.stateDir, "control.sock");
    for (let i = 0; i < 5; i++) {
      const s = await statusRtt(sock);
      t.trials++;
      if (s.error) t.problems.push(`pid: status while the pids are exhausted: ${s.error}`);
      await sleep(200);
    }
    if (!checkAlive(b, sup, t, "pid limit")) return;
    const flapAfter = restartsOf(b, "flap");
    const bombErr = readLogs(b.logDir, "bomb", "stderr").split("\n").find((l) => /fork: .*Resource temporarily unavailable/.test(l));
    t.figures.push(
      `pid: pids.max 64, services' share ${servicesMax} reached (${count(servicesDir)} tasks; ${count(pidsDir)} in the whole cgroup, the rest the supervisor's); the bomb's own forks fail: ${bombErr?.slice(25, 120) ?? "(nothing logged)"}; flap restarted ${flapAfter - flapBefore} time(s) meanwhile`,
    );
    if (!bombErr) t.problems.push("pid: the bomb's failed forks left no error in its log");
    if (flapAfter <= flapBefore) t.problems.push("pid: flap did not restart while the bomb held the services' pids");
    // free: stop the bomb (its whole tree)
    const stop = sysg(b, ["stop", "-s", "bomb"], { timeout: 60_000 });
    t.trials++;
    const sc = crashOf(stop, [0]);
    if (sc) {
      t.crashes++;
      t.problems.push(`pid: stop -s bomb: ${sc}`);
    }
    const freed = await until(() => Number(readFileSync(join(pidsDir, "pids.current"), "utf8")) < 20, 15_000, 100);
    if (!freed) t.problems.push(`pid: stop -s bomb left ${readFileSync(join(pidsDir, "pids.current"), "utf8").trim()} pids in use`);
    const back = sysg(b, ["restart", "-s", "flap"], { timeout: 30_000 });
    const flapUp = await until(() => /"name":\s*"flap"[^}]*"state":\s*"(running|starting|crashed)"/.test(sysg(b, ["status", "--json"]).stdout), 10_000, 200);
    t.trials++;
    if (!flapUp || back.code !== 0) t.problems.push(`pid: flap did not run again after the bomb stopped (restart exit ${back.code})`);
    else t.figures.push("pid: after stop -s bomb the pids were freed and flap runs again");
    await stopDaemon(b, t, "pid");
  } finally {
    killTagged(b.tag);
    await until(() => tagged(b.tag).length === 0, 5000);
    for (const d of [pidsDir, cpuDir]) {
      if (!d) continue;
      for (let i = 0; i < 20; i++) {
        try {
          rmdirSync(d);
          break;
        } catch {
          await sleep(100);
        }
      }
    }
    b.cleanup();
  }
}

/** The services' cgroup the supervisor made under its own (privilege/pids-reserve.ts). */
async function servicesCgroup(dir: string): Promise<string | null> {
  let found: string | null = null;
  await until(() => {
    found = readdirSync(dir).find((n) => n.startsWith("sysg-services-")) ?? null;
    return found !== null;
  }, 10_000, 100);
  return found === null ? null : join(dir, found);
}

function restartsOf(b: Box, name: string): number {
  try {
    const units = JSON.parse(sysg(b, ["status", "--json"], { timeout: 20_000 }).stdout).units as { name: string; restarts: number }[];
    return units.find((u) => u.name === name)?.restarts ?? 0;
  } catch {
    return 0;
  }
}

function sh(b: Box, script: string) {
  return sysgShell(b, script);
}

function sysgShell(b: Box, script: string) {
  const t0 = performance.now();
  const r = spawnSync("/bin/sh", ["-c", script], { cwd: b.dir, env: { ...b.env, SYSG: join(import.meta.dir, "..", "..", "dist", "sysg") }, encoding: "utf8", timeout: 60_000, killSignal: "SIGKILL" });
  return { code: r.status, signal: r.signal, stdout: r.stdout ?? "", stderr: r.stderr ?? "", ms: performance.now() - t0, timedOut: (r.error as NodeJS.ErrnoException | undefined)?.code === "ETIMEDOUT" };
}
