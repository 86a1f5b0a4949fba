// The state store (SPEC §7): small JSON files keyed by service name, written atomically
// (temp file in the same dir, fsync, rename, fsync dir) so a reader — or the next supervisor
// after a SIGKILL — sees the old file or the new one, never a mix. Readers validate against the
// schemas below and turn a missing or corrupt file into an error value, never an exception.
import { Buffer } from "node:buffer";
import { closeSync, fchmodSync, fsyncSync, openSync, readFileSync, readdirSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { type Result, type RuntimeError, errnoCode, ioError } from "./errors.ts";
import { readStat } from "./proc.ts";

const IsoTime = Type.String({
  pattern: "^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$",
  description: "ISO-8601 UTC time",
});
/** clock ticks after boot, /proc/<pid>/stat field 22 */
const StartTime = Type.Integer({ minimum: 0 });
const Pid = Type.Integer({ minimum: 1 });

/** sysg.pid: the running supervisor. */
export const SysgPidFile = Type.Object({
  pid: Pid,
  start_time: StartTime,
  started_at: IsoTime,
  /** absolute config path, null when none was given */
  config: Type.Union([Type.String(), Type.Null()]),
  version: Type.String(),
});
export type SysgPidFile = Static<typeof SysgPidFile>;

/** pid.json: service (or running cron job) → its main process. */
export const ProcessRecord = Type.Object({ pid: Pid, pgid: Pid, start_time: StartTime });
export type ProcessRecord = Static<typeof ProcessRecord>;
export const PidFile = Type.Record(Type.String(), ProcessRecord);
export type PidFile = Static<typeof PidFile>;

export const ExitRecord = Type.Object({
  code: Type.Union([Type.Integer(), Type.Null()]),
  signal: Type.Union([Type.String(), Type.Null()]),
  at: IsoTime,
});
export type ExitRecord = Static<typeof ExitRecord>;

/** state.json: service → where it stands. `state` holds the unit state names of SPEC §2. */
export const UnitRecord = Type.Object({
  state: Type.String(),
  restarts: Type.Integer({ minimum: 0 }),
  last_exit: Type.Union([ExitRecord, Type.Null()]),
  reason: Type.Union([Type.String(), Type.Null()]),
  /** when it entered `state` */
  since: IsoTime,
});
export type UnitRecord = Static<typeof UnitRecord>;
export const StateFile = Type.Record(Type.String(), UnitRecord);
export type StateFile = Static<typeof StateFile>;

export const CronRun = Type.Object({
  start: IsoTime,
  /** null while running */
  end: Type.Union([IsoTime, Type.Null()]),
  code: Type.Union([Type.Integer(), Type.Null()]),
  signal: Type.Union([Type.String(), Type.Null()]),
  /** ms, null while running */
  duration: Type.Union([Type.Number({ minimum: 0 }), Type.Null()]),
  /** true: not started because the previous run was still going (SPEC §3) */
  overlap: Type.Optional(Type.Boolean()),
});
export type CronRun = Static<typeof CronRun>;
/** How many runs cron_state.json keeps per job. */
export const CRON_HISTORY = 10;
export const CronJobRecord = Type.Object({
  runs: Type.Array(CronRun, { maxItems: CRON_HISTORY }),
  next_run: Type.Union([IsoTime, Type.Null()]),
});
export type CronJobRecord = Static<typeof CronJobRecord>;
export const CronStateFile = Type.Record(Type.String(), CronJobRecord);
export type CronStateFile = Static<typeof CronStateFile>;

let tempSeq = 0;

/** Temp files of writeFileAtomic: `.<name>.<pid>.<seq>.tmp`. */
const TEMP = /^\..+\.(\d+)\.\d+\.tmp$/;

/** Removes temp files that writers which no longer run left in `dir` (a live writer's are
 *  kept: it is about to rename them). Returns how many went. */
export function removeTempFiles(dir: string): number {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  let n = 0;
  for (const name of names) {
    const m = TEMP.exec(name);
    if (m && readStat(Number(m[1])) === null && removeFile(join(dir, name)).ok) n++;
  }
  return n;
}

/**
 * Replaces `path` with `data` atomically and durably; the file gets `mode` whatever the umask.
 * `durable: false` leaves out the two fsyncs: the rename is still atomic for every process (a
 * reader, the next supervisor after a SIGKILL), only a power loss may undo it. For files
 * rewritten many times a second, where each fsync on a busy disk held the event loop for
 * milliseconds to tens of them.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, mode: number, durable = true): Result<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${++tempSeq}.tmp`);
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  let fd = -1;
  try {
    fd = openSync(temp, "wx", mode);
    fchmodSync(fd, mode);
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    if (durable) fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(temp, path);
  } catch (err) {
    if (fd >= 0) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // it may never have been created
    }
    return { ok: false, error: ioError(path, "cannot write", err) };
  }
  return durable ? syncDir(dir) : { ok: true, value: undefined };
}

export function writeJsonAtomic(path: string, value: unknown, mode: number, durable = true): Result<void> {
  return writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, mode, durable);
}

/** fsync of the directory makes the rename itself survive a crash. */
function syncDir(dir: string): Result<void> {
  try {
    const fd = openSync(dir, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return { ok: true, value: undefined };
  } catch (err) {
    return { ok: false, error: ioError(dir, "cannot sync directory", err) };
  }
}

/** Reads and validates a JSON state file. */
export function readJsonFile<S extends TSchema>(path: string, schema: S): Result<Static<S>> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    return { ok: false, error: ioError(path, "cannot read", err) };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: corrupt(path, `not valid JSON (${err instanceof Error ? err.message : err})`) };
  }
  if (!Value.Check(schema, value)) {
    const first = Value.Errors(schema, value).First();
    const where = first?.path ? first.path.slice(1).replaceAll("/", ".") : "(top level)";
    return { ok: false, error: corrupt(path, `${where}: ${first?.message ?? "does not match its schema"}`) };
  }
  return { ok: true, value };
}

/** Like readJsonFile, but a missing file is the empty map (no service recorded yet). */
export function readJsonMap<S extends TSchema>(path: string, schema: S): Result<Static<S>> {
  const r = readJsonFile(path, schema);
  if (!r.ok && r.error.kind === "missing") return { ok: true, value: {} as Static<S> };
  return r;
}

function corrupt(path: string, what: string): RuntimeError {
  return {
    kind: "corrupt",
    path,
    message: `${path} is corrupt: ${what}`,
    hint: "it is rewritten by the next `sysg start`; delete it (or `sysg purge`) if it keeps failing",
  };
}

/** Removes `path`; false when it was not there. Other failures are reported. */
export function removeFile(path: string): Result<boolean> {
  try {
    unlinkSync(path);
    return { ok: true, value: true };
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return { ok: true, value: false };
    return { ok: false, error: ioError(path, "cannot remove", err) };
  }
}
