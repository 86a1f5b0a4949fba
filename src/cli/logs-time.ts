// The times `sysg logs --since/--until` accept, as journalctl users type them: a duration ago
// ("10m", "1h30m", "-2h"), "now", "today", "yesterday", a date ("2026-12-01", local midnight),
// a local date and time ("2026-12-01T10:00", "2026-12-01 10:00:05"), a time of today
// ("10:00"), or an ISO time with a zone ("2026-12-01T10:00:00Z", "+01:00").
import { parseDuration } from "../model/duration.ts";

export type TimeBound = { ok: true; value: number } | { ok: false; message: string };

const DATE = /^(\d{4})-(\d\d)-(\d\d)$/;
const LOCAL = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d)(?:\.(\d{1,3}))?)?$/;
const CLOCK = /^(\d\d?):(\d\d)(?::(\d\d))?$/;
const ZONED = /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)$/i;

export const TIME_FORMS = '"10m" (ago), "today", "yesterday", "2026-12-01", "2026-12-01T10:00" (local) or "2026-12-01T10:00:00Z"';

export function parseTimeBound(input: string, now: number = Date.now()): TimeBound {
  const text = input.trim();
  const day = (offset: number) => {
    const d = new Date(now);
    return new Date(d.getFullYear(), d.getMonth(), d.getDate() + offset).getTime();
  };
  if (text === "now") return { ok: true, value: now };
  if (text === "today") return { ok: true, value: day(0) };
  if (text === "yesterday") return { ok: true, value: day(-1) };
  if (text === "tomorrow") return { ok: true, value: day(1) };
  let m = DATE.exec(text);
  if (m) return checked(new Date(+m[1]!, +m[2]! - 1, +m[3]!), m);
  m = LOCAL.exec(text);
  if (m) {
    const ms = m[7] ? Number(m[7].padEnd(3, "0")) : 0;
    return checked(new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +(m[6] ?? 0), ms), m);
  }
  m = CLOCK.exec(text);
  if (m && +m[1]! < 24 && +m[2]! < 60 && +(m[3] ?? 0) < 60) {
    const d = new Date(now);
    return { ok: true, value: new Date(d.getFullYear(), d.getMonth(), d.getDate(), +m[1]!, +m[2]!, +(m[3] ?? 0)).getTime() };
  }
  if (ZONED.test(text)) {
    const t = Date.parse(text.replace(" ", "T"));
    if (!Number.isNaN(t)) return { ok: true, value: t };
  }
  const ago = parseDuration(text.startsWith("-") ? text.slice(1) : text);
  if (ago.ok) return { ok: true, value: now - ago.value };
  return { ok: false, message: `cannot read "${input}" as a time` };
}

/** Rejects dates that Date rolled over (2026-02-30 → March 2). */
function checked(d: Date, m: RegExpExecArray): TimeBound {
  if (d.getFullYear() !== +m[1]! || d.getMonth() !== +m[2]! - 1 || d.getDate() !== +m[3]!) {
    return { ok: false, message: `no such date: "${m[0]}"` };
  }
  return { ok: true, value: d.getTime() };
}
