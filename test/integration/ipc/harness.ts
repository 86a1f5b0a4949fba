// A real IPC server in the test process with a stand-in supervisor: `restart -s slow` takes
// ~2 s, `spawn` throws, `start -s broken` returns a result that breaks its schema, `inspect`
// of "missing" is an unknown service. Plus a raw socket helper that speaks bytes, not the client.
import { mkdtempSync, rmSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultAuthorize } from "../../../src/ipc/authorize.ts";
import type { StatusResult } from "../../../src/ipc/protocol.ts";
import { createIpcServer, type IpcServer, type IpcServerOptions, type HandlerReply } from "../../../src/ipc/server.ts";
import type { PeerCred } from "../../../src/platform/types.ts";
import { peerCred } from "../../../src/platform/bun/peercred.ts";

export const SLOW_MS = 2000;

export function statusResult(n = 3): StatusResult {
  return {
    schema: "sysg.status.v1",
    captured_at: new Date().toISOString(),
    overall_health: "healthy",
    units: Array.from({ length: n }, (_, i) => ({
      name: `svc${i}`,
      kind: "service" as const,
      state: "running" as const,
      pid: 1000 + i,
      cpu: 0.5,
      rss: 1_000_000,
      uptime: 12,
      restarts: 0,
      last_exit: null,
      health: "healthy" as const,
      reason: null,
      cron: null,
    })),
  };
}

export interface TestServer {
  server: IpcServer;
  path: string;
  dir: string;
  /** every peer the handler saw, in order */
  peers: (PeerCred | null)[];
  /** messages the server reported through onError */
  errors: string[];
  /** the most handler calls that ever ran at the same time */
  maxRunning: number;
  /** handler calls running now */
  running: number;
  cleanup(): Promise<void>;
}

export async function startServer(over: Partial<IpcServerOptions> = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), "sysg-ipc-"));
  const path = join(dir, "control.sock");
  const peers: (PeerCred | null)[] = [];
  const errors: string[] = [];
  const handler = async (req: Parameters<IpcServerOptions["handler"]>[0], peer: PeerCred | null): Promise<HandlerReply> => {
    t.running++;
    t.maxRunning = Math.max(t.maxRunning, t.running);
    try {
      return await handle(req, peer);
    } finally {
      t.running--;
    }
  };
  const handle = async (req: Parameters<IpcServerOptions["handler"]>[0], peer: PeerCred | null): Promise<HandlerReply> => {
    peers.push(peer);
    switch (req.cmd) {
      case "status":
        return { ok: true, result: statusResult() };
      case "ping":
        return { ok: true, result: { pid: process.pid, version: "test", protocol: 1, uptime: 1, sys: false, config: null } };
      case "restart":
        if (req.service === "slow") await Bun.sleep(SLOW_MS);
        if (req.service === "brief") await Bun.sleep(100);
        return { ok: true, result: { units: [{ name: req.service ?? "all", action: "restarted", state: "running", reason: null }] } };
      case "start":
        if (req.service === "broken") return { ok: true, result: { units: [{ name: "broken" }] } as never };
        return { ok: true, result: { units: [] } };
      case "inspect":
        return { ok: false, error: { code: "unknown_service", message: `no service named "${req.name}"` } };
      case "spawn":
        throw new Error("spawn exploded");
      case "shutdown":
        return { ok: true, result: { pid: process.pid } };
      default:
        return { ok: true, result: { units: [] } };
    }
  };
  const r = await createIpcServer({
    path,
    handler,
    authorize: defaultAuthorize({ sys: false, ownerUid: process.getuid!(), adminGids: [] }),
    peerCred,
    onError: (m) => errors.push(m),
    ...over,
  });
  if (!r.ok) throw new Error(r.error);
  const t: TestServer = {
    server: r.server,
    path,
    dir,
    peers,
    errors,
    maxRunning: 0,
    running: 0,
    cleanup: async () => {
      await r.server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return t;
}

export interface RawFrame {
  v: number;
  id: number | null;
  ok: boolean;
  result?: unknown;
  error?: { code: string; message: string };
}

/** A plain socket that collects every response line. */
export class RawConn {
  readonly socket: net.Socket;
  readonly frames: RawFrame[] = [];
  closed = false;
  #buf = "";
  #waiters: (() => void)[] = [];

  constructor(path: string, opts: { allowHalfOpen?: boolean } = {}) {
    this.socket = net.connect({ path, allowHalfOpen: opts.allowHalfOpen ?? false });
    this.socket.on("error", () => {});
    this.socket.on("data", (d: Buffer) => {
      this.#buf += d.toString("utf8");
      let nl: number;
      while ((nl = this.#buf.indexOf("\n")) !== -1) {
        this.frames.push(JSON.parse(this.#buf.slice(0, nl)));
        this.#buf = this.#buf.slice(nl + 1);
      }
      this.#wake();
    });
    this.socket.on("close", () => {
      this.closed = true;
      this.#wake();
    });
  }

  connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.socket.connecting) return resolve();
      this.socket.once("connect", () => resolve());
      this.socket.once("error", reject);
    });
  }

  send(data: string | Uint8Array): void {
    this.socket.write(data);
  }

  /** Resolves when `pred` holds, or rejects after timeoutMs with what was seen. */
  async until(pred: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!pred()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; frames so far: ${JSON.stringify(this.frames).slice(0, 2000)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 250));
        this.#waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  byId(id: number): RawFrame | undefined {
    return this.frames.find((f) => f.id === id);
  }

  destroy(): void {
    this.socket.destroy();
  }

  #wake(): void {
    const w = this.#waiters;
    this.#waiters = [];
    for (const f of w) f();
  }
}

export const req = (id: number, cmd: string, args: object = {}) => `${JSON.stringify({ v: 1, id, cmd, ...args })}\n`;
