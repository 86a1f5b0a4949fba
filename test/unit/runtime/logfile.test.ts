import { Buffer } from "node:buffer";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LogFile, type LogFileOptions, MAX_LINE, openSupervisorLog } from "../../../src/runtime/logfile.ts";
import { tempDirs } from "./tmp.ts";

const tmp = tempDirs();
afterEach(() => tmp.cleanup());

const AT = Date.UTC(2026, 0, 2, 3, 4, 5, 678);
const STAMP = "2026-01-02T03:04:05.678Z ";
const enc = (s: string) => new TextEncoder().encode(s);

function open(path: string, opts: Partial<LogFileOptions> = {}): LogFile {
  const r = LogFile.open(path, { max_size: Number.POSITIVE_INFINITY, max_files: 5, timestamps: true, mode: 0o600, ...opts });
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

/** Files of one stream, oldest first: .N … .1, live. */
function chain(path: string): string[] {
  const dir = join(path, "..");
  const base = path.slice(dir.length + 1);
  const ks = readdirSync(dir)
    .filter((f) => f.startsWith(`${base}.`))
    .map((f) => Number(f.slice(base.length + 1)))
    .sort((a, b) => b - a);
  return [...ks.map((k) => `${path}.${k}`), path];
}

describe("LogFile lines and timestamps", () => {
  test("prefixes every complete line with one ISO-8601 UTC ms timestamp and a space", () => {
    const path = join(tmp.make(), "web_stdout.log");
    const log = open(path);
    expect(log.write(enc("one\ntwo\n\nthree\n"), AT)).toBeNull();
    log.close();
    expect(readFileSync(path, "utf8")).toBe(`${STAMP}one\n${STAMP}two\n${STAMP}\n${STAMP}three\n`);
  });

  test("keeps a partial line across chunks and stamps it with the time its first byte came", () => {
    const path = join(tmp.make(), "a.log");
    const log = open(path);
    log.write(enc("hel"), AT);
    log.write(enc("lo"), AT + 1000);
    expect(readFileSync(path, "utf8")).toBe("");
    log.write(enc(" world\nnext"), AT + 2000);
    expect(readFileSync(path, "utf8")).toBe(`${STAMP}hello world\n`);
    log.flush();
    expect(readFileSync(path, "utf8")).toBe(`${STAMP}hello world\n2026-01-02T03:04:07.678Z next\n`);
    log.close();
  });

  test("flush without a pending line writes nothing; close flushes", () => {
    const path = join(tmp.make(), "a.log");
    const log = open(path, { timestamps: false });
    log.write(enc("x\n"));
    expect(log.flush()).toBeNull();
    log.write(enc("tail"));
    expect(log.close()).toBeNull();
    expect(readFileSync(path, "utf8")).toBe("x\ntail\n");
  });

  test("splits on bytes: a UTF-8 character cut between chunks arrives intact", () => {
    const path = join(tmp.make(), "a.log");
    const lines: string[] = [];
    const log = open(path, { onLine: (t) => lines.push(t) });
    const bytes = enc("größe €\n");
    for (let i = 0; i < bytes.length; i++) log.write(bytes.subarray(i, i + 1), AT);
    log.close();
    expect(readFileSync(path, "utf8")).toBe(`${STAMP}größe €\n`);
    expect(lines).toEqual(["größe €"]);
  });

  test("any chunking of the same bytes gives the same file", () => {
    const text = Array.from({ length: 500 }, (_, i) => `line ${i} ${"x".repeat(i % 37)}\n`).join("");
    const bytes = enc(text);
    const dir = tmp.make();
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (let run = 0; run < 20; run++) {
      const path = join(dir, `r${run}.log`);
      const log = open(path);
      for (let pos = 0; pos < bytes.length; ) {
        const n = 1 + Math.floor(rnd() * 300);
        log.write(bytes.subarray(pos, pos + n), AT);
        pos += n;
      }
      log.close();
      expect(readFileSync(path, "utf8")).toBe(text.replace(/^/gm, STAMP).slice(0, -STAMP.length));
    }
  });

  test("onLine gets each line without newline, in order, with its time", () => {
    const seen: [string, number][] = [];
    const log = open(join(tmp.make(), "a.log"), { onLine: (t, at) => seen.push([t, at]) });
    log.write(enc("ready on :8080\npart"), AT);
    log.write(enc("ial\n"), AT + 5);
    log.writeText("from supervisor", AT + 9);
    log.close();
    expect(seen).toEqual([
      ["ready on :8080", AT],
      ["partial", AT],
      ["from supervisor", AT + 9],
    ]);
  });

  test("without timestamps the bytes pass through unchanged", () => {
    const path = join(tmp.make(), "a.log");
    const log = open(path, { timestamps: false });
    log.write(enc("a\nb"));
    log.write(enc("c\n"));
    log.close();
    expect(readFileSync(path, "utf8")).toBe("a\nbc\n");
  });

  test("a line that never ends is cut at MAX_LINE instead of growing without bound", () => {
    const path = join(tmp.make(), "a.log");
    const log = open(path, { timestamps: false });
    const block = new Uint8Array(64 * 1024).fill(0x61);
    for (let i = 0; i < MAX_LINE / block.length + 1; i++) log.write(block);
    log.close();
    const lines = readFileSync(path, "latin1").split("\n");
    expect(lines[0]).toHaveLength(MAX_LINE);
    expect(lines[1]).toHaveLength(block.length);
  });

  test("appends to an existing file, creating it with the given mode", () => {
    const path = join(tmp.make(), "a.log");
    writeFileSync(path, "old\n");
    const log = open(path, { timestamps: false, mode: 0o640 });
    log.write(enc("new\n"));
    log.close();
    expect(readFileSync(path, "utf8")).toBe("old\nnew\n");
    expect(statSync(path).mode & 0o777).toBe(0o640);
  });
});

describe("LogFile rotation", () => {
  test("200k lines through rotation: every line exactly once, in order, untorn, files within max_size", () => {
    const path = join(tmp.make(), "svc_stdout.log");
    const maxSize = 256 * 1024;
    const log = open(path, { max_size: maxSize, max_files: 100 });
    const total = 200_000;
    let next = 0;
    while (next < total) {
      // chunks cut at arbitrary places, like a pipe
      let s = "";
      const n = 1 + (next % 97);
      for (let i = 0; i < n && next < total; i++) s += `line-${next++}-${"y".repeat(next % 13)}\n`;
      const b = enc(s);
      const cut = Math.floor(b.length / 3);
      expect(log.write(b.subarray(0, cut), AT)).toBeNull();
      expect(log.write(b.subarray(cut), AT)).toBeNull();
    }
    log.close();
    const files = chain(path);
    expect(files.length).toBeGreaterThan(20);
    let expectNext = 0;
    for (const f of files) {
      const data = readFileSync(f, "utf8");
      expect(Buffer.byteLength(data)).toBeLessThanOrEqual(maxSize);
      expect(data.endsWith("\n")).toBe(true);
      for (const line of data.slice(0, -1).split("\n")) {
        expect(line.slice(0, 25)).toBe(STAMP);
        const m = /^line-(\d+)-(y*)$/.exec(line.slice(25));
        expect(m).not.toBeNull();
        expect(Number(m![1])).toBe(expectNext);
        expect(m![2]).toHaveLength((expectNext + 1) % 13);
        expectNext++;
      }
    }
    expect(expectNext).toBe(total);
  });

  test("keeps only max_files rotated files, and they hold the newest lines contiguously", () => {
    const path = join(tmp.make(), "svc_stderr.log");
    const log = open(path, { max_size: 4096, max_files: 3, timestamps: false });
    for (let i = 0; i < 20_000; i++) log.write(enc(`${i}\n`));
    log.close();
    const files = chain(path);
    expect(files).toEqual([`${path}.3`, `${path}.2`, `${path}.1`, path]);
    const all = files.flatMap((f) => readFileSync(f, "utf8").slice(0, -1).split("\n").map(Number));
    expect(all[all.length - 1]).toBe(19_999);
    for (let i = 1; i < all.length; i++) expect(all[i]).toBe(all[i - 1]! + 1);
    for (const f of files.slice(0, 3)) expect(statSync(f).size).toBeGreaterThan(4096 - 7);
  });

  test("rotates at a line boundary, never splitting a chunk's line", () => {
    const path = join(tmp.make(), "a.log");
    const log = open(path, { max_size: 10, max_files: 2, timestamps: false });
    log.write(enc("aaaa\nbbbb\ncccc\n"));
    log.close();
    expect(readFileSync(`${path}.1`, "utf8")).toBe("aaaa\nbbbb\n");
    expect(readFileSync(path, "utf8")).toBe("cccc\n");
  });

  test("a line longer than max_size is written whole into a fresh file", () => {
    const path = join(tmp.make(), "a.log");
    const log = open(path, { max_size: 100, max_files: 5, timestamps: false });
    const long = "L".repeat(300);
    log.write(enc(`short\n${long}\nafter\n`));
    log.close();
    expect(readFileSync(`${path}.2`, "utf8")).toBe("short\n");
    expect(readFileSync(`${path}.1`, "utf8")).toBe(`${long}\n`);
    expect(readFileSync(path, "utf8")).toBe("after\n");
  });

  test("counts what the file held before it was opened", () => {
    const path = join(tmp.make(), "a.log");
    writeFileSync(path, "x".repeat(95) + "\n");
    const log = open(path, { max_size: 100, max_files: 1, timestamps: false });
    log.write(enc("next\n"));
    log.close();
    expect(readFileSync(`${path}.1`, "utf8")).toHaveLength(96);
    expect(readFileSync(path, "utf8")).toBe("next\n");
  });

  test("max_files 0 keeps only the live file; a lowered max_files drops the extra old ones", () => {
    const dir = tmp.make();
    const path = join(dir, "a.log");
    for (const k of [1, 2, 3, 4]) writeFileSync(`${path}.${k}`, `old ${k}\n`);
    const log = open(path, { max_size: 6, max_files: 2, timestamps: false });
    log.write(enc("12345\n67890\n"));
    log.close();
    expect(chain(path)).toEqual([`${path}.2`, `${path}.1`, path]);
    expect(readFileSync(`${path}.2`, "utf8")).toBe("old 1\n");
    expect(readFileSync(`${path}.1`, "utf8")).toBe("12345\n");

    const p0 = join(dir, "zero.log");
    const z = open(p0, { max_size: 6, max_files: 0, timestamps: false });
    z.write(enc("12345\n67890\n"));
    z.close();
    expect(existsSync(`${p0}.1`)).toBe(false);
    expect(readFileSync(p0, "utf8")).toBe("67890\n");
    // an oversized line is kept until the next write needs the room
    const z2 = open(p0, { max_size: 6, max_files: 0, timestamps: false });
    z2.write(enc("0123456789\n"));
    expect(readFileSync(p0, "utf8")).toBe("0123456789\n");
    z2.write(enc("x\n"));
    z2.close();
    expect(readFileSync(p0, "utf8")).toBe("x\n");
  });

  test("a failed rotation is reported, and writing resumes once the file can be opened again", () => {
    const dir = tmp.make();
    const sub = join(dir, "logs");
    mkdirSync(sub);
    const path = join(sub, "a.log");
    const log = open(path, { max_size: 10, max_files: 1, timestamps: false });
    log.write(enc("12345678\n"));
    rmSync(sub, { recursive: true });
    const err = log.write(enc("abcdefgh\n"));
    expect(err).not.toBeNull();
    expect(err!.message).toContain(path);
    mkdirSync(sub);
    expect(log.write(enc("back\n"))).toBeNull();
    log.close();
    expect(readFileSync(path, "utf8")).toBe("back\n");
  });

  test("a write error comes back as a value naming the file", () => {
    const path = join(tmp.make(), "missing-dir", "a.log");
    const r = LogFile.open(path, { max_size: 100, max_files: 1, timestamps: true, mode: 0o600 });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain(path);
  });
});

describe("supervisor.log", () => {
  test("messages become timestamped lines in <logDir>/supervisor.log, rotated by the limits", () => {
    const dir = tmp.make();
    const paths = { supervisorLog: join(dir, "supervisor.log"), fileMode: 0o600 };
    const r = openSupervisorLog(paths, { max_size: 100, max_files: 1 });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    r.value.writeText("info web: started, pid 42", AT);
    r.value.writeText("warn db: exited with code 1\nsecond line\n", AT);
    r.value.close();
    expect(readFileSync(`${paths.supervisorLog}.1`, "utf8")).toBe(`${STAMP}info web: started, pid 42\n`);
    expect(readFileSync(paths.supervisorLog, "utf8")).toBe(`${STAMP}warn db: exited with code 1\n${STAMP}second line\n`);
  });
});
