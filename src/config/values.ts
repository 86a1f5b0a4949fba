// Small value parsers for the config keys that are not durations, sizes, signals, capabilities
// or cron entries: probe addresses and URLs, regexes, umask, cgroup and rlimit values, paths.
import { type Parsed, show } from "../model/parsed.ts";

const fail = <T>(error: string, hint?: string): Parsed<T> => (hint ? { ok: false, error, hint } : { ok: false, error });

/** `"host:port"`, `"[::1]:port"`, or a bare port (→ 127.0.0.1). */
export function parseAddress(input: unknown): Parsed<{ host: string; port: number }> {
  const form = 'expected "host:port" (e.g. "127.0.0.1:8080", "[::1]:8080") or a port number';
  const text = typeof input === "number" ? String(input) : typeof input === "string" ? input.trim() : undefined;
  if (text === undefined) return fail(`${form}, got ${show(input)}`);
  const m = /^(?:(?:\[([0-9A-Fa-f:.]+)\]|([^\s:[\]]+)):)?(\d+)$/.exec(text);
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port < 1 || port > 65535) return fail(`${form}, got ${show(input)}`, "ports run from 1 to 65535");
  return { ok: true, value: { host: m[1] ?? m[2] ?? "127.0.0.1", port } };
}

/** An http:// or https:// URL. */
export function parseHttpUrl(input: unknown): Parsed<string> {
  const form = 'expected an http(s) URL like "http://127.0.0.1:8080/health"';
  if (typeof input !== "string") return fail(`${form}, got ${show(input)}`);
  try {
    const url = new URL(input.trim());
    if (url.protocol === "http:" || url.protocol === "https:") return { ok: true, value: input.trim() };
  } catch {
    // not a URL at all: same message
  }
  return fail(`${form}, got ${show(input)}`);
}

/** Expected HTTP status: a code (200), a class ("2xx"), kept as a string. */
export function parseHttpStatus(input: unknown): Parsed<string> {
  const text = typeof input === "number" ? String(input) : typeof input === "string" ? input.trim().toLowerCase() : "";
  if (/^[1-5](\d\d|xx)$/.test(text)) return { ok: true, value: text };
  return fail(`expected an HTTP status like 200 or "2xx", got ${show(input)}`);
}

/** A JavaScript regular expression (matched against each output line). */
export function parseRegex(input: unknown): Parsed<string> {
  if (typeof input !== "string" || input === "") return fail(`expected a regular expression, got ${show(input)}`);
  try {
    new RegExp(input);
    return { ok: true, value: input };
  } catch (err) {
    return fail(`invalid regular expression ${show(input)}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * A hook command; a leading `+` runs it with the supervisor's full privileges instead of the
 * service's user, capabilities, cgroup and sandbox (systemd's `ExecStartPre=+…`).
 */
export function parseHookCommand(input: unknown): Parsed<{ command: string; full_privileges: boolean }> {
  if (typeof input !== "string" || input.trim() === "") return fail(`expected a command, got ${show(input)}`);
  if (!input.startsWith("+")) return { ok: true, value: { command: input, full_privileges: false } };
  const command = input.slice(1).trimStart();
  if (command === "") return fail(`"+" must be followed by a command, got ${show(input)}`);
  return { ok: true, value: { command, full_privileges: true } };
}

/** umask as an octal string ("0027", "027", "0o027") → number. Numbers are refused: YAML reads 0027 as 27. */
export function parseUmask(input: unknown): Parsed<number> {
  const hint = 'write it as a quoted octal string, e.g. umask: "0027"';
  if (typeof input !== "string") return fail(`expected an octal umask string like "0027", got ${show(input)}`, hint);
  const m = /^(?:0o)?([0-7]{1,4})$/i.exec(input.trim());
  const value = m ? Number.parseInt(m[1]!, 8) : Number.NaN;
  if (!m || value > 0o777) return fail(`expected an octal umask from "0000" to "0777", got ${show(input)}`, hint);
  return { ok: true, value };
}

/** cgroup cpu.max: "max", "max PERIOD", "QUOTA" or "QUOTA PERIOD" (microseconds), kept in kernel form. */
export function parseCpuMax(input: unknown): Parsed<string> {
  const form = 'expected cgroup cpu.max "QUOTA PERIOD" in microseconds (e.g. "50000 100000" = half a CPU) or "max"';
  const text = typeof input === "number" ? String(input) : typeof input === "string" ? input.trim() : undefined;
  const m = text === undefined ? null : /^(max|\d+)(?:\s+(\d+))?$/.exec(text);
  if (!m) return fail(`${form}, got ${show(input)}`);
  const quota = m[1] === "max" ? "max" : Number(m[1]);
  const period = m[2] === undefined ? undefined : Number(m[2]);
  // Kernel limits: quota ≥ 1000 µs; period 1000 µs .. 1 s.
  if ((typeof quota === "number" && quota < 1000) || (period !== undefined && (period < 1000 || period > 1_000_000))) {
    return fail(`${form}, got ${show(input)}`, "quota is at least 1000; period runs from 1000 to 1000000");
  }
  return { ok: true, value: period === undefined ? String(quota) : `${quota} ${period}` };
}

/** A count limit (nproc, pids_max): a non-negative integer, or "unlimited"/"max" (→ Infinity). */
export function parseCountLimit(input: unknown): Parsed<number> {
  if (typeof input === "number" && Number.isSafeInteger(input) && input >= 0) return { ok: true, value: input };
  if (typeof input === "string" && /^(unlimited|max)$/i.test(input.trim())) {
    return { ok: true, value: Number.POSITIVE_INFINITY };
  }
  return fail(`expected a non-negative integer or "unlimited", got ${show(input)}`);
}

/** An absolute path (sandbox paths are seen from inside the service, so relative ones mean nothing). */
export function parseAbsolutePath(input: unknown): Parsed<string> {
  if (typeof input === "string" && input.startsWith("/")) return { ok: true, value: input };
  return fail(`expected an absolute path like "/var/lib/app", got ${show(input)}`);
}

/** One seccomp entry, systemd style: a group ("@system-service") or syscall name, "~" to deny. */
export function parseSeccompEntry(input: unknown): Parsed<string> {
  if (typeof input === "string" && /^~?@?[a-z0-9_]+(-[a-z0-9_]+)*$/.test(input.trim())) return { ok: true, value: input.trim() };
  return fail(`expected a syscall group like "@system-service", a syscall name like "ptrace", optionally prefixed with "~" to deny, got ${show(input)}`);
}
