// The reaper: mass simultaneous exits, no zombies, orphans as a subreaper.
import { afterAll, expect, test } from "bun:test";
import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import { createBunPlatform } from "../../../src/platform/bun/index.ts";
import type { ExitStatus } from "../../../src/platform/types.ts";
import { exited, PATH_ENV, spawnOk, spec, zombieChildren } from "./proc.ts";

const platform = createBunPlatform();
afterAll(() => platform.shutdown());

/** Runs `bun <file>` through our spawn and returns its stdout. */
async function runScript(file: string): Promise<{ status: ExitStatus; stdout: string }> {
  const out = platform.pipe();
  const pid = spawnOk(platform, spec([process.execPath, file], { stdout: out.write, stderr: 2, env: [PATH_ENV] }));
  platform.close(out.write);
  const done = exited(platform, pid);
  let stdout = "";
  for await (const chunk of platform.readFd(out.read)) stdout += Buffer.from(chunk).toString();
  return { status: await done, stdout };
}

test("200 children exiting at the same moment are all reaped with the right status", async () => {
  const gate = platform.pipe();
  // A second, blocking open of the read end (ours is O_NONBLOCK, the children must block).
  const blockingRead = openSync(`/proc/self/fd/${gate.read}`, "r");
  const expected = new Map<number, { code: number | null; signal: string | null }>();
  const statuses: Promise<ExitStatus>[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      const script = i % 7 === 0 ? "read x; kill -TERM $$" : `read x; exit ${i % 100}`;
      const pid = spawnOk(platform, spec(["sh", "-c", script], { stdin: blockingRead }));
      expected.set(pid, i % 7 === 0 ? { code: null, signal: "SIGTERM" } : { code: i % 100, signal: null });
      statuses.push(exited(platform, pid));
    }
  } finally {
    closeSync(blockingRead);
    platform.close(gate.read);
    platform.close(gate.write); // EOF for all 200 at once
  }
  const got = await Promise.all(statuses);
  expect(got.map((s) => ({ pid: s.pid, code: s.code, signal: s.signal }))).toEqual(
    [...expected].map(([pid, e]) => ({ pid, ...e })),
  );
  expect(zombieChildren()).toEqual([]);
}, 20_000);

test("after setSubreaper() orphans are reaped and reported (separate process)", async () => {
  const { status, stdout } = await runScript(join(import.meta.dir, "fixtures", "orphans.ts"));
  expect(status.code).toBe(0);
  const report = JSON.parse(stdout);
  expect(report.subreaper).toBe(true);
  expect(report.shell).toMatchObject({ code: 7, signal: null });
  const orphans = report.orphans.map((s: ExitStatus) => ({ code: s.code, signal: s.signal, sleeper: s.pid === report.sleeper }));
  expect(orphans).toContainEqual({ code: 5, signal: null, sleeper: false });
  expect(orphans).toContainEqual({ code: null, signal: "SIGTERM", sleeper: true });
  expect(orphans).toHaveLength(2);
  expect(report.late).toMatchObject({ code: 9, signal: null });
}, 20_000);
