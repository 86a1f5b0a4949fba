// LogFile and the log reader with real processes: a child's output through a pipe into a
// writer process that rotates, followed concurrently by the reader.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LogLine, followLogs, tailLogs } from "../../../src/runtime/logread.ts";

const FIXTURE = join(import.meta.dir, "fixtures", "pipe-to-log.ts");
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "sysg-logs-it-"));
  dirs.push(d);
  return d;
}

/** `sh -c script | bun pipe-to-log.ts path max_size max_files` */
function pipeline(script: string, path: string, maxSize: number, maxFiles: number) {
  return Bun.spawn(["/bin/sh", "-c", `${script} | "${process.execPath}" "${FIXTURE}" "${path}" ${maxSize} ${maxFiles}`], {
    stdout: "inherit",
    stderr: "inherit",
  });
}

describe("log pipeline with real processes", () => {
  test("a child's last unfinished line is flushed at exit", async () => {
    const path = join(tempDir(), "p_stdout.log");
    const proc = pipeline(`printf 'one\\ntwo\\nno newline'`, path, 1 << 20, 5);
    expect(await proc.exited).toBe(0);
    const lines = readFileSync(path, "utf8").split("\n");
    expect(lines.map((l) => l.slice(25))).toEqual(["one", "two", "no newline", ""]);
  });

  test("200k lines from seq while following across rotation: each once, in order, untorn", async () => {
    const dir = tempDir();
    const path = join(dir, "seq_stdout.log");
    const total = 200_000;
    const src = [{ service: "seq", stream: "stdout" as const, path }];
    const { cursors } = tailLogs(src, 0);
    const ac = new AbortController();
    const got: LogLine[] = [];
    const following = (async () => {
      for await (const batch of followLogs(src, cursors, { intervalMs: 5, signal: ac.signal })) {
        for (const line of batch) got.push(line);
        if (got.length >= total) break;
      }
    })();
    const proc = pipeline(`seq 1 ${total}`, path, 256 * 1024, 40);
    const killer = setTimeout(() => ac.abort(), 20_000);
    expect(await proc.exited).toBe(0);
    await following;
    clearTimeout(killer);
    expect(got.length).toBe(total);
    for (let i = 0; i < total; i++) {
      if (got[i]!.text !== String(i + 1)) throw new Error(`line ${i}: got ${JSON.stringify(got[i])}`);
      expect(got[i]!.ts).not.toBeNull();
    }
    const rotated = readdirSync(dir).filter((f) => f.startsWith("seq_stdout.log."));
    expect(rotated.length).toBeGreaterThan(5);
    expect(rotated.length).toBeLessThanOrEqual(40);
  }, 20_000);

  test("following a file another process keeps appending to repeats nothing (no false truncation)", async () => {
    const path = join(tempDir(), "grow_stdout.log");
    const total = 300_000;
    const src = [{ service: "grow", stream: "stdout" as const, path }];
    const { cursors } = tailLogs(src, 0);
    const ac = new AbortController();
    const got: LogLine[] = [];
    const following = (async () => {
      for await (const batch of followLogs(src, cursors, { intervalMs: 1, signal: ac.signal })) {
        for (const line of batch) got.push(line);
        if (got.length >= total) break;
      }
    })();
    // slow the writer down so many polls land while it appends
    const proc = pipeline(`seq 1 ${total} | while read -r a; do echo "$a"; done`, path, 1 << 30, 1);
    expect(await proc.exited).toBe(0);
    const killer = setTimeout(() => ac.abort(), 3000);
    await following;
    clearTimeout(killer);
    for (let i = 0; i < got.length; i++) if (got[i]!.text !== String(i + 1)) throw new Error(`line ${i}: got ${got[i]!.text}`);
    expect(got.length).toBe(total);
  }, 30_000);

  test("tail after the writer is gone reads back across rotated files", async () => {
    const path = join(tempDir(), "t_stdout.log");
    const proc = pipeline("seq 1 50000", path, 64 * 1024, 100);
    expect(await proc.exited).toBe(0);
    const { lines } = tailLogs([{ service: "t", stream: "stdout", path }], 30_000);
    expect(lines.map((l) => l.text)).toEqual(Array.from({ length: 30_000 }, (_, i) => String(20_001 + i)));
  });
});
