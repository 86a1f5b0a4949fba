import { appendFileSync, closeSync, ftruncateSync, openSync, renameSync, truncateSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { LogFile } from "../../../src/runtime/logfile.ts";
import { type LogLine, followLogs, logSources, servicesWithLogs, tailLogs } from "../../../src/runtime/logread.ts";
import { tempDirs } from "./tmp.ts";

const tmp = tempDirs();
afterEach(() => tmp.cleanup());

const T0 = Date.UTC(2026, 0, 2, 3, 4, 5, 0);
const enc = (s: string) => new TextEncoder().encode(s);
const stamp = (ms: number) => `${new Date(ms).toISOString()} `;

function logFile(path: string, max_size = Number.POSITIVE_INFINITY, max_files = 50): LogFile {
  const r = LogFile.open(path, { max_size, max_files, timestamps: true, mode: 0o600 });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

const texts = (lines: LogLine[]) => lines.map((l) => l.text);

/** Collects followed lines until `until` says stop (or a time limit passes). */
async function collect(gen: AsyncGenerator<LogLine[]>, until: (got: LogLine[]) => boolean, ms = 10_000): Promise<LogLine[]> {
  const got: LogLine[] = [];
  const deadline = Date.now() + ms;
  for await (const batch of gen) {
    for (const line of batch) got.push(line);
    if (until(got) || Date.now() > deadline) break;
  }
  return got;
}

describe("logSources / servicesWithLogs", () => {
  test("names the stream files for each kind", () => {
    expect(logSources("/l", ["web"], "all")).toEqual([
      { service: "web", stream: "stdout", path: "/l/web_stdout.log" },
      { service: "web", stream: "stderr", path: "/l/web_stderr.log" },
    ]);
    expect(logSources("/l", ["a", "b"], "stderr").map((s) => s.path)).toEqual(["/l/a_stderr.log", "/l/b_stderr.log"]);
    expect(logSources("/l", ["a"], "supervisor")).toEqual([{ service: "supervisor", stream: "supervisor", path: "/l/supervisor.log" }]);
  });

  test("finds services from the files in the log dir, rotated ones and supervisor.log ignored", () => {
    const dir = tmp.make();
    for (const f of ["web_stdout.log", "web_stderr.log", "db_stderr.log", "x_stdout.log.1", "supervisor.log"]) writeFileSync(join(dir, f), "");
    expect(servicesWithLogs(dir)).toEqual(["db", "web"]);
  });
});

describe("tailLogs", () => {
  test("last N lines come from the live file and rotated files, oldest first, parsed", () => {
    const path = join(tmp.make(), "web_stdout.log");
    const log = logFile(path, 200, 10);
    for (let i = 0; i < 100; i++) log.write(enc(`n${i}\n`), T0 + i);
    log.close();
    const src = logSources(join(path, ".."), ["web"], "stdout");
    const r = tailLogs(src, 25);
    expect(r.errors).toEqual([]);
    expect(texts(r.lines)).toEqual(Array.from({ length: 25 }, (_, i) => `n${75 + i}`));
    expect(r.lines[0]).toEqual({ service: "web", stream: "stdout", ts: T0 + 75, text: "n75" });
    // more than there is: everything that survived rotation
    const all = tailLogs(src, 100_000).lines;
    expect(all.length).toBeGreaterThan(50);
    expect(all[all.length - 1]!.text).toBe("n99");
    expect(tailLogs(src, 0).lines).toEqual([]);
  });

  test("a trailing unfinished line is left out and the cursor points at its start", () => {
    const path = join(tmp.make(), "a_stdout.log");
    writeFileSync(path, "first\nsecond\nunfini");
    const r = tailLogs([{ service: "a", stream: "stdout", path }], 10);
    expect(texts(r.lines)).toEqual(["first", "second"]);
    expect(r.cursors[0]!.offset).toBe("first\nsecond\n".length);
  });

  test("lines without timestamps have ts null and keep their text", () => {
    const path = join(tmp.make(), "a_stdout.log");
    writeFileSync(path, "plain\n2026-13 not a stamp\n\n");
    const r = tailLogs([{ service: "a", stream: "stdout", path }], 10);
    expect(r.lines.map((l) => [l.ts, l.text])).toEqual([
      [null, "plain"],
      [null, "2026-13 not a stamp"],
      [null, ""],
    ]);
  });

  test("several sources interleave by timestamp, and N counts over all of them", () => {
    const dir = tmp.make();
    writeFileSync(join(dir, "a_stdout.log"), `${stamp(T0 + 1)}a1\n${stamp(T0 + 4)}a4\n${stamp(T0 + 5)}a5\n`);
    writeFileSync(join(dir, "a_stderr.log"), `${stamp(T0 + 2)}e2\n${stamp(T0 + 6)}e6\n`);
    writeFileSync(join(dir, "b_stdout.log"), `${stamp(T0 + 3)}b3\n`);
    const r = tailLogs(logSources(dir, ["a", "b"], "all"), 5);
    expect(texts(r.lines)).toEqual(["e2", "b3", "a4", "a5", "e6"]);
    expect(r.lines.map((l) => `${l.service}/${l.stream}`)).toEqual(["a/stderr", "b/stdout", "a/stdout", "a/stdout", "a/stderr"]);
    expect(r.cursors[3]).toBeNull(); // b_stderr.log does not exist
  });

  test("reads only the end of a huge file (8 GiB, sparse)", () => {
    const path = join(tmp.make(), "big_stdout.log");
    const fd = openSync(path, "w");
    ftruncateSync(fd, 8 * 1024 ** 3);
    const tail = Array.from({ length: 1000 }, (_, i) => `${stamp(T0 + i)}tail ${i}\n`).join("");
    writeSync(fd, tail, 8 * 1024 ** 3);
    closeSync(fd);
    const r = tailLogs([{ service: "big", stream: "stdout", path }], 50);
    expect(texts(r.lines)).toEqual(Array.from({ length: 50 }, (_, i) => `tail ${950 + i}`));
  });
});

describe("followLogs", () => {
  test("yields lines appended after the tail, completing partial lines", async () => {
    const path = join(tmp.make(), "a_stdout.log");
    writeFileSync(path, "old\npart");
    const src = [{ service: "a", stream: "stdout" as const, path }];
    const { cursors } = tailLogs(src, 1);
    const gen = followLogs(src, cursors, { intervalMs: 5 });
    setTimeout(() => appendFileSync(path, "ial\nnew\n"), 30);
    expect(texts(await collect(gen, (g) => g.length >= 2))).toEqual(["partial", "new"]);
  });

  test("a file that does not exist yet is read from its start once it appears", async () => {
    const dir = tmp.make();
    const src = logSources(dir, ["late"], "stdout");
    const { cursors } = tailLogs(src, 10);
    expect(cursors).toEqual([null]);
    const gen = followLogs(src, cursors, { intervalMs: 5 });
    setTimeout(() => writeFileSync(join(dir, "late_stdout.log"), "hello\n"), 30);
    expect(texts(await collect(gen, (g) => g.length >= 1))).toEqual(["hello"]);
  });

  test("follows across many rotations losing and repeating nothing", async () => {
    const path = join(tmp.make(), "r_stdout.log");
    const log = logFile(path, 2048, 8);
    log.write(enc("before\n"), T0);
    const src = [{ service: "r", stream: "stdout" as const, path }];
    const { cursors } = tailLogs(src, 0);
    const total = 6000;
    let i = 0;
    // the writer outpaces one poll by several rotations, but never by max_files
    const writer = setInterval(() => {
      for (let k = 0; k < 60 && i < total; k++, i++) log.write(enc(`m${i} ${"z".repeat(i % 20)}\n`), T0 + i);
      if (i >= total) clearInterval(writer);
    }, 2);
    const got = await collect(followLogs(src, cursors, { intervalMs: 10 }), (g) => g.length >= total);
    log.close();
    expect(got.length).toBe(total);
    for (let k = 0; k < total; k++) expect(got[k]!.text).toBe(`m${k} ${"z".repeat(k % 20)}`);
  });

  test("resumes from a cursor whose file was rotated away in the meantime", async () => {
    const path = join(tmp.make(), "c_stdout.log");
    const log = logFile(path, 100, 20);
    log.write(enc("a\nb\n"), T0);
    const src = [{ service: "c", stream: "stdout" as const, path }];
    const { cursors } = tailLogs(src, 5);
    for (let i = 0; i < 40; i++) log.write(enc(`x${i}\n`), T0 + i);
    log.close();
    const got = await collect(followLogs(src, cursors, { intervalMs: 5 }), (g) => g.length >= 40);
    expect(texts(got)).toEqual(Array.from({ length: 40 }, (_, i) => `x${i}`));
  });

  test("a file truncated in place is read again from its start", async () => {
    const path = join(tmp.make(), "t_stdout.log");
    writeFileSync(path, "one\ntwo\nthree\n");
    const src = [{ service: "t", stream: "stdout" as const, path }];
    const gen = followLogs(src, tailLogs(src, 0).cursors, { intervalMs: 5 });
    setTimeout(() => {
      truncateSync(path, 0);
      appendFileSync(path, "fresh\n");
    }, 30);
    expect(texts(await collect(gen, (g) => g.length >= 1))).toEqual(["fresh"]);
  });

  test("a file replaced by rename (external logrotate) is followed to the new one", async () => {
    const path = join(tmp.make(), "x_stdout.log");
    writeFileSync(path, "a\n");
    const src = [{ service: "x", stream: "stdout" as const, path }];
    const gen = followLogs(src, tailLogs(src, 0).cursors, { intervalMs: 5 });
    setTimeout(() => {
      appendFileSync(path, "b\n");
      renameSync(path, `${path}.1`);
      writeFileSync(path, "c\n");
    }, 30);
    expect(texts(await collect(gen, (g) => g.length >= 2))).toEqual(["b", "c"]);
  });

  test("stops when its signal aborts", async () => {
    const path = join(tmp.make(), "s_stdout.log");
    writeFileSync(path, "");
    const ac = new AbortController();
    const src = [{ service: "s", stream: "stdout" as const, path }];
    setTimeout(() => ac.abort(), 30);
    const got = await collect(followLogs(src, tailLogs(src, 0).cursors, { intervalMs: 1000, signal: ac.signal }), () => false);
    expect(got).toEqual([]);
  });
});

describe("followLogs with a backlog", () => {
  test("more than one poll's worth of new lines arrives in several batches, all of them, in order", async () => {
    const path = join(tmp.make(), "f_stdout.log");
    writeFileSync(path, "");
    const src = [{ service: "f", stream: "stdout" as const, path }];
    const gen = followLogs(src, tailLogs(src, 0).cursors, { intervalMs: 5 });
    const total = 400_000; // ~10 MiB: more than one poll reads
    const body = Array.from({ length: total }, (_, i) => `${stamp(T0)}${i}\n`).join("");
    appendFileSync(path, body);
    const batches: number[] = [];
    const got: LogLine[] = [];
    for await (const batch of gen) {
      batches.push(batch.length);
      for (const line of batch) got.push(line);
      if (got.length >= total) break;
    }
    expect(batches.length).toBeGreaterThan(1);
    expect(got.length).toBe(total);
    for (let i = 0; i < total; i++) if (got[i]!.text !== String(i)) throw new Error(`line ${i}: ${got[i]!.text}`);
    expect(got[total - 1]!.text).toBe(String(total - 1));
  });
});

describe("followLogs when the file comes late", () => {
  test("a file created and rotated between two polls is read whole: rotated files first", async () => {
    const dir = tmp.make();
    const path = join(dir, "n_stdout.log");
    const src = [{ service: "n", stream: "stdout" as const, path }];
    const { cursors } = tailLogs(src, 10);
    expect(cursors).toEqual([null]);
    const gen = followLogs(src, cursors, { intervalMs: 60 });
    setTimeout(() => {
      const log = logFile(path, 100, 20);
      for (let i = 0; i < 50; i++) log.write(enc(`L${i}\n`), T0 + i);
      log.close();
    }, 20);
    const got = await collect(gen, (g) => g.length >= 50);
    expect(texts(got)).toEqual(Array.from({ length: 50 }, (_, i) => `L${i}`));
  });

  test("without a live file the newest rotated one is tailed, and following goes on from it", async () => {
    const dir = tmp.make();
    const path = join(dir, "m_stdout.log");
    writeFileSync(`${path}.2`, `${stamp(T0)}older\n`);
    writeFileSync(`${path}.1`, `${stamp(T0)}old\n`);
    const src = [{ service: "m", stream: "stdout" as const, path }];
    const { lines, cursors } = tailLogs(src, 10);
    expect(texts(lines)).toEqual(["older", "old"]);
    const gen = followLogs(src, cursors, { intervalMs: 60 });
    setTimeout(() => {
      // the writer comes back and rotates twice
      const log = logFile(path, 40, 20);
      for (let i = 0; i < 5; i++) log.write(enc(`new${i}\n`), T0 + i);
      log.close();
    }, 20);
    const got = await collect(gen, (g) => g.length >= 5);
    expect(texts(got)).toEqual(["new0", "new1", "new2", "new3", "new4"]);
  });
});
