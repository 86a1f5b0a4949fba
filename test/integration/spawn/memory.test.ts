// releaseCodePages: the clean pages of our own executable leave our resident set and fault
// back in when used (the process keeps working), and nothing it wrote is dropped.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { releaseCodePages } from "../../../src/platform/bun/memory.ts";

const pssFile = () => Number(/^Pss_File:\s+(\d+)/m.exec(readFileSync("/proc/self/smaps_rollup", "latin1"))![1]);

describe("releaseCodePages", () => {
  test("gives back resident executable pages; the process keeps running and keeps its data", () => {
    const data = Array.from({ length: 1000 }, (_, i) => `v${i}`);
    const before = pssFile();
    const released = releaseCodePages();
    expect(released).toBeGreaterThan(1024);
    expect(pssFile()).toBeLessThan(before);
    // code and data still work after the pages were dropped
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
    expect(new Intl.NumberFormat("en").format(1234.5)).toBe("1,234.5");
  });
});
