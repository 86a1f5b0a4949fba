// sysg(1) as roff, generated from the command table and each command's args (cli-spec.ts) —
// the same data `--help` prints, so the two never disagree. `docs/` stays the reference.
import { VERSION } from "../version.ts";
import type { CommandSpec, OptionSpec } from "./cli-spec.ts";

/** Text safe in roff: backslashes escaped, hyphens as \-, a leading . or ' neutralised. */
function roff(text: string): string {
  const s = text.replace(/\\/g, "\\e").replace(/-/g, "\\-");
  return /^[.']/.test(s) ? `\\&${s}` : s;
}

function optionItem(o: OptionSpec): string[] {
  const flags = o.flags.map((f) => `\\fB${roff(f)}\\fR`).join(", ");
  const value = o.valueHint ? ` \\fI${roff(o.valueHint.toUpperCase())}\\fR` : "";
  return [".TP", `${flags}${value}`, roff(o.description || "(no description)")];
}

export function manPage(spec: CommandSpec[], date: string): string {
  const out: string[] = [
    `.TH SYSG 1 "${date}" "sysg ${roff(VERSION)}" "User Commands"`,
    ".SH NAME",
    "sysg \\- a small, fast, safe Linux process supervisor",
    ".SH SYNOPSIS",
    ".B sysg",
    "[\\fB\\-\\-sys\\fR] [\\fB\\-\\-log\\-level\\fR \\fILEVEL\\fR] [\\fB\\-\\-no\\-color\\fR] \\fICOMMAND\\fR [\\fIOPTIONS\\fR]",
    ".br",
    ".B sysg help",
    "\\fICOMMAND\\fR",
    ".SH DESCRIPTION",
    "One YAML file describes the services;",
    ".B sysg start",
    "runs them in dependency order with readiness probes, restarts them with backoff, captures and rotates their logs, and stops every descendant cleanly.",
    "The other commands talk to the running supervisor over a unix socket, or read the files it keeps.",
    ".SH COMMANDS",
  ];
  for (const c of spec) {
    const words = c.positionals.map((p) => {
      const w = `\\fI${roff(p.name)}\\fR${p.variadic ? "..." : ""}`;
      return p.required ? w : `[${w}]`;
    });
    out.push(".SS", `\\fBsysg ${roff(c.name)}\\fR [\\fIOPTIONS\\fR]${words.length ? ` ${words.join(" ")}` : ""}`);
    out.push(roff(c.description));
    for (const p of c.positionals) out.push(".TP", `\\fI${roff(p.name)}\\fR`, roff(p.description));
    for (const o of c.options.filter((o) => !o.global)) out.push(...optionItem(o));
    if (c.examples.length > 0) {
      out.push(".PP", "Examples:", ".PP", ".RS", ".nf");
      for (const e of c.examples) out.push(roff(e));
      out.push(".fi", ".RE");
    }
  }
  const globals = new Map<string, OptionSpec>();
  for (const c of spec) for (const o of c.options) if (o.global && !globals.has(o.name)) globals.set(o.name, o);
  out.push(".SH GLOBAL OPTIONS", "Accepted by every command, before or after its name.");
  for (const o of globals.values()) out.push(...optionItem(o));
  out.push(".TP", "\\fB\\-h\\fR, \\fB\\-\\-help\\fR", "Show the help of sysg or of a command.");
  out.push(".TP", "\\fB\\-V\\fR, \\fB\\-\\-version\\fR", "Show the version.");
  out.push(
    ".SH EXIT STATUS",
    "0 success; 1 an error (a config error, no supervisor, a failed action); 2 a usage error (an unknown option or argument).",
    ".B sysg status",
    "exits with the overall health: 0 healthy, 1 degraded, 2 failing, 3 not running.",
    ".SH ENVIRONMENT",
    ".TP",
    ".B NO_COLOR",
    "When set and not empty, no ANSI colors (output that is not a terminal never gets any).",
    ".TP",
    ".B HOME",
    "User mode keeps its state in \\fI$HOME/.local/share/systemg\\fR and looks for configs in \\fI$HOME/.config/systemg\\fR.",
    ".SH FILES",
    ".TP",
    ".I ~/.local/share/systemg/",
    "User mode: control.sock, sysg.pid, pid.json, state.json, cron_state.json, logs/.",
    ".TP",
    ".I /var/lib/systemg/, /var/log/systemg/, /etc/systemg/",
    "System mode (\\fB\\-\\-sys\\fR): state, logs, configs.",
    ".SH SEE ALSO",
    "The reference is the project's \\fIdocs/\\fR directory (one page per command and per config area).",
    ".BR systemd.exec (5),",
    ".BR journalctl (1),",
    ".BR pm2 (1)",
  );
  return `${out.join("\n")}\n`;
}
