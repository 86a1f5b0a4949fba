import { type FrameEvent, FrameDecoder } from "../../../src/ipc/frame.ts";

const enc = new TextEncoder();
const bytes = (s: string) => enc.encode(s);
const texts = (evs: FrameEvent[]) => evs.map((e) => (e.kind === "frame" ? e.text : `!${e.code}`));

describe("FrameDecoder", () => {
  test("yields each complete line, in order, from one chunk", () => {
    const d = new FrameDecoder(1024);
    expect(texts(d.push(bytes('{"a":1}\n{"b":2}\n{"c"')))).toEqual(['{"a":1}', '{"b":2}']);
    expect(texts(d.push(bytes(":3}\n")))).toEqual(['{"c":3}']);
  });

  test("reassembles a frame fed one byte at a time, including a split multi-byte character", () => {
    const d = new FrameDecoder(1024);
    const all = bytes('{"name":"caf\u00e9 \u{1F600}"}\n');
    const out: FrameEvent[] = [];
    for (let i = 0; i < all.length; i++) out.push(...d.push(all.subarray(i, i + 1)));
    expect(texts(out)).toEqual(['{"name":"caf\u00e9 \u{1F600}"}']);
    expect(d.buffered).toBe(0);
  });

  test("strips the CR of CRLF line endings", () => {
    const d = new FrameDecoder(1024);
    expect(texts(d.push(bytes("one\r\ntwo\r\n")))).toEqual(["one", "two"]);
  });

  test("skips empty and blank lines without an error", () => {
    const d = new FrameDecoder(1024);
    expect(texts(d.push(bytes("\n\r\n   \n\t\nx\n\n")))).toEqual(["x"]);
  });

  test("reports invalid UTF-8 as bad_frame and keeps going", () => {
    const d = new FrameDecoder(1024);
    const bad = new Uint8Array([0x7b, 0xff, 0xfe, 0x7d, 0x0a]);
    expect(texts(d.push(bad))).toEqual(["!bad_frame"]);
    const truncated = new Uint8Array([0xe2, 0x82, 0x0a]); // € cut short
    expect(texts(d.push(truncated))).toEqual(["!bad_frame"]);
    expect(texts(d.push(bytes("ok\n")))).toEqual(["ok"]);
  });

  test("accepts a frame of exactly the limit, with LF or CRLF", () => {
    const d = new FrameDecoder(8);
    expect(texts(d.push(bytes("12345678\n")))).toEqual(["12345678"]);
    expect(texts(d.push(bytes("12345678\r\n")))).toEqual(["12345678"]);
  });

  test("rejects a frame one byte over the limit", () => {
    const d = new FrameDecoder(8);
    expect(texts(d.push(bytes("123456789\n")))).toEqual(["!too_large"]);
    expect(texts(d.push(bytes("123456789\r\n")))).toEqual(["!too_large"]);
    expect(texts(d.push(bytes("after\n")))).toEqual(["after"]);
  });

  test("never holds more than the limit of an oversized frame, then answers once at its newline", () => {
    const max = 1024;
    const d = new FrameDecoder(max);
    const chunk = bytes("x".repeat(300));
    let events: FrameEvent[] = [];
    for (let i = 0; i < 100; i++) {
      events = events.concat(d.push(chunk));
      expect(d.buffered).toBeLessThanOrEqual(max + 1);
    }
    expect(events).toHaveLength(0); // nothing until the line ends
    expect(texts(d.push(bytes('xx\n{"next":true}\n')))).toEqual(["!too_large", '{"next":true}']);
  });

  test("an oversized frame inside one big chunk does not swallow its neighbours", () => {
    const d = new FrameDecoder(16);
    const big = `a\n${"y".repeat(100)}\nb\n`;
    expect(texts(d.push(bytes(big)))).toEqual(["a", "!too_large", "b"]);
  });

  test("the too_large message names the limit", () => {
    const d = new FrameDecoder(16);
    const [ev] = d.push(bytes(`${"z".repeat(40)}\n`));
    expect(ev?.kind).toBe("error");
    if (ev?.kind === "error") expect(ev.message).toContain("16 bytes");
  });

  test("end() yields a last line that has no newline", () => {
    const d = new FrameDecoder(64);
    expect(d.push(bytes('{"last":1}'))).toHaveLength(0);
    expect(texts(d.end())).toEqual(['{"last":1}']);
    expect(d.end()).toHaveLength(0);
  });

  test("end() in the middle of an oversized frame reports it", () => {
    const d = new FrameDecoder(4);
    d.push(bytes("0123456789"));
    expect(texts(d.end())).toEqual(["!too_large"]);
  });

  test("does not keep references to the caller's chunk", () => {
    const d = new FrameDecoder(64);
    const chunk = bytes("abc");
    d.push(chunk);
    chunk.fill(0x21); // the runtime may reuse its read buffer
    expect(texts(d.push(bytes("def\n")))).toEqual(["abcdef"]);
  });
});
