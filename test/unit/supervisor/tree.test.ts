import type { ProcEntry } from "../../../src/supervisor/tree.ts";
import { ProcessTree } from "../../../src/supervisor/tree.ts";

// A fake process table: ProcessTree's logic is pure given one /proc scan.
function table(rows: [pid: number, ppid: number, pgid: number, start: number][]): () => ProcEntry[] {
  return () => rows.map(([pid, ppid, pgid, startTime]) => ({ pid, ppid, pgid, startTime }));
}

describe("ProcessTree", () => {
  test("finds descendants, including ones that left the group with setsid", () => {
    const rows: [number, number, number, number][] = [
      [1, 0, 1, 1],
      [100, 1, 100, 5], // the service (session leader)
      [101, 100, 100, 6], // child in the group
      [102, 101, 102, 7], // grandchild that called setsid
      [200, 1, 200, 8], // unrelated
    ];
    const t = new ProcessTree(table(rows), 100, 100);
    expect(t.refresh().map((e) => e.pid).sort()).toEqual([100, 101, 102]);
  });

  test("keeps members re-parented after their parent died", () => {
    const rows: [number, number, number, number][] = [
      [100, 1, 100, 5],
      [101, 100, 100, 6],
      [102, 101, 102, 7],
    ];
    const t = new ProcessTree(table(rows), 100, 100);
    t.refresh();
    // 100 and 101 die; 102 is re-parented to the subreaper (pid 50)
    rows.splice(0, 2);
    rows[0] = [102, 50, 102, 7];
    t.rootReaped = true;
    expect(t.refresh().map((e) => e.pid)).toEqual([102]);
  });

  test("never adopts a recycled pid", () => {
    const rows: [number, number, number, number][] = [
      [100, 1, 100, 5],
      [101, 100, 101, 6],
    ];
    const t = new ProcessTree(table(rows), 100, 100);
    t.refresh();
    rows.length = 0;
    rows.push([101, 1, 101, 999]); // same pid, other process
    t.rootReaped = true;
    expect(t.refresh()).toEqual([]);
  });

  test("includes processes still in the service's group after the root is gone", () => {
    const rows: [number, number, number, number][] = [[103, 1, 100, 9]];
    const t = new ProcessTree(table(rows), 100, 100);
    t.rootReaped = true;
    expect(t.refresh().map((e) => e.pid)).toEqual([103]);
  });
});

describe("ProcessTree adoption by SYSG_UNIT mark", () => {
  // the supervisor is pid 50 (child subreaper); 100 is web's main process, 300 another unit's
  const marks = new Map<number, string>([
    [100, "web:run1"],
    [110, "web:run1"], // double-forked + setsid daemon, re-parented to 50 before any walk saw it
    [111, "web:run1"], // its child
    [120, "web:run0"], // left over by an older run of web
    [300, "db:run1"],
    [310, "db:run1"], // db's own escaped daemon
  ]);
  const rows: [number, number, number, number][] = [
    [50, 1, 50, 1],
    [100, 50, 100, 5],
    [110, 50, 110, 6],
    [111, 110, 110, 7],
    [120, 50, 120, 3],
    [130, 50, 130, 8], // unmarked orphan (cleared its environment)
    [300, 50, 300, 9],
    [310, 50, 310, 10],
  ];
  const adoption = (mark: string) => ({ self: 50, mark, of: (e: ProcEntry) => marks.get(e.pid) ?? null });

  test("a re-parented process carrying the run's mark is a member, with its descendants", () => {
    const t = new ProcessTree(table(rows), 100, 100, adoption("web:run1"));
    expect(t.refresh().map((e) => e.pid).sort()).toEqual([100, 110, 111]);
  });
  test("another unit's or another run's processes, and unmarked ones, are not", () => {
    const t = new ProcessTree(table(rows), 300, 300, adoption("db:run1"));
    expect(t.refresh().map((e) => e.pid).sort()).toEqual([300, 310]);
  });
  test("without adoption the escaped daemon is not found (the old behaviour)", () => {
    const t = new ProcessTree(table(rows), 100, 100);
    expect(t.refresh().map((e) => e.pid).sort()).toEqual([100]);
  });
});

describe("ProcessTree adoption by mark, many units", () => {
  test("many trees over one scan read each re-parented child's mark once, and each finds its own", () => {
    const self = 1;
    const n = 300;
    // per unit: its root (child of self) and an adopted daemon (also a child of self) carrying its mark
    const table = [{ pid: self, ppid: 0, pgid: self, startTime: 1 }];
    const marks = new Map<number, string>();
    for (let i = 0; i < n; i++) {
      const root = 1000 + i;
      const daemon = 5000 + i;
      table.push({ pid: root, ppid: self, pgid: root, startTime: 2 });
      table.push({ pid: daemon, ppid: self, pgid: daemon, startTime: 3 });
      marks.set(daemon, `u${i}`);
    }
    let calls = 0;
    const of = (e: { pid: number }) => {
      calls++;
      return marks.get(e.pid) ?? null;
    };
    const trees = Array.from({ length: n }, (_, i) => new ProcessTree(() => table, 1000 + i, 1000 + i, { self, mark: `u${i}`, of }));
    const found = trees.map((t) => t.refresh(table).map((e) => e.pid).sort((a, b) => a - b));
    expect(found[0]).toEqual([1000, 5000]);
    expect(found[n - 1]).toEqual([1000 + n - 1, 5000 + n - 1]);
    expect(calls).toBe(2 * n); // once per child of the supervisor, not once per child per tree
  });
});
