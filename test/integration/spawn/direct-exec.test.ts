// The pid sysg reports is the program's (ISSUE 11 item 1): plain commands and argv lists are
// exec'd without a /bin/sh in between, through the compiled binary; status, pid.json, SYSG_PID
// of hooks and the stop signal all name/reach the program. Shell syntax still gets a shell.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, ensureBuilt, run, sandbox, sleep, spawnSysg, taggedPids } from "../../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

async function until<T>(get: () => T | null | undefined, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = get();
    if (v !== null && v !== undefined) return v;
    if (Date.now() > end) throw new Error("timed out");
    await sleep(25);
  }
}

const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").slice(0, -1);

describe("direct exec", () => {
  test("status, pid.json and SYSG_PID name the program itself; shell syntax keeps the shell", async () => {
    sb = sandbox();
    const hookLog = join(sb.dir, "hook.log");
    const script = sb.write("noshebang.sh", "exec sleep 305\n");
    chmodSync(script, 0o755);
    const cfg = sb.write(
      "direct.yaml",
      `version: "1"
services:
  plain: { command: "/bin/sleep 301" }
  bare:
    command: "exec sleep 302"
    hooks: { on_start: { success: { command: 'echo "$SYSG_PID" > ${hookLog}' } } }
  list: { command: ["/bin/sleep", "303"] }
  piped: { command: "sleep 304 | cat" }
  script: { command: "./noshebang.sh" }
`,
    );
    const p = spawnSysg(sb, ["start", "-c", cfg]);
    const units = await until(() => {
      const r = run(sb, ["status", "--json"]);
      if (r.code !== 0) return null;
      const u = (JSON.parse(r.stdout).units as { name: string; pid: number | null; state: string }[]) ?? [];
      return u.length === 5 && u.every((x) => x.state === "running" && x.pid) ? u : null;
    });
    const pid = (name: string) => units.find((u) => u.name === name)!.pid!;
    expect(cmdline(pid("plain"))).toEqual(["/bin/sleep", "301"]);
    expect(cmdline(pid("bare"))).toEqual(["sleep", "302"]);
    expect(cmdline(pid("list"))).toEqual(["/bin/sleep", "303"]);
    expect(cmdline(pid("piped"))).toEqual(["/bin/sh", "-c", "sleep 304 | cat"]);
    // a script without #! still runs, through sh as before
    expect(cmdline(pid("script"))).toEqual(["/bin/sh", "-c", "./noshebang.sh"]);
    const pidJson = JSON.parse(readFileSync(join(sb.home, ".local/share/systemg/pid.json"), "utf8"));
    expect(pidJson.plain.pid).toBe(pid("plain"));
    expect(pidJson.list.pid).toBe(pid("list"));
    expect(Number((await until(() => (existsSync(hookLog) ? readFileSync(hookLog, "utf8").trim() || null : null))))).toBe(pid("bare"));
    // the stop signal reaches the program: sleep dies of SIGTERM, no shell in between
    const r = run(sb, ["stop", "plain"]);
    expect(r.code).toBe(0);
    const after = await until(() => {
      const s = JSON.parse(run(sb, ["status", "--json"]).stdout).units.find((u: { name: string }) => u.name === "plain");
      return s.state === "stopped" ? s : null;
    });
    expect(after.last_exit).toMatchObject({ signal: "SIGTERM" });
    p.signal("SIGTERM");
    expect(await p.exited).toBe(0);
  });

  test("a missing program fails the service with the exec step and the name, nothing left running", async () => {
    sb = sandbox();
    const cfg = sb.write(
      "missing.yaml",
      `version: "1"
services:
  ghost: { command: "nosuch-program-i11 --flag" }
  ghostlist: { command: ["/nonexistent/bin/prog"] }
`,
    );
    const p = spawnSysg(sb, ["start", "-c", cfg]);
    const units = await until(() => {
      const r = run(sb, ["status", "--json"]);
      if (r.code === null || !r.stdout.startsWith("{")) return null;
      const u = JSON.parse(r.stdout).units as { name: string; state: string; reason: string | null }[];
      return u.length === 2 && u.every((x) => x.state === "failed") ? u : null;
    });
    expect(units.find((u) => u.name === "ghost")!.reason).toBe('exec "nosuch-program-i11": No such file or directory');
    expect(units.find((u) => u.name === "ghostlist")!.reason).toBe('exec "/nonexistent/bin/prog": No such file or directory');
    expect(taggedPids(sb.tag)).toEqual([p.pid]);
    p.signal("SIGTERM");
    await p.exited;
  });
});
