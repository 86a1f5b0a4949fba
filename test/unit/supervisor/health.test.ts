// Liveness and the deployment health gate against a real HTTP server on 127.0.0.1.
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { checkWithin, passHealthCheck, watchLiveness } from "../../../src/supervisor/health.ts";
import type { Platform } from "../../../src/platform/types.ts";
import { plainContext } from "../../../src/supervisor/child.ts";

let server: Server;
let base = "";
let status = 200;
let hits = 0;
const deps = { platform: {} as Platform, exec: plainContext({ env: {}, working_dir: "/" }) };

beforeAll(async () => {
  server = createServer((req, res) => {
    hits++;
    if (req.url === "/hang") return; // never answers
    res.statusCode = status;
    res.end("x");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.closeAllConnections();
  server.close();
});

describe("checkWithin", () => {
  test("passes on 2xx, says why on another status, and bounds a hanging request", async () => {
    status = 200;
    expect(await checkWithin({ kind: "http", url: `${base}/`, status: "2xx" }, deps, 1000)).toBeNull();
    status = 503;
    expect(await checkWithin({ kind: "http", url: `${base}/`, status: "2xx" }, deps, 1000)).toContain("status 503");
    const t0 = Date.now();
    expect(await checkWithin({ kind: "http", url: `${base}/hang`, status: "2xx" }, deps, 200)).toContain("no answer within 200 ms");
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});

describe("watchLiveness", () => {
  test("N failures in a row call onFailed once, with the reason; a pass resets the count", async () => {
    status = 200;
    hits = 0;
    let calls = 0;
    const why = await new Promise<string>((resolve) => {
      const w = watchLiveness({ probe: { kind: "http", url: `${base}/`, status: "2xx" }, interval: 30, timeout: 1000, failures: 3 }, deps, (w2) => {
        calls++;
        resolve(w2);
      });
      // healthy for a while, then failing
      const flip = setInterval(() => {
        if (hits >= 3) {
          status = 500;
          clearInterval(flip);
        }
      }, 5);
      void w;
    });
    expect(why).toContain("failed 3 times in a row");
    expect(why).toContain("status 500");
    expect(hits).toBeGreaterThanOrEqual(6); // at least 3 passes before 3 failures
    await new Promise((r) => setTimeout(r, 150));
    expect(calls).toBe(1);
  });

  test("stop() ends the watch: no call after it", async () => {
    status = 500;
    let called = false;
    const w = watchLiveness({ probe: { kind: "tcp", host: "127.0.0.1", port: 1 }, interval: 20, timeout: 500, failures: 2 }, deps, () => (called = true));
    w.stop();
    await new Promise((r) => setTimeout(r, 200));
    expect(called).toBe(false);
  });
});

describe("passHealthCheck", () => {
  test("null when the URL answers 2xx", async () => {
    status = 204;
    expect(await passHealthCheck({ url: `${base}/`, timeout: 1000, retries: 0 }, deps, new AbortController().signal)).toBeNull();
  });
  test("the reason after 1 + retries failed tries", async () => {
    status = 503;
    hits = 0;
    const why = await passHealthCheck({ url: `${base}/`, timeout: 1000, retries: 1 }, deps, new AbortController().signal);
    expect(why).toContain("failed 2 times");
    expect(why).toContain("status 503");
    expect(hits).toBe(2);
  });
  test("an abort (the new instance died) ends the wait", async () => {
    status = 503;
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 50);
    const why = await passHealthCheck({ url: `${base}/`, timeout: 1000, retries: 100 }, deps, ac.signal);
    expect(why).toContain("abandoned");
  });
});
