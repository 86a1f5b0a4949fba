// What every exporter shares: its result shape, and the conversions of sysg values (sizes as
// written, cpu.max, cron fields) into the forms schedulers use.
import { type Command, commandArgv } from "../config/command.ts";
import { parseSize } from "../config/size.ts";

export interface ExportFile {
  /** file name, relative to the output dir */
  name: string;
  text: string;
}

export interface ExportResult {
  files: ExportFile[];
  /** what could not be carried over (or only approximately), as "service: key: why" */
  notes: string[];
}

/** Bytes of a size as written in the config ("512M", 1024, "unlimited" → Infinity). */
export function bytesOf(v: string | number): number {
  const r = parseSize(v);
  return r.ok ? r.value : Number.NaN;
}

/** cgroup cpu.max "QUOTA [PERIOD]" → CPUs as a fraction (null for "max"). */
export function cpusOf(cpuMax: string | number): number | null {
  const [q, p] = String(cpuMax).trim().split(/\s+/);
  if (q === "max") return null;
  return Number(q) / Number(p ?? 100000);
}

/** A hook or probe command (always a shell string) as argv. */
export function shellArgv(command: string): string[] {
  return ["/bin/sh", "-c", command];
}

/** A service's command as the argv sysg runs: a list as is, a plain string split into words,
 *  anything a shell must interpret through /bin/sh -c (config/command.ts decides). */
export function serviceArgv(command: Command): string[] {
  return commandArgv(command);
}

/** Seconds from sysg milliseconds, for keys that take whole seconds. */
export function secs(ms: number): number {
  return Math.max(0, Math.round(ms / 1000));
}

const DOW = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const DOW_NAMES: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const MONTHS: Record<string, number> = { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 };

/**
 * A cron expression (5 fields, or 6 with leading seconds) as a systemd OnCalendar= value, or
 * why it cannot be. Lists, ranges, steps and names are translated; cron's "day of month OR day
 * of week" (when both are restricted) has no OnCalendar form.
 */
export function onCalendar(expr: string, timezone: string): { ok: true; value: string } | { ok: false; why: string } {
  const f = expr.trim().split(/\s+/);
  if (f.length !== 5 && f.length !== 6) return { ok: false, why: `"${expr}" does not have 5 or 6 fields` };
  const [sec, min, hour, dom, mon, dow] = f.length === 6 ? f : ["0", ...f];
  if (dom !== "*" && dom !== "?" && dow !== "*" && dow !== "?") {
    return { ok: false, why: `"${expr}" restricts both day of month and day of week (cron ORs them, systemd ANDs them)` };
  }
  const conv = (field: string, names?: Record<string, number>) => {
    if (field === "*" || field === "?") return "*";
    return field
      .split(",")
      .map((part) => {
        const [range, step] = part.split("/");
        const num = (s: string) => (names && names[s.toLowerCase()] !== undefined ? String(names[s.toLowerCase()]) : s);
        let r = range === "*" ? "*" : range!.split("-").map(num).join("..");
        if (step !== undefined) {
          if (r === "*") r = "0";
          return `${r}/${step}`;
        }
        return r;
      })
      .join(",");
  };
  let weekday = "";
  if (dow !== "*" && dow !== "?") {
    if (dow!.includes("/")) return { ok: false, why: `"${expr}": a step in day of week has no OnCalendar form` };
    weekday = `${[...new Set(dow!
      .split(",")
      .map((part) =>
        part
          .split("-")
          .map((d) => {
            const n = DOW_NAMES[d.toLowerCase().slice(0, 3)] ?? Number(d);
            return DOW[n] ?? d;
          })
          .join(".."),
      ))]
      .join(",")} `;
  }
  for (const [name, v] of [["minute", min], ["hour", hour], ["day", dom], ["month", mon]] as const) {
    if (/\d+-\d+\/\d+/.test(v!)) return { ok: false, why: `"${expr}": a stepped range in the ${name} field has no OnCalendar form` };
  }
  const month = conv(mon!, MONTHS);
  const day = conv(dom!);
  const hh = conv(hour!);
  const mm = conv(min!);
  const ss = conv(sec!);
  const tz = timezone === "local" ? "" : ` ${timezone}`;
  return { ok: true, value: `${weekday}*-${month}-${day} ${hh}:${mm}:${ss}${tz}` };
}
