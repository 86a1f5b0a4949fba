// Value conversions of the exporters: cron → OnCalendar, sizes, cpu.max.
import { bytesOf, cpusOf, onCalendar } from "../../../src/export/common.ts";

describe("onCalendar", () => {
  test("lists, ranges, steps, names, seconds and the time zone", () => {
    const v = (e: string, tz = "UTC") => {
      const r = onCalendar(e, tz);
      if (!r.ok) throw new Error(r.why);
      return r.value;
    };
    expect(v("*/15 3 * * 1-5")).toBe("Mon..Fri *-*-* 3:0/15:0 UTC");
    expect(v("0 0 1 * *")).toBe("*-*-1 0:0:0 UTC");
    expect(v("30 8,20 * * SAT,SUN")).toBe("Sat,Sun *-*-* 8,20:30:0 UTC");
    expect(v("0 */6 * JAN-MAR *")).toBe("*-1..3-* 0/6:0:0 UTC");
    expect(v("10 * * * * *", "local")).toBe("*-*-* *:*:10");
    expect(v("5 4 * * 0,7", "Europe/Berlin")).toBe("Sun *-*-* 4:5:0 Europe/Berlin");
  });

  test("what OnCalendar cannot say is refused with the reason", () => {
    const why = (e: string) => {
      const r = onCalendar(e, "UTC");
      return r.ok ? null : r.why;
    };
    expect(why("0 0 1 * 1")).toContain("cron ORs them");
    expect(why("0 0 * * */2")).toContain("step in day of week");
    expect(why("0 1-10/2 * * *")).toContain("stepped range");
    expect(why("* * *")).toContain("5 or 6 fields");
  });
});

describe("sizes and CPUs", () => {
  test("sizes as written, cpu.max as a fraction of a CPU", () => {
    expect(bytesOf("512M")).toBe(512 * 1024 * 1024);
    expect(bytesOf(4096)).toBe(4096);
    expect(bytesOf("unlimited")).toBe(Number.POSITIVE_INFINITY);
    expect(cpusOf("50000 100000")).toBe(0.5);
    expect(cpusOf("200000")).toBe(2);
    expect(cpusOf("max")).toBeNull();
  });
});
