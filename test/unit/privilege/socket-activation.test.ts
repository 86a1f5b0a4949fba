import { captureListenFds, socketsForService } from "../../../src/privilege/socket-activation.ts";

describe("captureListenFds", () => {
  test("takes the fds addressed to this pid, with names, and clears the variables", () => {
    const env: Record<string, string | undefined> = { LISTEN_PID: "4242", LISTEN_FDS: "2", LISTEN_FDNAMES: "http:admin", PATH: "/bin" };
    const captured = captureListenFds(env, 4242);
    expect(captured).toEqual({ fds: [{ fd: 3, name: "http" }, { fd: 4, name: "admin" }], warnings: [] });
    expect(env).toEqual({ PATH: "/bin" });
  });

  test("fds meant for another process are ignored, and the variables still cleared", () => {
    const env: Record<string, string | undefined> = { LISTEN_PID: "1", LISTEN_FDS: "1" };
    const captured = captureListenFds(env, 4242);
    expect(captured.fds).toEqual([]);
    expect(captured.warnings).toEqual(["LISTEN_FDS ignored: LISTEN_PID=1 is not this supervisor (pid 4242)"]);
    expect(env).toEqual({});
  });

  test("missing names become \"unknown\" and the mismatch is reported", () => {
    const captured = captureListenFds({ LISTEN_PID: "7", LISTEN_FDS: "3", LISTEN_FDNAMES: "web" }, 7);
    expect(captured.fds.map((f) => f.name)).toEqual(["web", "unknown", "unknown"]);
    expect(captured.warnings).toHaveLength(1);
  });

  test("nothing to capture without LISTEN_FDS; a malformed count is refused", () => {
    expect(captureListenFds({ PATH: "/bin" }, 7)).toEqual({ fds: [], warnings: [] });
    expect(captureListenFds({ LISTEN_PID: "7", LISTEN_FDS: "two" }, 7).fds).toEqual([]);
  });
});

describe("socketsForService", () => {
  test("passes the fds in order with LISTEN_FDS and LISTEN_FDNAMES", () => {
    const captured = captureListenFds({ LISTEN_PID: "9", LISTEN_FDS: "2", LISTEN_FDNAMES: "a:b" }, 9);
    expect(socketsForService(captured)).toEqual({ passFds: [3, 4], env: { LISTEN_FDS: "2", LISTEN_FDNAMES: "a:b" } });
    expect(socketsForService({ fds: [], warnings: [] })).toBeNull();
  });
});
