// The log pump of the Bun backend: service pipes are copied into their log files by one native
// thread (ffi/pump.c), so a service costs no Bun stream reader and no JS work per chunk. JS
// learns only what it asked for — lines of logs with a listener, warnings, the end of a pipe —
// from one event pipe, read here like any other fd (never a callback from a foreign thread).
import { Buffer } from "node:buffer";
import { type Pointer, ptr } from "bun:ffi";
import type { LogTarget, PumpedLog } from "../types.ts";
import { errorText, shim } from "./shim.ts";

const EV_LINE = 1;
const EV_EOF = 2;
const EV_WARN = 3;
const EV_SYNC = 4;
const HEAD = 24;

interface Listeners {
  onLine?: (text: string, at: number) => void;
  warn: (text: string) => void;
}

let started = false;
const logs = new Map<number, Listeners>();
/** source id → settles at its EOF, or at a SYNC answer */
const waiting = new Map<number, () => void>();

function start(): void {
  if (started) return;
  const fd = shim().sysg_pump_start();
  if (fd < 0) throw new Error(`sysg: cannot start the log pump: ${errorText(-fd)}`);
  started = true;
  void readEvents(fd);
}

async function readEvents(fd: number): Promise<void> {
  let rest: Buffer | null = null;
  for await (const chunk of Bun.file(fd).stream()) {
    let buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (rest) buf = Buffer.concat([rest, buf]);
    let pos = 0;
    while (buf.length - pos >= HEAD) {
      const len = buf.readUInt32LE(pos + 8);
      if (buf.length - pos < HEAD + len) break;
      dispatch(buf.readUInt32LE(pos), buf.readUInt32LE(pos + 4), buf.readDoubleLE(pos + 16), buf, pos + HEAD, pos + HEAD + len);
      pos += HEAD + len;
    }
    // what is left is the start of a record: keep a copy (the chunk's memory is reused)
    rest = pos < buf.length ? Buffer.from(buf.subarray(pos)) : null;
  }
}

function dispatch(type: number, id: number, at: number, buf: Buffer, from: number, to: number): void {
  if (type === EV_LINE) logs.get(id)?.onLine?.(buf.toString("utf8", from, to), at);
  else if (type === EV_WARN) logs.get(id)?.warn(buf.toString("utf8", from, to));
  else if (type === EV_EOF || type === EV_SYNC) {
    const done = waiting.get(id);
    waiting.delete(id);
    done?.();
  }
}

export function openLog(t: LogTarget): { ok: true; log: PumpedLog } | { ok: false; message: string } {
  start();
  const err = new Int32Array(1);
  const max = Number.isFinite(t.max_size) ? t.max_size : -1;
  const handle = shim().sysg_pump_log(ptr(Buffer.from(`${t.path}\0`)), max, t.max_files, t.timestamps ? 1 : 0, t.mode, t.onLine ? 1 : 0, ptr(err));
  if (handle === null) return { ok: false, message: `cannot open log ${t.path}: ${errorText(err[0]!)}` };
  const id = shim().sysg_pump_log_id(handle as Pointer);
  logs.set(id, { onLine: t.onLine, warn: t.warn });
  return { ok: true, log: new NativeLog(handle as Pointer, id) };
}

class NativeLog implements PumpedLog {
  /** the sources attached and not ended: id → their EOF */
  private readonly sources = new Map<number, Promise<void>>();
  private handle: Pointer | null;

  constructor(
    handle: Pointer,
    private readonly id: number,
  ) {
    this.handle = handle;
  }

  attach(fd: number): Promise<void> {
    if (this.handle === null) throw new Error("log pump: attach after close");
    const src = shim().sysg_pump_attach(this.handle, fd);
    if (src === 0) throw new Error("log pump: out of memory");
    const ended = new Promise<void>((resolve) => waiting.set(src, resolve)).then(() => void this.sources.delete(src));
    this.sources.set(src, ended);
    return ended;
  }

  async sync(): Promise<void> {
    await Promise.all(
      [...this.sources.keys()].map((src) => {
        const eof = this.sources.get(src)!;
        // the answer shares the EOF's slot: whichever comes first settles it
        const answered = new Promise<void>((resolve) => {
          const prev = waiting.get(src);
          waiting.set(src, () => {
            resolve();
            if (prev) waiting.set(src, prev);
          });
        });
        shim().sysg_pump_sync(src);
        return Promise.race([answered, eof]);
      }),
    );
  }

  close(): void {
    if (this.handle === null) return;
    shim().sysg_pump_close_log(this.handle);
    this.handle = null;
    logs.delete(this.id);
  }
}
