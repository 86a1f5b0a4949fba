// `sysg logs [NAME]`: reads the log files directly (no supervisor needed). With NAME, its last
// N lines as stored (timestamp + text, stderr lines marked); without, every service's,
// interleaved by time and prefixed with the colored name; --since/--until/--grep query every
// file (logquery.ts); -f keeps following, across rotation and with the filters, until Ctrl-C.
import { writeSync } from "node:fs";
import { isatty } from "node:tty";
import type { LogFilter } from "../runtime/logquery.ts";
import { type LogKind, type LogLine, type TailResult, followLogs, logSources, servicesWithLogs, tailLogs } from "../runtime/logread.ts";
import { globalArgs } from "./args.ts";
import { defineCommand } from "./command.ts";
import { cliPaths, modeCommand, printError } from "./client.ts";
import { PrefixedOutput, paint, wantColor } from "./output.ts";

const KINDS: LogKind[] = ["stdout", "stderr", "all", "supervisor"];

export default defineCommand({
  meta: {
    name: "logs",
    description: "Show, search and follow the logs of one service or of every service (interleaved)",
    examples: ["sysg logs web -n 3", "sysg logs -f", "sysg logs web --since 10m --grep error"],
  },
  args: {
    name: { type: "positional", sameAs: "service", description: "Service name, same as -s NAME (default: every service)", valueHint: "name" },
    service: { type: "string", alias: "s", description: "Service name (same as NAME)", valueHint: "name" },
    lines: { type: "string", alias: ["n", "l"], description: "How many lines to show first (default 50; with a filter: every match)", valueHint: "n" },
    follow: { type: "boolean", alias: "f", description: "Keep printing new (matching) lines (Ctrl-C stops)" },
    stream: { type: "string", alias: ["k", "kind"], default: "all", description: "stdout|stderr|all|supervisor", valueHint: "stream" },
    since: { type: "string", description: 'Lines from this time on: "10m" (ago), "today", "2026-12-01T10:00" (local), ISO with zone', valueHint: "time" },
    until: { type: "string", description: "Lines up to this time (same forms as --since)", valueHint: "time" },
    grep: { type: "string", alias: "g", description: "Only lines whose text matches this regular expression (JavaScript syntax)", valueHint: "regex" },
    "ignore-case": { type: "boolean", alias: "i", description: "--grep ignores case" },
    json: { type: "boolean", description: "One JSON object per line: {service, stream, ts, text}" },
    ...globalArgs,
  },
  async run({ args }): Promise<number> {
    const paths = cliPaths(args);
    const kind = args.stream as LogKind;
    if (!KINDS.includes(kind)) {
      await printError(`sysg: logs: --stream: unknown stream "${args.stream}"`, `use one of ${KINDS.join(", ")}`);
      return 2;
    }
    const limit = args.lines === undefined ? undefined : Number(args.lines);
    if (limit !== undefined && (!/^\d+$/.test(String(args.lines)) || !Number.isSafeInteger(limit))) {
      await printError(`sysg: logs: -l/--lines: expected a whole number of lines, got "${args.lines}"`, "e.g. -l 200");
      return 2;
    }
    const filter = await parseFilter(args);
    if (filter === null) return 2;
    if (args.follow && filter.until !== undefined) {
      await printError("sysg: logs: --until and -f contradict: no new line can be older than --until", "drop one of them");
      return 2;
    }
    const positional = args.name as string | undefined;
    if (positional !== undefined && args.service !== undefined && positional !== args.service) {
      await printError(`sysg: logs: two service names: "${positional}" and -s "${args.service}"`, "give one");
      return 2;
    }
    const name = positional ?? (args.service as string | undefined);
    if (name !== undefined && kind === "supervisor") {
      await printError("sysg: logs: --stream supervisor shows the supervisor's own log, not a service's", `drop "${name}", or pick --stream stdout|stderr|all`);
      return 2;
    }
    const withLogs = servicesWithLogs(paths.logDir);
    let services: string[] = [];
    if (kind !== "supervisor") {
      if (name !== undefined && !withLogs.includes(name)) {
        await printError(
          `sysg: logs: no logs for "${name}" in ${paths.logDir}`,
          withLogs.length > 0 ? `services with logs: ${withLogs.join(", ")}` : "no service has written a log here yet",
        );
        return 1;
      }
      if (name === undefined && withLogs.length === 0) {
        await printError(`sysg: logs: no service logs in ${paths.logDir}`, `start services with \`${modeCommand(paths)} start\` first`);
        return 1;
      }
      services = name !== undefined ? [name] : withLogs;
    }
    const sources = logSources(paths.logDir, services, kind);
    const print = printer({
      json: args.json === true,
      prefixed: name === undefined && kind !== "supervisor",
      marked: kind === "all",
      services,
      color: wantColor(args.color, isatty(1)),
    });
    const filtered = filter.since !== undefined || filter.until !== undefined || filter.grep !== undefined;
    let cursors: TailResult["cursors"];
    let failed = false;
    if (filtered) {
      const { queryLogs } = await import("../runtime/logquery.ts");
      const q = queryLogs(sources, filter);
      for (const e of q.errors) await printError(`sysg: logs: ${e.message}`, e.hint);
      failed = q.errors.length > 0;
      cursors = q.cursors;
      if (limit === undefined) {
        for (const batch of q.batches) print(batch);
      } else {
        print(lastOf(q.batches, limit));
      }
    } else {
      const tail = tailLogs(sources, limit ?? 50);
      for (const e of tail.errors) await printError(`sysg: logs: ${e.message}`, e.hint);
      failed = tail.errors.length > 0;
      cursors = tail.cursors;
      print(tail.lines);
    }
    if (!args.follow) return failed ? 1 : 0;
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    const keep = (l: LogLine) =>
      (filter.grep === undefined || filter.grep.test(l.text)) && (filter.since === undefined || l.ts === null || l.ts >= filter.since);
    try {
      for await (const batch of followLogs(sources, cursors, { signal: stop.signal })) print(filtered ? batch.filter(keep) : batch);
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    return 0;
  },
});

/** --since, --until, --grep as a LogFilter; null after printing what is wrong. */
async function parseFilter(args: { since?: string; until?: string; grep?: string; "ignore-case"?: boolean }): Promise<LogFilter | null> {
  const filter: LogFilter = {};
  if (args.since !== undefined || args.until !== undefined) {
    const { parseTimeBound, TIME_FORMS } = await import("./logs-time.ts");
    for (const key of ["since", "until"] as const) {
      const text = args[key];
      if (text === undefined) continue;
      const t = parseTimeBound(text);
      if (!t.ok) {
        await printError(`sysg: logs: --${key}: ${t.message}`, `e.g. ${TIME_FORMS}`);
        return null;
      }
      filter[key] = t.value;
    }
    if (filter.since !== undefined && filter.until !== undefined && filter.since > filter.until) {
      await printError(`sysg: logs: --since (${args.since}) is later than --until (${args.until})`, "swap them");
      return null;
    }
  }
  if (args.grep !== undefined) {
    try {
      filter.grep = new RegExp(args.grep, args["ignore-case"] ? "i" : "");
    } catch (err) {
      await printError(`sysg: logs: --grep: ${err instanceof Error ? err.message : String(err)}`, 'a JavaScript regular expression, e.g. "timeout|refused"');
      return null;
    }
  }
  return filter;
}

/** The last `n` lines of a stream of batches. */
function lastOf(batches: Iterable<LogLine[]>, n: number): LogLine[] {
  if (n === 0) {
    for (const _ of batches);
    return [];
  }
  let kept: LogLine[] = [];
  for (const batch of batches) {
    kept = kept.concat(batch.length > n ? batch.slice(-n) : batch);
    if (kept.length > 2 * n) kept = kept.slice(-n);
  }
  return kept.slice(-n);
}

/** The line as stored: ISO timestamp (when it had one), a space, the text. */
export function asStored(line: LogLine): string {
  return line.ts === null ? line.text : `${new Date(line.ts).toISOString()} ${line.text}`;
}

/** How stderr lines are told apart on a terminal (--json has the "stream" field). */
export const STDERR_MARK = "[stderr]";

function printer(o: { json: boolean; prefixed: boolean; marked: boolean; services: string[]; color: boolean }): (lines: LogLine[]) => void {
  if (o.json) {
    return (lines) =>
      write(lines.map((l) => JSON.stringify({ service: l.service, stream: l.stream, ts: l.ts === null ? null : new Date(l.ts).toISOString(), text: l.text })));
  }
  const mark = paint(o.color, 31, STDERR_MARK);
  const shown = (l: LogLine) => {
    if (!o.marked || l.stream !== "stderr") return asStored(l);
    return l.ts === null ? `${mark} ${l.text}` : `${new Date(l.ts).toISOString()} ${mark} ${l.text}`;
  };
  if (!o.prefixed) return (lines) => write(lines.map(shown));
  const out = new PrefixedOutput(o.services, o.color);
  return (lines) => {
    for (const l of lines) out.line(l.service, shown(l));
    out.flush();
  };
}

function write(lines: string[]): void {
  if (lines.length === 0) return;
  const bytes = new TextEncoder().encode(`${lines.join("\n")}\n`);
  for (let off = 0; off < bytes.length; ) {
    try {
      off += writeSync(1, bytes, off);
    } catch (err) {
      // a reader that went away (| head) ends the output; a full pipe is waited out
      if ((err as { code?: string }).code !== "EAGAIN") return;
    }
  }
}
