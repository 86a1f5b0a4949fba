// The CLI's side of the control socket. Imports no typebox at run time (types only), so a
// one-shot `sysg status` pays just for node:net: the envelope is checked by hand, and a caller
// that wants the full result validated can run RESULT_SCHEMAS through Value.Check itself.
// Never throws for protocol or connection trouble: every outcome is a value.
import { Buffer } from "node:buffer";
import net from "node:net";
import { MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, PROTOCOL_VERSION } from "./constants.ts";
import { FrameDecoder } from "./frame.ts";
import type { ArgsOf, CommandName, ErrorCode, ResultOf } from "./protocol.ts";

/** The server's codes plus what can go wrong on this side. */
export type ClientErrorCode =
  | ErrorCode
  | "no_supervisor" // no socket, or nobody listening on it
  | "permission" // the socket belongs to someone else
  | "connect" // any other connect failure
  | "timeout"
  | "disconnected" // the connection ended before the answer came
  | "bad_response"; // the server sent something that is not a protocol frame
export interface ClientError {
  code: ClientErrorCode;
  message: string;
}
export type Reply<T> = { ok: true; result: T } | { ok: false; error: ClientError };

export interface IpcClient {
  /** Sends one request; several may be outstanding at once on the same connection. */
  request<C extends CommandName>(cmd: C, args: ArgsOf<C>, opts?: { timeoutMs?: number }): Promise<Reply<ResultOf<C>>>;
  /** Drops the connection; outstanding requests resolve as `disconnected`. */
  close(): void;
}

export type ConnectOutcome = { ok: true; client: IpcClient } | { ok: false; error: ClientError };

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

export function connectIpc(path: string, opts: { timeoutMs?: number } = {}): Promise<ConnectOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect(path);
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ ok: false, error: { code: "timeout", message: `the supervisor did not accept a connection on ${path}` } });
    }, opts.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    const onError = (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve({ ok: false, error: connectError(path, err) });
    };
    socket.once("error", onError);
    socket.once("connect", () => {
      clearTimeout(timer);
      socket.off("error", onError);
      resolve({ ok: true, client: new Connection(socket) });
    });
  });
}

/** Connect, send one request, close: what most CLI commands need. */
export async function callIpc<C extends CommandName>(
  path: string,
  cmd: C,
  args: ArgsOf<C>,
  opts: { timeoutMs?: number } = {},
): Promise<Reply<ResultOf<C>>> {
  const conn = await connectIpc(path, opts);
  if (!conn.ok) return conn;
  try {
    return await conn.client.request(cmd, args, opts);
  } finally {
    conn.client.close();
  }
}

function connectError(path: string, err: NodeJS.ErrnoException): ClientError {
  switch (err.code) {
    case "ENOENT":
    case "ECONNREFUSED":
      return { code: "no_supervisor", message: `no supervisor is running (no socket at ${path})` };
    case "EACCES":
    case "EPERM":
      return {
        code: "permission",
        message: `permission denied on ${path}: that supervisor belongs to another user (run as its owner or root; the system supervisor is reached with --sys)`,
      };
    default:
      return { code: "connect", message: `cannot connect to ${path}: ${err.message}` };
  }
}

interface Pending {
  resolve: (reply: Reply<unknown>) => void;
  timer: ReturnType<typeof setTimeout>;
}

class Connection implements IpcClient {
  readonly #socket: net.Socket;
  readonly #pending = new Map<number, Pending>();
  readonly #decoder = new FrameDecoder(MAX_RESPONSE_BYTES);
  #nextId = 1;
  #closed: ClientError | null = null;

  constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on("data", (chunk: Uint8Array) => {
      for (const ev of this.#decoder.push(chunk)) {
        if (ev.kind === "frame") this.#onFrame(ev.text);
        else this.#failAll({ code: "bad_response", message: `the supervisor sent a bad frame: ${ev.message}` });
      }
    });
    socket.on("error", (err) => {
      this.#closed ??= { code: "disconnected", message: `connection to the supervisor failed: ${err.message}` };
    });
    socket.on("close", () => {
      this.#closed ??= { code: "disconnected", message: "the supervisor closed the connection before answering" };
      this.#failAll(this.#closed);
    });
  }

  request<C extends CommandName>(cmd: C, args: ArgsOf<C>, opts: { timeoutMs?: number } = {}): Promise<Reply<ResultOf<C>>> {
    if (this.#closed) return Promise.resolve({ ok: false, error: this.#closed });
    const id = this.#nextId++;
    const line = `${JSON.stringify({ v: PROTOCOL_VERSION, id, cmd, ...args })}\n`;
    if (Buffer.byteLength(line) - 1 > MAX_REQUEST_BYTES) {
      return Promise.resolve({
        ok: false,
        error: { code: "too_large", message: `${cmd} request is larger than ${MAX_REQUEST_BYTES} bytes` },
      });
    }
    const timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve({ ok: false, error: { code: "timeout", message: `no answer to ${cmd} within ${timeoutMs} ms` } });
      }, timeoutMs);
      this.#pending.set(id, { resolve: resolve as Pending["resolve"], timer });
      this.#socket.write(line);
    });
  }

  close(): void {
    this.#closed ??= { code: "disconnected", message: "the connection was closed by this client" };
    this.#socket.destroy();
    this.#failAll(this.#closed);
  }

  #onFrame(text: string): void {
    let msg: unknown;
    try {
      msg = JSON.parse(text);
    } catch {
      return this.#failAll({ code: "bad_response", message: "the supervisor sent a frame that is not JSON" });
    }
    const m = msg as { v?: unknown; id?: unknown; ok?: unknown; result?: unknown; error?: unknown };
    if (typeof msg !== "object" || msg === null || typeof m.ok !== "boolean") {
      return this.#failAll({ code: "bad_response", message: "the supervisor sent a frame without \"ok\"" });
    }
    if (m.v !== PROTOCOL_VERSION) {
      return this.#failAll({
        code: "version",
        message: `the supervisor speaks protocol v${String(m.v)}, this sysg speaks v${PROTOCOL_VERSION}; use the same sysg version for both`,
      });
    }
    const error = m.ok ? null : asError(m.error);
    // id null: the server could not tie its answer to a request, so it concerns them all.
    if (m.id === null) return this.#failAll(error ?? { code: "bad_response", message: "answer without an id" });
    const pending = typeof m.id === "number" ? this.#pending.get(m.id) : undefined;
    if (!pending) return; // answer to a request that already timed out
    this.#pending.delete(m.id as number);
    clearTimeout(pending.timer);
    if (m.ok) pending.resolve({ ok: true, result: m.result });
    else pending.resolve({ ok: false, error: error! });
  }

  #failAll(error: ClientError): void {
    for (const [id, p] of this.#pending) {
      clearTimeout(p.timer);
      this.#pending.delete(id);
      p.resolve({ ok: false, error });
    }
  }
}

function asError(e: unknown): ClientError {
  const err = e as { code?: unknown; message?: unknown } | null;
  if (typeof err === "object" && err !== null && typeof err.code === "string" && typeof err.message === "string") {
    return { code: err.code as ClientErrorCode, message: err.message };
  }
  return { code: "bad_response", message: "the supervisor sent an error without code and message" };
}
