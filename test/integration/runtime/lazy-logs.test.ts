// A silent service costs the supervisor no open log file (ISSUE 11 item 5): its log files are
// created at start (so `logs` knows them) but held open only from the first line on.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, ensureBuilt, sandbox, sleep, spawnSysg } from "../../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

function openFiles(pid: number): string[] {
  const out: string[] = [];
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      out.push(readlinkSync(`/proc/${pid}/fd/${fd}`));
    } catch {}
  }
  return out;
}

describe("log files", () => {
  test("created at start, opened at the first line", async () => {
    sb = sandbox();
    const cfg = sb.write(
      "lazy.yaml",
      `version: "1"
services:
  quiet: { command: "sleep 300" }
  talker: { command: "echo hello-from-talker; exec sleep 300" }
`,
    );
    const p = spawnSysg(sb, ["start", "-c", cfg]);
    const logs = join(sb.home, ".local/share/systemg/logs");
    const talker = join(logs, "talker_stdout.log");
    const end = Date.now() + 10_000;
    while (!(existsSync(talker) && readFileSync(talker, "utf8").includes("hello-from-talker")) && Date.now() < end) await sleep(25);
    expect(readFileSync(talker, "utf8")).toContain("hello-from-talker");
    for (const f of ["quiet_stdout.log", "quiet_stderr.log", "talker_stderr.log"]) expect(existsSync(join(logs, f))).toBe(true);
    const open = openFiles(p.pid);
    expect(open).toContain(talker);
    expect(open.filter((f) => f.startsWith(logs) && !f.endsWith("supervisor.log"))).toEqual([talker]);
    p.signal("SIGTERM");
    expect(await p.exited).toBe(0);
  });
});
