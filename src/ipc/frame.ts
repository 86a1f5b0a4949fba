// NDJSON framing: bytes in arbitrary chunks -> complete lines. A line longer than the limit is
// never held whole: once it passes the limit its bytes are dropped until the next newline,
// which then yields one `too_large` error. Free of typebox so the client can use it cheaply.

export type FrameEvent =
  | { kind: "frame"; text: string }
  | { kind: "error"; code: "too_large" | "bad_frame"; message: string };

const NEWLINE = 0x0a;
const CR = 0x0d;

export class FrameDecoder {
  readonly #max: number;
  #parts: Uint8Array[] = [];
  #size = 0;
  #discarding = false;
  readonly #utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

  /** `maxBytes`: the largest frame accepted, not counting the newline or a trailing CR. */
  constructor(maxBytes: number) {
    this.#max = maxBytes;
  }

  /** Feed a chunk; returns the frames (and errors) it completed, in order. */
  push(chunk: Uint8Array): FrameEvent[] {
    const out: FrameEvent[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(NEWLINE, start);
      if (nl === -1) {
        this.#append(chunk.subarray(start));
        return out;
      }
      this.#append(chunk.subarray(start, nl));
      this.#finish(out);
      start = nl + 1;
    }
  }

  /** The peer closed its side: a last line without newline still counts as a frame. */
  end(): FrameEvent[] {
    const out: FrameEvent[] = [];
    if (this.#size > 0 || this.#discarding) this.#finish(out);
    return out;
  }

  /** Bytes held for the frame in progress (bounded by maxBytes + 1). */
  get buffered(): number {
    return this.#size;
  }

  #append(part: Uint8Array): void {
    if (part.length === 0 || this.#discarding) return;
    // +1 leaves room for the CR of a CRLF line that is exactly maxBytes long.
    if (this.#size + part.length > this.#max + 1) {
      this.#parts = [];
      this.#size = 0;
      this.#discarding = true;
      return;
    }
    this.#parts.push(part.slice()); // copy: the runtime may reuse the chunk's memory
    this.#size += part.length;
  }

  #finish(out: FrameEvent[]): void {
    const line = this.#take();
    if (this.#discarding) {
      this.#discarding = false;
      out.push({ kind: "error", code: "too_large", message: `frame larger than ${this.#max} bytes, discarded` });
      return;
    }
    const end = line.length > 0 && line[line.length - 1] === CR ? line.length - 1 : line.length;
    if (end > this.#max) {
      out.push({ kind: "error", code: "too_large", message: `frame larger than ${this.#max} bytes, discarded` });
      return;
    }
    let text: string;
    try {
      text = this.#utf8.decode(line.subarray(0, end));
    } catch {
      out.push({ kind: "error", code: "bad_frame", message: "frame is not valid UTF-8" });
      return;
    }
    if (text.trim() === "") return; // empty lines are keep-alives, not errors
    out.push({ kind: "frame", text });
  }

  #take(): Uint8Array {
    const parts = this.#parts;
    const size = this.#size;
    this.#parts = [];
    this.#size = 0;
    if (parts.length === 1) return parts[0]!;
    const line = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      line.set(p, at);
      at += p.length;
    }
    return line;
  }
}
