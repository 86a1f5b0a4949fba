// Errors in one voice on stderr: `sysg: <where>: <what>`, then `  hint: <how to fix>`. <where>
// is the command, a config file (with its key path), or an argument; never colored, so logs
// and pipes get plain text.

export function errorText(where: string, what: string, hint?: string): string {
  return `sysg: ${where ? `${where}: ` : ""}${what}${hint ? `\n  hint: ${hint}` : ""}`;
}

export function sayError(where: string, what: string, hint?: string): void {
  console.error(errorText(where, what, hint));
}

/** formatErrors' lines (`<file>: <path>: <what>` and `  hint:` lines) in the same voice. */
export function sayConfigErrors(text: string): void {
  console.error(text.split("\n").map((l) => (l.startsWith("  ") ? l : `sysg: ${l}`)).join("\n"));
}

/** A note for the operator (what happened, where the data came from): stderr, never stdout. */
export function sayNote(text: string): void {
  console.error(text);
}
