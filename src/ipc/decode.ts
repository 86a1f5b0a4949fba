// Turns one frame's text into a validated request, or into the error the server answers with.
// Checks run from the outside in (JSON, object, version, id, command, fields) so the message
// names the first thing wrong.
import { Value } from "@sinclair/typebox/value";
import { PROTOCOL_VERSION } from "./constants.ts";
import { COMMAND_NAMES, type CommandName, type IpcError, type IpcRequest, REQUEST_SCHEMAS, RequestId } from "./protocol.ts";

export type Decoded = { ok: true; request: IpcRequest } | { ok: false; id: number | null; error: IpcError };

const fail = (id: number | null, code: IpcError["code"], message: string): Decoded => ({
  ok: false,
  id,
  error: { code, message },
});

export function decodeRequest(text: string): Decoded {
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch (err) {
    return fail(null, "bad_frame", `frame is not valid JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof frame !== "object" || frame === null || Array.isArray(frame)) {
    return fail(null, "bad_frame", "frame must be a JSON object like {\"v\":1,\"id\":1,\"cmd\":\"ping\"}");
  }
  const f = frame as Record<string, unknown>;
  const id = Value.Check(RequestId, f.id) ? (f.id as number) : null;
  if (f.v !== PROTOCOL_VERSION) {
    const got = f.v === undefined ? "no \"v\"" : `v=${JSON.stringify(f.v)}`;
    return fail(id, "version", `unsupported protocol version (${got}); this supervisor speaks v${PROTOCOL_VERSION}`);
  }
  if (id === null) {
    return fail(null, "bad_request", `"id" must be an integer from 0 to 2^53-1, got ${describe(f.id)}`);
  }
  if (typeof f.cmd !== "string") {
    return fail(id, "bad_request", `"cmd" must be a string, got ${describe(f.cmd)}`);
  }
  if (!Object.hasOwn(REQUEST_SCHEMAS, f.cmd)) {
    return fail(id, "unknown_command", `unknown command ${JSON.stringify(f.cmd)}; known: ${COMMAND_NAMES.join(", ")}`);
  }
  const cmd = f.cmd as CommandName;
  const schema = REQUEST_SCHEMAS[cmd];
  if (!Value.Check(schema, frame)) {
    const first = Value.Errors(schema, frame).First();
    const where = first?.path ? first.path : "/";
    return fail(id, "bad_request", `${cmd}: ${where}: ${first?.message ?? "invalid request"}`);
  }
  return { ok: true, request: frame as IpcRequest };
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const json = JSON.stringify(value);
  return json.length > 40 ? `${json.slice(0, 40)}…` : json;
}
