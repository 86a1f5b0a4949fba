// Terminal sparklines for inspect's CPU/RSS history: one block character per bucket of time.

const BARS = "▁▂▃▄▅▆▇█";

/** `values` drawn in at most `width` characters; several values per character are averaged,
 *  null (no sample in that bucket) is a space. The scale runs from 0 (or the minimum, with
 *  `fromMin`) to the maximum, so a flat line of non-zero values sits high, not at the floor. */
export function sparkline(values: (number | null)[], width: number, opts: { fromMin?: boolean } = {}): string {
  if (values.length === 0 || width <= 0) return "";
  const buckets: (number | null)[] = [];
  const n = Math.min(width, values.length);
  for (let b = 0; b < n; b++) {
    const from = Math.floor((b * values.length) / n);
    const to = Math.floor(((b + 1) * values.length) / n);
    let sum = 0;
    let count = 0;
    for (let i = from; i < to; i++) {
      const v = values[i];
      if (v !== null && v !== undefined) {
        sum += v;
        count++;
      }
    }
    buckets.push(count > 0 ? sum / count : null);
  }
  const present = buckets.filter((v): v is number => v !== null);
  if (present.length === 0) return " ".repeat(buckets.length);
  const max = Math.max(...present);
  const min = opts.fromMin ? Math.min(...present) : 0;
  const span = max - min;
  return buckets
    .map((v) => {
      if (v === null) return " ";
      if (span <= 0) return max > 0 ? BARS[BARS.length - 1]! : BARS[0]!;
      return BARS[Math.min(BARS.length - 1, Math.floor(((v - min) / span) * BARS.length))]!;
    })
    .join("");
}

/** Averages timed samples into `width` equal slots covering [start, end] (null where a slot
 *  got no sample), so gaps in the history show as gaps. */
export function timeSlots(samples: { at: string; value: number }[], start: number, end: number, width: number): (number | null)[] {
  const sums = new Array<number>(width).fill(0);
  const counts = new Array<number>(width).fill(0);
  const span = end - start;
  if (span > 0) {
    for (const s of samples) {
      const t = Date.parse(s.at);
      if (Number.isNaN(t) || t < start || t > end) continue;
      const slot = Math.min(width - 1, Math.floor(((t - start) / span) * width));
      sums[slot]! += s.value;
      counts[slot]!++;
    }
  }
  return sums.map((sum, i) => (counts[i]! > 0 ? sum / counts[i]! : null));
}
