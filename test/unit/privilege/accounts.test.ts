import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  findGroup,
  findUser,
  groupMembers,
  parseGroup,
  parsePasswd,
  readAccounts,
  resolveGroup,
  resolveUser,
  supplementaryGroupsOf,
} from "../../../src/privilege/accounts.ts";

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const db = readAccounts({ passwd: fixture("passwd"), group: fixture("group") });

describe("passwd and group parsing", () => {
  test("reads every well-formed entry and skips comments, NIS lines and malformed ones", () => {
    const users = parsePasswd(readFileSync(fixture("passwd"), "utf8"));
    expect(users.map((u) => u.name)).toEqual(["root", "daemon", "www-data", "alice", "nobody"]);
    expect(users[3]).toEqual({ name: "alice", uid: 1000, gid: 1000, home: "/home/alice", shell: "/bin/zsh" });
  });

  test("reads group members, trimming spaces, and skips a non-numeric gid", () => {
    const groups = parseGroup(readFileSync(fixture("group"), "utf8"));
    expect(groups.find((g) => g.name === "www-logs")).toEqual({ name: "www-logs", gid: 950, members: ["www-data", "alice"] });
    expect(groups.find((g) => g.name === "bad")).toBeUndefined();
    expect(groups.find((g) => g.name === "root")?.members).toEqual([]);
  });

  test("a missing file reads as no accounts", () => {
    const empty = readAccounts({ passwd: fixture("does-not-exist"), group: fixture("nor-this") });
    expect(empty).toEqual({ users: [], groups: [] });
  });
});

describe("lookups", () => {
  test("users by name, numeric string and number", () => {
    expect(findUser(db, "www-data")?.uid).toBe(33);
    expect(findUser(db, "1000")?.name).toBe("alice");
    expect(findUser(db, 65534)?.name).toBe("nobody");
    expect(findUser(db, "mallory")).toBeUndefined();
  });

  test("groups by name and id", () => {
    expect(findGroup(db, "www-logs")?.gid).toBe(950);
    expect(findGroup(db, "4")?.name).toBe("adm");
  });

  test("supplementary groups are the primary gid plus every group listing the user", () => {
    const alice = findUser(db, "alice")!;
    expect(supplementaryGroupsOf(db, alice)).toEqual([1000, 4, 950]);
    expect(supplementaryGroupsOf(db, findUser(db, "nobody")!)).toEqual([65534]);
  });

  test("group members include listed users and users with it as primary group", () => {
    expect(groupMembers(db, "systemg")).toEqual({ names: ["daemon"], uids: [1] });
    expect(groupMembers(db, "www-data")).toEqual({ names: ["www-data"], uids: [33] });
    expect(groupMembers(db, "adm")?.uids).toEqual([1000, 1]);
    expect(groupMembers(db, "no-such-group")).toBeUndefined();
  });
});

describe("resolving config references", () => {
  test("an unknown user is an error naming the config path, with a hint", () => {
    const r = resolveUser(db, "services.web.user", "www");
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.path).toBe("services.web.user");
    expect(r.error.message).toBe('unknown user "www"');
    expect(r.error.hint).toContain("useradd");
  });

  test("an unknown group is an error naming the config path", () => {
    const r = resolveGroup(db, "services.web.supplementary_groups[1]", "wheel");
    expect(r).toEqual({
      ok: false,
      error: {
        path: "services.web.supplementary_groups[1]",
        message: 'unknown group "wheel"',
        hint: "create it (groupadd --system wheel), name a group from /etc/group, or give a numeric gid",
      },
    });
  });

  test("numeric ids resolve even without an entry", () => {
    const r = resolveUser(db, "services.web.user", "4711");
    expect(r).toEqual({ ok: true, value: { name: "4711", uid: 4711, gid: 4711, home: "/", shell: "/bin/sh" } });
    expect(resolveGroup(db, "services.web.group", "4712")).toEqual({ ok: true, value: 4712 });
  });

  test("a numeric id with an entry takes the entry's home and shell", () => {
    const r = resolveUser(db, "services.web.user", "33");
    expect(r.ok && r.value.home).toBe("/var/www");
  });

  test("ids beyond the kernel's range are names, hence unknown", () => {
    expect(resolveUser(db, "services.web.user", "4294967295").ok).toBe(false);
  });
});
