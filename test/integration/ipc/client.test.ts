// The client over both connectors: the portable node:net one and the CLI's Bun.connect one.
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { callIpc, connectIpc } from "../../../src/ipc/client.ts";
import type { Connector } from "../../../src/platform/types.ts";
import { MAX_REQUEST_BYTES } from "../../../src/ipc/constants.ts";
import { nodeConnector } from "../../../src/ipc/node-connect.ts";
import { bunConnector } from "../../../src/platform/bun/ipc-connect.ts";
import { until } from "../../helpers/sysg.ts";
import { startServer, type TestServer } from "./harness.ts";

let current: TestServer | null = null;
afterEach(async () => {
  await current?.cleanup();
  current = null;
});

async function deadSocket(dir: string): Promise<string> {
  const path = join(dir, "dead.sock");
  const child = Bun.spawn([process.execPath, "-e", `require("node:net").createServer().listen(${JSON.stringify(path)}, () => console.log("up"))`], {
    stdout: "pipe",
  });
  await child.stdout.getReader().read();
  child.kill("SIGKILL");
  await child.exited;
  return path;
}

describe.each([
  ["node:net", nodeConnector],
  ["Bun.connect", bunConnector],
] as [string, Connector][])("client over %s", (_name, connector) => {
  test("no socket: no supervisor is running", async () => {
    current = await startServer();
    const path = join(current.dir, "absent.sock");
    expect(await callIpc(path, "status", {}, { connector })).toEqual({
      ok: false,
      error: { code: "no_supervisor", message: `no supervisor is running (no socket at ${path})` },
    });
  });

  test("a socket nobody listens on (a SIGKILLed supervisor): no supervisor is running", async () => {
    current = await startServer();
    const reply = await callIpc(await deadSocket(current.dir), "status", {}, { connector });
    expect(!reply.ok && reply.error.code).toBe("no_supervisor");
  });

  test("pipelined requests resolve with their own results", async () => {
    current = await startServer();
    const c = await connectIpc(current.path, { connector });
    if (!c.ok) throw new Error(c.error.message);
    const [status, ping, inspect, slowish] = await Promise.all([
      c.client.request("status", {}),
      c.client.request("ping", {}),
      c.client.request("inspect", { name: "missing" }),
      c.client.request("restart", { service: "brief" }),
    ]);
    expect(status.ok && status.result.schema).toBe("sysg.status.v1");
    expect(ping.ok && ping.result.pid).toBe(process.pid);
    expect(!inspect.ok && inspect.error.code).toBe("unknown_service");
    expect(slowish.ok && slowish.result.units[0]!.name).toBe("brief");
    c.client.close();
  });

  test("a request of nearly 1 MiB arrives whole", async () => {
    current = await startServer();
    const config = `/${"a".repeat(MAX_REQUEST_BYTES - 100)}`;
    const reply = await callIpc(current.path, "restart", { config }, { connector });
    expect(reply.ok).toBe(true);
  });

  test("refuses to send a request over 1 MiB", async () => {
    current = await startServer();
    const reply = await callIpc(current.path, "spawn", { name: "x", argv: ["x".repeat(MAX_REQUEST_BYTES)] }, { connector });
    expect(!reply.ok && reply.error.code).toBe("too_large");
  });

  test("a request that outlives its timeout resolves as timeout; the connection stays usable", async () => {
    current = await startServer();
    const c = await connectIpc(current.path, { connector });
    if (!c.ok) throw new Error(c.error.message);
    const slow = await c.client.request("restart", { service: "slow" }, { timeoutMs: 100 });
    expect(!slow.ok && slow.error.code).toBe("timeout");
    expect((await c.client.request("ping", {})).ok).toBe(true);
    c.client.close();
  });

  test("a server that goes away resolves outstanding requests as disconnected", async () => {
    current = await startServer();
    const c = await connectIpc(current.path, { connector });
    if (!c.ok) throw new Error(c.error.message);
    const pending = c.client.request("restart", { service: "slow" });
    const server = current;
    await until("the request in the server's hands", () => server.running === 1);
    await current.server.close();
    const reply = await pending;
    expect(!reply.ok && reply.error.code).toBe("disconnected");
    const after = await c.client.request("ping", {});
    expect(!after.ok && after.error.code).toBe("disconnected");
  });

  test("after close, requests resolve as disconnected", async () => {
    current = await startServer();
    const c = await connectIpc(current.path, { connector });
    if (!c.ok) throw new Error(c.error.message);
    c.client.close();
    const reply = await c.client.request("ping", {});
    expect(!reply.ok && reply.error.code).toBe("disconnected");
  });
});
