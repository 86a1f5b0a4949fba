// Linux signal names and numbers (x86_64/arm64 numbering, which is the generic one).
// Config accepts "TERM", "SIGTERM", "sigterm", a number, or SIGRTMIN+n / SIGRTMAX-n;
// the canonical form everywhere else is "SIGTERM".
import { type Parsed, show } from "./parsed.ts";

/** Canonical name → number. */
export const SIGNAL_NUMBERS: Readonly<Record<string, number>> = Object.freeze({
  SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGILL: 4, SIGTRAP: 5, SIGABRT: 6, SIGBUS: 7, SIGFPE: 8,
  SIGKILL: 9, SIGUSR1: 10, SIGSEGV: 11, SIGUSR2: 12, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15,
  SIGSTKFLT: 16, SIGCHLD: 17, SIGCONT: 18, SIGSTOP: 19, SIGTSTP: 20, SIGTTIN: 21, SIGTTOU: 22,
  SIGURG: 23, SIGXCPU: 24, SIGXFSZ: 25, SIGVTALRM: 26, SIGPROF: 27, SIGWINCH: 28, SIGIO: 29,
  SIGPWR: 30, SIGSYS: 31,
});

/** Other names for the same numbers. */
const ALIASES: Readonly<Record<string, string>> = { SIGIOT: "SIGABRT", SIGPOLL: "SIGIO", SIGCLD: "SIGCHLD" };

/** glibc's SIGRTMIN (34: it reserves 32 and 33 for itself) and SIGRTMAX. */
const SIGRTMIN = 34;
const SIGRTMAX = 64;

/** Number → canonical name, for 1..64 (real-time ones named as `kill -l` does: SIGRTMIN+n, SIGRTMAX-n). */
export const SIGNAL_NAMES: Readonly<Record<number, string>> = Object.freeze(buildNames());

function buildNames(): Record<number, string> {
  const names: Record<number, string> = {};
  for (const [name, n] of Object.entries(SIGNAL_NUMBERS)) names[n] = name;
  for (let n = SIGRTMIN; n <= SIGRTMAX; n++) {
    const fromMin = n - SIGRTMIN;
    const toMax = SIGRTMAX - n;
    names[n] = fromMin === 0 ? "SIGRTMIN" : toMax === 0 ? "SIGRTMAX" : fromMin <= 15 ? `SIGRTMIN+${fromMin}` : `SIGRTMAX-${toMax}`;
  }
  return names;
}

const SIGNAL_FORM = 'a signal name like "SIGTERM" or "TERM" (or its number)';

/** Parses a signal written in config to its canonical name. */
export function parseSignal(input: unknown): Parsed<string> {
  const n = typeof input === "number" ? input : typeof input === "string" ? toNumber(input) : undefined;
  if (n !== undefined && Number.isInteger(n) && SIGNAL_NAMES[n] !== undefined) return { ok: true, value: SIGNAL_NAMES[n]! };
  return { ok: false, error: `expected ${SIGNAL_FORM}, got ${show(input)}` };
}

/** The number of a signal given by any accepted spelling, or undefined. */
export function signalNumber(input: string): number | undefined {
  const n = toNumber(input);
  return n !== undefined && SIGNAL_NAMES[n] !== undefined ? n : undefined;
}

function toNumber(input: string): number | undefined {
  const text = input.trim().toUpperCase();
  if (/^\d+$/.test(text)) return Number(text);
  const name = text.startsWith("SIG") ? text : `SIG${text}`;
  const known = SIGNAL_NUMBERS[ALIASES[name] ?? name];
  if (known !== undefined) return known;
  const rt = /^SIGRT(MIN|MAX)(?:([+-])(\d+))?$/.exec(name);
  if (!rt) return undefined;
  const offset = rt[2] === undefined ? 0 : Number(rt[3]) * (rt[2] === "+" ? 1 : -1);
  const n = (rt[1] === "MIN" ? SIGRTMIN : SIGRTMAX) + offset;
  return n >= SIGRTMIN && n <= SIGRTMAX ? n : undefined;
}
