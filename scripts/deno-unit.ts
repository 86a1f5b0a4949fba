// Runs the portable unit tests (test/unit/**) under Deno, proving the core needs no Bun.
// Test files use bun:test's globals without importing them; this file provides the same
// globals (describe/test/it/expect/hooks) with the matchers the house rules allow, runs every
// test sequentially and ends with "deno: N passed, N failed".
//   deno run -A scripts/deno-unit.ts [files or dirs …]   (default: test/unit)
import { readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { isDeepStrictEqual, inspect } from "node:util";

type Fn = () => unknown | Promise<unknown>;
interface Suite {
  name: string;
  tests: { name: string; fn: Fn; skip: boolean }[];
  suites: Suite[];
  before: Fn[];
  after: Fn[];
  beforeEach: Fn[];
  afterEach: Fn[];
}
const newSuite = (name: string): Suite => ({ name, tests: [], suites: [], before: [], after: [], beforeEach: [], afterEach: [] });
const root = newSuite("");
let current = root;

function describe(name: string, body: () => void): void {
  const s = newSuite(name);
  current.suites.push(s);
  const parent = current;
  current = s;
  try {
    body();
  } finally {
    current = parent;
  }
}
function test(name: string, fn: Fn): void {
  current.tests.push({ name, fn, skip: false });
}
test.skip = (name: string, fn: Fn) => current.tests.push({ name, fn, skip: true });
test.if = (cond: boolean) => (cond ? test : test.skip);
test.skipIf = (cond: boolean) => (cond ? test.skip : test);
describe.skip = (_name: string, _body: () => void) => {};

class AssertionError extends Error {}
const show = (v: unknown) => inspect(v, { depth: 6, breakLength: 120 });

function loosePropsEqual(a: unknown, b: unknown): boolean {
  // toEqual ignores undefined properties and null prototypes, like bun's and jest's.
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    const proto = v && typeof v === "object" ? Object.getPrototypeOf(v) : undefined;
    if (v && typeof v === "object" && (proto === Object.prototype || proto === null)) {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (x !== undefined) o[k] = strip(x);
      return o;
    }
    return v;
  };
  return isDeepStrictEqual(strip(a), strip(b));
}

/** Every property of `expected` is in `actual` with a matching value (objects compared as subsets). */
function matchesObject(actual: unknown, expected: unknown): boolean {
  if (expected === null || typeof expected !== "object") return Object.is(actual, expected);
  if (Array.isArray(expected))
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matchesObject(actual[i], e));
  if (actual === null || typeof actual !== "object") return false;
  return Object.entries(expected).every(([k, v]) => matchesObject((actual as Record<string, unknown>)[k], v));
}

function expect(actual: unknown) {
  const make = (negate: boolean) => {
    const check = (pass: boolean, what: string) => {
      if (pass === negate) throw new AssertionError(`expected ${show(actual)} ${negate ? "not " : ""}${what}`);
    };
    const m = {
      toBe: (e: unknown) => check(Object.is(actual, e), `to be ${show(e)}`),
      toEqual: (e: unknown) => check(loosePropsEqual(actual, e), `to equal ${show(e)}`),
      toStrictEqual: (e: unknown) => check(isDeepStrictEqual(actual, e), `to strictly equal ${show(e)}`),
      toContain: (e: unknown) =>
        check(
          typeof actual === "string" ? actual.includes(e as string) : Array.isArray(actual) && actual.some((x) => Object.is(x, e)),
          `to contain ${show(e)}`,
        ),
      toContainEqual: (e: unknown) =>
        check(Array.isArray(actual) && actual.some((x) => loosePropsEqual(x, e)), `to contain an item equal to ${show(e)}`),
      toMatchObject: (e: unknown) => check(matchesObject(actual, e), `to match object ${show(e)}`),
      toMatch: (e: RegExp | string) =>
        check(typeof actual === "string" && (typeof e === "string" ? actual.includes(e) : e.test(actual)), `to match ${show(e)}`),
      toThrow: (e?: RegExp | string) => {
        let threw = false;
        let msg = "";
        try {
          (actual as () => unknown)();
        } catch (err) {
          threw = true;
          msg = err instanceof Error ? err.message : String(err);
        }
        const ok = threw && (e === undefined || (typeof e === "string" ? msg.includes(e) : e.test(msg)));
        check(ok, `to throw${e === undefined ? "" : ` ${show(e)}`}`);
      },
      toBeNull: () => check(actual === null, "to be null"),
      toBeUndefined: () => check(actual === undefined, "to be undefined"),
      toBeDefined: () => check(actual !== undefined, "to be defined"),
      toBeTruthy: () => check(Boolean(actual), "to be truthy"),
      toBeFalsy: () => check(!actual, "to be falsy"),
      toHaveLength: (n: number) => check((actual as { length?: number })?.length === n, `to have length ${n}`),
      toBeGreaterThan: (n: number) => check((actual as number) > n, `to be > ${n}`),
      toBeGreaterThanOrEqual: (n: number) => check((actual as number) >= n, `to be >= ${n}`),
      toBeLessThan: (n: number) => check((actual as number) < n, `to be < ${n}`),
      toBeLessThanOrEqual: (n: number) => check((actual as number) <= n, `to be <= ${n}`),
      toHaveProperty: (key: string, value?: unknown) => {
        let v: unknown = actual;
        let has = true;
        for (const k of key.split(".")) {
          if (v !== null && v !== undefined && typeof v === "object" && k in (v as object)) v = (v as Record<string, unknown>)[k];
          else has = false;
        }
        check(has && (value === undefined || loosePropsEqual(v, value)), `to have property ${key}`);
      },
    };
    return m;
  };
  return Object.assign(make(false), { not: make(true) });
}

Object.assign(globalThis, {
  describe,
  test,
  it: test,
  expect,
  beforeAll: (f: Fn) => current.before.push(f),
  afterAll: (f: Fn) => current.after.push(f),
  beforeEach: (f: Fn) => current.beforeEach.push(f),
  afterEach: (f: Fn) => current.afterEach.push(f),
});

function collect(path: string, out: string[]): void {
  if (statSync(path).isDirectory()) {
    for (const e of readdirSync(path).sort()) collect(join(path, e), out);
  } else if (/\.test\.ts$/.test(path)) out.push(resolve(path));
}

let passed = 0;
let failed = 0;
let skipped = 0;

async function run(s: Suite, prefix: string, eachBefore: Fn[], eachAfter: Fn[]): Promise<void> {
  const befores = [...eachBefore, ...s.beforeEach];
  const afters = [...s.afterEach, ...eachAfter];
  for (const f of s.before) await f();
  for (const t of s.tests) {
    const name = `${prefix}${t.name}`;
    if (t.skip) {
      skipped++;
      continue;
    }
    try {
      for (const f of befores) await f();
      await t.fn();
      for (const f of afters) await f();
      passed++;
    } catch (err) {
      failed++;
      console.log(`FAIL ${name}\n  ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  for (const sub of s.suites) await run(sub, `${prefix}${sub.name} > `, befores, afters);
  for (const f of s.after) await f();
}

const args = process.argv.slice(2);
const files: string[] = [];
for (const a of args.length ? args : ["test/unit"]) collect(a, files);
for (const f of files) {
  const fileSuite = newSuite(f);
  root.suites.push(fileSuite);
  current = fileSuite;
  try {
    await import(f);
  } catch (err) {
    failed++;
    console.log(`FAIL ${f}: could not load under Deno\n  ${err instanceof Error ? err.stack : String(err)}`);
  }
  current = root;
}
await run(root, "", [], []);
console.log(`deno: ${files.length} files, ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`);
process.exit(failed > 0 ? 1 : 0);
