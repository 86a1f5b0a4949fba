// Durations in config: "250ms", "5s", "1m", "1h30m", "1.5s", or a bare number of seconds.
// Result is whole milliseconds (rounded), the unit every timer in sysg uses.

import { type Parsed, show } from "./parsed.ts";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h|d)/y;

const DURATION_FORM = 'a duration like "250ms", "5s", "1m", "1h30m", "1.5s" or a number of seconds';

/** Parses a duration; numbers are seconds. Negative values are rejected. */
export function parseDuration(input: unknown): Parsed<number> {
  if (typeof input === "number") {
    if (!Number.isFinite(input) || input < 0) return fail(input);
    return { ok: true, value: Math.round(input * 1000) };
  }
  if (typeof input !== "string") return fail(input);
  const text = input.trim().toLowerCase();
  if (/^(\d+(\.\d+)?|\.\d+)$/.test(text)) return { ok: true, value: Math.round(Number(text) * 1000) };
  if (text === "") return fail(input);
  // Sticky regex: each unit part must start exactly where the previous one ended.
  const part = new RegExp(PART);
  let total = 0;
  while (part.lastIndex < text.length) {
    const m = part.exec(text);
    if (!m) return fail(input);
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
  }
  return { ok: true, value: Math.round(total) };
}

function fail(input: unknown): Parsed<number> {
  return { ok: false, error: `expected ${DURATION_FORM}, got ${show(input)}` };
}
