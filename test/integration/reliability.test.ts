// Reliability without a cgroup (docs/reliability.md): `stop -s` reaches a double-fork + setsid
// daemon re-parented to the supervisor, and after a SIGKILLed supervisor the next start ends
// what it left (that daemon too) and still logs what the service wrote that nobody had read.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, alive, ensureBuilt, run, sandbox, sleep, taggedPids } from "../helpers/sysg.ts";

beforeAll(() => ensureBuilt());

let sb: Sandbox;
afterEach(() => sb?.cleanup());

const stateDir = (s: Sandbox) => join(s.home, ".local/share/systemg");
const supervisorPid = (s: Sandbox) => (JSON.parse(readFileSync(join(stateDir(s), "sysg.pid"), "utf8")) as { pid: number }).pid;

function ppid(pid: number): number {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "latin1");
    return Number(s.slice(s.lastIndexOf(")") + 2).split(" ")[1]);
  } catch {
    return 0;
  }
}

/** Tagged live processes whose argv is exactly `argv`. */
function find(s: Sandbox, argv: string): number[] {
  return taggedPids(s.tag).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, "latin1").split("\0").filter(Boolean).join(" ") === argv;
    } catch {
      return false;
    }
  });
}

async function until(cond: () => boolean, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(25);
  }
  return cond();
}

describe("without a cgroup", () => {
  test("stop -s ends a double-fork + setsid daemon already re-parented to the supervisor; the neighbour keeps running", async () => {
    sb = sandbox();
    const cfg = sb.write(
      "sysg.yaml",
      `version: "1"\nservices:\n  web:\n    command: "(setsid sleep 310 &); exec sleep 311"\n    stop_timeout: 1s\n  other:\n    command: "exec sleep 312"\n`,
    );
    expect(run(sb, ["start", "--daemonize", "-c", cfg]).code).toBe(0);
    const sup = supervisorPid(sb);
    // the subshell exits at once: the daemon is the supervisor's (child subreaper) before any tree walk
    expect(await until(() => find(sb, "sleep 310").some((p) => ppid(p) === sup))).toBe(true);
    const daemon = find(sb, "sleep 310")[0]!;
    const other = find(sb, "sleep 312")[0]!;
    const r = run(sb, ["stop", "-s", "web"]);
    expect(r.code).toBe(0);
    expect(await until(() => !alive(daemon), 5000)).toBe(true);
    expect(find(sb, "sleep 311")).toEqual([]);
    expect(alive(other)).toBe(true);
    expect(run(sb, ["stop"]).code).toBe(0);
  });

  test("after a SIGKILLed supervisor: its daemon is ended and what the service wrote but nobody read is logged", async () => {
    sb = sandbox();
    const go = join(sb.dir, "go");
    const cfg = sb.write(
      "sysg.yaml",
      `version: "1"\nservices:\n  app:\n    command: 'while [ ! -e ${go} ]; do sleep 0.02; done; (setsid sleep 320 &); i=0; while [ $i -lt 200 ]; do i=$((i+1)); echo "line $$ $i"; done; exec sleep 321'\n`,
    );
    expect(run(sb, ["start", "--daemonize", "-c", cfg]).code).toBe(0);
    const sup = supervisorPid(sb);
    const app = JSON.parse(run(sb, ["status", "--json"]).stdout).units[0].pid as number;
    // the supervisor reads nothing any more; the service writes 200 lines, then dies with it
    process.kill(sup, "SIGSTOP");
    writeFileSync(go, "");
    expect(await until(() => find(sb, "sleep 321").length === 1)).toBe(true);
    const daemon = find(sb, "sleep 320")[0]!;
    process.kill(sup, "SIGKILL");
    expect(await until(() => !alive(sup))).toBe(true);
    // the old run is still there (it holds its own pipe, so its writes did not fail)
    expect(alive(app)).toBe(true);
    const r = run(sb, ["start", "--daemonize", "-c", cfg]);
    expect(r.code).toBe(0);
    expect(alive(daemon)).toBe(false);
    expect(alive(app)).toBe(false);
    const log = readFileSync(join(stateDir(sb), "logs", "app_stdout.log"), "utf8");
    const mine = log.split("\n").filter((l) => l.includes(`line ${app} `));
    expect(mine).toHaveLength(200);
    expect(mine[199]).toMatch(new RegExp(`Z line ${app} 200$`));
    expect(existsSync(join(stateDir(sb), "sysg.pid"))).toBe(true);
    expect(run(sb, ["stop"]).code).toBe(0);
    expect(taggedPids(sb.tag)).toEqual([]);
  });
});
