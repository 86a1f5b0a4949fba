// The native log pump (ffi/pump.c through Platform.openLog): pipes copied into stamped,
// rotating log files by a thread of its own; an unfinished line stays in its pipe until its
// newline comes; a torn tail left by a killed supervisor is cut when the file is opened.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { closeSync, existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBunPlatform } from "../../../src/platform/bun/index.ts";
import type { LogTarget } from "../../../src/platform/types.ts";

const platform = createBunPlatform();
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z /;
let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sysg-pump-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function open(name: string, o: Partial<LogTarget> = {}) {
  const path = join(dir, name);
  const r = platform.openLog({ path, max_size: Number.POSITIVE_INFINITY, max_files: 3, timestamps: true, mode: 0o640, warn: () => {}, ...o });
  if (!r.ok) throw new Error(r.message);
  return { path, log: r.log };
}

const holds = (path: string) => readdirSync("/proc/self/fd").some((fd) => {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`) === path;
  } catch {
    return false;
  }
});

describe("log pump", () => {
  test("stamps every line, reports lines to a listener, flushes the last unfinished line at EOF", async () => {
    const lines: string[] = [];
    const { path, log } = open("a.log", { onLine: (t, at) => lines.push(`${t}@${at > 0}`) });
    const p = platform.pipe();
    const ended = log.attach(p.read);
    writeSync(p.write, "one\ntwo\nthr");
    writeSync(p.write, "ee\nunfinished");
    closeSync(p.write);
    await ended;
    const text = readFileSync(path, "utf8");
    expect(text.endsWith("\n")).toBe(true);
    const got = text.slice(0, -1).split("\n");
    for (const l of got) expect(l).toMatch(STAMP);
    expect(got.map((l) => l.slice(25))).toEqual(["one", "two", "three", "unfinished"]);
    expect(lines).toEqual(["one@true", "two@true", "three@true", "unfinished@true"]);
    log.close();
  });

  test("an unfinished line is not written until its newline comes", async () => {
    const { path, log } = open("b.log", { timestamps: false });
    const p = platform.pipe();
    const ended = log.attach(p.read);
    writeSync(p.write, "done\npart");
    await log.sync();
    expect(readFileSync(path, "utf8")).toBe("done\n");
    writeSync(p.write, "ial\n");
    await log.sync();
    expect(readFileSync(path, "utf8")).toBe("done\npartial\n");
    closeSync(p.write);
    await ended;
    log.close();
  });

  test("a torn tail (a write a kill cut short) is cut back to the last newline when the file is opened", async () => {
    const path = join(dir, "c.log");
    writeFileSync(path, "2026-01-01T00:00:00.000Z whole\n2026-01-01T00:00:00.000Z tor");
    const { log } = open("c.log", { timestamps: false });
    const p = platform.pipe();
    const ended = log.attach(p.read);
    writeSync(p.write, "next\n");
    closeSync(p.write);
    await ended;
    expect(readFileSync(path, "utf8")).toBe("2026-01-01T00:00:00.000Z whole\nnext\n");
    log.close();
  });

  test("the file is created at once with its mode, but held open only from the first line", async () => {
    const { path, log } = open("d.log");
    expect(existsSync(path)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    const p = platform.pipe();
    const ended = log.attach(p.read);
    await log.sync();
    expect(holds(path)).toBe(false);
    writeSync(p.write, "hello\n");
    await log.sync();
    expect(holds(path)).toBe(true);
    closeSync(p.write);
    await ended;
    log.close();
    await Bun.sleep(0);
    // the pump closes the file once JS let go and the last pipe ended
    const end = Date.now() + 10_000;
    while (holds(path) && Date.now() < end) await Bun.sleep(10);
    expect(holds(path)).toBe(false);
  });

  test("200k lines through rotation: each once, in order, untorn; files within max_size; max_files kept", async () => {
    const { path, log } = open("e.log", { max_size: 256 * 1024, max_files: 1000 });
    const p = platform.pipe();
    const ended = log.attach(p.read);
    const N = 200_000;
    let chunk = "";
    for (let i = 1; i <= N; i++) {
      chunk += `line ${i}\n`;
      // odd chunk sizes: lines cut between writes
      if (chunk.length > 7777) {
        writeSync(p.write, chunk.slice(0, 5000));
        chunk = chunk.slice(5000);
      }
    }
    writeSync(p.write, chunk);
    closeSync(p.write);
    await ended;
    const files = readdirSync(dir)
      .filter((f) => f.startsWith("e.log"))
      .sort((a, b) => (a === "e.log" ? 1 : b === "e.log" ? -1 : Number(b.slice(6)) - Number(a.slice(6))));
    expect(files.length).toBeGreaterThan(5);
    let next = 1;
    for (const f of files) {
      const text = readFileSync(join(dir, f), "latin1");
      expect(text.length).toBeLessThanOrEqual(256 * 1024);
      expect(text.endsWith("\n")).toBe(true);
      for (const l of text.slice(0, -1).split("\n")) {
        expect(l).toMatch(STAMP);
        expect(l.slice(25)).toBe(`line ${next++}`);
      }
    }
    expect(next).toBe(N + 1);
    log.close();
    void path;
  });

  test("max_files 2 keeps the live file and two rotated ones", async () => {
    const { log } = open("f.log", { max_size: 1000, max_files: 2, timestamps: false });
    const p = platform.pipe();
    const ended = log.attach(p.read);
    for (let i = 0; i < 100; i++) writeSync(p.write, `${String(i).padStart(99, "0")}\n`);
    closeSync(p.write);
    await ended;
    expect(readdirSync(dir).filter((f) => f.startsWith("f.log")).sort()).toEqual(["f.log", "f.log.1", "f.log.2"]);
    const newest = readFileSync(join(dir, "f.log"), "latin1").slice(0, -1).split("\n");
    expect(newest[newest.length - 1]).toBe(String(99).padStart(99, "0"));
    log.close();
  });

  test("a line that never ends is cut into lines of about MAX_LINE instead of growing without bound", async () => {
    const { path, log } = open("g.log", { timestamps: false });
    const p = platform.pipe();
    const ended = log.attach(p.read);
    const block = "y".repeat(64 * 1024);
    const writer = (async () => {
      for (let i = 0; i < 48; i++) {
        writeSync(p.write, block);
        await log.sync();
      }
      writeSync(p.write, "\n");
      closeSync(p.write);
    })();
    await writer;
    await ended;
    const lines = readFileSync(path, "latin1").slice(0, -1).split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(2);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(lines.join("")).toBe(block.repeat(48));
    log.close();
  });
});
