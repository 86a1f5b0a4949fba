// `sysg check` through the compiled binary: exit codes, the one-line summary, every error on stderr.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "..", "..");
const bin = join(root, "dist", "sysg");

/** Newest mtime under the paths that go into the binary. */
function newestSource(): number {
  let newest = 0;
  const walk = (p: string): void => {
    const st = statSync(p);
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
    else newest = Math.max(newest, st.mtimeMs);
  };
  for (const p of ["src", "ffi", "scripts/build.ts", "package.json"]) if (existsSync(join(root, p))) walk(join(root, p));
  return newest;
}

/** Builds dist/sysg once when it is missing or older than its sources. */
function ensureBinary(): void {
  if (existsSync(bin) && statSync(bin).mtimeMs >= newestSource()) return;
  const r = Bun.spawnSync([process.execPath, join(root, "scripts", "build.ts")], { cwd: root, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`build failed:\n${r.stdout.toString()}${r.stderr.toString()}`);
}

let dir = "";
let home = "";
beforeAll(() => {
  ensureBinary();
  dir = mkdtempSync(join(tmpdir(), "sysg-check-"));
  home = join(dir, "home");
  mkdirSync(home);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sysg(args: string[], cwd = dir) {
  const r = Bun.spawnSync([bin, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: home },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: r.exitCode, stdout: r.stdout.toString(), stderr: r.stderr.toString() };
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, text);
  return path;
}

const VALID = `version: "1"
services:
  db:
    command: "sleep 100"
    readiness: { tcp: "127.0.0.1:5432" }
  web:
    command: "for i in 1 2 3; do echo $i; done"
    depends_on: [db]
  backup:
    command: "echo backup"
    cron: { expression: "0 3 * * *", timezone: UTC }
`;

describe("sysg check", () => {
  test("a valid config: exit 0 and one summary line", () => {
    const path = write("valid/systemg.yaml", VALID);
    const r = sysg(["check", "-c", path]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(`ok: ${path}: 3 services (2 long-running, 1 cron)\n`);
    expect(r.code).toBe(0);
  });

  test("every error on stderr, with hints, exit 1", () => {
    const path = write(
      "invalid/systemg.yaml",
      `version: "1"
services:
  web:
    command: ./server
    restart: always
    backoff: fast
    depends_on: [dbb]
  db:
    command: postgres
    limits: { nice: 40 }
`,
    );
    const r = sysg(["check", "-c", path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      [
        `sysg: ${path}: services.web.restart: unknown key "restart"`,
        `  hint: did you mean "restart_policy"?`,
        `sysg: ${path}: services.web.backoff: expected a duration like "250ms", "5s", "1m", "1h30m", "1.5s" or a number of seconds, got "fast"`,
        `sysg: ${path}: services.web.depends_on[0]: unknown service "dbb"`,
        `  hint: did you mean "db"?`,
        `sysg: ${path}: services.db.limits.nice: expected an integer from -20 to 19, got 40`,
        "",
      ].join("\n"),
    );
  });

  test("a missing file names every place tried", () => {
    const r = sysg(["check", "-c", "nope.yaml"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`config file "nope.yaml" not found; tried ${join(dir, "nope.yaml")}, ${join(home, ".config", "systemg", "nope.yaml")}`);
    expect(r.stderr).toContain("hint: ");
  });

  test("without -c: systemg.yaml, then sysg.yaml, in the working directory", () => {
    const project = join(dir, "project");
    write("project/sysg.yaml", "services:\n  a: { command: sleep }\n");
    expect(sysg(["check"], project).stdout).toBe(`ok: ${join(project, "sysg.yaml")}: 1 service (1 long-running, 0 cron)\n`);
    write("project/systemg.yaml", "services:\n  a: { command: sleep }\n  b: { command: sleep }\n");
    expect(sysg(["check"], project).stdout).toBe(`ok: ${join(project, "systemg.yaml")}: 2 services (2 long-running, 0 cron)\n`);
  });

  test("without -c: falls back to ~/.config/systemg", () => {
    const empty = join(dir, "empty");
    mkdirSync(empty, { recursive: true });
    const user = write("home/.config/systemg/systemg.yaml", "services: {}\n");
    const r = sysg(["check"], empty);
    expect(r.stdout).toBe(`ok: ${user}: 0 services (0 long-running, 0 cron)\n`);
    rmSync(user);
  });

  test("relative -c against the working directory; JSON and TOML", () => {
    write("formats/c.json", '{"services": {"a": {"command": "true", "cron": {"expression": "@daily"}}}}');
    write("formats/c.toml", '[services.a]\ncommand = "true"\n');
    const cwd = join(dir, "formats");
    expect(sysg(["check", "-c", "c.json"], cwd).stdout).toBe(`ok: ${join(cwd, "c.json")}: 1 service (0 long-running, 1 cron)\n`);
    expect(sysg(["check", "--config", "c.toml"], cwd).code).toBe(0);
  });

  test("global flags before the command", () => {
    const path = write("valid2/systemg.yaml", VALID);
    const r = sysg(["--no-color", "--log-level", "debug", "check", "-c", path]);
    expect(r.code).toBe(0);
    expect(r.stdout).toStartWith("ok: ");
  });

  test("a syntax error is reported with its line", () => {
    const path = write("syntax/systemg.yaml", "services:\n  web: {command: x\n");
    const r = sysg(["check", "-c", path]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^sysg: ${path.replace(/[.]/g, "\\.")}: YAML syntax error: line \\d+, column \\d+: `));
  });

  test("host-dependent privilege errors too: unknown user, offline CPU", () => {
    const path = write(
      "priv/systemg.yaml",
      "services:\n  web:\n    command: x\n    user: no-such-user-sysg-test\n    limits: { cpu_affinity: [4095] }\n",
    );
    const r = sysg(["check", "-c", path]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toContain(`${path}: services.web.user: unknown user "no-such-user-sysg-test"`);
    expect(r.stderr).toContain(`${path}: services.web.limits.cpu_affinity: CPU 4095 is not online`);
  });

  test("check starts nothing and writes no state", () => {
    const path = write("valid3/systemg.yaml", VALID);
    sysg(["check", "-c", path]);
    expect(existsSync(join(home, ".local"))).toBe(false);
  });
});
