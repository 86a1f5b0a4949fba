// Gives back the pages of our own executable that start-up touched. The compiled binary maps
// ~100 MiB of Bun's code; parsing the config, compiling validators, spawning and the JIT's
// first compilations touch tens of MiB of it once, and those clean file pages would then count
// as the resident daemon's memory (RSS, PSS) forever. madvise(MADV_PAGEOUT) reclaims them the
// way memory pressure would: what is still used faults back in (from the page cache, or the
// file). MADV_DONTNEED is not enough: its refaults map whole 64 KiB fault-around windows back
// from the page cache. Mappings with copied-on-write (anonymous) pages are skipped, so nothing
// the process changed is ever dropped.
import { readFileSync, readlinkSync } from "node:fs";
import { shim } from "./shim.ts";

const MADV_PAGEOUT = 21;

/** A full collection (so freed heap pages go back), then the resident clean pages of our
 *  executable's read-only mappings are reclaimed; returns the KiB of code pages released. */
export function trimMemory(): number {
  Bun.gc(true);
  return releaseCodePages();
}

/** Reclaims the resident clean pages of our executable's read-only mappings; returns the KiB. */
export function releaseCodePages(): number {
  let exe: string;
  let smaps: string;
  try {
    exe = readlinkSync("/proc/self/exe");
    smaps = readFileSync("/proc/self/smaps", "latin1");
  } catch {
    return 0;
  }
  const ranges: { start: bigint; length: bigint; rss: number }[] = [];
  let current: { start: bigint; length: bigint; rss: number; anon: number } | null = null;
  const done = () => {
    if (current && current.anon === 0 && current.rss > 0) ranges.push(current);
    current = null;
  };
  for (const line of smaps.split("\n")) {
    const header = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) \S+ \S+ \d+\s*(.*)$/.exec(line);
    if (header) {
      done();
      const [, from, to, perms, path] = header;
      if ((perms === "r-xp" || perms === "r--p") && path === exe) {
        const start = BigInt(`0x${from}`);
        current = { start, length: BigInt(`0x${to}`) - start, rss: 0, anon: -1 };
      }
    } else if (current) {
      if (line.startsWith("Rss:")) current.rss = Number.parseInt(line.slice(4), 10);
      else if (line.startsWith("Anonymous:")) current.anon = Number.parseInt(line.slice(10), 10);
    }
  }
  done();
  if (ranges.length === 0) return 0;
  const lib = shim();
  let released = 0;
  for (const r of ranges) if (lib.sysg_madvise(r.start, r.length, MADV_PAGEOUT) === 0) released += r.rss;
  return released;
}
