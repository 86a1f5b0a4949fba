// Reading log files for `sysg logs` (SPEC §5): the last N lines of one or more streams, read
// backwards through the live file and its rotated predecessors, and following new lines across
// rotation and truncation. Returns plain data; colors and layout are the CLI's job.
import { Buffer } from "node:buffer";
import { closeSync, fstatSync, openSync, readSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { type RuntimeError, errnoCode, ioError } from "./errors.ts";
import { type LogStream, serviceLogPath } from "./paths.ts";

export type LogKind = "stdout" | "stderr" | "all" | "supervisor";
export type SourceStream = "stdout" | "stderr" | "supervisor";

export interface LogSource {
  /** the service name; "supervisor" for supervisor.log */
  service: string;
  stream: SourceStream;
  /** the live file */
  path: string;
}

export interface LogLine {
  service: string;
  stream: SourceStream;
  /** ms since epoch from the line's timestamp; null when it was written without one */
  ts: number | null;
  /** the line without timestamp and newline */
  text: string;
}

/** Where reading stopped in one source: follow resumes exactly there, even after rotation. */
export interface Cursor {
  dev: number;
  ino: number;
  offset: number;
}

export interface TailResult {
  /** oldest first, interleaved by time across sources */
  lines: LogLine[];
  /** one per source, same order; null when the source had no file yet */
  cursors: (Cursor | null)[];
  errors: RuntimeError[];
}

const BLOCK = 64 * 1024;
/** Most a follower reads from its live file per poll, so a flood still yields regularly. */
const POLL_BYTES = 4 * 1024 * 1024;
const NL = 10;
const STAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z $/;

/** The files to read for `sysg logs [NAME] -k KIND`. */
export function logSources(logDir: string, services: string[], kind: LogKind): LogSource[] {
  if (kind === "supervisor") return [{ service: "supervisor", stream: "supervisor", path: join(logDir, "supervisor.log") }];
  const streams: LogStream[] = kind === "all" ? ["stdout", "stderr"] : [kind];
  return services.flatMap((service) => streams.map((stream) => ({ service, stream, path: serviceLogPath(logDir, service, stream) })));
}

/** Services that have a log file in `logDir` (for `sysg logs` when no supervisor runs). */
export function servicesWithLogs(logDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(logDir);
  } catch {
    return [];
  }
  const found = new Set<string>();
  for (const f of names) {
    const m = /^(.+)_(stdout|stderr)\.log$/.exec(f);
    if (m) found.add(m[1]!);
  }
  return [...found].sort();
}

/** The last `n` lines over all sources (interleaved by time), plus where each source ends. */
export function tailLogs(sources: LogSource[], n: number): TailResult {
  const perSource: LogLine[][] = [];
  const cursors: (Cursor | null)[] = [];
  const errors: RuntimeError[] = [];
  for (const src of sources) {
    const r = tailSource(src, n);
    if ("error" in r) {
      errors.push(r.error);
      perSource.push([]);
      cursors.push(null);
    } else {
      perSource.push(r.lines);
      cursors.push(r.cursor);
    }
  }
  const lines = mergeByTime(perSource);
  return { lines: n > 0 ? lines.slice(-n) : [], cursors, errors };
}

/** Last `n` complete lines of one source; a trailing unfinished line is left for follow. */
function tailSource(src: LogSource, n: number): { lines: LogLine[]; cursor: Cursor | null } | { error: RuntimeError } {
  for (let attempt = 0; attempt < 5; attempt++) {
    const newest = openNewest(src.path);
    if (newest === null) return { lines: [], cursor: null };
    if ("error" in newest) return { error: ioError(src.path, "cannot open log", newest.error) };
    const live = newest.fd;
    const fds = [live];
    try {
      const st = fstatSync(live);
      const end = lastLineEnd(live, st.size);
      const cursor: Cursor = { dev: st.dev, ino: st.ino, offset: end };
      const chunks: Buffer[][] = [];
      let have = 0;
      let fileEnd = end;
      let fd = live;
      const scan = new RotatedScan(src.path, st);
      for (;;) {
        const got = lastLines(fd, fileEnd, n - have);
        chunks.push(got);
        have += got.length;
        if (have >= n) break;
        const older = scan.next();
        if (older === null) break;
        fds.push(older.fd);
        fd = older.fd;
        fileEnd = older.size;
      }
      // A rotation while we read would shift the files under us: then read again.
      if (fds.length > 1 && !sameFile(newest.path, st)) continue;
      const lines: LogLine[] = [];
      for (let i = chunks.length - 1; i >= 0; i--) for (const b of chunks[i]!) lines.push(parseLine(src, b));
      return { lines, cursor };
    } catch (err) {
      return { error: ioError(src.path, "cannot read log", err) };
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  }
  return { error: { kind: "io", path: src.path, message: `${src.path} rotates faster than it can be read`, hint: "try again" } };
}

/** The live file, or — caught between the rename and re-creation of a rotation, or after the
 *  live file was removed — the newest rotated one; null when there is neither. */
export function openNewest(path: string): { fd: number; path: string } | null | { error: unknown } {
  for (const p of [path, `${path}.1`]) {
    try {
      return { fd: openSync(p, "r"), path: p };
    } catch (err) {
      if (errnoCode(err) !== "ENOENT") return { error: err };
    }
  }
  return null;
}

/** Offset just after the last newline before `size` (0 if none). */
export function lastLineEnd(fd: number, size: number): number {
  const buf = Buffer.allocUnsafe(Math.min(BLOCK, size));
  for (let end = size; end > 0; ) {
    const start = Math.max(0, end - BLOCK);
    const got = readAt(fd, buf, start, end - start);
    if (got === 0) return 0;
    const nl = buf.lastIndexOf(NL, got - 1);
    if (nl >= 0) return start + nl + 1;
    end = start;
  }
  return 0;
}

/** The last `want` lines ending at `end` (a line boundary), each without its newline, in order;
 *  reads backwards block by block, so only what is needed is read. */
function lastLines(fd: number, end: number, want: number): Buffer[] {
  if (want <= 0 || end === 0) return [];
  const blocks: Buffer[] = [];
  let start = end;
  let newlines = 0;
  // want + 1 newlines delimit `want` whole lines (the file start delimits the first one)
  while (start > 0 && newlines <= want) {
    const from = Math.max(0, start - BLOCK);
    const block = Buffer.allocUnsafe(start - from);
    readAt(fd, block, from, block.length);
    for (let i = block.indexOf(NL); i !== -1; i = block.indexOf(NL, i + 1)) newlines++;
    blocks.unshift(block);
    start = from;
  }
  const data = blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks);
  const lines: Buffer[] = [];
  let stop = data.length - 1; // the final newline
  while (lines.length < want && stop >= 0) {
    // (a negative offset would make lastIndexOf count from the end)
    const nl = stop > 0 ? data.lastIndexOf(NL, stop - 1) : -1;
    if (nl < 0 && start > 0) break;
    lines.push(data.subarray(nl + 1, stop));
    stop = nl;
  }
  return lines.reverse();
}

/** Opens `<path>.1`, `.2`, … in turn, newest first. A writer rotating meanwhile moves files
 *  up one slot at a time, from the oldest, so the scan may meet one empty slot or see a file
 *  twice: it steps over a single gap and skips files it has already returned. */
export class RotatedScan {
  private k = 0;
  private readonly seen = new Set<string>();

  constructor(
    private readonly path: string,
    exclude: { dev: number; ino: number },
  ) {
    this.seen.add(`${exclude.dev}:${exclude.ino}`);
  }

  next(): { fd: number; dev: number; ino: number; size: number } | null {
    for (let misses = 0; misses < 2; ) {
      let fd: number;
      try {
        fd = openSync(`${this.path}.${++this.k}`, "r");
      } catch {
        misses++;
        continue;
      }
      misses = 0;
      const st = fstatSync(fd);
      const key = `${st.dev}:${st.ino}`;
      if (this.seen.has(key)) {
        closeSync(fd);
        continue;
      }
      this.seen.add(key);
      return { fd, dev: st.dev, ino: st.ino, size: st.size };
    }
    return null;
  }
}

export function readAt(fd: number, buf: Buffer, pos: number, len: number): number {
  let got = 0;
  while (got < len) {
    const n = readSync(fd, buf, got, len - got, pos + got);
    if (n === 0) break;
    got += n;
  }
  return got;
}

export function sameFile(path: string, st: { dev: number; ino: number }): boolean {
  try {
    const now = statSync(path);
    return now.ino === st.ino && now.dev === st.dev;
  } catch {
    return false;
  }
}

function parseLine(src: LogSource, b: Buffer): LogLine {
  if (b.length >= 25 && STAMP.test(b.toString("latin1", 0, 25))) {
    return { service: src.service, stream: src.stream, ts: Date.parse(b.toString("latin1", 0, 24)), text: b.toString("utf8", 25) };
  }
  return { service: src.service, stream: src.stream, ts: null, text: b.toString("utf8") };
}

/** Stable merge by timestamp; a line without one keeps the time of the line before it. */
export function mergeByTime(perSource: LogLine[][]): LogLine[] {
  if (perSource.length === 1) return perSource[0]!;
  const keyed: { line: LogLine; key: number }[] = [];
  for (const lines of perSource) {
    let last = Number.NEGATIVE_INFINITY;
    for (const line of lines) {
      if (line.ts !== null) last = line.ts;
      keyed.push({ line, key: last });
    }
  }
  keyed.sort((a, b) => a.key - b.key);
  return keyed.map((k) => k.line);
}

export interface FollowOptions {
  /** poll period, ms (default 100) */
  intervalMs?: number;
  /** stops following (the generator returns) */
  signal?: AbortSignal;
}

/** Yields batches of lines appended to the sources after the cursors (from tailLogs), in time
 *  order within a batch. Rotation and truncation are followed: the rest of a rotated file is
 *  read before its successors, so no line is lost or repeated while the writer keeps at most
 *  max_files rotations ahead of one poll. */
export async function* followLogs(
  sources: LogSource[],
  cursors: (Cursor | null)[],
  opts: FollowOptions = {},
): AsyncGenerator<LogLine[]> {
  const followers = sources.map((src, i) => new Follower(src, cursors[i] ?? null));
  const interval = opts.intervalMs ?? 100;
  try {
    while (!opts.signal?.aborted) {
      const batch = mergeByTime(followers.map((f) => f.poll()));
      if (batch.length > 0) yield batch;
      // a source with more to read than one poll takes is read again at once
      if (!followers.some((f) => f.behind)) await sleep(interval, opts.signal);
    }
  } finally {
    for (const f of followers) f.close();
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    }
  });
}

/** Follows one source: the file it reads (fd may be -1 when resuming a cursor whose file has
 *  since been rotated), the offset, and an unfinished last line. */
class Follower {
  private fd = -1;
  private dev = 0;
  private ino = 0;
  private pos = 0;
  private rest: Buffer | null = null;
  /** With no cursor (no file yet): the rotated files there already, which are not new. */
  private older: Set<string> | null = null;
  private readonly buf = Buffer.allocUnsafe(BLOCK);
  /** the last poll stopped at POLL_BYTES with more in the file */
  behind = false;

  constructor(
    private readonly src: LogSource,
    cursor: Cursor | null,
  ) {
    if (cursor) {
      this.dev = cursor.dev;
      this.ino = cursor.ino;
      this.pos = cursor.offset;
    } else {
      // ino 0 matches no file: once the file exists, catchUp reads every rotated file that
      // came after this point, then the live one from its start
      this.older = new Set();
      const scan = new RotatedScan(src.path, { dev: -1, ino: -1 });
      for (let f = scan.next(); f !== null; f = scan.next()) {
        this.older.add(`${f.dev}:${f.ino}`);
        closeSync(f.fd);
      }
    }
  }

  poll(): LogLine[] {
    const out: LogLine[] = [];
    let st: { dev: number; ino: number } | null;
    try {
      st = statSync(this.src.path);
    } catch {
      st = null; // not created yet, or between rename and re-create of a rotation
    }
    this.behind = false;
    if (this.fd >= 0 && this.drain(this.fd, out, POLL_BYTES)) {
      // finish this file before looking at what replaced it
      this.behind = true;
      return out;
    }
    if (st === null) return out;
    if (st.ino === this.ino && st.dev === this.dev) {
      if (this.fd < 0) this.switchTo(st, this.pos);
      // (st was taken before the drain above; only a fresh size can tell a truncation)
      else if (fstatSync(this.fd).size < this.pos) {
        // truncated in place: start over from its beginning
        this.pos = 0;
        this.rest = null;
      }
    } else {
      this.catchUp(out);
      return out;
    }
    if (this.fd >= 0) this.behind = this.drain(this.fd, out, POLL_BYTES);
    return out;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }

  /** Our file was rotated away: finish it, read the rotated files newer than it, then the live one. */
  private catchUp(out: LogLine[]): void {
    for (let attempt = 0; attempt < 5; attempt++) {
      const chain = this.openChain();
      if (chain === null) continue;
      if (chain.ours >= 0 && this.fd < 0) this.drain(chain.ours, out);
      else if (chain.ours >= 0) closeSync(chain.ours);
      this.close();
      this.endFile(out);
      for (const fd of chain.newer) {
        this.pos = 0;
        this.drain(fd, out);
        closeSync(fd);
        this.endFile(out);
      }
      const st = fstatSync(chain.live);
      this.older = null;
      this.fd = chain.live;
      this.dev = st.dev;
      this.ino = st.ino;
      this.pos = 0;
      this.behind = this.drain(this.fd, out, POLL_BYTES);
      return;
    }
  }

  /** Opens the live file and the rotated files newer than ours (`.k-1` … `.1`, oldest first),
   *  plus ours if it is still there; null if a rotation ran meanwhile (try again). */
  private openChain(): { live: number; ours: number; newer: number[] } | null {
    let live: number;
    try {
      live = openSync(this.src.path, "r");
    } catch {
      return null;
    }
    const liveSt = fstatSync(live);
    const rotated: number[] = [];
    let ours = -1;
    const scan = new RotatedScan(this.src.path, liveSt);
    for (let f = scan.next(); f !== null; f = scan.next()) {
      if (f.ino === this.ino && f.dev === this.dev) {
        ours = f.fd;
        break;
      }
      if (this.older?.has(`${f.dev}:${f.ino}`)) closeSync(f.fd);
      else rotated.push(f.fd);
    }
    if (!sameFile(this.src.path, liveSt)) {
      for (const fd of [live, ours, ...rotated]) if (fd >= 0) closeSync(fd);
      return null;
    }
    // Not found: ours was dropped by rotation, so every rotated file is newer than it.
    return { live, ours, newer: rotated.reverse() };
  }

  private switchTo(st: { dev: number; ino: number }, pos: number): void {
    try {
      this.fd = openSync(this.src.path, "r");
    } catch {
      return;
    }
    const now = fstatSync(this.fd);
    if (now.ino !== st.ino || now.dev !== st.dev) pos = 0;
    this.dev = now.dev;
    this.ino = now.ino;
    this.pos = pos;
  }

  /** Reads fd from `pos` to its end (or `limit` bytes), emitting complete lines; true when it
   *  stopped at the limit. */
  private drain(fd: number, out: LogLine[], limit = Number.POSITIVE_INFINITY): boolean {
    for (let read = 0; ; ) {
      if (read >= limit) return true;
      const n = readSync(fd, this.buf, 0, BLOCK, this.pos);
      if (n === 0) return false;
      read += n;
      this.pos += n;
      let data = this.buf.subarray(0, n);
      if (this.rest) {
        data = Buffer.concat([this.rest, data]);
        this.rest = null;
      }
      let start = 0;
      for (let nl = data.indexOf(NL); nl !== -1; nl = data.indexOf(NL, start)) {
        out.push(parseLine(this.src, data.subarray(start, nl)));
        start = nl + 1;
      }
      if (start < data.length) this.rest = Buffer.from(data.subarray(start));
    }
  }

  /** A file that ended without a newline (only after truncation or a foreign writer). */
  private endFile(out: LogLine[]): void {
    if (this.rest) out.push(parseLine(this.src, this.rest));
    this.rest = null;
  }
}
