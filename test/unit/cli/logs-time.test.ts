import { parseTimeBound } from "../../../src/cli/logs-time.ts";

const NOW = new Date(2026, 11, 4, 15, 30, 0).getTime(); // local time

describe("parseTimeBound", () => {
  test("durations ago, named days, local dates and times, zoned ISO", () => {
    const v = (s: string) => {
      const r = parseTimeBound(s, NOW);
      if (!r.ok) throw new Error(r.message);
      return r.value;
    };
    expect(v("10m")).toBe(NOW - 600_000);
    expect(v("-1h30m")).toBe(NOW - 5_400_000);
    expect(v("now")).toBe(NOW);
    expect(v("today")).toBe(new Date(2026, 11, 4).getTime());
    expect(v("yesterday")).toBe(new Date(2026, 11, 3).getTime());
    expect(v("2026-12-01")).toBe(new Date(2026, 11, 1).getTime());
    expect(v("2026-12-01T10:00")).toBe(new Date(2026, 11, 1, 10, 0).getTime());
    expect(v("2026-12-01 10:00:05.5")).toBe(new Date(2026, 11, 1, 10, 0, 5, 500).getTime());
    expect(v("09:15")).toBe(new Date(2026, 11, 4, 9, 15).getTime());
    expect(v("2026-12-01T10:00:00Z")).toBe(Date.UTC(2026, 11, 1, 10));
    expect(v("2026-12-01T10:00:00+01:00")).toBe(Date.UTC(2026, 11, 1, 9));
  });

  test("nonsense and impossible dates are refused with the input named", () => {
    for (const bad of ["soon", "2026-02-30", "25:00", "2026-13-01T10:00", ""]) {
      const r = parseTimeBound(bad, NOW);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.message).toContain(`"${bad}"`);
    }
  });
});
