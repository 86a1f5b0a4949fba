// sysg as a container's PID 1, vs tini, each inside its own `unshare --pid --fork --mount-proc`
// (never on the host: the kernel gives PID 1 duties that must not be tested on the real init).
//   start-up   exec of `unshare … sysg start` / `unshare … tini -- sleep` until the first
//              service has exec'd `sleep` (seen from the host's /proc)
//   reaping    a process with 1000 exited, unreaped children exits; its zombies are re-parented
//              to the namespace's init; time from that exit until init has reaped them all
//
//   bun scripts/bench/pid1.ts [ROUNDS=5] [ZOMBIES=1000]       (root: unshare needs CAP_SYS_ADMIN)
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ensureAptPeers, positional } from "./lib/peers.ts";
import { alive, children, comm, descendants, pollSync } from "./lib/proc.ts";
import { SYSG, fmt, machine, median, ratio, removeTemp, startProcess, stopTree, table, tempDir } from "./lib/run.ts";

const [roundsArg, zombiesArg] = positional(process.argv.slice(2));
const rounds = Number(roundsArg ?? 5);
const zombies = Number(zombiesArg ?? 1000);
if (process.getuid?.() !== 0) {
  console.warn("pid1: skipped, unshare --pid needs root");
  process.exit(0);
}
ensureAptPeers();
console.log(`pid1: ${rounds} round(s), ${zombies} zombies, machine: ${machine()}`);

// The orphan maker: a child P forks `zombies` children that exit at once and are never reaped
// by P; once they are all dead P says so (the maker then writes a file) and exits 50 ms later, so
// they fall to init. The maker itself reaps P and stays alive (as the service / tini's child).
const MAKER = `import os, sys, time
r, w = os.pipe()
p = os.fork()
if p == 0:
    os.close(r)
    for _ in range(${zombies}):
        if os.fork() == 0:
            os._exit(0)
    time.sleep(0.5)
    os.write(w, b"go")
    time.sleep(0.05)
    os._exit(0)
os.close(w)
os.read(r, 2)
open(sys.argv[1], "w").write(str(p))
os.waitpid(p, 0)
time.sleep(1000)
`;

type Init = "sysg" | "tini";
const unshare = ["unshare", "--pid", "--fork", "--mount-proc", "--"];

function launch(init: Init, dir: string, service: string[]): ReturnType<typeof startProcess> {
  if (init === "tini") return startProcess([...unshare, "tini", "--", ...service], { cwd: dir, logFile: join(dir, "out.log") });
  const cmd = service.map((a) => `'${a}'`).join(" ");
  writeFileSync(join(dir, "sysg.yaml"), `version: "1"\nservices:\n  main:\n    command: exec ${cmd}\n`);
  return startProcess([...unshare, SYSG, "start", "-c", join(dir, "sysg.yaml"), "--no-color"], { env: { HOME: dir }, cwd: dir, logFile: join(dir, "out.log") });
}

/** The namespace's init as the host sees it: the only child of `unshare --fork`. */
function nsInit(unsharePid: number): number | null {
  const c = children(unsharePid);
  return c.length === 1 && c[0]! > 1 ? c[0]! : null;
}

async function stop(unsharePid: number, dir: string): Promise<void> {
  // unshare forwards nothing; SIGTERM goes to the namespace's init (never the host's PID 1)
  const init = nsInit(unsharePid);
  if (init !== null) await stopTree(init, 15_000);
  await stopTree(unsharePid, 5_000);
  removeTemp(dir);
}

const startup = new Map<Init, number[]>();
const reaping = new Map<Init, number[]>();
const push = (m: Map<Init, number[]>, k: Init, v: number) => m.set(k, [...(m.get(k) ?? []), v]);

for (let round = 1; round <= rounds; round++) {
  for (const init of ["sysg", "tini"] as Init[]) {
    // start-up to the first service
    let dir = tempDir(`pid1-${init}`);
    let u = launch(init, dir, ["sleep", "1000"]);
    const first = pollSync(() => descendants(u.pid).some((p) => comm(p) === "sleep"), 30_000, 0.25);
    if (first === null) console.warn(`${init}: no service after 30 s`);
    else push(startup, init, first - u.t0);
    await stop(u.pid, dir);

    // reaping
    dir = tempDir(`pid1-${init}`);
    writeFileSync(join(dir, "maker.py"), MAKER);
    const pidFile = join(dir, "p.pid");
    u = launch(init, dir, ["python3", join(dir, "maker.py"), pidFile]);
    // the file holds P's pid inside the namespace; the host sees P as the maker's only child
    const ready = pollSync(() => existsSync(pidFile) && readFileSync(pidFile, "utf8").length > 0, 60_000, 1);
    const initPid = nsInit(u.pid);
    const maker = initPid === null ? undefined : children(initPid).find((c) => comm(c) === "python3");
    const p = maker === undefined ? undefined : children(maker)[0];
    if (ready === null || initPid === null || p === undefined) {
      console.warn(`${init}: the orphan maker did not run`);
      await stop(u.pid, dir);
      continue;
    }
    const base = children(initPid).filter((c) => c !== p).length;
    // resolution: one children-file read per poll (0.1 ms); the exit of P is seen the same way
    const t0 = pollSync(() => !alive(p), 10_000, 0.05);
    const t1 = t0 === null ? null : pollSync(() => children(initPid).length <= base, 30_000, 0.05);
    if (t0 === null || t1 === null) console.warn(`${init}: zombies not reaped within 30 s (${children(initPid).length - base} left)`);
    else push(reaping, init, t1 - t0);
    await stop(u.pid, dir);
  }
  console.log(`round ${round}/${rounds} done`);
}

const rows = [["", "start-up to first service, ms", "× sysg", `reap ${zombies} zombies, ms`, "× sysg"]];
const s0 = median(startup.get("sysg") ?? []);
const r0 = median(reaping.get("sysg") ?? []);
for (const init of ["sysg", "tini"] as Init[]) {
  const s = median(startup.get(init) ?? []);
  const r = median(reaping.get(init) ?? []);
  rows.push([init, fmt(s, 1), ratio(s, s0), fmt(r, 2), ratio(r, r0)]);
}
console.log();
table(rows);
