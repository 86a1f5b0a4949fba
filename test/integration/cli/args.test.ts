// Issue 14 item 1 and issue 9 item 5, through the compiled binary, each from the command a user
// typed: positional unit names and config files mean what they say, -n is --lines, and
// anything unknown is exit 2 naming the argument; help and errors carry no ANSI codes unless
// a terminal asked for color.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Sandbox, SYSG, alive, ensureBuilt, run, sandbox, until } from "../../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

const stateDir = (s: Sandbox) => join(s.home, ".local", "share", "systemg");
const COMMANDS = ["start", "check", "status", "stop", "restart", "reload", "logs", "inspect", "run-now", "purge"];

/** Every command `sysg --help` lists (others add theirs to the same table). */
function listedCommands(s: Sandbox): string[] {
  const out = run(s, ["--help"]).stdout;
  const block = out.slice(out.indexOf("Commands:"));
  return [...block.matchAll(/^ {2}([a-z][a-z-]*) /gm)].map((m) => m[1]!);
}

const PAIR = `version: "1"
services:
  web:
    command: 'for i in 1 2 3 4 5 6 7 8 9 10; do echo line-$i; done; exec sleep 300'
    stop_timeout: 2s
  db:
    command: 'exec sleep 300'
    stop_timeout: 2s
`;

function units(s: Sandbox): Record<string, { state: string; pid: number | null }> {
  const r = run(s, ["status", "--json"]);
  return Object.fromEntries(JSON.parse(r.stdout).units.map((u: { name: string }) => [u.name, u]));
}

function supervisorPid(s: Sandbox): number {
  return JSON.parse(readFileSync(join(stateDir(s), "sysg.pid"), "utf8")).pid;
}

describe("positional forms do what they say", () => {
  test("`sysg stop web` stops web only; `sysg restart web` restarts web only; `sysg logs web -n 3` prints 3 lines", async () => {
    sb = sandbox();
    sb.write("systemg.yaml", PAIR);
    const started = run(sb, ["start", "--daemonize"], { timeout: 30_000 });
    expect(started.code).toBe(0);
    const before = units(sb);
    const sup = supervisorPid(sb);

    await until("web's 10 lines", () => run(sb, ["logs", "web", "-n", "100"]).stdout.includes("line-10"));
    const logs = run(sb, ["logs", "web", "-n", "3"]);
    expect(logs.code).toBe(0);
    expect(logs.stdout.trimEnd().split("\n")).toHaveLength(3);
    expect(logs.stdout).toContain("line-10");
    expect(run(sb, ["logs", "web", "-n3"]).stdout.trimEnd().split("\n")).toHaveLength(3);

    const restart = run(sb, ["restart", "web"], { timeout: 30_000 });
    expect(restart.code).toBe(0);
    const afterRestart = units(sb);
    expect(afterRestart.web!.pid).not.toBe(before.web!.pid);
    expect(afterRestart.db!.pid).toBe(before.db!.pid);

    const stop = run(sb, ["stop", "web"], { timeout: 30_000 });
    expect(stop.code).toBe(0);
    const afterStop = units(sb);
    expect(afterStop.web!.state).toBe("stopped");
    expect(afterStop.db!.state).toBe("running");
    expect(alive(afterStop.db!.pid!)).toBe(true);
    expect(alive(sup)).toBe(true);

    // the name given twice, differently, is refused before anything happens
    const both = run(sb, ["stop", "db", "-s", "web"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('"db"');
    expect(units(sb).db!.state).toBe("running");
    expect(run(sb, ["status", "db", "--json"]).stdout).toContain('"db"');
  }, 90_000);

  test("`sysg check typo.yaml` names the file it could not find", () => {
    sb = sandbox();
    sb.write("systemg.yaml", PAIR);
    const r = run(sb, ["check", "typo.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^sysg: check: config file "typo\.yaml" not found; tried /);
    expect(r.stderr).not.toContain("no config file found");
  });

  test("`sysg start cfg/good.yaml` in a directory holding systemg.yaml starts cfg/good.yaml", async () => {
    sb = sandbox();
    sb.write("systemg.yaml", PAIR);
    mkdirSync(join(sb.dir, "cfg"));
    sb.write("cfg/good.yaml", `version: "1"\nservices:\n  good:\n    command: exec sleep 300\n`);
    const r = run(sb, ["start", "cfg/good.yaml", "--daemonize"], { timeout: 30_000 });
    expect(r.code).toBe(0);
    expect(Object.keys(units(sb))).toEqual(["good"]);
    expect(run(sb, ["check", "cfg/good.yaml"]).stdout).toContain(join(sb.dir, "cfg", "good.yaml"));
  }, 40_000);

  test("`sysg check -c DIR` says it is a directory", () => {
    sb = sandbox();
    mkdirSync(join(sb.dir, "cfg"));
    const r = run(sb, ["check", "-c", "cfg"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(sb.dir, "cfg")} is a directory`);
  });
});

describe("nothing unknown is ignored (exit 2, the argument named)", () => {
  test("`sysg check --definitly-not` and every other command with an unknown flag", () => {
    sb = sandbox();
    sb.write("systemg.yaml", PAIR);
    const all = listedCommands(sb);
    for (const cmd of COMMANDS) expect(all).toContain(cmd);
    for (const cmd of all) {
      const r = run(sb, [cmd, "--definitly-not"]);
      expect({ cmd, code: r.code }).toEqual({ cmd, code: 2 });
      expect(r.stderr).toContain(`sysg: ${cmd}: unknown option "--definitly-not"`);
      expect(r.stdout).toBe("");
    }
    // nothing was started by any of them
    expect(run(sb, ["status"]).code).toBe(3);
  });

  test("extra positionals, bad values, a close misspelling gets a did-you-mean", () => {
    sb = sandbox();
    sb.write("systemg.yaml", PAIR);
    for (const cmd of COMMANDS) {
      const r = run(sb, [cmd, "one", "two", "three"]);
      expect({ cmd, code: r.code }).toEqual({ cmd, code: 2 });
      expect(r.stderr).toMatch(/unexpected argument "(one|two|three)"/);
    }
    const typo = run(sb, ["status", "--jsno"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain("did you mean --json?");
    const cmdTypo = run(sb, ["stauts"]);
    expect(cmdTypo.code).toBe(2);
    expect(cmdTypo.stderr).toContain("did you mean `sysg status`?");
    for (const cmd of listedCommands(sb)) {
      const r = run(sb, [cmd, "--log-level", "loud"]);
      expect({ cmd, code: r.code }).toEqual({ cmd, code: 2 });
      expect(r.stderr).toContain('--log-level: unknown value "loud"');
    }
    const noValue = run(sb, ["logs", "-n"]);
    expect(noValue.code).toBe(2);
    expect(noValue.stderr).toContain("-n: needs a value");
    expect(run(sb, ["stop", "--drop-privileges"]).code).toBe(2);
    // errors of every command in one voice: "sysg: <command>: <what>", then the hint
    for (const args of [["stop", "web"], ["inspect", "web"], ["logs", "web"], ["spawn", "--name", "x", "--", "true"], ["reload", "nope.yaml"]]) {
      const r = run(sb, args);
      expect(r.code).toBe(1);
      expect(r.stderr).toStartWith(`sysg: ${args[0]}: `);
      expect(r.stderr).toContain("\n  hint: ");
    }
    expect(run(sb, ["start", "--notify-fd"]).code).toBe(2);
  });
});

describe("help", () => {
  test("`sysg status --help | cat` has no escapes; per-command help says `sysg start`, hides --notify-fd", () => {
    sb = sandbox();
    for (const env of [{ NO_COLOR: "" }, { NO_COLOR: "1" }]) {
      for (const cmd of COMMANDS) {
        const r = run(sb, [cmd, "--help"], { env });
        expect(r.code).toBe(0);
        expect(r.stdout).toStartWith(`Usage: sysg ${cmd} [options]`);
        expect(r.stdout).not.toContain("\x1b");
      }
    }
    const help = run(sb, ["help", "start"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toStartWith("Usage: sysg start [options] [FILE]");
    expect(help.stdout).toContain("--drop-privileges");
    expect(help.stdout).not.toContain("notify-fd");
    expect(run(sb, ["help", "stop"]).stdout).not.toContain("--drop-privileges");
    expect(run(sb, ["help", "status"]).stdout).not.toContain("--drop-privileges");
    expect(run(sb, ["help", "nope"]).code).toBe(2);
    const top = run(sb, ["--help"]);
    expect(top.code).toBe(0);
    for (const cmd of COMMANDS) expect(top.stdout).toContain(`  ${cmd} `);
    // errors: no escapes either
    expect(run(sb, ["check", "--definitly-not"], { env: { NO_COLOR: "" } }).stderr).not.toContain("\x1b");
  });

  test("on a terminal help is bold, unless NO_COLOR or --no-color (real pty via script)", (done) => {
    const script = spawnSync("sh", ["-c", "command -v script"], { encoding: "utf8" });
    if (script.status !== 0) {
      console.log("skip: script(1) not installed, no pty to test with");
      return done();
    }
    sb = sandbox();
    const tty = (extra: string, env: Record<string, string>) =>
      spawnSync("script", ["-qec", `${SYSG} status --help ${extra}`, "/dev/null"], { env: { ...sb.env, ...env, TERM: "xterm" }, encoding: "utf8" }).stdout;
    expect(tty("", { NO_COLOR: "" })).toContain("\x1b[1mUsage:");
    expect(tty("", { NO_COLOR: "1" })).not.toContain("\x1b");
    expect(tty("--no-color", { NO_COLOR: "" })).not.toContain("\x1b");
    done();
  });
});
