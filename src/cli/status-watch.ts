// `sysg status --watch SECS`: redraw the status every SECS seconds until Ctrl-C (then exit 0).
// On a terminal the screen is cleared before each frame; piped, frames follow each other.
import { isatty } from "node:tty";
import { parseDuration } from "../model/duration.ts";
import type { RuntimePaths } from "../runtime/paths.ts";
import { printError } from "./client.ts";
import { getStatus } from "./status.ts";
import { statusLines } from "./status-print.ts";

export async function watchStatus(
  paths: RuntimePaths,
  query: { service?: string; all?: boolean },
  every: string,
  opts: { json: boolean; color: boolean | undefined },
): Promise<number> {
  const period = parseDuration(every);
  if (!period.ok || period.value <= 0) {
    await printError(`sysg: status: --watch: expected a number of seconds greater than 0, got "${every}"`, "e.g. --watch 2");
    return 2;
  }
  const stop = new AbortController();
  const onInt = () => stop.abort();
  process.once("SIGINT", onInt);
  process.once("SIGTERM", onInt);
  const clear = isatty(1) && !opts.json;
  try {
    while (!stop.signal.aborted) {
      const got = await getStatus(paths, query);
      const frame = !got.ok
        ? [`${got.message}${got.hint ? `\n  hint: ${got.hint}` : ""}`]
        : opts.json
          ? [JSON.stringify(got.status)]
          : [`every ${period.value / 1000}s — ${new Date().toISOString()} — Ctrl-C to stop`, "", ...statusLines(got.status, got.note, opts.color)];
      console.log((clear ? "\x1b[H\x1b[2J" : "") + frame.join("\n"));
      await sleep(period.value, stop.signal);
    }
  } finally {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onInt);
  }
  return 0;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}
