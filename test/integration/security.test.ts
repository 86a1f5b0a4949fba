// `sysg security` through the compiled binary: it reads only the config (no supervisor, no root).
import { afterEach, beforeAll, expect, test } from "bun:test";
import { type Sandbox, ensureBuilt, run, sandbox } from "../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

const CONFIG = `services:
  open:
    command: sleep 1
    capabilities: ["ALL"]
  tight:
    command: sleep 1
    user: nobody
    isolation:
      no_new_privileges: true
      protect_system: strict
      private_tmp: true
`;

test("a table per service with one row per directive and the total; exit 0 without a threshold", () => {
  sb = sandbox();
  const r = run(sb, ["security", "-c", sb.write("s.yaml", CONFIG)]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("open:");
  expect(r.stdout).toMatch(/✗ +capabilities +10 +ALL +1\.0 +capabilities: only what it needs/);
  expect(r.stdout).toMatch(/✓ +protect_system +8 +strict +0\.0/);
  expect(r.stdout).toContain("→ exposure of open: 10.0 UNSAFE");
  expect(r.stdout).toMatch(/→ exposure of tight: \d\.\d/);
  expect(r.stdout).not.toContain("\x1b["); // not a terminal: no colors
});

test("--json, -s, --threshold: exit 1 naming each service above it", () => {
  sb = sandbox();
  const cfg = sb.write("s.yaml", CONFIG);
  const all = run(sb, ["security", "-c", cfg, "--json", "--threshold", "9.5"]);
  expect(all.code).toBe(1);
  const doc = JSON.parse(all.stdout);
  expect(doc.services.map((s: { name: string; score: number }) => [s.name, s.score > 9.5])).toEqual([["open", true], ["tight", false]]);
  expect(all.stderr).toContain("open scores 10.0, above the threshold 9.5");
  expect(all.stderr).not.toContain("tight");
  const one = run(sb, ["security", "tight", "-c", cfg, "--json", "--threshold", "9.5"]);
  expect(one.code).toBe(0);
  expect(JSON.parse(one.stdout).services.map((s: { name: string }) => s.name)).toEqual(["tight"]);
});

test("bad input: an unknown service is an error naming the services; a bad threshold is a usage error", () => {
  sb = sandbox();
  const cfg = sb.write("s.yaml", CONFIG);
  const r = run(sb, ["security", "-s", "nope", "-c", cfg]);
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('no service named "nope"');
  expect(r.stderr).toContain("services: open, tight");
  const t = run(sb, ["security", "-c", cfg, "--threshold", "high"]);
  expect(t.code).toBe(2);
  expect(t.stderr).toContain("--threshold");
});
