/** Result of parsing one config value: the normalised value, or what is wrong (and how to fix it). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string; hint?: string };

/** Shows a bad value the way the user wrote it (strings quoted). */
export function show(value: unknown): string {
  if (value === undefined) return "nothing";
  const json = JSON.stringify(value);
  return json === undefined ? String(value) : json;
}
