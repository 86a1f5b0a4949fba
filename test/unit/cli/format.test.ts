import { sparkline, timeSlots } from "../../../src/cli/sparkline.ts";
import { renderTable, truncate, visibleLength } from "../../../src/cli/table.ts";
import { formatBytes, formatCpu, formatDuration, formatExit, formatRelative } from "../../../src/cli/units.ts";

describe("formatBytes", () => {
  test("bytes, then one decimal under 100 of a unit, whole numbers above", () => {
    expect(formatBytes(0)).toBe("0B");
    expect(formatBytes(512)).toBe("512B");
    expect(formatBytes(1536)).toBe("1.5K");
    expect(formatBytes(12.3 * 1024 * 1024)).toBe("12.3M");
    expect(formatBytes(512 * 1024 * 1024)).toBe("512M");
    expect(formatBytes(2 * 1024 ** 3)).toBe("2.0G");
  });
  test("never more than 5 characters", () => {
    for (let b = 1; b < 2 ** 50; b = Math.ceil(b * 1.37)) expect(formatBytes(b).length).toBeLessThanOrEqual(5);
  });
  test("a value that rounds up to 1024 of a unit is the next unit", () => {
    expect(formatBytes(1024 * 1024 - 1)).toBe("1.0M");
  });
});

describe("formatDuration", () => {
  test("the two largest units, zero-padded", () => {
    expect(formatDuration(0)).toBe("0s");
    expect(formatDuration(45.9)).toBe("45s");
    expect(formatDuration(192)).toBe("3m12s");
    expect(formatDuration(2 * 3600 + 5 * 60 + 59)).toBe("2h05m");
    expect(formatDuration(4 * 86400 + 3 * 3600)).toBe("4d03h");
    expect(formatDuration(12 * 86400 + 3600)).toBe("12d");
  });
  test("negative durations are 0s", () => {
    expect(formatDuration(-5)).toBe("0s");
  });
});

describe("small formats", () => {
  test("cpu percent", () => {
    expect(formatCpu(0)).toBe("0.0%");
    expect(formatCpu(12.345)).toBe("12.3%");
    expect(formatCpu(250.4)).toBe("250%");
  });
  test("relative times", () => {
    const now = Date.parse("2026-01-01T00:10:00.000Z");
    expect(formatRelative("2026-01-01T00:12:30.000Z", now)).toBe("in 2m30s");
    expect(formatRelative("2026-01-01T00:07:00.000Z", now)).toBe("3m00s ago");
    expect(formatRelative("2026-01-01T00:10:00.400Z", now)).toBe("now");
    expect(formatRelative("garbage", now)).toBe("garbage");
  });
  test("exits name the signal, else the code", () => {
    expect(formatExit({ code: 3, signal: null })).toBe("code 3");
    expect(formatExit({ code: null, signal: "SIGKILL" })).toBe("SIGKILL");
  });
});

describe("renderTable", () => {
  const cols = [{ header: "NAME", shrink: true, min: 4 }, { header: "N", align: "right" as const }, { header: "NOTE", shrink: true, min: 4 }];
  test("pads columns to the widest cell and right-aligns numbers", () => {
    const lines = renderTable(cols, [["a", "1", "x"], ["bbbb", "100", "yy"]], 200);
    expect(lines).toEqual(["NAME    N  NOTE", "a       1  x", "bbbb  100  yy"]);
  });
  test("shrinks the widest shrinkable column to fit, marking the cut", () => {
    const lines = renderTable(cols, [["a-very-long-service-name", "1", "a note that is long too"]], 30);
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(visibleLength(l)).toBeLessThanOrEqual(30);
    expect(lines[1]).toContain("…");
  });
  test("color does not count toward the width", () => {
    const lines = renderTable(cols, [["a", "1", "x"]], 200, (_r, c, t) => (c === 0 ? `\x1b[32m${t}\x1b[0m` : t));
    expect(lines[1]).toBe("\x1b[32ma\x1b[0m     1  x");
  });
  test("truncate keeps short text and cuts long text to the width", () => {
    expect(truncate("abc", 3)).toBe("abc");
    expect(truncate("abcdef", 4)).toBe("abc…");
  });
});

describe("sparkline", () => {
  test("scales from 0 to the maximum, one bar per value", () => {
    expect(sparkline([0, 1, 2, 3, 4, 5, 6, 7], 8)).toBe("▁▂▃▄▅▆▇█");
  });
  test("averages values into the width; gaps are spaces", () => {
    expect(sparkline([0, 0, 8, 8], 2)).toBe("▁█");
    expect(sparkline([4, null, 4], 3)).toBe("█ █");
  });
  test("fromMin puts the minimum at the floor", () => {
    expect(sparkline([100, 104, 108], 3, { fromMin: true })).toBe("▁▅█");
    expect(sparkline([50, 100], 2)).toBe("▅█");
  });
  test("all zero is a flat floor; nothing is nothing", () => {
    expect(sparkline([0, 0, 0], 3)).toBe("▁▁▁");
    expect(sparkline([], 10)).toBe("");
  });
  test("timeSlots averages samples per slot and leaves empty slots null", () => {
    const t0 = Date.parse("2026-01-01T00:00:00.000Z");
    const at = (s: number) => new Date(t0 + s * 1000).toISOString();
    const slots = timeSlots([{ at: at(0), value: 2 }, { at: at(1), value: 4 }, { at: at(9), value: 7 }], t0, t0 + 10_000, 5);
    expect(slots).toEqual([3, null, null, null, 7]);
  });
});
