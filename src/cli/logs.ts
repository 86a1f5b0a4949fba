// `sysg logs [NAME]`: reads the log files directly (no supervisor needed). With NAME, its last
// N lines as stored (timestamp + text); without, every service's, interleaved by time and
// prefixed with the colored name; -f keeps following, across rotation, until Ctrl-C.
import { writeSync } from "node:fs";
import { isatty } from "node:tty";
import { defineCommand } from "citty";
import { type LogKind, type LogLine, followLogs, logSources, servicesWithLogs, tailLogs } from "../runtime/logread.ts";
import { globalArgs } from "./args.ts";
import { cliPaths, modeCommand, printError } from "./client.ts";
import { PrefixedOutput, wantColor } from "./output.ts";

const KINDS: LogKind[] = ["stdout", "stderr", "all", "supervisor"];

export default defineCommand({
  meta: { name: "logs", description: "Show the logs of one service, or of every service interleaved (-f to follow)" },
  args: {
    ...globalArgs,
    name: { type: "positional", required: false, description: "Service name (default: every service)", valueHint: "name" },
    lines: { type: "string", alias: "l", default: "50", description: "How many lines to show first", valueHint: "n" },
    follow: { type: "boolean", alias: "f", description: "Keep printing new lines (Ctrl-C stops)" },
    kind: { type: "string", alias: "k", default: "all", description: "stdout|stderr|all|supervisor", valueHint: "kind" },
    json: { type: "boolean", description: "One JSON object per line: {service, stream, ts, text}" },
  },
  async run({ args }): Promise<number> {
    const paths = cliPaths(args);
    const kind = args.kind as LogKind;
    if (!KINDS.includes(kind)) {
      await printError(`sysg logs: -k/--kind: unknown kind "${args.kind}"`, `use one of ${KINDS.join(", ")}`);
      return 2;
    }
    const n = Number(args.lines);
    if (!/^\d+$/.test(String(args.lines)) || !Number.isSafeInteger(n)) {
      await printError(`sysg logs: -l/--lines: expected a whole number of lines, got "${args.lines}"`, "e.g. -l 200");
      return 2;
    }
    const name = args.name as string | undefined;
    if (name !== undefined && kind === "supervisor") {
      await printError("sysg logs: -k supervisor shows the supervisor's own log, not a service's", `drop "${name}", or pick -k stdout|stderr|all`);
      return 2;
    }
    const withLogs = servicesWithLogs(paths.logDir);
    let services: string[] = [];
    if (kind !== "supervisor") {
      if (name !== undefined && !withLogs.includes(name)) {
        await printError(
          `sysg logs: no logs for "${name}" in ${paths.logDir}`,
          withLogs.length > 0 ? `services with logs: ${withLogs.join(", ")}` : "no service has written a log here yet",
        );
        return 1;
      }
      if (name === undefined && withLogs.length === 0) {
        await printError(`sysg logs: no service logs in ${paths.logDir}`, `start services with \`${modeCommand(paths)} start\` first`);
        return 1;
      }
      services = name !== undefined ? [name] : withLogs;
    }
    const sources = logSources(paths.logDir, services, kind);
    const print = printer(args.json === true, name === undefined && kind !== "supervisor", services, wantColor(args.color, isatty(1)));
    const tail = tailLogs(sources, n);
    for (const e of tail.errors) await printError(`sysg logs: ${e.message}`, e.hint);
    print(tail.lines);
    if (!args.follow) return tail.errors.length > 0 ? 1 : 0;
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    try {
      for await (const batch of followLogs(sources, tail.cursors, { signal: stop.signal })) print(batch);
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
    }
    return 0;
  },
});

/** The line as stored: ISO timestamp (when it had one), a space, the text. */
export function asStored(line: LogLine): string {
  return line.ts === null ? line.text : `${new Date(line.ts).toISOString()} ${line.text}`;
}

function printer(json: boolean, prefixed: boolean, services: string[], color: boolean): (lines: LogLine[]) => void {
  if (json) {
    return (lines) =>
      write(lines.map((l) => JSON.stringify({ service: l.service, stream: l.stream, ts: l.ts === null ? null : new Date(l.ts).toISOString(), text: l.text })));
  }
  if (!prefixed) return (lines) => write(lines.map(asStored));
  const out = new PrefixedOutput(services, color);
  return (lines) => {
    for (const l of lines) out.line(l.service, asStored(l));
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
