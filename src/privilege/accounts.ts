// Accounts from /etc/passwd and /etc/group, read directly (no NSS: sysg is a static binary and
// must not load libc's resolver modules). Paths are injectable so tests use fixture files.
import { readFileSync } from "node:fs";
import type { ConfigError } from "../config/resolved.ts";

export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  /** the fourth field of /etc/group: users listed as members (not those with it as primary) */
  members: string[];
}

export interface AccountDb {
  users: Account[];
  groups: GroupEntry[];
}

export interface AccountPaths {
  passwd?: string;
  group?: string;
}

/** Largest valid id: (uid_t)-1 is reserved as "no change" by the kernel. */
const MAX_ID = 0xfffffffe;

function lines(text: string): string[][] {
  return text
    .split("\n")
    .filter((l) => l.trim() !== "" && !l.startsWith("#") && !l.startsWith("+") && !l.startsWith("-"))
    .map((l) => l.split(":"));
}

function id(field: string | undefined): number | null {
  if (field === undefined || !/^\d+$/.test(field)) return null;
  const n = Number(field);
  return n <= MAX_ID ? n : null;
}

/** passwd(5): name:password:uid:gid:gecos:home:shell. Malformed lines are skipped, as libc does. */
export function parsePasswd(text: string): Account[] {
  const out: Account[] = [];
  for (const f of lines(text)) {
    const uid = id(f[2]);
    const gid = id(f[3]);
    if (f.length < 7 || !f[0] || uid === null || gid === null) continue;
    out.push({ name: f[0], uid, gid, home: f[5] ?? "", shell: f[6] ?? "" });
  }
  return out;
}

/** group(5): name:password:gid:member,member */
export function parseGroup(text: string): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const f of lines(text)) {
    const gid = id(f[2]);
    if (f.length < 4 || !f[0] || gid === null) continue;
    const members = (f[3] ?? "").split(",").map((m) => m.trim()).filter((m) => m !== "");
    out.push({ name: f[0], gid, members });
  }
  return out;
}

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch {
    // A host without /etc/group (minimal containers) simply has no named groups.
    return "";
  }
}

export function readAccounts(paths: AccountPaths = {}): AccountDb {
  return {
    users: parsePasswd(readOrEmpty(paths.passwd ?? "/etc/passwd")),
    groups: parseGroup(readOrEmpty(paths.group ?? "/etc/group")),
  };
}

/** A reference as written in the config: a name, or a numeric id (number or digit string). */
export type AccountRef = string | number;

function numeric(ref: AccountRef): number | null {
  if (typeof ref === "number") return Number.isInteger(ref) && ref >= 0 && ref <= MAX_ID ? ref : null;
  return id(ref);
}

export function findUser(db: AccountDb, ref: AccountRef): Account | undefined {
  const n = numeric(ref);
  return n === null ? db.users.find((u) => u.name === ref) : db.users.find((u) => u.uid === n);
}

export function findGroup(db: AccountDb, ref: AccountRef): GroupEntry | undefined {
  const n = numeric(ref);
  return n === null ? db.groups.find((g) => g.name === ref) : db.groups.find((g) => g.gid === n);
}

/** What initgroups(3) would set for `user`: its primary gid first, then every group listing it. */
export function supplementaryGroupsOf(db: AccountDb, user: Account): number[] {
  const gids = [user.gid];
  for (const g of db.groups) if (g.members.includes(user.name) && !gids.includes(g.gid)) gids.push(g.gid);
  return gids;
}

/** Every user in a group: listed members plus users whose primary group it is (for `systemg`). */
export function groupMembers(db: AccountDb, ref: AccountRef): { names: string[]; uids: number[] } | undefined {
  const g = findGroup(db, ref);
  if (!g) return undefined;
  const names = [...g.members];
  for (const u of db.users) if (u.gid === g.gid && !names.includes(u.name)) names.push(u.name);
  const uids = names.flatMap((n) => db.users.filter((u) => u.name === n).map((u) => u.uid));
  return { names, uids: [...new Set(uids)] };
}

export type Resolved<T> = { ok: true; value: T } | { ok: false; error: ConfigError };

/**
 * A user for a config key. A numeric id absent from /etc/passwd is accepted, like
 * `docker run --user 1000`: primary gid = the same number, HOME "/", SHELL "/bin/sh".
 */
export function resolveUser(db: AccountDb, path: string, ref: AccountRef): Resolved<Account> {
  const found = findUser(db, ref);
  if (found) return { ok: true, value: found };
  const n = numeric(ref);
  if (n !== null) return { ok: true, value: { name: String(n), uid: n, gid: n, home: "/", shell: "/bin/sh" } };
  return {
    ok: false,
    error: {
      path,
      message: `unknown user ${JSON.stringify(String(ref))}`,
      hint: `create it (useradd --system ${String(ref)}), name an account from /etc/passwd, or give a numeric uid`,
    },
  };
}

/** A group for a config key; numeric gids need no /etc/group entry. */
export function resolveGroup(db: AccountDb, path: string, ref: AccountRef): Resolved<number> {
  const found = findGroup(db, ref);
  if (found) return { ok: true, value: found.gid };
  const n = numeric(ref);
  if (n !== null) return { ok: true, value: n };
  return {
    ok: false,
    error: {
      path,
      message: `unknown group ${JSON.stringify(String(ref))}`,
      hint: `create it (groupadd --system ${String(ref)}), name a group from /etc/group, or give a numeric gid`,
    },
  };
}
