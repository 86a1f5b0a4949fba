// The CLI's side of the control socket. Imports no typebox at run time (types only), so a
// one-shot `sysg status` pays just for the socket: the envelope is checked by hand, and a caller
// that wants the full result validated can run RESULT_SCHEMAS through Value.Check itself.
// The socket itself comes from a Connector: node:net by default (portable, loaded only when
// used); the Bun entry may pass a faster one (src/platform/bun/ipc-connect.ts).
// Never throws for protocol or connection trouble: every outcome is a value.
import { MAX_REQUEST_BYTES, MAX_RESPONSE_BYTES, PROTOCOL_VERSION } from "./constants.ts";
import { FrameDecoder } from "./frame.ts";
import { nodeConnector } from "./node-connect.ts";
import type { Connector, IpcStream, StreamHandlers } from "../platform/types.ts";
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

export interface ConnectOptions {
  /** for connecting, and the default for each request; 5 s to connect, 30 s per request */
  timeoutMs?: number;
  connector?: Connector;
}

const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;

export async function connectIpc(path: string, opts: ConnectOptions = {}): Promise<ConnectOutcome> {
  const connector = opts.connector ?? nodeConnector;
  const conn = new Connection();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<"timeout">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
  });
  const attempt = connector(path, conn.handlers);
  const first = await Promise.race([attempt, timedOut]);
  clearTimeout(timer);
  if (first === "timeout") {
    void attempt.then((late) => late.ok && late.stream.close());
    return { ok: false, error: { code: "timeout", message: `the supervisor did not accept a connection on ${path} within ${timeoutMs} ms` } };
  }
  if (!first.ok) return { ok: false, error: connectError(path, first.code, first.message) };
  conn.attach(first.stream);
  return { ok: true, client: conn };
}

/** Connect, send one request, close: what most CLI commands need. */
export async function callIpc<C extends CommandName>(
  path: string,
  cmd: C,
  args: ArgsOf<C>,
  opts: ConnectOptions = {},
): Promise<Reply<ResultOf<C>>> {
  const conn = await connectIpc(path, opts);
  if (!conn.ok) return conn;
  try {
    return await conn.client.request(cmd, args, opts);
  } finally {
    conn.client.close();
  }
}

function connectError(path: string, code: string, message: string): ClientError {
  switch (code) {
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
      return { code: "connect", message: `cannot connect to ${path}: ${message}` };
  }
}

interface Pending {
  resolve: (reply: Reply<unknown>) => void;
  timer: ReturnType<typeof setTimeout>;
}

class Connection implements IpcClient {
  #stream: IpcStream | null = null;
  readonly #pending = new Map<number, Pending>();
  readonly #decoder = new FrameDecoder(MAX_RESPONSE_BYTES);
  readonly #utf8 = new TextEncoder();
  #nextId = 1;
  #closed: ClientError | null = null;

  readonly handlers: StreamHandlers = {
    data: (chunk) => {
      for (const ev of this.#decoder.push(chunk)) {
        if (ev.kind === "frame") this.#onFrame(ev.text);
        else this.#failAll({ code: "bad_response", message: `the supervisor sent a bad frame: ${ev.message}` });
      }
    },
    closed: (error) => {
      this.#closed ??= {
        code: "disconnected",
        message: error
          ? `connection to the supervisor failed: ${error}`
          : "the supervisor closed the connection before answering",
      };
      this.#failAll(this.#closed);
    },
  };

  attach(stream: IpcStream): void {
    this.#stream = stream;
  }

  request<C extends CommandName>(cmd: C, args: ArgsOf<C>, opts: { timeoutMs?: number } = {}): Promise<Reply<ResultOf<C>>> {
    if (this.#closed || !this.#stream) {
      return Promise.resolve({ ok: false, error: this.#closed ?? { code: "disconnected", message: "not connected" } });
    }
    const id = this.#nextId++;
    const bytes = this.#utf8.encode(`${JSON.stringify({ v: PROTOCOL_VERSION, id, cmd, ...args })}\n`);
    if (bytes.length - 1 > MAX_REQUEST_BYTES) {
      return Promise.resolve({
        ok: false,
        error: { code: "too_large", message: `${cmd} request is larger than ${MAX_REQUEST_BYTES} bytes` },
      });
    }
    const timeoutMs = opts.timeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    const stream = this.#stream;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve({ ok: false, error: { code: "timeout", message: `no answer to ${cmd} within ${timeoutMs} ms` } });
      }, timeoutMs);
      this.#pending.set(id, { resolve: resolve as Pending["resolve"], timer });
      stream.write(bytes);
    });
  }

  close(): void {
    this.#closed ??= { code: "disconnected", message: "the connection was closed by this client" };
    this.#stream?.close();
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
