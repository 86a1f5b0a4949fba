// Atomic state writes against a real concurrent writer: a reader never sees a partial or
// mixed file, and a writer SIGKILLed mid-loop leaves a valid one.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { StateFile, readJsonFile } from "../../../src/runtime/state.ts";

const FIXTURE = join(import.meta.dir, "fixtures", "write-state.ts");
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("writeJsonAtomic under a concurrent reader", () => {
  test("every read is a complete, consistent version; SIGKILL leaves a valid file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sysg-state-it-"));
    dirs.push(dir);
    const path = join(dir, "state.json");
    const writer = Bun.spawn([process.execPath, FIXTURE, path], { stdout: "pipe", stderr: "inherit" });
    try {
      const reader = writer.stdout.getReader();
      await reader.read(); // "ready": the first version exists
      let reads = 0;
      const versions = new Set<number>();
      const until = Date.now() + 1500;
      while (Date.now() < until) {
        const r = readJsonFile(path, StateFile);
        if (!r.ok) throw new Error(r.error.message);
        const counters = new Set(Object.values(r.value).map((u) => u.restarts));
        expect(Object.keys(r.value)).toHaveLength(400);
        expect(counters.size).toBe(1);
        versions.add([...counters][0]!);
        reads++;
        if (reads % 50 === 0) await Bun.sleep(0);
      }
      expect(versions.size).toBeGreaterThan(5);
    } finally {
      writer.kill("SIGKILL");
      await writer.exited;
    }
    const after = readJsonFile(path, StateFile);
    expect(after.ok).toBe(true);
    // the killed writer may leave its temp file, never a broken state.json
    expect(readdirSync(dir).filter((f) => !f.endsWith(".tmp"))).toEqual(["state.json"]);
  }, 20_000);
});
