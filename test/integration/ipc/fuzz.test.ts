// Random and mutated frames at a real server. Reproduce a failure with SYSG_FUZZ_SEED=<seed>.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import { callIpc } from "../../../src/ipc/client.ts";
import { MAX_REQUEST_BYTES } from "../../../src/ipc/constants.ts";
import { FrameDecoder } from "../../../src/ipc/frame.ts";
import { ErrorResponse } from "../../../src/ipc/protocol.ts";
import { RawConn, startServer, type TestServer } from "./harness.ts";

const SEED = Number(process.env.SYSG_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 32));
const FRAMES = 12_000;
const CONNECTIONS = 8;

/** mulberry32: small, fast, good enough to drive a fuzzer reproducibly. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const VALID = [
  { v: 1, id: 1, cmd: "status" },
  { v: 1, id: 2, cmd: "status", service: "web", all: true },
  { v: 1, id: 3, cmd: "ping" },
  { v: 1, id: 4, cmd: "inspect", name: "web", window: 60 },
  { v: 1, id: 5, cmd: "stop", service: "db" },
  { v: 1, id: 6, cmd: "restart", config: "/etc/systemg/systemg.yaml" },
  { v: 1, id: 7, cmd: "reload" },
  { v: 1, id: 8, cmd: "spawn", name: "w", ttl: 5, parent_pid: 10, argv: ["sleep", "1"] },
  { v: 1, id: 9, cmd: "start" },
  { v: 1, id: 10, cmd: "shutdown" },
];

function fuzzer(rand: () => number) {
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  const enc = new TextEncoder();
  const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => int(256));
  const randomString = () =>
    pick([
      () => "",
      () => "web",
      () => "x".repeat(int(300)),
      () => String.fromCharCode(...Array.from({ length: int(20) }, () => int(0x2fff))),
      () => "\u0000\ud800\udfff\u2028",
      () => "../../etc/passwd",
    ])();
  const randomJson = (depth: number): unknown => {
    const leaves = [
      () => null,
      () => rand() < 0.5,
      () => int(2 ** 31) - 2 ** 30,
      () => rand() * 1e300,
      () => -0,
      () => Number.MAX_SAFE_INTEGER + int(10),
      randomString,
    ];
    if (depth <= 0 || rand() < 0.4) return pick(leaves)();
    if (rand() < 0.5) return Array.from({ length: int(5) }, () => randomJson(depth - 1));
    const keys = ["v", "id", "cmd", "service", "name", "argv", "all", "window", "ttl", "__proto__", "constructor", randomString()];
    return Object.fromEntries(Array.from({ length: int(6) }, () => [pick(keys), randomJson(depth - 1)]));
  };
  const mutateObject = (): string => {
    const f: Record<string, unknown> = { ...pick(VALID) };
    const key = pick([...Object.keys(f), "extra", "v", "id", "cmd"]);
    const action = int(3);
    if (action === 0) delete f[key];
    else if (action === 1) f[key] = randomJson(2);
    else f[key] = pick([1, "1", null, [], {}, true, -1, 1.5, "status", "ping"]);
    return JSON.stringify(f);
  };
  const mutateBytes = (): Uint8Array => {
    const b = enc.encode(JSON.stringify(pick(VALID)));
    const out = Array.from(b);
    for (let i = 0, n = 1 + int(4); i < n; i++) {
      const at = int(out.length + 1);
      switch (int(4)) {
        case 0:
          out[at] = int(256); // flip
          break;
        case 1:
          out.splice(at, 1 + int(5)); // delete
          break;
        case 2:
          out.splice(at, 0, ...randomBytes(1 + int(6))); // insert
          break;
        default:
          out.splice(at); // truncate
      }
    }
    return Uint8Array.from(out.filter((x) => x !== undefined));
  };
  /** One frame's bytes (which may themselves contain newlines: then they are several frames). */
  return (): Uint8Array => {
    const r = rand();
    if (r < 0.15) return enc.encode(JSON.stringify(pick(VALID)));
    if (r < 0.4) return enc.encode(mutateObject());
    if (r < 0.65) return mutateBytes();
    if (r < 0.8) return enc.encode(JSON.stringify(randomJson(4)));
    if (r < 0.95) return randomBytes(int(200));
    if (r < 0.999) return enc.encode(`${"[".repeat(int(5000))}${"]".repeat(int(5000))}`);
    return enc.encode(`{"v":1,"id":1,"cmd":"ping","pad":"${"p".repeat(MAX_REQUEST_BYTES)}"}`);
  };
}

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.cleanup();
});

test(`${FRAMES} random and mutated frames are each answered, and a normal request still works (seed ${SEED})`, async () => {
  console.log(`ipc fuzz seed: ${SEED} (rerun with SYSG_FUZZ_SEED=${SEED})`);
  const rand = prng(SEED);
  const next = fuzzer(rand);

  // Build each connection's byte stream and, with an independent decoder, how many frames the
  // server must answer on it.
  const streams: { bytes: Uint8Array; expected: number; dropAt: number | null }[] = [];
  for (let c = 0; c < CONNECTIONS; c++) {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < FRAMES / CONNECTIONS; i++) {
      parts.push(next());
      parts.push(new TextEncoder().encode(rand() < 0.1 ? "\r\n" : "\n"));
    }
    const bytes = concat(parts);
    // Two connections hang up abruptly halfway through.
    const dropAt = c < 2 ? Math.floor(bytes.length / 2) : null;
    const counted = new FrameDecoder(MAX_REQUEST_BYTES).push(dropAt === null ? bytes : bytes.subarray(0, dropAt));
    streams.push({ bytes, expected: counted.length, dropAt });
  }

  const conns = streams.map(() => new RawConn(s.path));
  await Promise.all(conns.map((c) => c.connected()));
  await Promise.all(
    streams.map(async ({ bytes, dropAt }, i) => {
      const conn = conns[i]!;
      const chunkRand = prng(SEED + i + 1); // its own stream: writers interleave by timing
      const end = dropAt ?? bytes.length;
      for (let at = 0; at < end; ) {
        const size = Math.min(end - at, 1 + Math.floor(chunkRand() * 8192));
        if (!conn.socket.write(bytes.subarray(at, at + size))) {
          await new Promise((r) => conn.socket.once("drain", r));
        }
        at += size;
      }
      if (dropAt !== null) return conn.destroy();
      conn.send(`\n${JSON.stringify({ v: 1, id: 424242, cmd: "ping" })}\n`);
    }),
  );

  let answered = 0;
  for (const [i, { expected, dropAt }] of streams.entries()) {
    if (dropAt !== null) continue;
    const conn = conns[i]!;
    await conn.until(() => conn.frames.length === expected + 1, 30_000);
    expect(conn.byId(424242)?.ok).toBe(true);
    for (const f of conn.frames) {
      expect(f.v).toBe(1);
      if (f.ok) expect(typeof f.id).toBe("number");
      else expect(Value.Check(ErrorResponse, f)).toBe(true);
    }
    answered += conn.frames.length;
    conn.destroy();
  }
  expect(answered).toBeGreaterThan(FRAMES / 2);

  const reply = await callIpc(s.path, "status", {});
  expect(reply.ok).toBe(true);
  // The only thing the server may have logged is the stand-in spawn handler throwing.
  expect(s.errors.filter((e) => !e.includes("spawn exploded"))).toEqual([]);
});

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
