// Linux capability names and numbers, as in <linux/capability.h> (0..40, CAP_LAST_CAP = 40).
// Config accepts "CAP_NET_BIND_SERVICE", "net_bind_service", any case; canonical "CAP_NET_BIND_SERVICE".
// "ALL" (alone) means every capability.
import { type Parsed, show } from "../model/parsed.ts";

/** Index = capability number. */
const NAMES = [
  "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
  "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
  "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
  "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
  "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
  "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE",
] as const;

export const CAP_LAST_CAP = NAMES.length - 1;

/** Number → canonical name ("CAP_CHOWN" at 0). */
export const CAPABILITY_NAMES: readonly string[] = Object.freeze(NAMES.map((n) => `CAP_${n}`));

/** Canonical name → number. */
export const CAPABILITY_NUMBERS: Readonly<Record<string, number>> = Object.freeze(
  Object.fromEntries(CAPABILITY_NAMES.map((name, i) => [name, i])),
);

const CAPABILITY_FORM = 'a capability name like "CAP_NET_BIND_SERVICE" (see capabilities(7)), or ["ALL"]';

/** Canonical name for one capability spelling, or undefined. */
export function capabilityName(input: string): string | undefined {
  const text = input.trim().toUpperCase();
  const name = text.startsWith("CAP_") ? text : `CAP_${text}`;
  return CAPABILITY_NUMBERS[name] === undefined ? undefined : name;
}

/** Parses one capability entry; "ALL" is kept as "ALL". */
export function parseCapability(input: unknown): Parsed<string> {
  if (typeof input === "string") {
    if (input.trim().toUpperCase() === "ALL") return { ok: true, value: "ALL" };
    const name = capabilityName(input);
    if (name) return { ok: true, value: name };
  }
  return { ok: false, error: `expected ${CAPABILITY_FORM}, got ${show(input)}` };
}
