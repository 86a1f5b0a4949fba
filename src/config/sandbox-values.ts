// Value parsers for the isolation hardening keys (systemd.exec spellings): sandbox paths with the
// "-" (ignore if missing) prefix, namespace and address-family names with an optional leading
// "~" (deny-list), seccomp_errno and system_call_architectures. Pure data and checks.
import { type Parsed, show } from "../model/parsed.ts";
import { suggest } from "../model/suggest.ts";

const fail = <T>(error: string, hint?: string): Parsed<T> => (hint ? { ok: false, error, hint } : { ok: false, error });
const didYouMean = (word: string, known: readonly string[]) => {
  const s = suggest(word, known);
  return s ? `did you mean "${s}"?` : undefined;
};

/** "/var/lib/app" or "-/var/lib/app" (systemd: ignored when it does not exist); no ".." parts. */
export function parseSandboxPath(input: unknown): Parsed<string> {
  const text = typeof input === "string" ? input.trim() : undefined;
  const path = text?.startsWith("-") ? text.slice(1) : text;
  if (path === undefined || !path.startsWith("/"))
    return fail(`expected an absolute path like "/var/lib/app" (prefix "-" to ignore it when missing), got ${show(input)}`);
  if (path.split("/").includes("..")) return fail(`${show(input)} has a ".." component`, "write the path without ..");
  return { ok: true, value: text! };
}

/** CLONE_NEW* flag of each namespace name restrict_namespaces accepts (systemd's names). */
export const NAMESPACE_FLAGS: Readonly<Record<string, number>> = {
  cgroup: 0x02000000,
  ipc: 0x08000000,
  mnt: 0x00020000,
  net: 0x40000000,
  pid: 0x20000000,
  user: 0x10000000,
  uts: 0x04000000,
};

export function parseNamespaceName(input: unknown): Parsed<string> {
  const text = typeof input === "string" ? input.trim() : "";
  const name = text.startsWith("~") ? text.slice(1) : text;
  if (name in NAMESPACE_FLAGS) return { ok: true, value: text };
  return fail(
    `expected a namespace name (${Object.keys(NAMESPACE_FLAGS).join(", ")}), optionally "~" first to deny, got ${show(input)}`,
    didYouMean(name, Object.keys(NAMESPACE_FLAGS)),
  );
}

/** <linux/socket.h> address families (x86_64 and every other Linux arch share them). */
export const ADDRESS_FAMILIES: Readonly<Record<string, number>> = {
  AF_UNIX: 1, AF_LOCAL: 1, AF_INET: 2, AF_AX25: 3, AF_IPX: 4, AF_APPLETALK: 5, AF_NETROM: 6, AF_BRIDGE: 7,
  AF_ATMPVC: 8, AF_X25: 9, AF_INET6: 10, AF_ROSE: 11, AF_DECnet: 12, AF_NETBEUI: 13, AF_SECURITY: 14,
  AF_KEY: 15, AF_NETLINK: 16, AF_PACKET: 17, AF_ASH: 18, AF_ECONET: 19, AF_ATMSVC: 20, AF_RDS: 21,
  AF_SNA: 22, AF_IRDA: 23, AF_PPPOX: 24, AF_WANPIPE: 25, AF_LLC: 26, AF_IB: 27, AF_MPLS: 28, AF_CAN: 29,
  AF_TIPC: 30, AF_BLUETOOTH: 31, AF_IUCV: 32, AF_RXRPC: 33, AF_ISDN: 34, AF_PHONET: 35, AF_IEEE802154: 36,
  AF_CAIF: 37, AF_ALG: 38, AF_NFC: 39, AF_VSOCK: 40, AF_KCM: 41, AF_QIPCRTR: 42, AF_SMC: 43, AF_XDP: 44,
  AF_MCTP: 45,
};

/** "AF_INET", "~AF_PACKET", or "none" (no sockets at all). */
export function parseAddressFamily(input: unknown): Parsed<string> {
  const text = typeof input === "string" ? input.trim() : "";
  if (text === "none") return { ok: true, value: text };
  const name = (text.startsWith("~") ? text.slice(1) : text).toUpperCase().replace(/^AF_DECNET$/, "AF_DECnet");
  if (name in ADDRESS_FAMILIES) return { ok: true, value: text.startsWith("~") ? `~${name}` : name };
  return fail(
    `expected an address family like "AF_UNIX", "AF_INET", "AF_INET6" (optionally "~" first to deny) or "none", got ${show(input)}`,
    didYouMean(name, Object.keys(ADDRESS_FAMILIES)),
  );
}

/** Linux errno numbers (asm-generic, which x86_64 uses), for seccomp_errno. */
export const ERRNO_NAMES: Readonly<Record<string, number>> = {
  EPERM: 1, ENOENT: 2, ESRCH: 3, EINTR: 4, EIO: 5, ENXIO: 6, E2BIG: 7, ENOEXEC: 8, EBADF: 9, ECHILD: 10,
  EAGAIN: 11, ENOMEM: 12, EACCES: 13, EFAULT: 14, EBUSY: 16, EEXIST: 17, EXDEV: 18, ENODEV: 19,
  ENOTDIR: 20, EISDIR: 21, EINVAL: 22, ENFILE: 23, EMFILE: 24, ENOTTY: 25, ETXTBSY: 26, EFBIG: 27,
  ENOSPC: 28, ESPIPE: 29, EROFS: 30, EMLINK: 31, EPIPE: 32, EDOM: 33, ERANGE: 34, EDEADLK: 35,
  ENAMETOOLONG: 36, ENOLCK: 37, ENOSYS: 38, ENOTEMPTY: 39, ELOOP: 40, ENOMSG: 42, EIDRM: 43, ENODATA: 61,
  ETIME: 62, EPROTO: 71, EOVERFLOW: 75, EBADFD: 77, EILSEQ: 84, EUSERS: 87, ENOTSOCK: 88, EMSGSIZE: 90,
  EPROTOTYPE: 91, ENOPROTOOPT: 92, EPROTONOSUPPORT: 93, EOPNOTSUPP: 95, ENOTSUP: 95, EAFNOSUPPORT: 97,
  EADDRINUSE: 98, EADDRNOTAVAIL: 99, ENETDOWN: 100, ENETUNREACH: 101, ECONNABORTED: 103, ECONNRESET: 104,
  ENOBUFS: 105, ETIMEDOUT: 110, ECONNREFUSED: 111, EHOSTUNREACH: 113, EALREADY: 114, EINPROGRESS: 115,
  ESTALE: 116, EDQUOT: 122, ECANCELED: 125, ENOKEY: 126,
};

/** An errno name ("EPERM"), a number 1..4095, or "kill" (the process dies with SIGSYS). */
export function parseSeccompErrno(input: unknown): Parsed<string> {
  if (typeof input === "number" && Number.isInteger(input) && input >= 1 && input <= 4095) return { ok: true, value: String(input) };
  const text = typeof input === "string" ? input.trim() : "";
  if (text === "kill") return { ok: true, value: text };
  if (text.toUpperCase() in ERRNO_NAMES) return { ok: true, value: text.toUpperCase() };
  return fail(`expected an errno name like "EPERM", or "kill", got ${show(input)}`, didYouMean(text.toUpperCase(), [...Object.keys(ERRNO_NAMES), "kill"]));
}

/** The errno of a parsed seccomp_errno, or null for "kill". */
export function seccompErrnoValue(value: string | number | undefined): number | null {
  if (value === undefined) return ERRNO_NAMES.EPERM!;
  if (value === "kill") return null;
  return typeof value === "number" ? value : (ERRNO_NAMES[value.toUpperCase()] ?? Number(value));
}

/** Only "native": sysg compiles its filters for the machine it runs on. */
export function parseSyscallArchitectures(input: unknown): Parsed<string> {
  const text = typeof input === "string" ? input.trim() : Array.isArray(input) && input.length === 1 ? String(input[0]).trim() : "";
  if (text === "native") return { ok: true, value: text };
  return fail(
    `expected "native", got ${show(input)}`,
    "sysg builds its seccomp filters for the native architecture only; other ABIs (x86, x32) are what \"native\" turns off",
  );
}
