// Short human forms of the numbers in status and inspect, so a table fits in 80 columns:
// sizes as 12.3M, durations as 3m12s / 2h05m / 4d, times relative to now.

/** Bytes with a binary unit: 512B, 1.5K, 12.3M, 2.0G (at most 5 characters). */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)}B`;
  const units = ["K", "M", "G", "T", "P"];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  // 3 significant digits at most: 1.5K, 12.3M, 512M
  const text = v >= 100 ? String(Math.round(v)) : v.toFixed(1);
  // 1023.96K rounds to "1024": say 1.0M instead
  if (Number(text) >= 1024 && i < units.length - 1) return `1.0${units[i + 1]}`;
  return `${text}${units[i]}`;
}

/** Seconds as the two largest units: 45s, 3m12s, 2h05m, 4d03h; days alone from 10 days on. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 3600) return `${Math.floor(s / 60)}m${pad(s % 60)}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h${pad(Math.floor((s % 3600) / 60))}m`;
  const d = Math.floor(s / 86_400);
  return d >= 10 ? `${d}d` : `${d}d${pad(Math.floor((s % 86_400) / 3600))}h`;
}

/** CPU percent: 0.0% … 99.9%, then whole numbers (several cores: 250%). */
export function formatCpu(percent: number): string {
  return percent < 100 ? `${percent.toFixed(1)}%` : `${Math.round(percent)}%`;
}

/** How far `iso` is from `now`: "in 4m10s" or "3m12s ago"; "now" within a second. */
export function formatRelative(iso: string, now: number = Date.now()): string {
  const ms = Date.parse(iso) - now;
  if (Number.isNaN(ms)) return iso;
  if (Math.abs(ms) < 1000) return "now";
  return ms > 0 ? `in ${formatDuration(ms / 1000)}` : `${formatDuration(-ms / 1000)} ago`;
}

/** How a run ended, in the words of the table: "code 0", "SIGKILL". */
export function formatExit(exit: { code: number | null; signal: string | null }): string {
  return exit.signal !== null ? exit.signal : `code ${exit.code}`;
}
