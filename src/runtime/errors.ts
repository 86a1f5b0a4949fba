// Errors of the runtime module as values: every failure names the file it concerns, what went
// wrong, and (where one exists) how to fix it. Callers print `message`, then `hint`.

export type RuntimeErrorKind =
  | "missing" // the file does not exist
  | "corrupt" // the file exists but is not what its schema says
  | "io" // a system call failed (permission, disk full, …)
  | "locked"; // another supervisor holds the state dir

export interface RuntimeError {
  kind: RuntimeErrorKind;
  path: string;
  message: string;
  hint?: string;
  /** errno code of the failed call, e.g. "EACCES" */
  code?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: RuntimeError };

/** Wraps a node:fs exception into a RuntimeError for `path`, saying what we were doing. */
export function ioError(path: string, doing: string, err: unknown): RuntimeError {
  const code = errnoCode(err);
  const why = err instanceof Error ? err.message : String(err);
  const error: RuntimeError = {
    kind: code === "ENOENT" ? "missing" : "io",
    path,
    message: `${doing} ${path}: ${why}`,
  };
  if (code) error.code = code;
  if (code === "EACCES" || code === "EPERM") error.hint = "run as the owner of the state dir (or as root for --sys)";
  if (code === "ENOSPC") error.hint = "free disk space, or lower logs.max_size / logs.max_files";
  return error;
}

export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}
