// Platform.notifySocket: the receiving end of the sd_notify protocol — a non-blocking unix
// datagram socket bound to a path, through libc (bun:ffi). Reads use plain recv() without a
// control buffer, so fds a sender passes (systemd-notify's BARRIER=1) are closed by the kernel
// and the sender's barrier completes.
import { dlopen, FFIType, ptr, read } from "bun:ffi";
import type { NotifySocket } from "../types.ts";
import { errorText } from "./shim.ts";

const AF_UNIX = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const MSG_DONTWAIT = 0x40;
const ENOENT = 2;
const EINTR = 4;
/** sizeof(sockaddr_un.sun_path) minus the terminating NUL */
const MAX_PATH = 107;
/** systemd's own limit for one notification (NOTIFY_BUFFER_MAX = PIPE_BUF) */
const MAX_DATAGRAM = 4096;
/** datagrams per receive(): a service flooding its socket cannot stall the supervisor's loop */
const MAX_PER_RECEIVE = 256;

type Libc = ReturnType<typeof open>;
let libc: Libc | null = null;

function open() {
  return dlopen("libc.so.6", {
    socket: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    bind: { args: [FFIType.i32, FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
    chmod: { args: [FFIType.ptr, FFIType.u32], returns: FFIType.i32 },
    unlink: { args: [FFIType.ptr], returns: FFIType.i32 },
    recv: { args: [FFIType.i32, FFIType.ptr, FFIType.u64, FFIType.i32], returns: FFIType.i64 },
    close: { args: [FFIType.i32], returns: FFIType.i32 },
    __errno_location: { args: [], returns: FFIType.ptr },
  });
}

export function notifySocket(path: string): { ok: true; socket: NotifySocket } | { ok: false; message: string } {
  const lib = (libc ??= open()).symbols;
  const errno = () => read.i32(lib.__errno_location()!, 0);
  const fail = (call: string) => ({ ok: false as const, message: `${call}: ${errorText(errno())}` });
  const cpath = Buffer.from(`${path}\0`);
  if (cpath.length - 1 > MAX_PATH) {
    return { ok: false, message: `path is ${cpath.length - 1} bytes, a unix socket path may have at most ${MAX_PATH}` };
  }
  // A file left by an earlier run (or a supervisor that was killed) would make bind fail.
  if (lib.unlink(ptr(cpath)) !== 0 && errno() !== ENOENT) return fail("unlink");
  const fd = lib.socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("socket");
  const addr = Buffer.alloc(2 + MAX_PATH + 1); // struct sockaddr_un { sa_family_t; char sun_path[108] }
  addr.writeUInt16LE(AF_UNIX, 0);
  cpath.copy(addr, 2);
  if (lib.bind(fd, ptr(addr), 2 + cpath.length) !== 0) {
    const r = fail("bind");
    lib.close(fd);
    return r;
  }
  // The service may run as another user; the socket only accepts datagrams, so anyone may write.
  if (lib.chmod(ptr(cpath), 0o666) !== 0) {
    const r = fail("chmod");
    lib.close(fd);
    lib.unlink(ptr(cpath));
    return r;
  }
  const buf = new Uint8Array(MAX_DATAGRAM);
  const decoder = new TextDecoder();
  let closed = false;
  return {
    ok: true,
    socket: {
      path,
      fd,
      receive() {
        const out: string[] = [];
        while (!closed && out.length < MAX_PER_RECEIVE) {
          const n = Number(lib.recv(fd, ptr(buf), buf.length, MSG_DONTWAIT));
          if (n < 0 && errno() === EINTR) continue;
          if (n < 0) break; // EAGAIN: nothing more waiting
          out.push(decoder.decode(buf.subarray(0, n)));
        }
        return out;
      },
      close() {
        if (closed) return;
        closed = true;
        lib.close(fd);
        lib.unlink(ptr(cpath));
      },
    },
  };
}
