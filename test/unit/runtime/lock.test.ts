// In-process checks of the supervisor lock; the race between real processes and recovery
// after SIGKILL are in test/integration/runtime/lock.test.ts.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { acquireSupervisorLock, supervisorStatus } from "../../../src/runtime/lock.ts";
import { ensureDirs, runtimePaths } from "../../../src/runtime/paths.ts";
import { readStat } from "../../../src/runtime/proc.ts";
import { SysgPidFile, readJsonFile, writeJsonAtomic } from "../../../src/runtime/state.ts";
import { tempDirs } from "./tmp.ts";

const tmp = tempDirs();
afterEach(() => tmp.cleanup());

function setup() {
  const paths = runtimePaths({ sys: false, home: tmp.make() });
  const r = ensureDirs(paths);
  if (!r.ok) throw new Error(r.error.message);
  return paths;
}

describe("supervisor lock", () => {
  test("the holder writes sysg.pid; a second taker is refused naming the holder; release frees it", async () => {
    const paths = setup();
    const first = await acquireSupervisorLock(paths, { config: "/srv/a.yaml", version: "9.9.9" });
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.value.previous).toBeNull();
    const pidFile = readJsonFile(paths.sysgPid, SysgPidFile);
    expect(pidFile).toEqual({ ok: true, value: first.value.self });
    expect(first.value.self.pid).toBe(process.pid);
    expect(first.value.self.start_time).toBe(readStat(process.pid)!.startTime);
    expect(statSync(join(paths.stateDir, "sysg.lock")).mode & 0o777).toBe(0o600);
    expect(supervisorStatus(paths)).toEqual({ ok: true, value: { running: true, info: first.value.self } });

    const second = await acquireSupervisorLock(paths, { config: null, version: "9.9.9" });
    expect(second.ok).toBe(false);
    if (!second.ok) {
      expect(second.error.kind).toBe("locked");
      expect(second.error.message).toContain(`pid ${process.pid}`);
    }

    first.value.release();
    expect(existsSync(paths.sysgPid)).toBe(false);
    expect(supervisorStatus(paths)).toEqual({ ok: true, value: { running: false, stale: null } });
    const third = await acquireSupervisorLock(paths, { config: null, version: "9.9.9" });
    expect(third.ok).toBe(true);
    if (third.ok) third.value.release();
  });

  test("a stale sysg.pid is reported and replaced; stale control.sock and temp files are removed", async () => {
    const paths = setup();
    const dead = { pid: 2 ** 22 + 3, start_time: 5, started_at: "2020-01-01T00:00:00.000Z", config: null, version: "0.0.1" };
    writeJsonAtomic(paths.sysgPid, dead, 0o600);
    writeFileSync(paths.controlSock, "");
    const leftover = join(paths.stateDir, `.state.json.${2 ** 22 + 5}.3.tmp`);
    writeFileSync(leftover, "{half");
    const ours = join(paths.stateDir, `.pid.json.${process.pid}.1.tmp`);
    writeFileSync(ours, "{being written");
    expect(supervisorStatus(paths)).toEqual({ ok: true, value: { running: false, stale: dead } });
    const r = await acquireSupervisorLock(paths, { config: null, version: "1" });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.previous).toEqual(dead);
    expect(existsSync(paths.controlSock)).toBe(false);
    expect(existsSync(leftover)).toBe(false);
    expect(existsSync(ours)).toBe(true); // a live writer's temp file stays
    expect(JSON.parse(readFileSync(paths.sysgPid, "utf8")).pid).toBe(process.pid);
    r.value.release();
  });

  test("sysg.pid naming a live process keeps the dir locked even when the socket lock is free", async () => {
    const paths = setup();
    // pid 1 with its real start time: alive, and not us (a holder in another network namespace)
    const init = readStat(1)!;
    writeJsonAtomic(paths.sysgPid, { pid: 1, start_time: init.startTime, started_at: "2020-01-01T00:00:00.000Z", config: null, version: "0" }, 0o600);
    const r = await acquireSupervisorLock(paths, { config: null, version: "1" });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.kind).toBe("locked");
  });

  test("a corrupt sysg.pid is an error for status, but no obstacle to starting", async () => {
    const paths = setup();
    writeFileSync(paths.sysgPid, "{not json");
    const s = supervisorStatus(paths);
    expect(s.ok).toBe(false);
    if (!s.ok) expect(s.error.kind).toBe("corrupt");
    const r = await acquireSupervisorLock(paths, { config: null, version: "1" });
    expect(r.ok).toBe(true);
    if (r.ok) r.value.release();
  });
});
