// Sizes in config: integer bytes, or a number with K/M/G/T (optional B, powers of 1024),
// or "unlimited" / "max" (→ Infinity). Results are whole bytes.
import { type Parsed, show } from "../model/parsed.ts";

const UNIT: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

const SIZE_FORM = 'a size like 1048576, "512K", "10M", "1.5G", "2TB" or "unlimited"';

export function parseSize(input: unknown): Parsed<number> {
  if (typeof input === "number") {
    if (Number.isSafeInteger(input) && input >= 0) return { ok: true, value: input };
    return fail(input);
  }
  if (typeof input !== "string") return fail(input);
  const text = input.trim().toUpperCase();
  if (text === "UNLIMITED" || text === "MAX") return { ok: true, value: Number.POSITIVE_INFINITY };
  const m = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:I?B)?$/.exec(text);
  if (!m) return fail(input);
  // "5B" is bytes; a bare "B" suffix with no unit letter is allowed, "5IB" is not.
  if (m[2] === "" && /IB$/.test(text)) return fail(input);
  const bytes = Math.round(Number(m[1]) * UNIT[m[2]!]!);
  if (!Number.isSafeInteger(bytes)) return fail(input);
  if (m[2] === "" && !Number.isInteger(Number(m[1]))) return fail(input);
  return { ok: true, value: bytes };
}

function fail(input: unknown): Parsed<number> {
  return { ok: false, error: `expected ${SIZE_FORM}, got ${show(input)}` };
}

/** A size that must be a real number of bytes, at least 1 (log rotation): no "unlimited". */
export function parseFiniteSize(input: unknown): Parsed<number> {
  const r = parseSize(input);
  if (r.ok && Number.isFinite(r.value) && r.value >= 1) return r;
  const error = `expected a size of at least 1 byte like "512K" or "10M", got ${show(input)}`;
  // A well-formed size that is 0 or unlimited: say why it is refused here.
  return r.ok ? { ok: false, error, hint: "log files rotate at this size; for more history raise max_size or max_files" } : { ok: false, error };
}
