// Who may run which command (SPEC §6, §8), decided from the peer's kernel credentials.
import type { PeerCred } from "../platform/types.ts";
import { READ_ONLY_COMMANDS } from "./constants.ts";
import type { IpcRequest } from "./protocol.ts";

/** Returns null to allow, or the reason for refusing (sent to the client as `forbidden`). */
export type Authorize = (peer: PeerCred | null, req: IpcRequest) => string | null;

export interface AuthPolicy {
  /** --sys: the socket is 0666, anyone may read, only admins may change anything */
  sys: boolean;
  /** uid the supervisor runs as */
  ownerUid: number;
  /** gids whose members may change a --sys supervisor (the caller resolves group `systemg`) */
  adminGids: readonly number[];
}

/**
 * May this peer change the supervisor? Root, the supervisor's own uid, and members of the admin
 * groups. Also what a --sys `inspect` handler should ask before showing a service's environment
 * (it often holds secrets) to a caller who is only allowed to read.
 */
export function isAdmin(policy: AuthPolicy, peer: PeerCred | null): boolean {
  if (peer === null) return false;
  if (peer.uid === 0 || peer.uid === policy.ownerUid) return true;
  return policy.adminGids.includes(peer.gid) || (peer.groups ?? []).some((g) => policy.adminGids.includes(g));
}

export function defaultAuthorize(policy: AuthPolicy): Authorize {
  return (peer, req) => {
    if (!policy.sys) {
      // Without credentials (a runtime that cannot read them) the 0600 socket in a 0700
      // directory is the only gate, and it already admits just the owner and root.
      if (peer === null || peer.uid === 0 || peer.uid === policy.ownerUid) return null;
      return `uid ${peer.uid} may not control the supervisor of uid ${policy.ownerUid}; only its owner and root may`;
    }
    if (READ_ONLY_COMMANDS.has(req.cmd)) return null;
    // a service (any uid) may spawn children under its own unit: the handler checks that the
    // caller's process belongs to the parent it names (control.ts)
    if (req.cmd === "spawn") return null;
    if (peer === null) return `"${req.cmd}" needs root or group systemg, and the caller's credentials are unknown`;
    if (isAdmin(policy, peer)) return null;
    return `"${req.cmd}" changes the system supervisor: only root and members of group systemg may (you are uid ${peer.uid}); status, inspect and logs are open to everyone`;
  };
}
