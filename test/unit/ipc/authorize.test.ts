import { defaultAuthorize, isAdmin } from "../../../src/ipc/authorize.ts";
import type { IpcRequest } from "../../../src/ipc/protocol.ts";

const req = (cmd: string) => ({ v: 1, id: 1, cmd, ...(cmd === "inspect" ? { name: "web" } : {}) }) as IpcRequest;
const peer = (uid: number, gid = uid, groups?: number[]) => ({ pid: 100, uid, gid, ...(groups ? { groups } : {}) });
const ALL = ["status", "inspect", "ping", "start", "stop", "restart", "reload", "shutdown"];
const MUTATING = ["start", "stop", "restart", "reload", "shutdown"];

describe("user mode", () => {
  const auth = defaultAuthorize({ sys: false, ownerUid: 1000, adminGids: [] });

  test("the owner and root may do anything", () => {
    for (const cmd of ALL) {
      expect(auth(peer(1000), req(cmd))).toBeNull();
      expect(auth(peer(0), req(cmd))).toBeNull();
    }
  });

  test("another user may do nothing, and is told why", () => {
    for (const cmd of ALL) {
      const reason = auth(peer(1001), req(cmd));
      expect(reason).toContain("uid 1001");
      expect(reason).toContain("uid 1000");
    }
  });

  test("unknown credentials rely on the socket's file mode", () => {
    expect(auth(null, req("stop"))).toBeNull();
  });
});

describe("sys mode", () => {
  const auth = defaultAuthorize({ sys: true, ownerUid: 0, adminGids: [990] });

  test("anyone may read", () => {
    for (const cmd of ["status", "inspect", "ping"]) {
      expect(auth(peer(65534), req(cmd))).toBeNull();
      expect(auth(null, req(cmd))).toBeNull();
    }
  });

  test("others may not change anything, and the reason names who may", () => {
    for (const cmd of MUTATING) {
      const reason = auth(peer(65534), req(cmd));
      expect(reason).toContain(cmd);
      expect(reason).toContain("systemg");
      expect(reason).toContain("65534");
      expect(auth(null, req(cmd))).toContain("systemg");
    }
  });

  test("root and group systemg members (primary or supplementary) may change things", () => {
    for (const cmd of MUTATING) {
      expect(auth(peer(0), req(cmd))).toBeNull();
      expect(auth(peer(1000, 990), req(cmd))).toBeNull();
      expect(auth(peer(1000, 1000, [27, 990]), req(cmd))).toBeNull();
      expect(auth(peer(1000, 1000, [27]), req(cmd))).not.toBeNull();
    }
  });
});

describe("isAdmin", () => {
  const policy = { sys: true, ownerUid: 0, adminGids: [990] };

  test("root, the owner and admin-group members are admins; others and unknown peers are not", () => {
    expect(isAdmin(policy, peer(0))).toBe(true);
    expect(isAdmin({ ...policy, ownerUid: 1000 }, peer(1000))).toBe(true);
    expect(isAdmin(policy, peer(1000, 990))).toBe(true);
    expect(isAdmin(policy, peer(1000, 1000, [990]))).toBe(true);
    expect(isAdmin(policy, peer(1000, 1000, [27]))).toBe(false);
    expect(isAdmin(policy, null)).toBe(false);
  });
});
