// The supervisor lock between real processes: many starters race, exactly one wins; after the
// winner is SIGKILLed the next one takes over and learns about the dead one.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const FIXTURE = join(import.meta.dir, "fixtures", "hold-lock.ts");
const homes: string[] = [];
const procs: ReturnType<typeof Bun.spawn>[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) p.kill("SIGKILL");
  for (const h of homes.splice(0)) rmSync(h, { recursive: true, force: true });
});

interface Outcome {
  pid: number;
  locked: boolean;
  kind?: string;
  previous?: { pid: number } | null;
}

function starter(home: string) {
  const p = Bun.spawn([process.execPath, FIXTURE, home], { stdout: "pipe", stderr: "inherit" });
  procs.push(p);
  return p;
}

async function firstLine(p: ReturnType<typeof starter>): Promise<Outcome> {
  const reader = p.stdout.getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) break;
    text += new TextDecoder().decode(value);
  }
  reader.releaseLock();
  return JSON.parse(text.split("\n")[0]!);
}

describe("supervisor lock across processes", () => {
  test("of 8 racing starters exactly one holds the lock, in each of 3 rounds", async () => {
    for (let round = 0; round < 3; round++) {
      const home = mkdtempSync(join(tmpdir(), "sysg-lock-it-"));
      homes.push(home);
      const racers = Array.from({ length: 8 }, () => starter(home));
      const outcomes = await Promise.all(racers.map(firstLine));
      const winners = outcomes.filter((o) => o.locked);
      expect(winners).toHaveLength(1);
      for (const o of outcomes.filter((o) => !o.locked)) expect(o.kind).toBe("locked");
      for (const p of racers) p.kill("SIGKILL");
      await Promise.all(racers.map((p) => p.exited));
    }
  }, 20_000);

  test("after the holder is SIGKILLed the next starter takes over and reports the dead one", async () => {
    const home = mkdtempSync(join(tmpdir(), "sysg-lock-it-"));
    homes.push(home);
    const a = starter(home);
    const first = await firstLine(a);
    expect(first.locked).toBe(true);
    const b = await firstLine(starter(home));
    expect(b.locked).toBe(false);
    a.kill("SIGKILL");
    await a.exited;
    const c = await firstLine(starter(home));
    expect(c.locked).toBe(true);
    expect(c.previous?.pid).toBe(first.pid);
  }, 20_000);
});
