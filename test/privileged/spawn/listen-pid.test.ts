// SpawnSpec.listenPid (socket activation): the child puts LISTEN_PID=<its own pid> into its
// environment just before exec — the pid as the service sees it, so inside a PID namespace
// its pid there. The plain path runs unprivileged; the PID-namespace case needs root.
import { afterAll, afterEach, expect, test } from "bun:test";
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBunPlatform } from "../../../src/platform/bun/index.ts";
import type { SpawnSpec } from "../../../src/platform/types.ts";
import { exited, spawnOk, spec } from "../../integration/spawn/proc.ts";

const canPidNs = process.getuid?.() === 0 && existsSync("/proc/self/ns/pid_for_children");
if (!canPidNs) console.warn("skipping the PID-namespace case of listen-pid.test.ts: needs root and PID namespaces");

const CLONE_NEWPID = 0x20000000;
const platform = createBunPlatform();
const dir = mkdtempSync(join(tmpdir(), "sysg-listenpid-"));
const running = new Set<number>();
afterEach(async () => {
  const waits = [...running].map((pid) => exited(platform, pid));
  for (const pid of running) platform.kill(pid, "SIGKILL");
  await Promise.all(waits);
  running.clear();
});
afterAll(() => {
  platform.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs a shell that prints "<LISTEN_PID or unset> <$$> <count of LISTEN_PID entries>" and exits. */
async function seen(extra: Partial<SpawnSpec>, env: string[] = []): Promise<{ pid: number; words: string[] }> {
  const out = join(dir, `out-${Math.random().toString(36).slice(2)}`);
  const fd = openSync(out, "w");
  const script = 'echo "${LISTEN_PID-unset} $$ $(env | grep -c ^LISTEN_PID=)"';
  const base = spec(["/bin/sh", "-c", script], { stdout: fd, ...extra });
  const pid = spawnOk(platform, { ...base, env: [...base.env, ...env] });
  closeSync(fd);
  running.add(pid);
  const status = await exited(platform, pid);
  running.delete(pid);
  expect(status.code).toBe(0);
  return { pid, words: readFileSync(out, "utf8").trim().split(" ") };
}

test("with listenPid the child sees LISTEN_PID equal to its own pid, once", async () => {
  const { pid, words } = await seen({ listenPid: true });
  expect(words).toEqual([String(pid), String(pid), "1"]);
});

test("a LISTEN_PID already in the env is replaced, not duplicated", async () => {
  const { pid, words } = await seen({ listenPid: true }, ["LISTEN_PID=1"]);
  expect(words).toEqual([String(pid), String(pid), "1"]);
});

test("without listenPid there is no LISTEN_PID", async () => {
  const { pid, words } = await seen({});
  expect(words).toEqual(["unset", String(pid), "0"]);
});

(canPidNs ? test : test.skip)("in a PID namespace LISTEN_PID is the service's pid inside it", async () => {
  const { words } = await seen({ listenPid: true, namespaces: CLONE_NEWPID });
  // the namespace's init is PID 1 and forks the service as PID 2
  expect(words).toEqual(["2", "2", "1"]);
});
