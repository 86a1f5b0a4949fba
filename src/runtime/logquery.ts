// Log queries for `sysg logs --since/--until/--grep` (issue 12): every matching line of one or
// more sources, oldest first, across the live file and its rotated predecessors. Cheap on large
// logs because (1) a rotated file whose first/last timestamps lie outside the window is never
// read, (2) inside a file the window's ends are found by binary search on the timestamps, and
// (3) --grep runs the regex over whole 4 MiB chunks and only splits out the lines it hits.
import { Buffer } from "node:buffer";
import { closeSync, fstatSync } from "node:fs";
import { type RuntimeError, ioError } from "./errors.ts";
import { type Cursor, type LogLine, type LogSource, RotatedScan, lastLineEnd, openNewest, readAt, sameFile } from "./logread.ts";

export interface LogFilter {
  /** ms since epoch, inclusive */
  since?: number;
  /** ms since epoch, inclusive */
  until?: number;
  grep?: RegExp;
}

export interface QueryResult {
  /** batches of matching lines, oldest first, interleaved by time across sources */
  batches: Generator<LogLine[]>;
  /** one per source (same order): where -f resumes; null when the source had no file */
  cursors: (Cursor | null)[];
  errors: RuntimeError[];
}

const CHUNK = 4 * 1024 * 1024;
const PROBE = 64 * 1024;
const NL = 10;

/** Runs `filter` over `sources`. The files are opened up front, so a rotation while the
 *  batches are consumed neither loses nor repeats lines. */
export function queryLogs(sources: LogSource[], filter: LogFilter): QueryResult {
  const cursors: (Cursor | null)[] = [];
  const errors: RuntimeError[] = [];
  const readers: Generator<LogLine[]>[] = [];
  for (const src of sources) {
    const chain = openChain(src);
    if ("error" in chain) {
      errors.push(chain.error);
      cursors.push(null);
      continue;
    }
    cursors.push(chain.cursor);
    readers.push(scanChain(src, chain.files, filter));
  }
  return { batches: readers.length === 1 ? readers[0]! : mergeSorted(readers), cursors, errors };
}

interface OpenFile {
  fd: number;
  /** scan up to here: a line boundary */
  end: number;
}

/** The live file (up to its last complete line) and every rotated file, oldest first. */
function openChain(src: LogSource): { files: OpenFile[]; cursor: Cursor | null } | { error: RuntimeError } {
  for (let attempt = 0; attempt < 5; attempt++) {
    const newest = openNewest(src.path);
    if (newest === null) return { files: [], cursor: null };
    if ("error" in newest) return { error: ioError(src.path, "cannot open log", newest.error) };
    const files: OpenFile[] = [];
    try {
      const st = fstatSync(newest.fd);
      const end = lastLineEnd(newest.fd, st.size);
      files.push({ fd: newest.fd, end });
      const scan = new RotatedScan(src.path, st);
      for (let f = scan.next(); f !== null; f = scan.next()) files.push({ fd: f.fd, end: f.size });
      if (files.length > 1 && !sameFile(newest.path, st)) {
        for (const f of files) closeSync(f.fd);
        continue; // rotated while we opened: the chain may have a hole, so open it again
      }
      return { files: files.reverse(), cursor: { dev: st.dev, ino: st.ino, offset: end } };
    } catch (err) {
      for (const f of files) closeSync(f.fd);
      return { error: ioError(src.path, "cannot read log", err) };
    }
  }
  return { error: { kind: "io", path: src.path, message: `${src.path} rotates faster than it can be read`, hint: "try again" } };
}

/** Matching lines of one source's files, oldest file first; closes every fd when done. */
function* scanChain(src: LogSource, files: OpenFile[], filter: LogFilter): Generator<LogLine[]> {
  try {
    for (const f of files) {
      const range = windowOf(f, filter);
      if (range === null) continue;
      yield* scanRange(src, f.fd, range.start, range.end, filter);
    }
  } finally {
    for (const f of files) closeSync(f.fd);
  }
}

/** The byte range of a file that can hold lines in [since, until]; null when none can. */
function windowOf(f: OpenFile, filter: LogFilter): { start: number; end: number } | null {
  if (f.end === 0) return null;
  const { since, until } = filter;
  if (since === undefined && until === undefined) return { start: 0, end: f.end };
  const first = stampAfter(f.fd, 0, f.end);
  const last = lastStamp(f.fd, f.end);
  if (since !== undefined && last !== null && last < since) return null;
  if (until !== undefined && first !== null && first.ts > until) return null;
  const start = since === undefined ? 0 : bound(f.fd, 0, f.end, since).lo;
  const end = until === undefined ? f.end : bound(f.fd, start, f.end, until + 1).hi;
  return start < end ? { start, end } : null;
}

/**
 * Binary search over byte offsets for the first line stamped >= t, assuming stamps grow
 * through the file (they are arrival times). Returns a window [lo, hi] of line starts: every
 * line before lo is stamped < t, every line from hi on >= t; the scan filters what lies between.
 */
function bound(fd: number, lo: number, hi: number, t: number): { lo: number; hi: number } {
  while (hi - lo > PROBE) {
    const mid = lo + Math.floor((hi - lo) / 2);
    const found = stampAfter(fd, mid, hi);
    if (found === null) {
      hi = mid; // no stamped line starts in [mid, hi): whatever matches starts before
      continue;
    }
    if (found.ts < t) lo = found.next;
    else hi = found.at;
  }
  return { lo, hi };
}

/** The first stamped line that starts at or after `pos` (a line start follows a newline or is
 *  offset 0), looking at most PROBE bytes ahead: its offset, the next line's and its stamp. */
function stampAfter(fd: number, pos: number, end: number): { at: number; next: number; ts: number } | null {
  const from = pos === 0 ? 0 : pos - 1;
  const len = Math.min(PROBE + 64, end - from);
  if (len <= 0) return null;
  const buf = Buffer.allocUnsafe(len);
  const got = readAt(fd, buf, from, len);
  let start = pos === 0 ? 0 : buf.indexOf(NL) + 1;
  if (pos !== 0 && start === 0) return null;
  while (start < got) {
    const nl = buf.indexOf(NL, start);
    if (nl < 0) return null;
    const ts = stampOf(buf.toString("latin1", start, Math.min(nl, start + 25)));
    if (ts !== null) return { at: from + start, next: from + nl + 1, ts };
    start = nl + 1;
  }
  return null;
}

/** The stamp of the last stamped line before `end`. */
function lastStamp(fd: number, end: number): number | null {
  const len = Math.min(PROBE, end);
  const buf = Buffer.allocUnsafe(len);
  readAt(fd, buf, end - len, len);
  let stop = len - 1; // the final newline
  while (stop > 0) {
    const nl = buf.lastIndexOf(NL, stop - 1);
    if (nl < 0 && end - len > 0) return null;
    const ts = stampOf(buf.toString("latin1", nl + 1, Math.min(stop, nl + 26)));
    if (ts !== null) return ts;
    stop = nl;
  }
  return null;
}

/** "2026-01-02T03:04:05.678Z " at the start of a stored line → ms; else null. */
function stampOf(head: string): number | null {
  if (head.length < 25 || head.charCodeAt(24) !== 32 || head.charCodeAt(23) !== 90 || head.charCodeAt(10) !== 84) return null;
  const ts = Date.parse(head.slice(0, 24));
  return Number.isNaN(ts) ? null : ts;
}

/** Reads [start, end) in chunks that end at a newline and yields the matching lines of each. */
function* scanRange(src: LogSource, fd: number, start: number, end: number, filter: LogFilter): Generator<LogLine[]> {
  const match = lineMatcher(src, filter);
  // A plain word or phrase is searched for as bytes (memmem), and only the lines it hits are
  // decoded: most of a large log is then never turned into a string.
  const needle = filter.grep && !filter.grep.flags.includes("i") && /^[^\\^$.|?*+()[\]{}]+$/.test(filter.grep.source) ? Buffer.from(filter.grep.source, "utf8") : null;
  let buf = Buffer.allocUnsafe(Math.min(CHUNK, end - start));
  let carry = 0;
  for (let pos = start; pos < end; ) {
    if (carry === buf.length) {
      // one line longer than the buffer: make room for it
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, carry);
      buf = bigger;
    }
    const got = readAt(fd, buf.subarray(carry), pos, Math.min(buf.length - carry, end - pos));
    if (got === 0) break;
    pos += got;
    const have = carry + got;
    const last = pos >= end ? have - 1 : buf.lastIndexOf(NL, have - 1);
    if (last < 0) {
      carry = have;
      continue;
    }
    if (needle) {
      const lines: LogLine[] = [];
      for (let at = buf.indexOf(needle); at >= 0 && at <= last; ) {
        const ls = at === 0 ? 0 : buf.lastIndexOf(NL, at - 1) + 1;
        const le = buf.indexOf(NL, at);
        const out = match(buf.toString("utf8", ls, le < 0 || le > last ? last + 1 : le + 1));
        lines.push(...out.lines);
        if (out.past) {
          if (lines.length > 0) yield lines;
          return;
        }
        if (le < 0 || le >= last) break;
        at = buf.indexOf(needle, le + 1);
      }
      if (lines.length > 0) yield lines;
    } else {
      const out = match(buf.toString("utf8", 0, last + 1));
      if (out.lines.length > 0) yield out.lines;
      if (out.past) return;
    }
    buf.copy(buf, 0, last + 1, have);
    carry = have - last - 1;
  }
}

/** A function from a chunk of whole lines ("…\n…\n") to its matching lines; `past` once a line
 *  after `until` was seen (the rest of the file is later still). */
function lineMatcher(src: LogSource, filter: LogFilter): (text: string) => { lines: LogLine[]; past: boolean } {
  const { since, until, grep } = filter;
  let lastHead = "";
  let lastTs: number | null = null;
  const toLine = (text: string, ls: number, le: number): LogLine | "before" | "after" | "skip" => {
    let ts: number | null = null;
    let body: string;
    const head = le - ls >= 25 ? text.slice(ls, ls + 24) : "";
    if (head !== "" && text.charCodeAt(ls + 24) === 32 && (head === lastHead || stampOf(`${head} `) !== null)) {
      if (head !== lastHead) {
        lastHead = head;
        lastTs = Date.parse(head);
      }
      ts = lastTs;
      body = text.slice(ls + 25, le);
    } else {
      body = text.slice(ls, le);
    }
    if (grep && !grep.test(body)) return "skip";
    // a line without a stamp is as old as the stamped line before it
    const at = ts ?? lastTs;
    if (at === null && (since !== undefined || until !== undefined)) return "skip";
    if (at !== null && since !== undefined && at < since) return "before";
    if (at !== null && until !== undefined && at > until) return "after";
    return { service: src.service, stream: src.stream, ts, text: body };
  };
  const chunkWide = grep !== undefined && !/\^|\(\?<[=!]/.test(grep.source);
  const finder = chunkWide ? new RegExp(grep.source, `gm${grep.flags.replace(/[gmy]/g, "")}`) : null;
  return (text) => {
    const lines: LogLine[] = [];
    if (finder) {
      // Let the regex engine find candidates across the whole chunk; each hit is checked
      // against its own line's text, so stamps and neighbouring lines cannot make a match.
      finder.lastIndex = 0;
      for (let m = finder.exec(text); m !== null; m = finder.exec(text)) {
        const ls = m.index === 0 ? 0 : text.lastIndexOf("\n", m.index - 1) + 1;
        let le = text.indexOf("\n", m.index);
        if (le < 0) le = text.length;
        const got = toLine(text, ls, le);
        if (got === "after") return { lines, past: true };
        if (typeof got !== "string") lines.push(got);
        finder.lastIndex = le + 1;
        if (le + 1 >= text.length) break;
      }
      return { lines, past: false };
    }
    for (let ls = 0; ls < text.length; ) {
      let le = text.indexOf("\n", ls);
      if (le < 0) le = text.length;
      const got = toLine(text, ls, le);
      if (got === "after") return { lines, past: true };
      if (typeof got !== "string") lines.push(got);
      ls = le + 1;
    }
    return { lines, past: false };
  };
}

/** k-way merge of per-source batches by time (a line without a stamp keeps the time of the
 *  line before it in its source), in output batches of up to 4096 lines. */
function* mergeSorted(readers: Generator<LogLine[]>[]): Generator<LogLine[]> {
  const heads = readers.map((r) => ({ r, batch: [] as LogLine[], i: 0, key: Number.NEGATIVE_INFINITY, done: false }));
  const refill = (h: (typeof heads)[number]): boolean => {
    while (!h.done && h.i >= h.batch.length) {
      const n = h.r.next();
      if (n.done) h.done = true;
      else {
        h.batch = n.value;
        h.i = 0;
      }
    }
    return !h.done;
  };
  let out: LogLine[] = [];
  for (;;) {
    let best: (typeof heads)[number] | null = null;
    let bestKey = Number.POSITIVE_INFINITY;
    for (const h of heads) {
      if (!refill(h)) continue;
      const line = h.batch[h.i]!;
      const key = line.ts ?? h.key;
      if (best === null || key < bestKey) {
        best = h;
        bestKey = key;
      }
    }
    if (best === null) break;
    const line = best.batch[best.i++]!;
    best.key = bestKey;
    out.push(line);
    if (out.length >= 4096) {
      yield out;
      out = [];
    }
  }
  if (out.length > 0) yield out;
}
