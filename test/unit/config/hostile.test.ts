// Hostile config files found by the chaos suite (scripts/chaos/configs.ts): each used to hang
// `sysg check` or overflow the stack; now each is one located error, quickly.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readConfig } from "../../../src/config/find.ts";
import { checkDependencies, startOrder } from "../../../src/config/graph.ts";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "sysg-hostile-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const read = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return readConfig(p);
};

describe("readConfig refuses hostile files", () => {
  test("a YAML alias bomb (9^12 values) is refused, not expanded", async () => {
    let s = 'version: "1"\nx-a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    for (let i = 1; i <= 12; i++) s += `x-a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(",")}]\n`;
    const r = await read("bomb.yaml", `${s}services:\n  a:\n    command: *a12\n`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toBe("YAML aliases expand to more than 1,000,000 values");
  });
  test("aliases used a normal number of times still work", async () => {
    const r = await read("ok.yaml", 'version: "1"\nx-env: &e {A: "1"}\nservices:\n  a:\n    command: "true"\n    env:\n      vars: *e\n  b:\n    command: "true"\n    env:\n      vars: *e\n');
    expect(r.ok).toBe(true);
  });
  test("JSON nested 100,000 deep is refused (it overflowed the validator's stack)", async () => {
    const d = 100_000;
    const r = await read("deep.json", `{"version":"1","services":{"a":{"command":${"[".repeat(d)}1${"]".repeat(d)}}}}`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toBe("JSON nesting deeper than 100 levels");
  });
  test("TOML is held to the same depth", async () => {
    const r = await read("deep.toml", `version = "1"\nx = ${"[".repeat(150)}1${"]".repeat(150)}\n`);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toContain("nesting deeper than 100 levels");
  });
});

describe("the dependency graph at scale", () => {
  // a 10 MB config of a 45k-service chain overflowed the recursive cycle search
  const chain = (n: number, cycle: boolean) => {
    const deps: Record<string, string[]> = {};
    for (let i = 0; i < n; i++) deps[`s${i}`] = i + 1 < n ? [`s${i + 1}`] : cycle ? ["s0"] : [];
    return deps;
  };
  test("a 50,000-service chain orders without overflowing the stack", () => {
    const deps = chain(50_000, false);
    expect(checkDependencies(deps)).toEqual([]);
    const order = startOrder(deps);
    expect(order).toHaveLength(50_000);
    expect(order[0]).toBe("s49999");
    expect(order[49_999]).toBe("s0");
  });
  test("a 50,000-service cycle is reported once", () => {
    const errors = checkDependencies(chain(50_000, true));
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message.startsWith("dependency cycle: s0 -> s1 -> s2 -> ")).toBe(true);
    expect(errors[0]!.message.endsWith("s49999 -> s0")).toBe(true);
  });
});

describe("many errors", () => {
  test("100,000 errors are tidied in one pass (a depends_on of 100,000 unknown names took minutes)", async () => {
    const { tidyErrors } = await import("../../../src/config/errors.ts");
    const depends = Array.from({ length: 100_000 }, (_, i) => `d${i}`);
    const raw = { version: "1", services: { hello: { command: "true", depends_on: depends } } };
    const errors = depends.map((d, i) => ({ path: `services.hello.depends_on[${i}]`, message: `unknown service "${d}"` }));
    // one error at an enclosing place covers the ones inside it
    const tidy = tidyErrors([{ path: "services.hello.depends_on[5]", message: "x" }, ...errors], raw);
    expect(tidy).toHaveLength(100_000);
    expect(tidy[5]!.message).toBe("x");
    expect(tidyErrors([{ path: "services.hello", message: "bad" }, ...errors], raw)).toHaveLength(1);
  });
});
