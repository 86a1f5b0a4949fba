// The human output of `sysg status`: a note on where the data came from, then the table sized
// to the terminal (unbounded when piped, so nothing is cut for grep).
import { isatty } from "node:tty";
import type { StatusResult } from "../ipc/protocol.ts";
import { paint, wantColor } from "./output.ts";
import { renderStatus } from "./status-view.ts";

export function terminalWidth(): number {
  return isatty(1) ? process.stdout.columns || 80 : Number.POSITIVE_INFINITY;
}

export function statusLines(status: StatusResult, note: string | null, colorFlag: boolean | undefined): string[] {
  const color = wantColor(colorFlag, isatty(1));
  const lines = renderStatus(status, { color, width: terminalWidth() });
  return note ? [paint(color, 33, `note: ${note}`), ...lines] : lines;
}

export function printStatus(status: StatusResult, note: string | null, colorFlag: boolean | undefined): void {
  console.log(statusLines(status, note, colorFlag).join("\n"));
}
