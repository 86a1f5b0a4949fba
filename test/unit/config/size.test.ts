import { parseFiniteSize, parseSize } from "../../../src/config/size.ts";

const bytes = (input: unknown) => {
  const r = parseSize(input);
  if (!r.ok) throw new Error(`expected ok for ${String(input)}: ${r.error}`);
  return r.value;
};

describe("parseSize", () => {
  test("plain bytes", () => {
    expect(bytes(0)).toBe(0);
    expect(bytes(1048576)).toBe(1048576);
    expect(bytes("4096")).toBe(4096);
    expect(bytes("5B")).toBe(5);
  });
  test("units are powers of 1024, B and iB optional, any case", () => {
    expect(bytes("512K")).toBe(512 * 1024);
    expect(bytes("10M")).toBe(10 * 1024 ** 2);
    expect(bytes("10MB")).toBe(10 * 1024 ** 2);
    expect(bytes("10mib")).toBe(10 * 1024 ** 2);
    expect(bytes("2G")).toBe(2 * 1024 ** 3);
    expect(bytes("2TB")).toBe(2 * 1024 ** 4);
    expect(bytes("1.5G")).toBe(1.5 * 1024 ** 3);
    expect(bytes(" 64 k ")).toBe(65536);
  });
  test("unlimited and max are Infinity", () => {
    expect(bytes("unlimited")).toBe(Number.POSITIVE_INFINITY);
    expect(bytes("UNLIMITED")).toBe(Number.POSITIVE_INFINITY);
    expect(bytes("max")).toBe(Number.POSITIVE_INFINITY);
  });
  for (const bad of ["", "10X", "K", "-1", "-1K", "1.5", "5iB", "ten", "10 M B", "1e3", "99999999T", -1, 1.5, Number.NaN, true, null, ["1K"]]) {
    test(`rejects ${String(JSON.stringify(bad))}`, () => {
      const r = parseSize(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error).toContain('"512K"');
        expect(r.error).toContain("got ");
      }
    });
  }
});

describe("parseFiniteSize", () => {
  test("real sizes pass", () => {
    expect(parseFiniteSize("10M")).toEqual({ ok: true, value: 10 * 1024 ** 2 });
    expect(parseFiniteSize(1)).toEqual({ ok: true, value: 1 });
  });
  test("unlimited and 0 are refused with a reason", () => {
    for (const bad of ["unlimited", "max", 0, "0K"]) {
      const r = parseFiniteSize(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.hint).toContain("rotate");
    }
  });
  test("malformed sizes are refused without that hint", () => {
    const r = parseFiniteSize("lots");
    expect(r).toEqual({ ok: false, error: 'expected a size of at least 1 byte like "512K" or "10M", got "lots"' });
  });
});
