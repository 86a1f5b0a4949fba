// releaseCodePages: the clean pages of our own executable leave our resident set and fault
// back in when used (the process keeps working), and nothing it wrote is dropped.
import { describe, expect, test } from "bun:test";
import { readFileSync, readlinkSync } from "node:fs";
import { releaseCodePages } from "../../../src/platform/bun/memory.ts";
import { shim } from "../../../src/platform/bun/shim.ts";

/** KiB of our executable's read-only mappings resident and mapped by us alone (Private_Clean):
 *  what MADV_PAGEOUT can reclaim. Not PSS or RssFile: those move with every other process that
 *  maps the same executable (a shared machine runs many), whose pages stay resident. */
function privateCode(): number {
  const exe = readlinkSync("/proc/self/exe");
  let kib = 0;
  let ours = false;
  for (const line of readFileSync("/proc/self/smaps", "latin1").split("\n")) {
    const header = /^[0-9a-f]+-[0-9a-f]+ (\S{4}) \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) ours = (header[1] === "r-xp" || header[1] === "r--p") && header[2] === exe;
    else if (ours && line.startsWith("Private_Clean:")) kib += Number.parseInt(line.slice(14), 10);
  }
  return kib;
}

describe("releaseCodePages", () => {
  test("gives back resident executable pages; the process keeps running and keeps its data", () => {
    const data = Array.from({ length: 1000 }, (_, i) => `v${i}`);
    shim(); // loaded long before in the supervisor; loading it faults in pages of its own
    const before = privateCode();
    const released = releaseCodePages();
    expect(released).toBeGreaterThan(1024);
    expect(privateCode()).toBeLessThan(before);
    // code and data still work after the pages were dropped
    expect(JSON.parse(JSON.stringify(data))).toEqual(data);
    expect(new Intl.NumberFormat("en").format(1234.5)).toBe("1,234.5");
  });
});
