// The human output of `sysg status`: a note on where the data came from, then the table sized
// to the terminal.
import type { StatusResult } from "../ipc/protocol.ts";
import { isTerminal, paint, wantColor } from "./output.ts";
import { renderStatus } from "./status-view.ts";

/** COLUMNS when set, else the terminal's width; unbounded when piped (nothing cut for grep). */
export function terminalWidth(): number {
  const env = Number(process.env.COLUMNS);
  if (Number.isInteger(env) && env > 0) return env;
  return isTerminal(1) ? process.stdout.columns || 80 : Number.POSITIVE_INFINITY;
}

export function statusLines(status: StatusResult, note: string | null, colorFlag: boolean | undefined): string[] {
  const color = wantColor(colorFlag, isTerminal(1));
  const lines = renderStatus(status, { color, width: terminalWidth() });
  return note ? [paint(color, 33, `note: ${note}`), ...lines] : lines;
}

export function printStatus(status: StatusResult, note: string | null, colorFlag: boolean | undefined): void {
  console.log(statusLines(status, note, colorFlag).join("\n"));
}
