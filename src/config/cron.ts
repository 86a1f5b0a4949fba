// Cron entries: the expression is checked with cron-schedule's own parser (the one the scheduler
// uses), field by field so the error can name the field, after a token check that parser lacks
// (it reads "5x" as 5). Timezones are IANA names known to this runtime's Intl, "UTC", or "local".
import { parseCronExpression } from "cron-schedule";
import { type Parsed, show } from "../model/parsed.ts";

const CRON_HINT =
  '5 fields "minute hour day month weekday" or 6 with leading seconds; *, lists 1,2, ranges 1-5, steps */5, names MON JAN; or @hourly/@daily/@weekly/@monthly/@yearly';
const TIMEZONE_FORM = 'an IANA timezone like "Europe/Paris", "UTC" or "local"';

const FIELDS_5 = ["minute", "hour", "day", "month", "weekday"];
const FIELDS_6 = ["second", ...FIELDS_5];
const ITEM = /^(\*|[0-9A-Za-z]+(-[0-9A-Za-z]+)?)(\/[0-9]+)?$/;
const TOKEN = /^([0-9]+|[A-Za-z]{3})$/;

/** Checks an expression; the value is the expression with whitespace normalised. */
export function parseCron(input: unknown): Parsed<string> {
  if (typeof input !== "string") return bad(`expected a cron expression string, got ${show(input)}`);
  const text = input.trim().split(/\s+/).join(" ");
  if (text === "") return bad("cron expression is empty");
  if (text.startsWith("@")) {
    const problem = libraryProblem(text);
    return problem ? bad(`unknown cron nickname ${show(input)}`) : { ok: true, value: text };
  }
  const fields = text.split(" ");
  const names = fields.length === 6 ? FIELDS_6 : fields.length === 5 ? FIELDS_5 : undefined;
  if (!names) return bad(`cron expression ${show(input)} has ${fields.length} fields, expected 5 or 6`);
  for (const [i, field] of fields.entries()) {
    // Every other field "*": the library's complaint, if any, is about this one.
    const alone = fields.map((f, j) => (j === i ? f : "*")).join(" ");
    const problem = tokenProblem(field) ?? libraryProblem(alone);
    if (problem) return bad(`cron expression ${show(input)}: ${names[i]} field ${show(field)}: ${problem}`);
  }
  return { ok: true, value: text };
}

function bad(error: string): Parsed<string> {
  return { ok: false, error, hint: CRON_HINT };
}

function tokenProblem(field: string): string | undefined {
  for (const item of field.split(",")) {
    const m = ITEM.exec(item);
    const tokens = m ? m[1]!.split("-").filter((t) => t !== "*") : [];
    if (!m || !tokens.every((t) => TOKEN.test(t))) {
      return item === field ? "not a number, name, range or step" : `${show(item)} is not a number, name, range or step`;
    }
  }
  return undefined;
}

function libraryProblem(text: string): string | undefined {
  try {
    parseCronExpression(text);
    return undefined;
  } catch (err) {
    // e.g. "Failed to parse 60: 60 is outside of constraint range of 0 - 59." → "60 is outside 0 - 59"
    const msg = err instanceof Error ? err.message : String(err);
    const detail = msg.slice(msg.indexOf(": ") + 2).replace(/\.$/, "");
    return detail
      .replace("outside of constraint range of", "outside")
      .replace(/^(\S+) is NaN$/, "$1 is not a number or a name this field knows")
      .replace(/^Invalid range \(start: (\d+), end: (\d+)\)$/, "range $1-$2 runs backwards")
      .replace(/^Expected (\d+) to be greater than 0$/, "step $1 must be greater than 0");
  }
}

/** Checks a timezone; "local" and "UTC" always pass. */
export function parseTimezone(input: unknown): Parsed<string> {
  if (typeof input === "string" && input.trim() !== "") {
    const tz = input.trim();
    if (tz === "local" || tz === "UTC") return { ok: true, value: tz };
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      return { ok: true, value: tz };
    } catch {
      // not a zone this runtime knows: falls through to the error
    }
  }
  return { ok: false, error: `expected ${TIMEZONE_FORM}, got ${show(input)}` };
}
