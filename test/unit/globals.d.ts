// The portable unit tests use bun:test's globals without importing them (so the Deno harness,
// scripts/deno-unit.ts, can provide the same names); this gives them their types.
import type * as bt from "bun:test";

declare global {
  const describe: typeof bt.describe;
  const test: typeof bt.test;
  const it: typeof bt.it;
  const expect: typeof bt.expect;
  const beforeAll: typeof bt.beforeAll;
  const afterAll: typeof bt.afterAll;
  const beforeEach: typeof bt.beforeEach;
  const afterEach: typeof bt.afterEach;
}
