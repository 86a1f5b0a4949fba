// Plain text tables for the terminal: columns padded to their widest cell, and — when the
// terminal is narrower than the table — the widest truncatable column shortened with "…".

export interface Column {
  header: string;
  /** numbers read better right-aligned */
  align?: "left" | "right";
  /** may be shortened when the table is too wide (names, reasons) */
  shrink?: boolean;
  /** never shortened below this */
  min?: number;
}

const GAP = 2;
// biome-ignore lint: matches SGR color sequences
const SGR = /\x1b\[[0-9;]*m/g;

/** Printable ASCII only: its width is its length (the common case, checked without copying). */
const PLAIN = /^[\x20-\x7e]*$/;

/** Printed width (color sequences take no room). */
export function visibleLength(s: string): number {
  if (PLAIN.test(s)) return s.length;
  return [...s.replace(SGR, "")].length;
}

/** Cuts plain text to `width` characters, marking the cut with "…". */
export function truncate(s: string, width: number): string {
  if (s.length <= width) return s; // never more characters than UTF-16 units
  const chars = [...s];
  if (chars.length <= width) return s;
  return width <= 1 ? chars.slice(0, width).join("") : `${chars.slice(0, width - 1).join("")}…`;
}

/** Renders header + rows as lines no wider than `maxWidth` where the shrinkable columns allow.
 *  `paint` colors a cell after its width is settled (so padding stays right). */
export function renderTable(
  columns: Column[],
  rows: string[][],
  maxWidth: number,
  paint: (row: number, col: number, text: string) => string = (_r, _c, t) => t,
): string[] {
  // plain loops: a one-shot CLI runs this code cold (interpreted), once per cell
  const widths = columns.map((c) => visibleLength(c.header));
  for (const r of rows) {
    for (let i = 0; i < widths.length; i++) {
      const w = visibleLength(r[i] ?? "");
      if (w > widths[i]!) widths[i] = w;
    }
  }
  let total = widths.reduce((a, b) => a + b, 0) + GAP * (columns.length - 1);
  while (total > maxWidth) {
    let widest = -1;
    for (let i = 0; i < columns.length; i++) {
      const c = columns[i]!;
      if (c.shrink && widths[i]! > (c.min ?? 4) && (widest < 0 || widths[i]! > widths[widest]!)) widest = i;
    }
    if (widest < 0) break;
    const cut = Math.min(total - maxWidth, widths[widest]! - (columns[widest]!.min ?? 4));
    widths[widest]! -= cut;
    total -= cut;
  }
  const sep = " ".repeat(GAP);
  const line = (cells: string[], row: number): string => {
    let out = "";
    for (let i = 0; i < cells.length; i++) {
      const c = columns[i]!;
      const text = truncate(cells[i]!, widths[i]!);
      const room = widths[i]! - visibleLength(text);
      const shown = row < 0 ? text : paint(row, i, text);
      if (i > 0) out += sep;
      // padStart/padEnd (native) rather than " ".repeat + concatenation: far cheaper cold
      if (c.align === "right") out += room > 0 ? shown.padStart(shown.length + room) : shown;
      else out += i === cells.length - 1 || room <= 0 ? shown : shown.padEnd(shown.length + room);
    }
    return out;
  };
  const out = [line(columns.map((c) => c.header), -1)];
  for (let i = 0; i < rows.length; i++) out.push(line(rows[i]!, i));
  return out;
}
