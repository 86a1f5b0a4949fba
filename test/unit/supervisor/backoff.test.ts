import { backoffDelay } from "../../../src/supervisor/backoff.ts";

describe("backoffDelay", () => {
  const mid = () => 0.5; // no jitter

  test("doubles per consecutive failure from the base", () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(1000, 60_000, n, mid))).toEqual([1000, 2000, 4000, 8000]);
  });

  test("is capped at backoff_max", () => {
    expect(backoffDelay(1000, 5000, 10, mid)).toBe(5000);
    expect(backoffDelay(1000, 5000, 1000, mid)).toBe(5000);
  });

  test("jitter stays within ±10 %", () => {
    expect(backoffDelay(1000, 60_000, 1, () => 0)).toBe(900);
    expect(backoffDelay(1000, 60_000, 1, () => 0.999999)).toBe(1100);
    for (let i = 0; i < 200; i++) {
      const d = backoffDelay(2000, 60_000, 2, Math.random);
      expect(d).toBeGreaterThanOrEqual(3600);
      expect(d).toBeLessThanOrEqual(4400);
    }
  });

  test("a zero backoff restarts immediately", () => {
    expect(backoffDelay(0, 60_000, 5, Math.random)).toBe(0);
  });
});
