// The shim embedded in a compiled binary is loaded from a memfd: nothing lands in $TMPDIR.
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBunPlatform } from "../../../src/platform/bun/index.ts";
import { exited, PATH_ENV, spawnOk, spec } from "./proc.ts";

const platform = createBunPlatform();
const dir = mkdtempSync(join(tmpdir(), "sysg-embedded-"));
afterAll(() => {
  platform.shutdown();
  rmSync(dir, { recursive: true, force: true });
});

async function run(argv: string[], env: string[]): Promise<{ code: number | null; stdout: string }> {
  const out = platform.pipe();
  const pid = spawnOk(platform, spec(argv, { stdout: out.write, stderr: 2, env, cwd: dir }));
  platform.close(out.write);
  const done = exited(platform, pid);
  let stdout = "";
  for await (const chunk of platform.readFd(out.read)) stdout += Buffer.from(chunk).toString();
  return { code: (await done).code, stdout };
}

test("compiled binary: shim mapped from memfd, no .bun-*.so left in TMPDIR", async () => {
  const binary = join(dir, "embedded");
  const entry = join(import.meta.dir, "fixtures", "embedded.ts");
  const built = await run([process.execPath, "build", "--compile", entry, "--outfile", binary], [PATH_ENV]);
  expect(built.code).toBe(0);
  const tmp = join(dir, "tmp");
  mkdirSync(tmp);
  const result = await run([binary], [PATH_ENV, `TMPDIR=${tmp}`]);
  expect(result.code).toBe(0);
  const report = JSON.parse(result.stdout);
  expect(report.ok).toBe(true);
  expect(report.code).toBe(0);
  expect(report.shimMaps.length).toBeGreaterThan(0);
  for (const mapped of report.shimMaps) expect(mapped).toBe("/memfd:sysg-shim (deleted)");
  expect(readdirSync(tmp)).toEqual([]);
}, 60_000);
