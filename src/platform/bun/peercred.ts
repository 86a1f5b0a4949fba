// SO_PEERCRED / SO_PEERGROUPS on a connected unix socket, through the shim (ffi/host.c).
// Both are snapshots the kernel took at connect(), so they cannot be spoofed by the peer later.
import { ptr } from "bun:ffi";
import type { PeerCred } from "../types.ts";
import { shim } from "./shim.ts";

const ERANGE = 34;

/** The peer's pid/uid/gid and supplementary groups; null when the fd is not a unix socket. */
export function peerCred(fd: number): PeerCred | null {
  const ucred = new Int32Array(3);
  if (shim().sysg_peercred(fd, ptr(ucred)) !== 0) return null;
  const cred: PeerCred = { pid: ucred[0]!, uid: ucred[1]!, gid: ucred[2]! };
  const groups = peerGroups(fd);
  if (groups) cred.groups = groups;
  return cred;
}

function peerGroups(fd: number): number[] | null {
  let gids = new Uint32Array(64);
  for (let attempt = 0; attempt < 2; attempt++) {
    const len = new Uint32Array([gids.byteLength]);
    const r = shim().sysg_peergroups(fd, ptr(gids), ptr(len));
    if (r === 0) return Array.from(gids.subarray(0, len[0]! / 4));
    // ERANGE: the kernel wrote the size it needs into len; retry once with that
    if (r !== -ERANGE || len[0]! <= gids.byteLength) return null;
    gids = new Uint32Array(len[0]! / 4);
  }
  return null;
}
