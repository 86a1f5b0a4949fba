import { parseCronExpression } from "cron-schedule";
import { type CronSchedule, nextFire, parseSchedule } from "../../../src/cron/schedule.ts";
import { CLOCK_RESET_MS, MAX_SLEEP_MS, clockWasReset, sleepFor } from "../../../src/cron/scheduler.ts";

function schedule(expression: string, timezone = "UTC"): CronSchedule {
  const s = parseSchedule(expression, timezone);
  if (!s.ok) throw new Error(s.error);
  return s.value;
}

/** The next `n` fire times after `from`, as ISO strings (null once the expression never matches). */
function fires(expression: string, timezone: string, from: string, n = 3): (string | null)[] {
  const s = schedule(expression, timezone);
  const out: (string | null)[] = [];
  let t = Date.parse(from);
  for (let i = 0; i < n; i++) {
    const next = nextFire(s, t);
    out.push(next === null ? null : new Date(next).toISOString());
    if (next === null) break;
    t = next;
  }
  return out;
}

describe("nextFire: fields", () => {
  test("6 fields: every second, strictly after the given instant", () => {
    expect(fires("*/1 * * * * *", "UTC", "2026-01-01T00:00:00.500Z")).toEqual([
      "2026-01-01T00:00:01.000Z",
      "2026-01-01T00:00:02.000Z",
      "2026-01-01T00:00:03.000Z",
    ]);
    // from exactly a due time: the next one, never the same again
    expect(fires("*/1 * * * * *", "UTC", "2026-01-01T00:00:01.000Z", 1)).toEqual(["2026-01-01T00:00:02.000Z"]);
  });

  test("6 fields: seconds list and step", () => {
    expect(fires("10,40 * * * * *", "UTC", "2026-01-01T00:00:00Z")).toEqual([
      "2026-01-01T00:00:10.000Z",
      "2026-01-01T00:00:40.000Z",
      "2026-01-01T00:01:10.000Z",
    ]);
    expect(fires("*/20 30 * * * *", "UTC", "2026-01-01T00:00:00Z")).toEqual([
      "2026-01-01T00:30:00.000Z",
      "2026-01-01T00:30:20.000Z",
      "2026-01-01T00:30:40.000Z",
    ]);
  });

  test("5 fields have minute precision (second 0)", () => {
    expect(fires("*/15 * * * *", "UTC", "2026-01-01T10:07:30Z")).toEqual([
      "2026-01-01T10:15:00.000Z",
      "2026-01-01T10:30:00.000Z",
      "2026-01-01T10:45:00.000Z",
    ]);
  });

  test("ranges with steps, lists", () => {
    expect(fires("0 8-18/4 * * *", "UTC", "2026-01-01T09:00:00Z", 4)).toEqual([
      "2026-01-01T12:00:00.000Z",
      "2026-01-01T16:00:00.000Z",
      "2026-01-02T08:00:00.000Z",
      "2026-01-02T12:00:00.000Z",
    ]);
    expect(fires("5,35 6 1,15 * *", "UTC", "2026-01-01T06:10:00Z")).toEqual([
      "2026-01-01T06:35:00.000Z",
      "2026-01-15T06:05:00.000Z",
      "2026-01-15T06:35:00.000Z",
    ]);
  });

  test("month and weekday names", () => {
    // 2026-03-30 is a Monday; after March the next JAN-MAR Monday is 2027-01-04
    expect(fires("0 9 * JAN-MAR MON", "UTC", "2026-03-25T00:00:00Z")).toEqual([
      "2026-03-30T09:00:00.000Z",
      "2027-01-04T09:00:00.000Z",
      "2027-01-11T09:00:00.000Z",
    ]);
    // SUN, 0 and 7 are all Sunday (2026-01-04 is one)
    for (const sunday of ["SUN", "0", "7"]) {
      expect(fires(`0 0 * * ${sunday}`, "UTC", "2026-01-01T00:00:00Z", 1)).toEqual(["2026-01-04T00:00:00.000Z"]);
    }
  });

  test("day and weekday both restricted: either matches (Vixie cron)", () => {
    // the 13th or any Friday: 2026-02-06 and 2026-02-13 are Fridays, 2026-02-13 also the 13th
    expect(fires("0 0 13 * FRI", "UTC", "2026-02-01T00:00:00Z", 4)).toEqual([
      "2026-02-06T00:00:00.000Z",
      "2026-02-13T00:00:00.000Z",
      "2026-02-20T00:00:00.000Z",
      "2026-02-27T00:00:00.000Z",
    ]);
  });

  test("nicknames", () => {
    expect(fires("@hourly", "UTC", "2026-01-01T10:00:00Z", 1)).toEqual(["2026-01-01T11:00:00.000Z"]);
    expect(fires("@monthly", "UTC", "2026-01-31T10:00:00Z", 1)).toEqual(["2026-02-01T00:00:00.000Z"]);
  });

  test("rare and impossible dates: Feb 29 years ahead, Feb 30 never", () => {
    expect(fires("0 0 29 2 *", "UTC", "2026-01-01T00:00:00Z")).toEqual([
      "2028-02-29T00:00:00.000Z",
      "2032-02-29T00:00:00.000Z",
      "2036-02-29T00:00:00.000Z",
    ]);
    // 2100 is not a leap year
    expect(fires("0 0 29 2 *", "UTC", "2096-03-01T00:00:00Z", 1)).toEqual(["2104-02-29T00:00:00.000Z"]);
    expect(fires("0 0 30 2 *", "UTC", "2026-01-01T00:00:00Z")).toEqual([null]);
    expect(fires("0 0 31 4,6,9,11 *", "UTC", "2026-01-01T00:00:00Z")).toEqual([null]);
  });

  test("agrees with cron-schedule's own search in the local zone", () => {
    const exprs = ["*/7 * * * * *", "3 */5 * * *", "0 0 13 * FRI", "15 4 1-7 * MON", "0 12 28-31 * *", "30 6 * FEB,AUG *"];
    for (const expr of exprs) {
      const lib = parseCronExpression(expr);
      const ours = schedule(expr, "local");
      for (const from of ["2026-01-15T03:04:05.678Z", "2026-07-15T21:59:59.999Z"]) {
        let a = new Date(from);
        let b = Date.parse(from);
        for (let i = 0; i < 20; i++) {
          a = lib.getNextDate(a);
          b = nextFire(ours, b)!;
          expect(new Date(b).toISOString()).toBe(a.toISOString());
        }
      }
    }
  });
});

describe("nextFire: timezones", () => {
  test("a fixed-offset IANA zone shifts the instant", () => {
    expect(fires("0 9 * * *", "Asia/Tokyo", "2026-01-01T00:00:00Z", 2)).toEqual([
      "2026-01-02T00:00:00.000Z",
      "2026-01-03T00:00:00.000Z",
    ]);
    expect(fires("0 9 * * *", "UTC", "2026-01-01T00:00:00Z", 1)).toEqual(["2026-01-01T09:00:00.000Z"]);
    expect(fires("@daily", "Asia/Kolkata", "2026-03-25T00:00:00Z", 1)).toEqual(["2026-03-25T18:30:00.000Z"]);
  });

  test("the offset follows DST: 09:00 Paris is 08:00Z in winter, 07:00Z in summer", () => {
    // Europe/Paris moves to +02:00 on 2026-03-29
    expect(fires("0 9 * * *", "Europe/Paris", "2026-03-27T12:00:00Z", 3)).toEqual([
      "2026-03-28T08:00:00.000Z",
      "2026-03-29T07:00:00.000Z",
      "2026-03-30T07:00:00.000Z",
    ]);
  });

  test("DST gap: a wall time that does not exist is skipped", () => {
    // New York springs forward 2026-03-08 02:00 EST -> 03:00 EDT: there is no 02:30 that day
    expect(fires("30 2 * * *", "America/New_York", "2026-03-07T00:00:00Z")).toEqual([
      "2026-03-07T07:30:00.000Z",
      "2026-03-09T06:30:00.000Z",
      "2026-03-10T06:30:00.000Z",
    ]);
    // every 30 minutes: 01:30 EST, then 03:00 EDT (02:00 and 02:30 do not exist)
    expect(fires("*/30 * * * *", "America/New_York", "2026-03-08T06:00:00Z")).toEqual([
      "2026-03-08T06:30:00.000Z",
      "2026-03-08T07:00:00.000Z",
      "2026-03-08T07:30:00.000Z",
    ]);
  });

  test("DST overlap: a repeated wall time fires once, at its first occurrence", () => {
    // New York falls back 2026-11-01 02:00 EDT -> 01:00 EST: 01:30 happens at 05:30Z and 06:30Z
    expect(fires("30 1 * * *", "America/New_York", "2026-10-31T12:00:00Z")).toEqual([
      "2026-11-01T05:30:00.000Z",
      "2026-11-02T06:30:00.000Z",
      "2026-11-03T06:30:00.000Z",
    ]);
    expect(fires("*/20 1 * * *", "America/New_York", "2026-11-01T05:00:00Z", 3)).toEqual([
      "2026-11-01T05:20:00.000Z",
      "2026-11-01T05:40:00.000Z",
      "2026-11-02T06:00:00.000Z",
    ]);
    // asked during the repeated hour (01:10 EST): the 01:xx times already ran in the first pass
    expect(fires("*/20 * * * *", "America/New_York", "2026-11-01T06:10:00Z", 2)).toEqual([
      "2026-11-01T07:00:00.000Z",
      "2026-11-01T07:20:00.000Z",
    ]);
  });
});

describe("parseSchedule", () => {
  test("an unknown zone or a broken expression is an error value naming it", () => {
    const zone = parseSchedule("* * * * *", "Mars/Olympus");
    expect(zone.ok).toBe(false);
    if (!zone.ok) expect(zone.error).toContain("Mars/Olympus");
    const expr = parseSchedule("61 * * * *", "UTC");
    expect(expr.ok).toBe(false);
    if (!expr.ok) expect(expr.error).toContain("61 * * * *");
  });
});

describe("sleepFor: long delays are chained", () => {
  test("never longer than MAX_SLEEP_MS (far below setTimeout's 2^31-1 ms)", () => {
    const now = Date.parse("2026-01-01T00:00:00Z");
    const due = nextFire(schedule("0 0 29 2 *"), now)!;
    expect(due - now).toBeGreaterThan(2 ** 31 - 1);
    expect(sleepFor(due, now)).toBe(MAX_SLEEP_MS);
    expect(MAX_SLEEP_MS).toBeLessThanOrEqual(2 ** 31 - 1);
    // walking the chain reaches the due time exactly
    let t = now;
    let hops = 0;
    while (t < due) {
      t += sleepFor(due, t);
      hops++;
    }
    expect(t).toBe(due);
    expect(hops).toBe(Math.ceil((due - now) / MAX_SLEEP_MS));
  });

  test("a due time already passed sleeps 0; a near one sleeps the exact rest", () => {
    expect(sleepFor(1000, 5000)).toBe(0);
    expect(sleepFor(5250, 5000)).toBe(250);
  });
});

describe("clockWasReset: a wall clock set back by hours restarts the schedule", () => {
  test("only a step back beyond CLOCK_RESET_MS counts; forward steps and drift do not", () => {
    // slept 60 s; the wall clock agrees, or drifted a little
    expect(clockWasReset(60_000, 60_000)).toBe(false);
    expect(clockWasReset(59_990, 60_000)).toBe(false);
    // set forward by a day: handled by firing once and planning from now, not a reset
    expect(clockWasReset(60_000 + 86_400_000, 60_000)).toBe(false);
    // set back by one hour: only a delay (no due time runs twice)
    expect(clockWasReset(60_000 - 3_600_000, 60_000)).toBe(false);
    expect(clockWasReset(60_000 - CLOCK_RESET_MS, 60_000)).toBe(false);
    // set back by a day
    expect(clockWasReset(60_000 - 86_400_000, 60_000)).toBe(true);
  });
});
