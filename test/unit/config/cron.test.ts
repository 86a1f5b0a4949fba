import { parseCron, parseTimezone } from "../../../src/config/cron.ts";

describe("parseCron", () => {
  const good = [
    "* * * * *",
    "*/5 * * * *",
    "0 3 * * *",
    "0 30 9 * * MON-FRI",
    "15,45 8-18/2 1 JAN,jul sun",
    "0 0 1 1 *",
    "59 59 23 31 12 7",
    "@daily",
    "@hourly",
  ];
  for (const expr of good) {
    test(`accepts ${JSON.stringify(expr)}`, () => {
      expect(parseCron(expr)).toEqual({ ok: true, value: expr });
    });
  }
  test("normalises whitespace", () => {
    expect(parseCron("  0\t3  * * *  ")).toEqual({ ok: true, value: "0 3 * * *" });
  });

  const bad: [string, string][] = [
    ["* * *", 'has 3 fields, expected 5 or 6'],
    ["* * * * * * *", "has 7 fields"],
    ["", "cron expression is empty"],
    ["   ", "cron expression is empty"],
    ["60 * * * *", 'minute field "60": 60 is outside 0 - 59'],
    ["* 24 * * *", "hour field"],
    ["* * 0 * *", "day field"],
    ["* * * 13 *", "month field"],
    ["* * * * 8", "weekday field"],
    ["60 * * * * *", 'second field "60"'],
    ["5x * * * *", 'minute field "5x": not a number, name, range or step'],
    ["1,5x * * * *", '"5x" is not a number, name, range or step'],
    ["? * * * *", "minute field"],
    ["*/0 * * * *", "step 0 must be greater than 0"],
    ["5-1 * * * *", "range 5-1 runs backwards"],
    ["JAN * * * *", "not a number or a name this field knows"],
    ["@sometimes", 'unknown cron nickname "@sometimes"'],
  ];
  for (const [expr, part] of bad) {
    test(`rejects ${JSON.stringify(expr)}`, () => {
      const r = parseCron(expr);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error).toContain(part);
        expect(r.hint).toContain("minute hour day month weekday");
      }
    });
  }
  test("rejects non-strings", () => {
    expect(parseCron(5).ok).toBe(false);
    expect(parseCron(null).ok).toBe(false);
  });
});

describe("parseTimezone", () => {
  for (const tz of ["UTC", "local", "Europe/Paris", "America/New_York", "Asia/Kolkata"]) {
    test(`accepts ${tz}`, () => expect(parseTimezone(tz)).toEqual({ ok: true, value: tz }));
  }
  for (const tz of ["Mars/Olympus", "", "Europe/Pariss", 3, null]) {
    test(`rejects ${JSON.stringify(tz)}`, () => {
      const r = parseTimezone(tz);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toContain('"Europe/Paris", "UTC" or "local"');
    });
  }
});
