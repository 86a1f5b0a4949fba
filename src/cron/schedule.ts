// When a cron job is next due (SPEC §3). cron-schedule parses the expression (the same parser
// config validation uses) but computes dates only in the process's local zone, so the search
// for the next matching wall-clock time and its mapping to an instant in the job's zone are
// done here. A wall time that does not exist (DST gap) is skipped; one that occurs twice (DST
// overlap) fires once, at its first occurrence.
import { type Cron, parseCronExpression } from "cron-schedule";

/** A parsed job: the expression's allowed values and the zone its fields are read in. */
export interface CronSchedule {
  cron: Cron;
  /** an IANA name, "UTC", or "local" (the supervisor's zone) */
  timezone: string;
}

export type ScheduleResult = { ok: true; value: CronSchedule } | { ok: false; error: string };

/** Parses an expression that config validation already accepted; still an error value, never a throw. */
export function parseSchedule(expression: string, timezone: string): ScheduleResult {
  try {
    const cron = parseCronExpression(expression);
    if (timezone !== "local" && timezone !== "UTC") new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return { ok: true, value: { cron, timezone } };
  } catch (err) {
    return { ok: false, error: `cron "${expression}" (${timezone}): ${err instanceof Error ? err.message : String(err)}` };
  }
}

const DAY_MS = 86_400_000;
/** Years searched before a job is declared never due (Feb 29 on a given weekday recurs within 28). */
const SEARCH_YEARS = 30;
/** Wall times tried before giving up: bounds the walk through a DST gap or overlap. */
const MAX_CANDIDATES = 100_000;

/**
 * The first instant (ms since epoch) strictly after `after` whose wall-clock time in the
 * schedule's zone matches, or null when the expression never matches again (e.g. Feb 30).
 */
export function nextFire(s: CronSchedule, after: number): number | null {
  const zone = zoneOf(s.timezone);
  let wall = zone.wall(after);
  for (let i = 0; i < MAX_CANDIDATES; i++) {
    const w = nextWall(s.cron, wall);
    if (w === null) return null;
    const t = firstInstant(zone, w);
    // null: the wall time falls in a DST gap; <= after: its first occurrence already passed
    // (we are in the repeated hour of an overlap). Either way, try the next wall time.
    if (t !== null && t > after) return t;
    wall = w;
  }
  return null;
}

// ── wall-clock search ─────────────────────────────────────────────────────────
// Wall times are "fake UTC" ms: Date.UTC(year, month, day, h, m, s) of the zone's local fields.

/** The smallest matching wall time (second precision) strictly after `wall`. */
function nextWall(cron: Cron, wall: number): number | null {
  const start = Math.floor(wall / 1000) * 1000 + 1000;
  const first = new Date(start);
  let day = Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), first.getUTCDate());
  const end = day + SEARCH_YEARS * 366 * DAY_MS;
  let from = start - day;
  while (day < end) {
    const d = new Date(day);
    if (!cron.months.includes(d.getUTCMonth())) {
      day = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
      from = 0;
      continue;
    }
    if (dayMatches(cron, d.getUTCDate(), d.getUTCDay())) {
      const t = timeAtOrAfter(cron, from);
      if (t !== null) return day + t;
    }
    day += DAY_MS;
    from = 0;
  }
  return null;
}

/** Vixie cron's rule (and cron-schedule's): when both day and weekday are restricted, either may match. */
function dayMatches(cron: Cron, date: number, weekday: number): boolean {
  const daysRestricted = cron.days.length !== 31;
  const weekdaysRestricted = cron.weekdays.length !== 7;
  const byDay = cron.days.includes(date);
  const byWeekday = cron.weekdays.includes(weekday);
  return daysRestricted && weekdaysRestricted ? byDay || byWeekday : byDay && byWeekday;
}

/** The first allowed time of day (ms after midnight) at or after `from`. */
function timeAtOrAfter(cron: Cron, from: number): number | null {
  const h0 = Math.floor(from / 3_600_000);
  const m0 = Math.floor(from / 60_000) % 60;
  const s0 = Math.floor(from / 1000) % 60;
  for (const h of cron.hours) {
    if (h < h0) continue;
    for (const m of cron.minutes) {
      if (h === h0 && m < m0) continue;
      for (const s of cron.seconds) {
        if (h === h0 && m === m0 && s < s0) continue;
        return ((h * 60 + m) * 60 + s) * 1000;
      }
    }
  }
  return null;
}

// ── zones ─────────────────────────────────────────────────────────────────────

interface Zone {
  /** wall time (fake-UTC ms, whole seconds) of an instant */
  wall(t: number): number;
}

const utc: Zone = { wall: (t) => Math.floor(t / 1000) * 1000 };
const local: Zone = {
  wall(t) {
    const d = new Date(t);
    return Date.UTC(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds());
  },
};
const zones = new Map<string, Zone>();

function zoneOf(timezone: string): Zone {
  if (timezone === "UTC") return utc;
  if (timezone === "local") return local;
  let z = zones.get(timezone);
  if (!z) {
    const fmt = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    z = {
      wall(t) {
        const f: Record<string, number> = {};
        for (const p of fmt.formatToParts(new Date(t))) if (p.type !== "literal") f[p.type] = Number(p.value);
        return Date.UTC(f.year!, f.month! - 1, f.day!, f.hour!, f.minute!, f.second!);
      },
    };
    zones.set(timezone, z);
  }
  return z;
}

/** Offset of the zone at instant `t`, ms (wall − instant). */
function offsetAt(zone: Zone, t: number): number {
  return zone.wall(t) - Math.floor(t / 1000) * 1000;
}

/**
 * The earliest instant showing wall time `w`, or null if `w` does not exist (DST gap). The
 * offsets in force a day before and a day after cover both sides of any one transition.
 */
function firstInstant(zone: Zone, w: number): number | null {
  const candidates = [offsetAt(zone, w - DAY_MS), offsetAt(zone, w + DAY_MS)]
    .map((o) => w - o)
    .filter((t) => zone.wall(t) === w)
    .sort((a, b) => a - b);
  return candidates[0] ?? null;
}
