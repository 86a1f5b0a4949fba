// sysg as a container's PID 1 (SPEC §9). Only ever inside `unshare --pid --fork --mount-proc`:
// outside one, signals to "PID 1" would hit this machine's own init.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { type Sandbox, SYSG, ensureBuilt, sandbox, sleep } from "../helpers/sysg.ts";

const root = process.getuid?.() === 0;
const hasUnshare = spawnSync("unshare", ["--version"]).status === 0;
const why = !root ? "not root" : !hasUnshare ? "unshare(1) missing" : null;
if (why) console.warn(`skipping PID 1 tests: ${why}`);

beforeAll(() => {
  if (!why) ensureBuilt();
});
let sb: Sandbox;
afterEach(() => sb?.cleanup());

function stat(pid: number): { ppid: number; state: string } | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "latin1");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { state: f[0]!, ppid: Number(f[1]) };
  } catch {
    return null;
  }
}
const childrenOf = (ppid: number) =>
  readdirSync("/proc")
    .filter((e) => /^\d+$/.test(e))
    .map(Number)
    .filter((p) => stat(p)?.ppid === ppid);

/** Starts sysg as PID 1 of a new pid namespace; returns unshare's process and sysg's host pid. */
async function startAsInit(s: Sandbox, cfg: string) {
  const proc = Bun.spawn(["unshare", "--pid", "--fork", "--mount-proc", SYSG, "start", "-c", cfg], {
    env: s.env,
    cwd: s.dir,
    stdout: "pipe",
    stderr: "pipe",
  });
  let out = "";
  (async () => {
    for await (const c of proc.stdout) out += new TextDecoder().decode(c);
  })();
  let init = 0;
  for (let i = 0; i < 100 && !init; i++) {
    await sleep(20);
    init = childrenOf(proc.pid)[0] ?? 0;
  }
  return { proc, init, output: () => out };
}

async function waitFor(check: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!check() && Date.now() < end) await sleep(25);
  return check();
}

describe.skipIf(why !== null)("sysg as PID 1", () => {
  test("reaps orphans, forwards SIGUSR1 to services, and SIGTERM is a graceful exit 0", async () => {
    sb = sandbox();
    const cfg = sb.write(
      "init.yaml",
      `version: "1"
services:
  app:
    command: 'trap "echo got-usr1" USR1; (sh -c "sleep 1; exit 3" &); echo up; while true; do sleep 0.1; done'
`,
    );
    const { proc, init, output } = await startAsInit(sb, cfg);
    expect(init).toBeGreaterThan(0);
    expect(await waitFor(() => /app\s+\| up/.test(output()))).toBe(true);
    // the orphaned subshell is re-parented to PID 1 (sysg), then exits and is reaped there: seen
    // as init's child, then gone altogether (an unreaped one would stay, a zombie)
    const isOrphan = (p: number) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, "latin1") === "sh\0-c\0sleep 1; exit 3\0";
      } catch {
        return false;
      }
    };
    expect(await waitFor(() => childrenOf(init).some(isOrphan))).toBe(true);
    const orphan = childrenOf(init).find(isOrphan)!;
    expect(await waitFor(() => stat(orphan) === null)).toBe(true);
    expect(childrenOf(init).filter((p) => stat(p)?.state === "Z")).toEqual([]);
    process.kill(init, "SIGUSR1");
    expect(await waitFor(() => output().includes("got-usr1"))).toBe(true);
    process.kill(init, "SIGTERM");
    expect(await proc.exited).toBe(0);
  });

  test("a failing critical service ends the container with its exit code", async () => {
    sb = sandbox();
    const cfg = sb.write(
      "crit.yaml",
      `version: "1"\nservices:\n  main:\n    command: 'sleep 0.3; exit 9'\n    critical: true\n  side:\n    command: 'exec sleep 300'\n`,
    );
    const { proc } = await startAsInit(sb, cfg);
    expect(await proc.exited).toBe(9);
  });
});
