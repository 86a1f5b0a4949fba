// The daemon runs with the engine settings of runtime/daemon-env.ts (fewer start-up code
// compilations kept resident, ISSUE 11 item 2); its services never see them, and a user's own
// BUN_JSC_* setting wins and is passed on as before.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, ensureBuilt, run, sandbox } from "../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

const environ = (pid: number) => readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").filter(Boolean);
const statusJson = (s: Sandbox) => JSON.parse(run(s, ["status", "--json"]).stdout) as { supervisor?: { pid: number }; units: { name: string; pid: number | null }[] };
const daemonPid = (out: string) => Number(/supervisor started \(pid (\d+)\)/.exec(out)?.[1]);

describe("the daemon's engine settings", () => {
  test("the daemon gets them; its services do not", () => {
    sb = sandbox();
    const cfg = sb.write("sysg.yaml", `version: "1"\nservices:\n  s: { command: "sleep 300" }\n`);
    const r = run(sb, ["start", "--daemonize", "-c", cfg]);
    expect(r.code).toBe(0);
    const daemon = environ(daemonPid(r.stdout));
    expect(daemon).toContain("BUN_JSC_thresholdForOptimizeAfterWarmUp=20000");
    const svc = statusJson(sb).units.find((u) => u.name === "s")!.pid!;
    const env = environ(svc);
    expect(env.some((e) => e.startsWith("HOME="))).toBe(true);
    expect(env.filter((e) => e.startsWith("BUN_JSC_") || e.startsWith("SYSG_RUNTIME_ENV="))).toEqual([]);
    expect(run(sb, ["stop"]).code).toBe(0);
  });

  test("a user's own setting is kept, for the daemon and for the services", () => {
    sb = sandbox();
    const cfg = sb.write("sysg.yaml", `version: "1"\nservices:\n  s: { command: "sleep 300" }\n`);
    const r = run(sb, ["start", "--daemonize", "-c", cfg], { env: { BUN_JSC_thresholdForOptimizeSoon: "5000" } });
    expect(r.code).toBe(0);
    const daemon = environ(daemonPid(r.stdout));
    expect(daemon).toContain("BUN_JSC_thresholdForOptimizeSoon=5000");
    expect(daemon).toContain("BUN_JSC_thresholdForOptimizeAfterWarmUp=20000");
    const svc = statusJson(sb).units.find((u) => u.name === "s")!.pid!;
    expect(environ(svc).filter((e) => e.startsWith("BUN_JSC_") || e.startsWith("SYSG_RUNTIME_ENV="))).toEqual(["BUN_JSC_thresholdForOptimizeSoon=5000"]);
    expect(run(sb, ["stop"]).code).toBe(0);
  });
});
