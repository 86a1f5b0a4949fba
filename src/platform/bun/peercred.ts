// SO_PEERCRED / SO_PEERGROUPS on a connected unix socket, through libc getsockopt (bun:ffi).
// Both are snapshots the kernel took at connect(), so they cannot be spoofed by the peer later.
import { dlopen, FFIType, ptr } from "bun:ffi";
import type { PeerCred } from "../types.ts";

const SOL_SOCKET = 1;
const SO_PEERCRED = 17;
const SO_PEERGROUPS = 59;

type Libc = ReturnType<typeof open>;
let libc: Libc | null = null;

function open() {
  return dlopen("libc.so.6", {
    getsockopt: { args: [FFIType.i32, FFIType.i32, FFIType.i32, FFIType.ptr, FFIType.ptr], returns: FFIType.i32 },
  });
}

/** The peer's pid/uid/gid and supplementary groups; null when the fd is not a unix socket. */
export function peerCred(fd: number): PeerCred | null {
  libc ??= open();
  const ucred = new Int32Array(3);
  const len = new Uint32Array([ucred.byteLength]);
  if (libc.symbols.getsockopt(fd, SOL_SOCKET, SO_PEERCRED, ptr(ucred), ptr(len)) !== 0) return null;
  const cred: PeerCred = { pid: ucred[0]!, uid: ucred[1]!, gid: ucred[2]! };
  const groups = peerGroups(libc, fd);
  if (groups) cred.groups = groups;
  return cred;
}

function peerGroups(lib: Libc, fd: number): number[] | null {
  let gids = new Uint32Array(64);
  for (let attempt = 0; attempt < 2; attempt++) {
    const len = new Uint32Array([gids.byteLength]);
    if (lib.symbols.getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, ptr(gids), ptr(len)) === 0) {
      return Array.from(gids.subarray(0, len[0]! / 4));
    }
    // On ERANGE the kernel writes the size it needs into len; retry once with that.
    if (len[0]! <= gids.byteLength) return null;
    gids = new Uint32Array(len[0]! / 4);
  }
  return null;
}
