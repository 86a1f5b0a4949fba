// Lifecycle hooks (SPEC §1) through the compiled binary: which hook runs when, with which
// SYSG_* variables and the service's env and working dir, and a timeout that kills the hook.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, ensureBuilt, sandbox, spawnSysg, taggedPids, until } from "../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

describe("hooks", () => {
  test("on_start.success, on_stop.error on a crash, on_restart, on_stop.success on stop — with SYSG_* and the service env", async () => {
    sb = sandbox();
    const work = join(sb.dir, "work");
    mkdirSync(work);
    const rec = (event: string) =>
      `{ command: 'echo "${event} svc=$SYSG_SERVICE ev=$SYSG_EVENT pid=$SYSG_PID code=$SYSG_EXIT_CODE sig=$SYSG_SIGNAL app=$APP_MODE dir=$(pwd)" >> ${join(sb.dir, "hooks.log")}' }`;
    const cfg = sb.write(
      "hooks.yaml",
      `version: "1"
services:
  app:
    command: 'if [ -f crashed-once ]; then exec sleep 300; else touch crashed-once; sleep 0.3; exit 5; fi'
    working_dir: ${work}
    env: { vars: { APP_MODE: prod } }
    restart_policy: on-failure
    backoff: 100ms
    hooks:
      on_start: { success: ${rec("start-ok")} }
      on_stop: { error: ${rec("stop-error")}, success: ${rec("stop-ok")} }
      on_restart: { success: ${rec("restart-ok")} }
`,
    );
    const p = spawnSysg(sb, ["start", "-c", cfg]);
    const log = join(sb.dir, "hooks.log");
    const read = () => (existsSync(log) ? readFileSync(log, "utf8") : "");
    await until("two start-ok", () => (read().match(/start-ok/g) ?? []).length >= 2);
    p.signal("SIGTERM");
    expect(await p.exited).toBe(0);
    await until("stop-ok", () => read().includes("stop-ok"));
    const text = read();
    expect(text).toMatch(/^start-ok svc=app ev=on_start\.success pid=\d+ code= sig= app=prod dir=.*\/work$/m);
    expect(text).toMatch(/^stop-error svc=app ev=on_stop\.error pid=\S* code=5 sig= app=prod/m);
    expect(text).toMatch(/^restart-ok svc=app ev=on_restart\.success/m);
    expect(text).toMatch(/^stop-ok svc=app ev=on_stop\.success pid=\d+ code= sig=SIGTERM/m);
    // order: first start, the crash, the restart, then the operator stop
    const order = ["start-ok", "stop-error", "restart-ok", "stop-ok"].map((e) => text.indexOf(e));
    expect([...order].sort((a, b) => a - b)).toEqual(order);
  });

  test("a hook that outlives its timeout loses its whole process group; the service is unaffected", async () => {
    sb = sandbox();
    const marker = join(sb.dir, "hook-finished");
    const cfg = sb.write(
      "slowhook.yaml",
      `version: "1"
services:
  app:
    command: 'echo app-up; exec sleep 300'
    hooks:
      on_start:
        success: { command: 'sleep 30 & sleep 30; touch ${marker}', timeout: 300ms }
`,
    );
    const p = spawnSysg(sb, ["start", "-c", cfg]);
    await p.waitFor(/hook on_start\.success timed out after 300 ms/);
    // only sysg and the service itself remain: both sleeps of the hook are gone
    await until("the hook's processes gone", () => taggedPids(sb.tag).length === 2);
    expect(existsSync(marker)).toBe(false);
    p.signal("SIGINT");
    expect(await p.exited).toBe(0);
  });
});
