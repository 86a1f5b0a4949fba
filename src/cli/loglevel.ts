// --log-level: how much of the supervisor's own events reach the terminal (supervisor.log
// always gets everything). `trace` is accepted and means `debug`.
import type { Level } from "../model/log-level.ts";

const LEVELS = ["off", "error", "warn", "info", "debug", "trace"] as const;

export function parseLogLevel(value: string | undefined): { ok: true; value: Level | "off" } | { ok: false; error: string } {
  if (value === undefined) return { ok: true, value: "info" };
  const v = value.toLowerCase();
  if (!(LEVELS as readonly string[]).includes(v))
    return { ok: false, error: `--log-level: unknown level "${value}"\n  hint: use one of ${LEVELS.join(", ")}` };
  return { ok: true, value: v === "trace" ? "debug" : (v as Level | "off") };
}
