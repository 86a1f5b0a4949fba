// queryLogs against a plain reference (read every file, oldest first, filter line by line):
// rotated chains written by LogFile, windows that skip files and cut inside them, regexes the
// chunk-wide search could get wrong (anchors, lookbehind, matches across a newline).
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { LogFile } from "../../../src/runtime/logfile.ts";
import { type LogFilter, queryLogs } from "../../../src/runtime/logquery.ts";
import type { LogLine, LogSource } from "../../../src/runtime/logread.ts";
import { tempDirs } from "./tmp.ts";

const tmp = tempDirs();
afterEach(() => tmp.cleanup());

const T0 = Date.UTC(2026, 11, 1, 10, 0, 0, 0);
const WORDS = ["alpha", "beta", "gamma", "timeout", "refused", "GET /", "POST /api", "é ünïcode", "", "  spaced"];

/** Writes `n` lines into `file` (one ms apart per 3 lines, rotating every 256 KiB, so the
 *  binary search inside a file (64 KiB probes) has room); returns the texts. */
function fill(dir: string, file: string, n: number, seed: number): string[] {
  const r = LogFile.open(join(dir, file), { max_size: 256 * 1024, max_files: 1000, timestamps: true, mode: 0o600 });
  if (!r.ok) throw new Error(r.error.message);
  const texts: string[] = [];
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2147483648;
    const text = `${WORDS[(x >>> 16) % WORDS.length]} ${i} ${(x >>> 8) % 97}`;
    texts.push(text);
    r.value.write(new TextEncoder().encode(`${text}\n`), T0 + Math.floor(i / 3) + seed);
  }
  r.value.close();
  return texts;
}

/** Every line of a source, oldest file first, parsed the simple way. */
function reference(src: LogSource): LogLine[] {
  const dir = join(src.path, "..");
  const base = src.path.slice(dir.length + 1);
  const rotated = readdirSync(dir)
    .filter((f) => f.startsWith(`${base}.`))
    .map((f) => Number(f.slice(base.length + 1)))
    .sort((a, b) => b - a);
  const out: LogLine[] = [];
  for (const p of [...rotated.map((k) => `${src.path}.${k}`), src.path]) {
    for (const l of readFileSync(p, "utf8").split("\n").slice(0, -1)) {
      out.push({ service: src.service, stream: src.stream, ts: Date.parse(l.slice(0, 24)), text: l.slice(25) });
    }
  }
  return out;
}

function expected(src: LogSource, f: LogFilter): LogLine[] {
  return reference(src).filter(
    (l) => (f.since === undefined || l.ts! >= f.since) && (f.until === undefined || l.ts! <= f.until) && (f.grep === undefined || f.grep.test(l.text)),
  );
}

function got(sources: LogSource[], f: LogFilter): LogLine[] {
  const q = queryLogs(sources, f);
  expect(q.errors).toEqual([]);
  return [...q.batches].flat();
}

describe("queryLogs", () => {
  test("matches the line-by-line reference for windows and regexes over a rotated chain", () => {
    const dir = tmp.make();
    const texts = fill(dir, "web_stdout.log", 60000, 0);
    expect(readdirSync(dir).length).toBeGreaterThan(5);
    const src: LogSource = { service: "web", stream: "stdout", path: join(dir, "web_stdout.log") };
    const filters: LogFilter[] = [
      { since: T0 + 5000 },
      { until: T0 + 3000 },
      { since: T0 + 7000, until: T0 + 12000 },
      { since: T0 + 12345, until: T0 + 12345 },
      { since: T0 + 19999 }, // the last ms only: every rotated file is skipped
      { since: T0 + 50000 }, // after everything
      { until: T0 - 1 }, // before everything
      { grep: /timeout|refused/ },
      { grep: /^GET/ },
      { grep: /(?<=POST )\/api/ },
      { grep: /\d$/ },
      { grep: /^$/ },
      { grep: /\s\d+ 5\b/ },
      { grep: /ü/ },
      { grep: /1\n2/ }, // never within one line
      { grep: /Z alpha/ }, // the stamp is not part of the text
      { grep: /GAMMA/i, since: T0 + 1000, until: T0 + 15000 },
    ];
    for (const f of filters) {
      const want = expected(src, f);
      expect({ f: String(f.grep), since: f.since, until: f.until, lines: got([src], f) }).toEqual({
        f: String(f.grep),
        since: f.since,
        until: f.until,
        lines: want,
      });
    }
    expect(got([src], { grep: /timeout/ }).length).toBe(texts.filter((t) => t.includes("timeout")).length);
    expect(got([src], { grep: /timeout/ }).length).toBeGreaterThan(100);
  });

  test("several sources come out merged by time, and cursors point at the live files' ends", () => {
    const dir = tmp.make();
    fill(dir, "a_stdout.log", 900, 0);
    fill(dir, "b_stderr.log", 900, 1);
    const a: LogSource = { service: "a", stream: "stdout", path: join(dir, "a_stdout.log") };
    const b: LogSource = { service: "b", stream: "stderr", path: join(dir, "b_stderr.log") };
    const f = { since: T0 + 100, grep: /a/ };
    const q = queryLogs([a, b], f);
    const lines = [...q.batches].flat();
    const want = [...expected(a, f), ...expected(b, f)];
    expect(lines.length).toBe(want.length);
    expect(lines.length).toBeGreaterThan(100);
    for (let i = 1; i < lines.length; i++) expect(lines[i]!.ts! >= lines[i - 1]!.ts!).toBe(true);
    expect(new Set(lines.map((l) => l.service))).toEqual(new Set(["a", "b"]));
    expect(q.cursors.map((c) => c?.offset)).toEqual([a, b].map((s) => readFileSync(s.path).length));
  });

  test("a missing source yields nothing and a null cursor", () => {
    const dir = tmp.make();
    const q = queryLogs([{ service: "x", stream: "stdout", path: join(dir, "x_stdout.log") }], { grep: /./ });
    expect([...q.batches]).toEqual([]);
    expect(q.cursors).toEqual([null]);
    expect(q.errors).toEqual([]);
  });
});
