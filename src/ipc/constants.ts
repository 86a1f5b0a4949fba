// Protocol constants shared by the server and the client. Free of typebox on purpose: the
// client imports only this, frame.ts and types, so `sysg status` starts fast.

/** The `v` field of every frame. Bumped only for incompatible changes. */
export const PROTOCOL_VERSION = 1;

/** Largest request frame the server accepts (bytes, without the newline). */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/** Largest response frame the client accepts (inspect with long histories can be big). */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;

/** Every error code a server may answer with. */
export const ERROR_CODES = [
  "bad_frame", // not a JSON object, or not UTF-8
  "too_large", // frame over MAX_REQUEST_BYTES
  "bad_request", // a known command with missing or wrong-typed fields
  "unknown_command",
  "unknown_service",
  "forbidden", // peer credentials do not allow this command
  "busy", // too many connections, or the supervisor is busy with a conflicting change
  "internal", // the supervisor failed; the message says where
  "version", // `v` missing or not PROTOCOL_VERSION
] as const;

/** Commands anyone who can connect may run, also under --sys (SPEC §6, §8). */
export const READ_ONLY_COMMANDS: ReadonlySet<string> = new Set(["status", "inspect", "ping"]);
