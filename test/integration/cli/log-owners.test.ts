// Issue 14 item 7: two configs with the same service name do not share log files.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, ensureBuilt, run, sandbox, until } from "../../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

describe("log files per config", () => {
  test("`sysg start a.yaml` then `sysg start b.yaml`, both with a `web`: `sysg logs web` shows only the running config's", async () => {
    sb = sandbox();
    const cfg = (tag: string) => `version: "1"\nservices:\n  web:\n    command: 'echo from-${tag}; exec sleep 300'\n    stop_timeout: 2s\n`;
    sb.write("a.yaml", cfg("a"));
    sb.write("b.yaml", cfg("b"));
    const session = async (file: string, tag: string) => {
      expect(run(sb, ["start", file, "--daemonize"], { timeout: 30_000 }).code).toBe(0);
      await until(`${tag}'s line`, () => run(sb, ["logs", "web"]).stdout.includes(`from-${tag}`));
      const logs = run(sb, ["logs", "web"]).stdout;
      expect(run(sb, ["stop"], { timeout: 30_000 }).code).toBe(0);
      return logs;
    };
    expect(await session("a.yaml", "a")).not.toContain("from-b");
    const b = await session("b.yaml", "b");
    expect(b).toContain("from-b");
    expect(b).not.toContain("from-a");
    const logDir = join(sb.home, ".local/share/systemg/logs");
    const aside = readdirSync(join(logDir, "by-config"));
    expect(aside.some((d) => d.startsWith("a.yaml-"))).toBe(true);
    // back to a: its own earlier lines are back, b's are set aside
    const again = await session("a.yaml", "a");
    expect(again.match(/from-a/g)?.length).toBe(2);
    expect(again).not.toContain("from-b");
    expect(existsSync(join(logDir, "log-owners.json"))).toBe(true);
  }, 90_000);
});
