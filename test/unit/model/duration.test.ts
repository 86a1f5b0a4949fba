import { parseDuration } from "../../../src/model/duration.ts";

const ok = (input: unknown) => {
  const r = parseDuration(input);
  if (!r.ok) throw new Error(`expected ok for ${String(input)}: ${r.error}`);
  return r.value;
};

describe("parseDuration", () => {
  test("units", () => {
    expect(ok("250ms")).toBe(250);
    expect(ok("5s")).toBe(5000);
    expect(ok("1m")).toBe(60_000);
    expect(ok("2h")).toBe(7_200_000);
    expect(ok("1d")).toBe(86_400_000);
  });
  test("compound and fractions", () => {
    expect(ok("1h30m")).toBe(5_400_000);
    expect(ok("1m30s500ms")).toBe(90_500);
    expect(ok("1.5s")).toBe(1500);
    expect(ok(".5s")).toBe(500);
    expect(ok("0.25m")).toBe(15_000);
  });
  test("bare numbers are seconds", () => {
    expect(ok(3)).toBe(3000);
    expect(ok(0.1)).toBe(100);
    expect(ok("10")).toBe(10_000);
    expect(ok(0)).toBe(0);
  });
  test("case and surrounding space do not matter", () => {
    expect(ok(" 5S ")).toBe(5000);
    expect(ok("100MS")).toBe(100);
  });
  test("ms is not read as minutes", () => {
    expect(ok("1ms")).toBe(1);
    expect(ok("1m1s")).toBe(61_000);
  });
  for (const bad of ["fast", "", "5 s", "s", "5x", "1h 30m", "-1s", "1.s", "1e3s", "5s!", "m5"]) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      const r = parseDuration(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error).toContain(`got ${JSON.stringify(bad)}`);
        expect(r.error).toContain('"5s"');
      }
    });
  }
  for (const bad of [-1, Number.NaN, Number.POSITIVE_INFINITY, true, null, [], {}]) {
    test(`rejects non-string ${String(bad)}`, () => {
      expect(parseDuration(bad).ok).toBe(false);
    });
  }
});
