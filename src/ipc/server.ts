// The control socket (SPEC §6): NDJSON over a unix socket, node:net so it runs on Bun and Deno.
// Each connection decodes frames as they come and runs every request concurrently; answers
// carry the request's id and go out as soon as they are ready, so a slow restart never holds
// up a status. Nothing a peer sends can throw out of here: every bad frame gets an error frame.
import { chmodSync, lstatSync, unlinkSync } from "node:fs";
import net from "node:net";
import { type TypeCheck, TypeCompiler } from "@sinclair/typebox/compiler";
import type { PeerCred } from "../platform/types.ts";
import type { Authorize } from "./authorize.ts";
import { ERROR_CODES, MAX_REQUEST_BYTES, PROTOCOL_VERSION } from "./constants.ts";
import { decodeRequest } from "./decode.ts";
import { type FrameEvent, FrameDecoder } from "./frame.ts";
import { type AnyResult, type IpcError, type IpcRequest, RESULT_SCHEMAS } from "./protocol.ts";

/** What the supervisor answers; an error here reaches the client as is (e.g. unknown_service). */
export type HandlerReply = { ok: true; result: AnyResult } | { ok: false; error: IpcError };
export type IpcHandler = (req: IpcRequest, peer: PeerCred | null) => Promise<HandlerReply>;

export interface IpcServerOptions {
  /** socket path; its directory must exist (0700, or 0755 under --sys) */
  path: string;
  /** 0o600 (default: owner only) or 0o666 (--sys: everyone connects, `authorize` decides) */
  mode?: number;
  handler: IpcHandler;
  authorize: Authorize;
  /** reads SO_PEERCRED from a connected fd (Platform.peerCred); without it peers are null */
  peerCred?: (fd: number) => PeerCred | null;
  /** a connection with nothing in flight and no traffic for this long is closed; default 10 min */
  idleTimeoutMs?: number;
  /** connections beyond this get a `busy` error and are closed; default 1024 */
  maxConnections?: number;
  /** supervisor bugs worth logging: handler exceptions, results that break the schema */
  onError?: (message: string) => void;
}

export interface IpcServer {
  readonly path: string;
  /** connections open right now */
  readonly connections: number;
  /** Stops listening, drops every connection, removes the socket file (if still ours). */
  close(): Promise<void>;
}

export type ListenOutcome = { ok: true; server: IpcServer } | { ok: false; error: string };

/** Requests one connection may have running at once; beyond it the server stops reading. */
export const MAX_IN_FLIGHT = 64;

export async function createIpcServer(opts: IpcServerOptions): Promise<ListenOutcome> {
  const stale = await removeStaleSocket(opts.path);
  if (stale !== null) return { ok: false, error: stale };

  const sockets = new Set<net.Socket>();
  /** connections told `busy`, until they are gone: close() must not wait for their peers */
  const refused = new Set<net.Socket>();
  const limit = opts.maxConnections ?? 1024;
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    if (sockets.size >= limit) {
      refused.add(socket);
      socket.on("close", () => refused.delete(socket));
      socket.on("error", () => {});
      // Read (and drop) until the peer's end, or the socket never learns it is over; a peer
      // that never closes is cut off once the answer is out.
      socket.resume();
      socket.end(frameLine(errorFrame(null, "busy", `too many connections (${limit}); try again`)), () => socket.destroy());
      return;
    }
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    serveConnection(socket, opts);
  });

  const listening = new Promise<string | null>((resolve) => {
    server.once("listening", () => resolve(null));
    server.once("error", (err: NodeJS.ErrnoException) => resolve(`cannot listen on ${opts.path}: ${err.message}`));
  });
  // bind() creates the file with the process umask: 0177 makes it 0600 from its first instant.
  // The umask is process-wide, so it is restored right after the (synchronous) bind.
  const umask = process.umask(0o177);
  try {
    server.listen(opts.path);
  } finally {
    process.umask(umask);
  }
  const failed = await listening;
  if (failed !== null) return { ok: false, error: failed };
  server.on("error", (err) => opts.onError?.(`ipc: listener error: ${err.message}`));

  let ino: number;
  try {
    chmodSync(opts.path, opts.mode ?? 0o600);
    ino = lstatSync(opts.path).ino;
  } catch (err) {
    server.close();
    return { ok: false, error: `cannot set the mode of ${opts.path}: ${(err as Error).message}` };
  }

  return {
    ok: true,
    server: {
      path: opts.path,
      get connections() {
        return sockets.size;
      },
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const s of sockets) s.destroy();
          for (const s of refused) s.destroy();
          unlinkIfOurs(opts.path, ino);
        }),
    },
  };
}

function serveConnection(socket: net.Socket, opts: IpcServerOptions): void {
  const decoder = new FrameDecoder(MAX_REQUEST_BYTES);
  const peer = readPeer(socket, opts.peerCred);
  // Frames decoded but not started yet: at most one read chunk's worth, because reading stops
  // whenever this is non-empty (too many requests running) or the peer is not reading answers.
  let queue: FrameEvent[] = [];
  let next = 0; // queue[next] is the oldest waiting frame
  let inFlight = 0;
  let writeBlocked = false;
  let peerEnded = false;

  const send = (frame: object) => {
    if (socket.destroyed || !socket.writable) return;
    if (!socket.write(frameLine(frame))) writeBlocked = true;
  };

  const start = (ev: FrameEvent) => {
    if (ev.kind === "error") return send(errorFrame(null, ev.code, ev.message));
    const decoded = decodeRequest(ev.text);
    if (!decoded.ok) return send(errorFrame(decoded.id, decoded.error.code, decoded.error.message));
    const req = decoded.request;
    const refusal = authorize(opts, peer, req);
    if (refusal !== null) return send(errorFrame(req.id, refusal.code, refusal.message));
    inFlight++;
    void answer(req, peer, opts)
      .catch((err) => errorFrame(req.id, "internal", `${req.cmd} failed inside the supervisor: ${errText(err)}`))
      .then((frame) => {
        inFlight--;
        send(frame);
        pump();
      });
  };

  const pump = () => {
    // Nothing new starts while the peer is not reading: answers are often far bigger than
    // requests, so memory stays at one read chunk plus MAX_IN_FLIGHT answers.
    while (!writeBlocked && next < queue.length && inFlight < MAX_IN_FLIGHT) start(queue[next++]!);
    const waiting = next < queue.length;
    if (!waiting) {
      queue = [];
      next = 0;
    }
    if (writeBlocked || waiting) socket.pause();
    else if (socket.isPaused()) socket.resume();
    if (peerEnded && inFlight === 0 && !waiting && !socket.destroyed) socket.end();
  };

  socket.setTimeout(opts.idleTimeoutMs ?? 600_000);
  socket.on("timeout", () => {
    if (inFlight === 0) socket.destroy();
  });
  socket.on("error", () => {}); // resets and broken pipes: 'close' follows, nothing to report
  socket.on("drain", () => {
    writeBlocked = false;
    pump();
  });
  socket.on("data", (chunk: Uint8Array) => {
    for (const ev of decoder.push(chunk)) queue.push(ev);
    pump();
  });
  socket.on("end", () => {
    peerEnded = true;
    for (const ev of decoder.end()) queue.push(ev);
    pump();
  });
}

function authorize(opts: IpcServerOptions, peer: PeerCred | null, req: IpcRequest): IpcError | null {
  try {
    const reason = opts.authorize(peer, req);
    return reason === null ? null : { code: "forbidden", message: reason };
  } catch (err) {
    opts.onError?.(`ipc: authorize threw for ${req.cmd}: ${errText(err)}`);
    return { code: "internal", message: `cannot authorise ${req.cmd}: ${errText(err)}` };
  }
}

/** Runs the handler and turns whatever it does into exactly one response frame. */
async function answer(req: IpcRequest, peer: PeerCred | null, opts: IpcServerOptions): Promise<object> {
  let reply: HandlerReply;
  try {
    reply = await opts.handler(req, peer);
  } catch (err) {
    opts.onError?.(`ipc: ${req.cmd} handler threw: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    return errorFrame(req.id, "internal", `${req.cmd} failed inside the supervisor: ${errText(err)}`);
  }
  if (typeof reply !== "object" || reply === null) {
    opts.onError?.(`ipc: ${req.cmd} handler returned ${String(reply)}`);
    return errorFrame(req.id, "internal", `${req.cmd}: the supervisor gave no answer`);
  }
  if (!reply.ok) {
    const { code, message } = reply.error ?? {};
    if ((ERROR_CODES as readonly unknown[]).includes(code) && typeof message === "string") {
      return errorFrame(req.id, code as IpcError["code"], message);
    }
    opts.onError?.(`ipc: ${req.cmd} handler returned a malformed error: ${safeJson(reply.error)}`);
    return errorFrame(req.id, "internal", `${req.cmd} failed inside the supervisor`);
  }
  // The schemas are a contract with every client: a result that breaks them is a supervisor
  // bug, reported here rather than as a confusing failure in someone's script.
  const check = resultCheck(req.cmd);
  if (!check.Check(reply.result)) {
    const first = check.Errors(reply.result).First();
    const where = `${first?.path || "/"}: ${first?.message ?? "invalid"}`;
    opts.onError?.(`ipc: ${req.cmd} result breaks its schema at ${where}`);
    return errorFrame(req.id, "internal", `the supervisor produced an invalid ${req.cmd} result (${where})`);
  }
  return { v: PROTOCOL_VERSION, id: req.id, ok: true, result: reply.result };
}

/** Compiled once per command, on its first answer: interpreting the schema (Value.Check) cost
 *  ~9 ms per `status` of 1000 units, the compiled check ~0.6 ms. */
const resultChecks = new Map<string, TypeCheck<(typeof RESULT_SCHEMAS)[keyof typeof RESULT_SCHEMAS]>>();
function resultCheck(cmd: keyof typeof RESULT_SCHEMAS): TypeCheck<(typeof RESULT_SCHEMAS)[keyof typeof RESULT_SCHEMAS]> {
  let c = resultChecks.get(cmd);
  if (!c) {
    c = TypeCompiler.Compile(RESULT_SCHEMAS[cmd]);
    resultChecks.set(cmd, c);
  }
  return c;
}

function errorFrame(id: number | null, code: IpcError["code"], message: string) {
  return { v: PROTOCOL_VERSION, id, ok: false, error: { code, message } };
}

function frameLine(frame: object): string {
  const json = safeJson(frame);
  if (json !== undefined) return `${json}\n`;
  const id = (frame as { id?: unknown }).id;
  return `${JSON.stringify(errorFrame(typeof id === "number" ? id : null, "internal", "the answer could not be encoded as JSON"))}\n`;
}

function safeJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

function readPeer(socket: net.Socket, peerCred: IpcServerOptions["peerCred"]): PeerCred | null {
  // Node and Bun keep the connected fd on the internal handle; other runtimes may not.
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (!peerCred || typeof fd !== "number" || fd < 0) return null;
  try {
    return peerCred(fd);
  } catch {
    return null;
  }
}

/**
 * A socket file left by a dead supervisor is removed; one that still answers is not, and
 * neither is anything that is not a socket.
 */
async function removeStaleSocket(path: string): Promise<string | null> {
  let isSocket: boolean;
  try {
    isSocket = lstatSync(path).isSocket();
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ENOENT" ? null : `cannot check ${path}: ${errText(err)}`;
  }
  if (!isSocket) return `${path} exists and is not a socket; move it away or use another state directory`;
  const probe = await probeSocket(path);
  if (probe === "alive") return `a supervisor is already listening on ${path}`;
  if (probe !== "dead") return `cannot tell whether ${path} is in use (${probe})`;
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") return `cannot remove stale socket ${path}: ${errText(err)}`;
  }
  return null;
}

/** "alive", "dead", or why it cannot tell. */
function probeSocket(path: string): Promise<string> {
  return new Promise((resolve) => {
    const conn = net.connect(path);
    // A listener whose backlog is full leaves connect pending: it is alive.
    const timer = setTimeout(() => done("alive"), 1000);
    const done = (verdict: string) => {
      clearTimeout(timer);
      conn.destroy();
      resolve(verdict);
    };
    conn.once("connect", () => done("alive"));
    conn.once("error", (err: NodeJS.ErrnoException) =>
      done(err.code === "ECONNREFUSED" || err.code === "ENOENT" ? "dead" : err.message),
    );
  });
}

function unlinkIfOurs(path: string, ino: number): void {
  try {
    if (lstatSync(path).ino === ino) unlinkSync(path);
  } catch {
    // already gone, or replaced by someone else's file: leave it
  }
}

function errText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
