// One log stream file (`<name>_stdout.log`, `<name>_stderr.log`, `supervisor.log`): splits
// the bytes a child writes into lines, prefixes each with an ISO-8601 UTC timestamp, and
// rotates by size at line boundaries (SPEC §4, §7). The hot path works on bytes only: one
// output buffer per chunk, reused across chunks, and no strings unless a line listener is set.
import { Buffer } from "node:buffer";
import { closeSync, fchmodSync, fstatSync, ftruncateSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname } from "node:path";
import { type Result, type RuntimeError, errnoCode, ioError } from "./errors.ts";
import type { RuntimePaths } from "./paths.ts";

export interface LogFileOptions {
  /** rotate before the file would pass this many bytes; Infinity = never */
  max_size: number;
  /** rotated files kept (`.1` … `.N`), the live file not counted */
  max_files: number;
  timestamps: boolean;
  /** mode of created files, applied explicitly */
  mode: number;
  /** receives every complete line (without timestamp and newline) and its arrival time */
  onLine?: (text: string, at: number) => void;
}

const NL = 10;
const NEWLINE = Buffer.from([NL]);
const EMPTY = Buffer.alloc(0);
/** First size of the output buffer: a full pipe read (64 KiB) of short lines with stamps fits. */
const FIRST_OUT = 128 * 1024;
/** "2026-01-02T03:04:05.678Z " */
const STAMP_LEN = 25;
/** A line still without newline after this many bytes is written as a line of its own, so a
 *  child that never prints "\n" cannot grow our memory without bound. */
export const MAX_LINE = 1024 * 1024;

export class LogFile {
  private fd: number;
  private size: number;
  /** output buffer, allocated at the first line: a silent service costs no memory here */
  private out = EMPTY;
  private readonly stamp = Buffer.alloc(STAMP_LEN, 0x20);
  private stampMs = Number.NaN;
  /** bytes of an unfinished last line, kept across chunks */
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private pendingAt = 0;

  private constructor(
    readonly path: string,
    private readonly opts: LogFileOptions,
    fd: number,
    size: number,
  ) {
    this.fd = fd;
    this.size = size;
  }

  /** Opens (or creates) the live file for appending. */
  static open(path: string, opts: LogFileOptions): Result<LogFile> {
    const opened = openAppend(path, opts.mode);
    if (!opened.ok) return opened;
    return { ok: true, value: new LogFile(path, opts, opened.value.fd, opened.value.size) };
  }

  /** A log file that is created now (so it is there for `logs`) but held open only from its
   *  first line on: a silent service keeps no fd and no buffer. */
  static deferred(path: string, opts: LogFileOptions): Result<LogFile> {
    const opened = openAppend(path, opts.mode);
    if (!opened.ok) return opened;
    closeSync(opened.value.fd);
    return { ok: true, value: new LogFile(path, opts, -1, 0) };
  }

  /** Writes every complete line of `chunk`; an unfinished last line waits for the next chunk. */
  write(chunk: Uint8Array, at: number = Date.now()): RuntimeError | null {
    const src = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const first = src.indexOf(NL);
    if (first === -1) return this.keep(src, 0, at);
    const { timestamps, onLine } = this.opts;
    let pos = 0;
    let len = 0;
    // The line completed by this chunk's first newline started earlier: it keeps that time.
    if (this.pendingLen > 0) {
      const lineAt = this.pendingAt;
      len = this.appendPending(lineAt, src, first + 1);
      if (onLine) onLine(this.out.toString("utf8", this.textStart(), len - 1), lineAt);
      this.pending = [];
      this.pendingLen = 0;
      pos = first + 1;
    } else if (!timestamps && !onLine) {
      // Nothing to add per line: write the complete lines straight from the chunk.
      const last = src.lastIndexOf(NL);
      const err = this.emit(src, 0, last + 1);
      const kept = last + 1 < src.length ? this.keep(src, last + 1, at) : null;
      return err ?? kept;
    }
    if (timestamps) this.setStamp(at);
    let nl = pos === 0 ? first : src.indexOf(NL, pos);
    while (nl !== -1) {
      const lineLen = nl + 1 - pos;
      if (len + STAMP_LEN + lineLen > this.out.length) this.grow(len + STAMP_LEN + lineLen + (src.length - nl));
      if (timestamps) {
        this.stamp.copy(this.out, len);
        len += STAMP_LEN;
      }
      src.copy(this.out, len, pos, nl + 1);
      if (onLine) onLine(this.out.toString("utf8", len, len + lineLen - 1), at);
      len += lineLen;
      pos = nl + 1;
      nl = src.indexOf(NL, pos);
    }
    const err = this.emit(this.out, 0, len);
    const kept = pos < src.length ? this.keep(src, pos, at) : null;
    return err ?? kept;
  }

  /** Writes `text` as one or more lines (a newline is added): the supervisor's own messages. */
  writeText(text: string, at: number = Date.now()): RuntimeError | null {
    return this.write(Buffer.from(text.endsWith("\n") ? text : `${text}\n`, "utf8"), at);
  }

  /** Writes an unfinished last line, with a newline (at child exit). */
  flush(): RuntimeError | null {
    if (this.pendingLen === 0) return null;
    const lineAt = this.pendingAt;
    const len = this.appendPending(lineAt, NEWLINE, 1);
    this.pending = [];
    this.pendingLen = 0;
    if (this.opts.onLine) this.opts.onLine(this.out.toString("utf8", this.textStart(), len - 1), lineAt);
    return this.emit(this.out, 0, len);
  }

  /** Flushes and closes the file. */
  close(): RuntimeError | null {
    const err = this.flush();
    if (this.fd < 0) return err;
    try {
      closeSync(this.fd);
    } catch (e) {
      return err ?? ioError(this.path, "cannot close", e);
    } finally {
      this.fd = -1;
    }
    return err;
  }

  /** Offset of the text in `out` after a stamp (0 without timestamps). */
  private textStart(): number {
    return this.opts.timestamps ? STAMP_LEN : 0;
  }

  /** Puts [stamp] + pending parts + src[0, end) at the start of `out`; returns the length. */
  private appendPending(lineAt: number, src: Buffer, end: number): number {
    const need = STAMP_LEN + this.pendingLen + end;
    if (need > this.out.length) this.grow(need + src.length);
    let len = 0;
    if (this.opts.timestamps) {
      this.setStamp(lineAt);
      this.stamp.copy(this.out, 0);
      len = STAMP_LEN;
    }
    for (const part of this.pending) len += part.copy(this.out, len);
    len += src.copy(this.out, len, 0, end);
    return len;
  }

  /** Keeps src[from, end) as the start of an unfinished line. */
  private keep(src: Buffer, from: number, at: number): RuntimeError | null {
    if (this.pendingLen === 0) this.pendingAt = at;
    const part = Buffer.allocUnsafe(src.length - from);
    src.copy(part, 0, from);
    this.pending.push(part);
    this.pendingLen += part.length;
    return this.pendingLen >= MAX_LINE ? this.flush() : null;
  }

  private setStamp(at: number): void {
    if (at === this.stampMs) return;
    this.stampMs = at;
    this.stamp.write(new Date(at).toISOString(), 0, "latin1");
  }

  private grow(min: number): void {
    const next = Buffer.allocUnsafe(Math.max(min, this.out.length * 2, FIRST_OUT));
    this.out.copy(next);
    this.out = next;
  }

  /** Appends buf[from, to) — complete lines only — rotating at line boundaries. */
  private emit(buf: Buffer, from: number, to: number): RuntimeError | null {
    if (this.fd < 0) {
      // a failed rotation left no file open: try again rather than fail every write
      const opened = openAppend(this.path, this.opts.mode);
      if (!opened.ok) return opened.error;
      this.fd = opened.value.fd;
      this.size = opened.value.size;
    }
    const max = this.opts.max_size;
    let pos = from;
    // Rotation happens only when the next line does not fit, never right after a write, so
    // an oversized line stays in the live file until more output comes.
    while (pos < to) {
      const room = max - this.size;
      if (to - pos <= room) return this.append(buf, pos, to);
      // the longest run of whole lines that still fits
      let end = room > 0 ? buf.lastIndexOf(NL, pos + room - 1) : -1;
      // a single line longer than max_size goes whole into a fresh file
      if (end < pos && this.size === 0) end = buf.indexOf(NL, pos);
      const err = end >= pos ? this.append(buf, pos, end + 1) : this.rotate();
      if (err) return err;
      if (end >= pos) pos = end + 1;
    }
    return null;
  }

  private append(buf: Buffer, from: number, to: number): RuntimeError | null {
    let off = from;
    try {
      while (off < to) off += writeSync(this.fd, buf, off, to - off);
    } catch (err) {
      // A full disk can take half a batch: cut the file back to its last whole line, so a
      // failed write drops whole lines and never leaves a torn one.
      if (off > from) {
        try {
          ftruncateSync(this.fd, this.size);
        } catch {
          // nothing better to do; the next write reports again
        }
      }
      return ioError(this.path, "cannot write log", err);
    }
    this.size += to - from;
    return null;
  }

  /** live → .1 → .2 …; at most max_files rotated files survive. */
  private rotate(): RuntimeError | null {
    try {
      closeSync(this.fd);
    } catch {
      // the fd is gone either way; reopening below is what matters
    }
    this.fd = -1;
    const err = shiftRotated(this.path, this.opts.max_files);
    const opened = openAppend(this.path, this.opts.mode);
    if (!opened.ok) return err ?? opened.error;
    this.fd = opened.value.fd;
    this.size = opened.value.size;
    return err;
  }
}

/**
 * A log file whose write failures (a full disk, above all) are said once, not per chunk: the
 * first failure warns with the reason, the lines that cannot be written are counted and
 * dropped — the service is never blocked or slowed by its log — and the first write that
 * works again says how many were lost, in this file (a marker line) and as a warning.
 */
export class WriteWatch {
  private failing: RuntimeError | null = null;
  private droppedLines = 0;
  private droppedBytes = 0;

  constructor(
    private readonly file: LogFile,
    private readonly path: string,
    private readonly warn: (text: string) => void,
  ) {}

  write(chunk: Uint8Array): void {
    if (this.failing) {
      // the first attempt after a failure is the marker line: cheap, and it tells a reader why lines are missing
      const marker = this.file.writeText(`[sysg: ${this.droppedLines} line(s), ${this.droppedBytes} byte(s) of output dropped: ${this.failing.message}]`);
      if (marker) return this.drop(chunk);
      this.warn(`${this.path}: writing works again; ${this.droppedLines} line(s) (${this.droppedBytes} bytes) were dropped meanwhile`);
      this.failing = null;
      this.droppedLines = 0;
      this.droppedBytes = 0;
    }
    const err = this.file.write(chunk);
    if (err) {
      this.failing = err;
      this.warn(`${err.message}; dropping this output until writing works again (the service keeps running)`);
      this.drop(chunk);
    }
  }

  private drop(chunk: Uint8Array): void {
    this.droppedBytes += chunk.byteLength;
    for (const b of chunk) if (b === 10) this.droppedLines++;
  }

  flush(): void {
    const err = this.file.flush();
    if (err && !this.failing) this.warn(`${err.message}; a last partial line was dropped`);
  }

  close(): void {
    this.file.close();
  }
}

/** supervisor.log: the supervisor's own messages (LogFile.writeText), always timestamped,
 *  rotated like the service logs. */
export function openSupervisorLog(
  paths: Pick<RuntimePaths, "supervisorLog" | "fileMode">,
  limits: { max_size: number; max_files: number },
): Result<LogFile> {
  return LogFile.open(paths.supervisorLog, { ...limits, timestamps: true, mode: paths.fileMode });
}

/** Opens `path` for appending under `mode`; reports its current size. */
function openAppend(path: string, mode: number): Result<{ fd: number; size: number }> {
  let fd: number;
  try {
    fd = openSync(path, "a", mode);
  } catch (err) {
    return { ok: false, error: ioError(path, "cannot open log", err) };
  }
  try {
    fchmodSync(fd, mode);
    return { ok: true, value: { fd, size: fstatSync(fd).size } };
  } catch (err) {
    closeSync(fd);
    return { ok: false, error: ioError(path, "cannot set mode of log", err) };
  }
}

/** Renames the live file to `.1` after shifting older ones; drops what passes `maxFiles`.
 *  Only the rotated files that exist are touched (one directory listing): with a large
 *  max_files a blind rename of every index made each rotation thousands of failing syscalls,
 *  a window in which a killed supervisor lost the lines it was writing. */
function shiftRotated(path: string, maxFiles: number): RuntimeError | null {
  try {
    const base = `${basename(path)}.`;
    const present = readdirSync(dirname(path))
      .filter((f) => f.startsWith(base) && /^\d+$/.test(f.slice(base.length)))
      .map((f) => Number(f.slice(base.length)))
      .sort((a, b) => b - a);
    // anything at or beyond the limit (also left over from a larger max_files) goes
    for (const k of present) if (k >= Math.max(maxFiles, 1)) unlinkIfPresent(`${path}.${k}`);
    for (const k of present) if (k < maxFiles) renameIfPresent(`${path}.${k}`, `${path}.${k + 1}`);
    if (maxFiles === 0) unlinkIfPresent(path);
    else renameIfPresent(path, `${path}.1`);
    return null;
  } catch (err) {
    return ioError(path, "cannot rotate log", err);
  }
}

function unlinkIfPresent(path: string): boolean {
  try {
    unlinkSync(path);
    return true;
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return false;
    throw err;
  }
}

function renameIfPresent(from: string, to: string): void {
  try {
    renameSync(from, to);
  } catch (err) {
    if (errnoCode(err) !== "ENOENT") throw err;
  }
}
