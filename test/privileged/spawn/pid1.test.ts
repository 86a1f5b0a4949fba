// The reaper when the supervisor itself is PID 1 (a container): orphans are reaped and
// reported. Runs the orphan fixture under `unshare --pid --fork --mount-proc`; needs root.
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { createBunPlatform } from "../../../src/platform/bun/index.ts";
import type { ExitStatus } from "../../../src/platform/types.ts";
import { exited, PATH_ENV, spawnOk, spec } from "../../integration/spawn/proc.ts";

const canRun = process.getuid?.() === 0 && Bun.which("unshare") !== null;
if (!canRun) console.warn("skipping test/privileged/spawn/pid1.test.ts: needs root and unshare(1)");

const platform = createBunPlatform();
afterAll(() => platform.shutdown());

(canRun ? test : test.skip)("as PID 1: subreaper on, orphans reported, late watchers served", async () => {
  const fixture = join(import.meta.dir, "..", "..", "integration", "spawn", "fixtures", "orphans.ts");
  const out = platform.pipe();
  const argv = ["unshare", "--pid", "--fork", "--mount-proc", process.execPath, fixture];
  const pid = spawnOk(platform, spec(argv, { stdout: out.write, stderr: 2, env: [PATH_ENV] }));
  platform.close(out.write);
  const done = exited(platform, pid);
  let stdout = "";
  for await (const chunk of platform.readFd(out.read)) stdout += Buffer.from(chunk).toString();
  expect((await done).code).toBe(0);
  const report = JSON.parse(stdout);
  expect(report.shell).toMatchObject({ code: 7, signal: null });
  expect(report.self).toBe(1);
  const orphans = report.orphans.map((s: ExitStatus) => [s.code, s.signal]);
  expect(orphans).toContainEqual([5, null]);
  expect(orphans).toContainEqual([null, "SIGTERM"]);
  expect(report.late).toMatchObject({ code: 9, signal: null });
}, 20_000);
