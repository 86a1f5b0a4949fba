// Sizes in config: integer bytes, or a number with K/M/G/T (optional B, powers of 1024),
// or "unlimited" / "max" (→ Infinity). Results are whole bytes.
import { type Parsed, show } from "./parsed.ts";

const UNIT: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

export const SIZE_FORM = 'a size like 1048576, "512K", "10M", "1.5G", "2TB" or "unlimited"';

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
