// Both ends of the sd_notify protocol over unix datagram sockets. Platform.notifySocket receives
// from a service, in the C shim (ffi/notify.c): bound to a path, mode 0600 and owned by the
// service's user, with SO_PASSCRED so every message carries its sender's pid/uid/gid; fds a
// sender passes (systemd-notify's BARRIER=1) are closed at once, so its barrier completes.
// Platform.notifyClient sends sysg's own state to the NOTIFY_SOCKET systemd gave it (a path or an
// abstract "@name"), also through the shim (ffi/host.c).
import { ptr } from "bun:ffi";
import type { NotifyClient, NotifyMessage, NotifySocket } from "../types.ts";
import { errorText, shim } from "./shim.ts";

const AF_UNIX = 1;
/** sizeof(sockaddr_un.sun_path) minus the terminating NUL */
const MAX_PATH = 107;
/** systemd's own limit for one notification (NOTIFY_BUFFER_MAX = PIPE_BUF) */
const MAX_DATAGRAM = 4096;
/** datagrams per receive(): a service flooding its socket cannot stall the supervisor's loop */
const MAX_PER_RECEIVE = 256;
/** the calls of sysg_notify_open, by its step number */
const STEPS = ["", "unlink", "socket", "setsockopt(SO_PASSCRED)", "bind", "chown", "chmod"];

/** struct sockaddr_un for a path, or for an abstract name when `address` starts with "@". */
function sockaddrUn(address: string): { ok: true; addr: Buffer; len: number } | { ok: false; message: string } {
  const abstract = address.startsWith("@");
  const name = Buffer.from(abstract ? address.slice(1) : address);
  if (name.length > MAX_PATH) {
    const what = abstract ? "abstract name" : "path";
    return { ok: false, message: `${what} is ${name.length} bytes, a unix socket ${what} may have at most ${MAX_PATH}` };
  }
  const addr = Buffer.alloc(2 + MAX_PATH + 1); // { sa_family_t; char sun_path[108] }, zero-filled
  addr.writeUInt16LE(AF_UNIX, 0);
  // abstract: a leading NUL and exactly the name's bytes (no terminator counted in the length)
  name.copy(addr, abstract ? 3 : 2);
  return { ok: true, addr, len: abstract ? 3 + name.length : 2 + name.length + 1 };
}

export function notifyClient(address: string): { ok: true; client: NotifyClient } | { ok: false; message: string } {
  if (!address.startsWith("/") && !address.startsWith("@")) {
    return { ok: false, message: `NOTIFY_SOCKET=${address}: expected an absolute path or an abstract "@name"` };
  }
  const where = sockaddrUn(address);
  if (!where.ok) return { ok: false, message: `NOTIFY_SOCKET=${address}: ${where.message}` };
  const lib = shim();
  const fd = lib.sysg_dgram_socket();
  if (fd < 0) return { ok: false, message: `socket: ${errorText(-fd)}` };
  const usec = new BigInt64Array(1);
  let closed = false;
  return {
    ok: true,
    client: {
      address,
      send(message) {
        if (closed) return "closed";
        const bytes = Buffer.from(message);
        const n = lib.sysg_sendto(fd, ptr(bytes), bytes.length, ptr(where.addr), where.len);
        return n >= 0 ? null : `sendto ${address}: ${errorText(-n)}`;
      },
      monotonicUsec() {
        lib.sysg_monotonic_usec(ptr(usec));
        return usec[0]!;
      },
      close() {
        if (closed) return;
        closed = true;
        lib.sysg_close(fd);
      },
    },
  };
}

export function notifySocket(
  path: string,
  owner?: { uid: number; gid: number },
): { ok: true; socket: NotifySocket } | { ok: false; message: string } {
  const lib = shim();
  const cpath = Buffer.from(`${path}\0`);
  if (cpath.length - 1 > MAX_PATH) {
    return { ok: false, message: `path is ${cpath.length - 1} bytes, a unix socket path may have at most ${MAX_PATH}` };
  }
  const step = new Int32Array(1);
  const fd = lib.sysg_notify_open(ptr(cpath), owner?.uid ?? -1, owner?.gid ?? -1, ptr(step));
  if (fd < 0) return { ok: false, message: `${STEPS[step[0]!] || "notify socket"}: ${errorText(-fd)}` };
  const buf = new Uint8Array(MAX_DATAGRAM);
  const cred = new Int32Array(3);
  const decoder = new TextDecoder();
  let closed = false;
  return {
    ok: true,
    socket: {
      path,
      fd,
      receive(max = MAX_PER_RECEIVE) {
        const out: NotifyMessage[] = [];
        while (!closed && out.length < Math.min(max, MAX_PER_RECEIVE)) {
          const n = lib.sysg_notify_recv(fd, ptr(buf), buf.length, ptr(cred));
          if (n < 0) break; // EAGAIN: nothing more waiting
          out.push({ text: decoder.decode(buf.subarray(0, n)), pid: cred[0]!, uid: cred[1]!, gid: cred[2]! });
        }
        return out;
      },
      close() {
        if (closed) return;
        closed = true;
        lib.sysg_close(fd);
        lib.sysg_unlink(ptr(cpath));
      },
    },
  };
}
