import {
  allDependentsOf,
  checkDependencies,
  dependenciesOf,
  dependentsOf,
  startOrder,
  stopOrder,
} from "../../../src/config/graph.ts";

describe("checkDependencies", () => {
  test("a valid graph has no errors", () => {
    expect(checkDependencies({ web: ["db", "cache"], db: [], cache: [], worker: ["db"] })).toEqual([]);
  });
  test("unknown name with did-you-mean", () => {
    expect(checkDependencies({ web: ["dbb"], db: [] })).toEqual([
      { path: "services.web.depends_on[0]", message: 'unknown service "dbb"', hint: 'did you mean "db"?' },
    ]);
  });
  test("unknown name with nothing close lists the services", () => {
    expect(checkDependencies({ web: ["db", "postgres"], db: [] })).toEqual([
      { path: "services.web.depends_on[1]", message: 'unknown service "postgres"', hint: "services are: db, web" },
    ]);
  });
  test("self-dependency", () => {
    expect(checkDependencies({ a: ["a"] })).toEqual([
      { path: "services.a.depends_on[0]", message: '"a" depends on itself', hint: "remove this entry" },
    ]);
  });
  test("a cycle is printed as its real path", () => {
    const errors = checkDependencies({ a: ["b"], b: ["c"], c: ["a"], d: [] });
    expect(errors).toEqual([
      {
        path: "services.a.depends_on[0]",
        message: "dependency cycle: a -> b -> c -> a",
        hint: "remove one of these dependencies",
      },
    ]);
  });
  test("the path follows real edges, shortest from the first name", () => {
    // a -> c -> a is a cycle; a -> b -> c -> a is another; the shortest is reported.
    const errors = checkDependencies({ a: ["x", "b", "c"], b: ["c"], c: ["a"], x: [] });
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toBe("dependency cycle: a -> c -> a");
    expect(errors[0]!.path).toBe("services.a.depends_on[2]");
  });
  test("two separate cycles are two errors, in name order", () => {
    const errors = checkDependencies({ z: ["y"], y: ["z"], b: ["a"], a: ["b"] });
    expect(errors.map((e) => e.message)).toEqual(["dependency cycle: a -> b -> a", "dependency cycle: y -> z -> y"]);
  });
  test("unknown names and cycles are reported together", () => {
    const errors = checkDependencies({ a: ["b", "nope"], b: ["a"] });
    expect(errors.map((e) => e.path)).toEqual(["services.a.depends_on[1]", "services.a.depends_on[0]"]);
  });
  test("a dotted service name is quoted in paths", () => {
    expect(checkDependencies({ "web.v2": ["dbx"], db: [] })[0]!.path).toBe('services["web.v2"].depends_on[0]');
  });
});

describe("order", () => {
  const deps = { web: ["db", "cache"], db: [], cache: [], worker: ["db"], api: ["web"] };
  test("start order: dependencies first, ties by name", () => {
    expect(startOrder(deps)).toEqual(["cache", "db", "web", "api", "worker"]);
  });
  test("start order does not depend on key order", () => {
    const shuffled = { api: ["web"], worker: ["db"], cache: [], web: ["cache", "db"], db: [] };
    expect(startOrder(shuffled)).toEqual(startOrder(deps));
  });
  test("every service comes after each of its dependencies", () => {
    const order = startOrder(deps);
    for (const [name, list] of Object.entries(deps)) {
      for (const d of list) expect(order.indexOf(d)).toBeLessThan(order.indexOf(name));
    }
  });
  test("stop order is the reverse", () => {
    expect(stopOrder(deps)).toEqual(["worker", "api", "web", "db", "cache"]);
  });
  test("duplicates in depends_on count once", () => {
    expect(startOrder({ a: ["b", "b"], b: [] })).toEqual(["b", "a"]);
  });
  test("dependents", () => {
    expect(dependentsOf(deps, "db")).toEqual(["web", "worker"]);
    expect(dependentsOf(deps, "api")).toEqual([]);
    expect(allDependentsOf(deps, "db")).toEqual(["worker", "api", "web"]);
    expect(allDependentsOf(deps, "cache")).toEqual(["api", "web"]);
  });
  test("dependenciesOf reads resolved services", () => {
    expect(dependenciesOf({ a: { depends_on: ["b"] }, b: { depends_on: [] } })).toEqual({ a: ["b"], b: [] });
  });
});
