import { afterEach, describe, expect, test } from "bun:test";
import { statSync, writeFileSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Value } from "@sinclair/typebox/value";
import { callIpc, connectIpc } from "../../../src/ipc/client.ts";
import { MAX_REQUEST_BYTES } from "../../../src/ipc/constants.ts";
import { ErrorResponse, OkResponse, StatusResult } from "../../../src/ipc/protocol.ts";
import { createIpcServer, MAX_IN_FLIGHT } from "../../../src/ipc/server.ts";
import { until } from "../../helpers/sysg.ts";
import { RawConn, req, SLOW_MS, startServer, type TestServer } from "./harness.ts";

let current: TestServer | null = null;
const conns: RawConn[] = [];
async function server(over = {}) {
  current = await startServer(over);
  return current;
}
function raw(path: string, opts?: { allowHalfOpen?: boolean }) {
  const c = new RawConn(path, opts);
  conns.push(c);
  return c;
}
afterEach(async () => {
  for (const c of conns.splice(0)) c.destroy();
  await current?.cleanup();
  current = null;
});

describe("socket file", () => {
  test("is created 0600 by default and 0666 when asked (--sys)", async () => {
    const s = await server();
    expect(statSync(s.path).mode & 0o777).toBe(0o600);
    expect(statSync(s.path).isSocket()).toBe(true);
    await s.cleanup();
    current = await startServer({ mode: 0o666 });
    expect(statSync(current.path).mode & 0o777).toBe(0o666);
  });

  test("leaves the process umask as it was", async () => {
    const before = process.umask();
    await server();
    expect(process.umask()).toBe(before);
  });

  test("is removed on close", async () => {
    const s = await server();
    await s.server.close();
    expect(existsSync(s.path)).toBe(false);
  });

  test("a stale socket of a SIGKILLed supervisor is replaced", async () => {
    const s = await server();
    await s.server.close();
    const path = join(s.dir, "stale.sock");
    const child = Bun.spawn(
      [process.execPath, "-e", `require("node:net").createServer().listen(${JSON.stringify(path)}, () => console.log("up"))`],
      { stdout: "pipe" },
    );
    const reader = child.stdout.getReader();
    await reader.read(); // "up"
    child.kill("SIGKILL");
    await child.exited;
    expect(statSync(path).isSocket()).toBe(true); // the kernel leaves the file behind
    const r = await createIpcServer({ path, handler: async () => ({ ok: true, result: { units: [] } }), authorize: () => null });
    expect(r.ok).toBe(true);
    if (r.ok) {
      const reply = await callIpc(path, "stop", {});
      expect(reply.ok).toBe(true);
      await r.server.close();
    }
  });

  test("a socket someone still listens on is not taken over", async () => {
    const s = await server();
    const r = await createIpcServer({ path: s.path, handler: async () => ({ ok: true, result: { units: [] } }), authorize: () => null });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("already listening");
    expect((await callIpc(s.path, "status", {})).ok).toBe(true);
  });

  test("a file that is not a socket is left alone", async () => {
    const s = await server();
    const path = join(s.dir, "not-a-socket");
    writeFileSync(path, "precious");
    const r = await createIpcServer({ path, handler: async () => ({ ok: true, result: { units: [] } }), authorize: () => null });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toContain("not a socket");
    expect(readFileSync(path, "utf8")).toBe("precious");
  });
});

describe("requests", () => {
  test("the client gets a status that satisfies sysg.status.v1, and the peer's credentials reach the handler", async () => {
    const s = await server();
    const reply = await callIpc(s.path, "status", {});
    expect(reply.ok).toBe(true);
    if (reply.ok) expect(Value.Check(StatusResult, reply.result)).toBe(true);
    expect(s.peers[0]).toEqual({ pid: process.pid, uid: process.getuid!(), gid: process.getgid!(), groups: expect.any(Array) });
  });

  test("pipelined requests on one connection are all answered with their ids", async () => {
    const s = await server();
    const c = raw(s.path);
    let batch = "";
    for (let i = 1; i <= 200; i++) batch += req(i, i % 2 ? "status" : "ping");
    c.send(batch);
    await c.until(() => c.frames.length === 200);
    expect(c.frames.map((f) => f.id).sort((a, b) => a! - b!)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    for (const f of c.frames) {
      expect(f.ok).toBe(true);
      if (f.id! % 2) expect(Value.Check(OkResponse(StatusResult), f)).toBe(true);
    }
  });

  test("many clients at once each get their own answers", async () => {
    const s = await server();
    const clients = await Promise.all(Array.from({ length: 50 }, () => connectIpc(s.path)));
    const replies = await Promise.all(
      clients.map(async (c) => {
        if (!c.ok) throw new Error(c.error.message);
        const rs = await Promise.all([
          c.client.request("status", {}),
          c.client.request("ping", {}),
          c.client.request("inspect", { name: "missing" }),
        ]);
        c.client.close();
        return rs;
      }),
    );
    for (const [status, ping, inspect] of replies) {
      expect(status!.ok && (status.result as { schema: string }).schema).toBe("sysg.status.v1");
      expect(ping!.ok && (ping.result as { pid: number }).pid).toBe(process.pid);
      expect(!inspect!.ok && inspect!.error.code).toBe("unknown_service");
    }
  });

  test("a slow restart does not hold up status, on the same connection or another", async () => {
    const s = await server();
    const c = raw(s.path);
    c.send(req(1, "restart", { service: "slow" }) + req(2, "status"));
    const other = await connectIpc(s.path);
    if (!other.ok) throw new Error(other.error.message);
    const status = await other.client.request("status", {});
    expect(status.ok).toBe(true);
    other.client.close();
    await c.until(() => c.byId(2) !== undefined);
    expect(c.byId(1)).toBeUndefined(); // still restarting
    expect(c.frames[0]!.id).toBe(2); // answers go out as they are ready, not in request order
    await c.until(() => c.byId(1) !== undefined, SLOW_MS + 5000);
    expect(c.byId(1)!.ok).toBe(true);
  });

  test("handler failures and schema-breaking results become internal errors, and are reported", async () => {
    const s = await server();
    const threw = await callIpc(s.path, "spawn", { name: "x", argv: ["true"] });
    expect(!threw.ok && threw.error.code).toBe("internal");
    expect(!threw.ok && threw.error.message).toContain("spawn exploded");
    const broken = await callIpc(s.path, "start", { service: "broken" });
    expect(!broken.ok && broken.error.code).toBe("internal");
    expect(!broken.ok && broken.error.message).toContain("/units/0");
    expect(s.errors.some((e) => e.includes("spawn exploded"))).toBe(true);
    expect(s.errors.some((e) => e.includes("start result breaks its schema"))).toBe(true);
  });

  test("an authorize refusal is a forbidden error carrying the reason", async () => {
    const s = await server({ authorize: (_p: unknown, r: { cmd: string }) => (r.cmd === "stop" ? "not today" : null) });
    const reply = await callIpc(s.path, "stop", {});
    expect(reply).toEqual({ ok: false, error: { code: "forbidden", message: "not today" } });
    expect((await callIpc(s.path, "status", {})).ok).toBe(true);
  });
});

describe("bad input", () => {
  test("every malformed, unknown or wrong-typed frame gets its error, and the connection keeps working", async () => {
    const s = await server();
    const c = raw(s.path);
    const frames = [
      "this is not json\n", // bad_frame, id null
      "[1,2,3]\n", // bad_frame, id null
      '{"v":1,"id":10,"cmd":"frobnicate"}\n', // unknown_command
      '{"v":1,"id":11,"cmd":"status","service":42}\n', // bad_request
      '{"v":1,"id":12,"cmd":"ping","extra":true}\n', // bad_request
      '{"v":2,"id":13,"cmd":"ping"}\n', // version
      '{"v":1,"id":"14","cmd":"ping"}\n', // bad_request, id null
      "\n\r\n", // blank: nothing
      '{"v":1,"id":15,"cmd":"inspect","name":"missing"}\r\n', // unknown_service
      '{"v":1,"id":16,"cmd":"ping"}\n',
    ];
    c.send(frames.join(""));
    await c.until(() => c.frames.length === 9);
    const codes = c.frames.filter((f) => !f.ok).map((f) => [f.id, f.error!.code]);
    expect(codes).toContainEqual([null, "bad_frame"]);
    expect(codes.filter(([id, code]) => id === null && code === "bad_frame")).toHaveLength(2);
    expect(codes).toContainEqual([10, "unknown_command"]);
    expect(codes).toContainEqual([11, "bad_request"]);
    expect(codes).toContainEqual([12, "bad_request"]);
    expect(codes).toContainEqual([13, "version"]);
    expect(codes).toContainEqual([null, "bad_request"]);
    expect(codes).toContainEqual([15, "unknown_service"]);
    expect(c.byId(16)!.ok).toBe(true);
    for (const f of c.frames.filter((f) => !f.ok)) expect(Value.Check(ErrorResponse, f)).toBe(true);
  });

  test("invalid UTF-8 is a bad_frame", async () => {
    const s = await server();
    const c = raw(s.path);
    c.send(new Uint8Array([0x7b, 0xc3, 0x28, 0x7d, 0x0a]));
    c.send(req(1, "ping"));
    await c.until(() => c.frames.length === 2);
    expect(c.frames[0]).toEqual({ v: 1, id: null, ok: false, error: { code: "bad_frame", message: "frame is not valid UTF-8" } });
  });

  test("a frame of exactly 1 MiB is served; one byte more is too_large with id null", async () => {
    const s = await server();
    const c = raw(s.path);
    const head = '{"v":1,"id":1,"cmd":"ping"';
    const exact = `${head}${" ".repeat(MAX_REQUEST_BYTES - head.length - 1)}}`;
    expect(Buffer.byteLength(exact)).toBe(MAX_REQUEST_BYTES);
    const over = `{"v":1,"id":2,"cmd":"ping"${" ".repeat(MAX_REQUEST_BYTES - head.length)}}`;
    c.send(`${exact}\n`);
    await c.until(() => c.frames.length === 1);
    expect(c.frames[0]!.id).toBe(1);
    expect(c.frames[0]!.ok).toBe(true);
    c.send(`${over}\n${req(3, "ping")}`);
    await c.until(() => c.frames.length === 3);
    expect(c.frames[1]).toMatchObject({ id: null, ok: false, error: { code: "too_large" } });
    expect(c.byId(3)!.ok).toBe(true);
  });

  test("a 32 MiB frame streamed in pieces is discarded without being held", async () => {
    const s = await server();
    const c = raw(s.path);
    await c.connected();
    const piece = "x".repeat(1 << 20);
    for (let i = 0; i < 32; i++) {
      if (!c.socket.write(piece)) await new Promise((r) => c.socket.once("drain", r));
    }
    c.send(`\n${req(7, "status")}`);
    await c.until(() => c.frames.length === 2, 20_000);
    expect(c.frames[0]!.error!.code).toBe("too_large");
    expect(c.frames[1]!.id).toBe(7);
  });

  test("beyond MAX_IN_FLIGHT running requests a connection is read no further until answers go out", async () => {
    const s = await server();
    const c = raw(s.path);
    const n = MAX_IN_FLIGHT * 3;
    let batch = "";
    for (let i = 1; i <= n; i++) batch += req(i, "restart", { service: "brief" });
    c.send(batch + req(n + 1, "status"));
    await c.until(() => c.frames.length === n + 1);
    expect(c.frames.every((f) => f.ok)).toBe(true);
    expect(s.maxRunning).toBe(MAX_IN_FLIGHT);
  });
  test("a client that does not read its answers stops being served, and gets them all once it reads", async () => {
    const s = await server();
    const c = raw(s.path);
    await c.connected();
    c.socket.pause();
    const n = 20_000;
    let batch = "";
    for (let i = 1; i <= n; i++) batch += req(i, "status");
    c.send(batch);
    // served until the stalled socket pushes back: wait for the count to stop growing (300 ms
    // unchanged), so a slow machine cannot pass by having served little yet
    let servedWhileStalled = -1;
    for (let stable = 0, end = Date.now() + 15_000; stable < 6 && Date.now() < end; await Bun.sleep(50)) {
      stable = s.peers.length === servedWhileStalled ? stable + 1 : 0;
      servedWhileStalled = s.peers.length;
    }
    expect(servedWhileStalled).toBeGreaterThan(0);
    // kernel socket buffers plus MAX_IN_FLIGHT answers: a few hundred ~700-byte answers
    expect(servedWhileStalled).toBeLessThan(2000);
    c.socket.resume();
    await c.until(() => c.frames.length === n, 20_000);
    expect(new Set(c.frames.map((f) => f.id)).size).toBe(n);
  });
});

describe("connections", () => {
  test("a half-closed connection still gets every answer, then the server closes it", async () => {
    const s = await server();
    const c = raw(s.path, { allowHalfOpen: true });
    await c.connected();
    c.send(req(1, "restart", { service: "slow" }) + req(2, "status") + '{"v":1,"id":3,"cmd":"ping"}'); // last has no newline
    c.socket.end();
    await c.until(() => c.closed, SLOW_MS + 5000);
    expect(c.frames.map((f) => f.id).sort()).toEqual([1, 2, 3]);
    expect(c.frames.every((f) => f.ok)).toBe(true);
  });

  test("1000 connections opened and dropped, some mid-frame or mid-request, leave the server serving", async () => {
    const s = await server();
    const many = Array.from({ length: 1000 }, () => raw(s.path));
    await Promise.all(many.map((c) => c.connected()));
    many.forEach((c, i) => {
      if (i % 3 === 0) c.send('{"v":1,"id":1,"cmd":"sta');
      if (i % 3 === 1) c.send(req(1, "restart", { service: "brief" }));
    });
    for (const c of many) c.destroy();
    const reply = await callIpc(s.path, "status", {});
    expect(reply.ok).toBe(true);
    const deadline = Date.now() + 5000;
    while (s.server.connections > 0 && Date.now() < deadline) await Bun.sleep(20);
    expect(s.server.connections).toBe(0);
    // the dropped restarts finish and answer into closed sockets
    await until("the dropped restarts finished", () => s.running === 0);
    expect((await callIpc(s.path, "ping", {})).ok).toBe(true);
    expect(s.errors).toEqual([]);
  });

  test("connections beyond the limit are told busy and closed", async () => {
    const s = await server({ maxConnections: 5 });
    const five = Array.from({ length: 5 }, () => raw(s.path));
    await Promise.all(five.map((c) => c.connected()));
    await five[4]!.until(() => s.server.connections === 5);
    const sixth = raw(s.path);
    await sixth.until(() => sixth.closed);
    expect(sixth.frames).toMatchObject([{ id: null, ok: false, error: { code: "busy" } }]);
    five[0]!.destroy();
    await five[1]!.until(() => s.server.connections === 4);
    expect((await callIpc(s.path, "ping", {})).ok).toBe(true);
  });

  test("close() ends refused connections too, even ones whose peer never closes (found by the chaos suite)", async () => {
    const s = await server({ maxConnections: 1 });
    const held = raw(s.path);
    await held.connected();
    await held.until(() => s.server.connections === 1);
    const refused = Array.from({ length: 3 }, () => raw(s.path, { allowHalfOpen: true }));
    for (const r of refused) await r.until(() => r.frames.length === 1);
    expect(refused.map((r) => r.frames[0])).toMatchObject([{ error: { code: "busy" } }, { error: { code: "busy" } }, { error: { code: "busy" } }]);
    // the refused peers keep their side open; shutting the server down must not wait for them
    let closed = false;
    const closing = s.server.close().then(() => (closed = true));
    await held.until(() => closed, 5000);
    await closing;
    expect(closed).toBe(true);
  });

  test("an idle connection is closed, but not while its request runs", async () => {
    const s = await server({ idleTimeoutMs: 300 });
    const idle = raw(s.path);
    const busy = raw(s.path);
    busy.send(req(1, "restart", { service: "slow" }));
    await idle.until(() => idle.closed, 5000);
    expect(busy.closed).toBe(false);
    await busy.until(() => busy.frames.length === 1, SLOW_MS + 5000);
    expect(busy.frames[0]!.ok).toBe(true);
  });
});
