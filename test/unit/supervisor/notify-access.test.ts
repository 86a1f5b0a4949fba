// Who may send READY=1 for a run (systemd's NotifyAccess=main/all), given a process table.
import { senderAllowed } from "../../../src/supervisor/notify.ts";

// 100 = main, 101 its child, 102 a grandchild, 200 unrelated (child of 1), 300 child of 200
const parents = new Map([
  [100, 50],
  [101, 100],
  [102, 101],
  [200, 1],
  [300, 200],
]);
const parentOf = (pid: number) => parents.get(pid) ?? null;

describe("senderAllowed", () => {
  test("main: the main process only", () => {
    expect(senderAllowed(100, 100, "main", parentOf)).toBe(true);
    expect(senderAllowed(101, 100, "main", parentOf)).toBe(false);
  });

  test("all: the main process and its descendants, nobody else", () => {
    expect([100, 101, 102].map((p) => senderAllowed(p, 100, "all", parentOf))).toEqual([true, true, true]);
    expect([200, 300, 1, 50].map((p) => senderAllowed(p, 100, "all", parentOf))).toEqual([false, false, false, false]);
  });

  test("a sender that already exited, no credentials, or no main process yet: refused", () => {
    expect(senderAllowed(999, 100, "all", parentOf)).toBe(false);
    expect(senderAllowed(-1, 100, "all", parentOf)).toBe(false);
    expect(senderAllowed(100, null, "all", parentOf)).toBe(false);
  });

  test("a cycle in a (racy) process table ends", () => {
    const loop = new Map([
      [7, 8],
      [8, 7],
    ]);
    expect(senderAllowed(7, 100, "all", (p) => loop.get(p) ?? null)).toBe(false);
  });
});
