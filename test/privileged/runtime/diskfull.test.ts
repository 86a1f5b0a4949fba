// A log file on a full disk (found by the chaos suite, scenario 3): a write the disk takes
// only half of is cut back to the last whole line, the output is dropped and counted with one
// warning, and once space is free a marker line says how much was lost. Needs root (tmpfs).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createBunPlatform } from "../../../src/platform/bun/index.ts";
import { LogFile, WriteWatch } from "../../../src/runtime/logfile.ts";

const why = process.getuid?.() !== 0 ? "not root" : null;
if (why) console.warn(`skipping disk-full tests: ${why}`);
let dir = "";
let mounted = false;

beforeAll(() => {
  if (why) return;
  dir = mkdtempSync(join(tmpdir(), "sysg-diskfull-"));
  mounted = spawnSync("mount", ["-t", "tmpfs", "-o", "size=64k", "sysg-test", dir]).status === 0;
});
afterAll(() => {
  if (mounted) spawnSync("umount", ["-l", dir]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(why !== null)("log file on a full disk", () => {
  test("no torn line, one warning, a marker once space is free", () => {
    expect(mounted).toBe(true);
    const path = join(dir, "svc_stdout.log");
    const filler = join(dir, "filler");
    writeFileSync(filler, Buffer.alloc(16 * 1024, 1));
    const opened = LogFile.open(path, { max_size: Number.POSITIVE_INFINITY, max_files: 5, timestamps: true, mode: 0o600 });
    if (!opened.ok) throw new Error(opened.error.message);
    const warnings: string[] = [];
    const log = new WriteWatch(opened.value, path, (t) => warnings.push(t));
    // 1000-byte chunks of whole 100-byte lines: 64 KiB fills mid-chunk, so a write is cut short
    const line = (i: number) => `line ${String(i).padStart(6, "0")} ${"x".repeat(100 - 13 - 1)}\n`;
    let i = 0;
    for (let k = 0; k < 120; k++) {
      let chunk = "";
      for (let j = 0; j < 10; j++) chunk += line(i++);
      log.write(Buffer.from(chunk));
    }
    const full = readFileSync(path, "latin1");
    expect(full.endsWith("\n")).toBe(true);
    // whole data lines, or a marker written when a cut-back left room for one
    const marker = /^\S+Z \[sysg: \d+ line\(s\), \d+ byte\(s\) of output dropped: .*ENOSPC.*\]$/;
    for (const l of full.split("\n").slice(0, -1)) expect(marker.test(l) || /^\S+Z line \d{6} x{86}$/.test(l)).toBe(true);
    expect(full.length).toBeLessThan(64 * 1024);
    expect(warnings[0]).toContain("ENOSPC");
    expect(warnings[0]).toContain("dropping this output until writing works again");
    // free space, as an operator removing an old file would
    unlinkSync(filler);
    log.write(Buffer.from(line(i++)));
    const after = readFileSync(path, "latin1").split("\n").filter(Boolean).slice(-2);
    expect(after[0]).toMatch(marker);
    expect(after[1]).toMatch(/line \d{6} x{86}$/);
    expect(warnings[warnings.length - 1]).toContain("writing works again");
    log.close();
  });

  test("the log pump: no torn line, a warning, a marker once space is free; the writer is never blocked", async () => {
    expect(mounted).toBe(true);
    const path = join(dir, "pumped_stdout.log");
    const filler = join(dir, "filler2");
    for (const f of ["svc_stdout.log", "filler"]) rmSync(join(dir, f), { force: true });
    writeFileSync(filler, Buffer.alloc(16 * 1024, 1));
    const platform = createBunPlatform();
    const warnings: string[] = [];
    const opened = platform.openLog({ path, max_size: Number.POSITIVE_INFINITY, max_files: 5, timestamps: true, mode: 0o600, warn: (t) => warnings.push(t) });
    if (!opened.ok) throw new Error(opened.message);
    const log = opened.log;
    const p = platform.pipe();
    const ended = log.attach(p.read);
    const line = (i: number) => `line ${String(i).padStart(6, "0")} ${"x".repeat(100 - 13 - 1)}\n`;
    let i = 0;
    // 120 KB into a 64 KiB disk: the writer is never blocked (what cannot be written is dropped)
    for (let k = 0; k < 120; k++) {
      let chunk = "";
      for (let j = 0; j < 10; j++) chunk += line(i++);
      writeSync(p.write, chunk);
      await log.sync();
    }
    const marker = /^\S+Z \[sysg: \d+ line\(s\), \d+ byte\(s\) of output dropped: .*ENOSPC.*\]$/;
    const full = readFileSync(path, "latin1");
    expect(full.endsWith("\n")).toBe(true);
    for (const l of full.split("\n").slice(0, -1)) expect(marker.test(l) || /^\S+Z line \d{6} x{86}$/.test(l)).toBe(true);
    expect(warnings[0]).toContain("ENOSPC");
    expect(warnings[0]).toContain("dropping this output until writing works again");
    unlinkSync(filler);
    writeSync(p.write, line(i++));
    await log.sync();
    const after = readFileSync(path, "latin1").split("\n").filter(Boolean).slice(-2);
    expect(after[0]).toMatch(marker);
    expect(after[1]).toMatch(/line \d{6} x{86}$/);
    expect(warnings[warnings.length - 1]).toContain("writing works again");
    closeSync(p.write);
    await ended;
    log.close();
  });
});
