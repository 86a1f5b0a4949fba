import { MarkCache, formatMark, parseMark, readMark, stateDirId } from "../../../src/runtime/attribution.ts";

describe("SYSG_UNIT marks", () => {
  const id = stateDirId("/home/u/.local/share/systemg");
  test("the state dir id is short, stable and differs per dir", () => {
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    expect(stateDirId("/home/u/.local/share/systemg")).toBe(id);
    expect(stateDirId("/var/lib/systemg")).not.toBe(id);
  });
  test("round trip, with dots, dashes and underscores in the name", () => {
    const m = { unit: "web.api-2_x", dir: id, supervisorPid: 4211, supervisorStart: 8812345, run: 7 };
    expect(formatMark(m)).toBe(`web.api-2_x:${id}.4211.8812345.7`);
    expect(parseMark(formatMark(m))).toEqual(m);
  });
  for (const bad of ["", "web", ":abc.1.2.3", `web:${id}.1.2`, `web:${id}.1.2.3.4`, "web:nothex00000.1.2.3", `web:${id}.x.2.3`, `web:${id}.-1.2.3`]) {
    test(`rejects ${JSON.stringify(bad)}`, () => {
      expect(parseMark(bad)).toBeNull();
    });
  }
  test("a process without the mark has none; a missing process has none", () => {
    expect(readMark(process.pid)).toBe(process.env.SYSG_UNIT ?? null);
    expect(readMark(2 ** 22 + 1)).toBeNull();
  });
});

describe("MarkCache", () => {
  test("holds only the processes of the latest scan (a crash loop's runs do not pile up)", () => {
    const marks = new MarkCache();
    // 5,000 short-lived processes, as a crash-looping service leaves behind, then a scan in which only we live
    for (let pid = 2 ** 22 + 1; pid <= 2 ** 22 + 5000; pid++) expect(marks.of({ pid, startTime: 1 })).toBeNull();
    expect(marks.of({ pid: process.pid, startTime: 7 })).toBe(process.env.SYSG_UNIT ?? null);
    expect(marks.size).toBe(5001);
    marks.retain([{ pid: process.pid }]);
    expect(marks.size).toBe(1);
  });
  test("a reused pid (another start time) is read again", () => {
    const marks = new MarkCache();
    expect(marks.of({ pid: process.pid, startTime: 1 })).toBe(process.env.SYSG_UNIT ?? null);
    expect(marks.of({ pid: process.pid, startTime: 2 })).toBe(process.env.SYSG_UNIT ?? null);
    expect(marks.size).toBe(1);
  });
});
