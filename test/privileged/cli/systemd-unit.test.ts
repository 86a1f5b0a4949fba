// From `curl … | sh -s -- --systemd` to a running `sysg --sys` under the installed unit, the
// way systemd would run it — systemd itself cannot run on this machine (PID 1 is not systemd,
// no systemctl/systemd-run), so the test plays its part: it reads ExecStart/ExecReload from the
// installed systemg.service, starts ExecStart with NOTIFY_SOCKET pointing at a listening socket,
// waits for READY=1, runs ExecReload with $MAINPID, and stops it the KillMode=mixed way (SIGTERM
// to the main process only). `systemd-analyze verify` checks the unit file itself. Uses the real
// /etc/systemg, /var/lib/systemg and /var/log/systemg (moved aside and restored).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hasPython, listenNotify } from "../../helpers/notify-listener.ts";
import { ROOT, type Sandbox, ensureBuilt, sandbox, taggedPids } from "../../helpers/sysg.ts";
import { SysPathsGuard, asNobody, skipReason, until } from "./helpers.ts";

const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const reason =
  skipReason("test/privileged/cli/systemd-unit.test.ts", { setpriv: true }) ??
  SysPathsGuard.busy() ??
  (["curl", "xz", "groupadd"].some((c) => !has(c)) ? `missing ${["curl", "xz", "groupadd"].filter((c) => !has(c)).join(", ")}` : null) ??
  (hasPython ? null : "python3 missing (the notify listener)");
if (reason) console.warn(`skipping test/privileged/cli/systemd-unit.test.ts: ${reason}`);
const hasAnalyze = has("systemd-analyze");
if (!reason && !hasAnalyze) console.warn("systemd-unit.test.ts: systemd-analyze missing (apt-get install systemd), the unit is not verified");

const guard = new SysPathsGuard();
let sb: Sandbox;
let server: ReturnType<typeof Bun.serve> | null = null;
let url = "";

beforeAll(() => {
  if (reason) return;
  ensureBuilt();
  sb = sandbox();
  chmodSync(sb.dir, 0o755); // nobody runs the installed sysg below it
  const out = join(sb.dir, "release");
  const r = spawnSync(process.execPath, ["scripts/release.ts", "--skip-build", "--arch", "x86_64", "--level", "0", "--out", out], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`release failed: ${r.stderr}`);
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const file = join(out, new URL(req.url).pathname.slice(1));
      return file.includes("..") || !existsSync(file) ? new Response("not found", { status: 404 }) : new Response(Bun.file(file));
    },
  });
  url = `http://127.0.0.1:${server.port}`;
  guard.save();
}, 120_000);

afterAll(() => {
  if (reason) return;
  server?.stop(true);
  sb?.cleanup();
  guard.restore();
});

async function shell(line: string, env: Record<string, string>, asUser?: string[]) {
  const argv = asUser ? ["setpriv", ...asUser, "/bin/sh", "-c", line] : ["/bin/sh", "-c", line];
  const p = Bun.spawn(argv, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, cwd: sb.dir, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out: out + err };
}

/** `Key=` values of the [Service] section. */
function unitKeys(text: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const line of text.split("\n")) {
    const m = line.match(/^(\w+)=(.*)$/);
    if (m) keys.set(m[1]!, m[2]!);
  }
  return keys;
}

describe.skipIf(reason !== null)("the systemd unit", () => {
  let root = "";
  let unitPath = "";

  test("curl … | sh -s -- --systemd installs sysg, the unit, the directories and group systemg", async () => {
    root = join(sb.dir, "root");
    mkdirSync(join(root, "etc"), { recursive: true });
    copyFileSync("/etc/group", join(root, "etc", "group"));
    const env = { SYSG_DOWNLOAD_URL: url, SYSG_PREFIX: join(root, "usr", "local") };
    const line = `curl -fsSL "$SYSG_DOWNLOAD_URL/install.sh" | sh -s -- --systemd --root ${root}`;
    const r = await shell(line, env);
    expect(r.out).toContain(`installed sysg`);
    expect(r.code).toBe(0);
    expect(r.out).toContain("systemctl enable --now systemg");
    unitPath = join(root, "etc", "systemd", "system", "systemg.service");
    const keys = unitKeys(readFileSync(unitPath, "utf8"));
    expect(Object.fromEntries([...keys].filter(([k]) => ["Type", "NotifyAccess", "ExecStart", "ExecReload", "KillMode", "Delegate"].includes(k)))).toEqual({
      Type: "notify",
      NotifyAccess: "main",
      ExecStart: "/usr/local/bin/sysg start --sys --config /etc/systemg/systemg.yaml",
      ExecReload: "/bin/kill -HUP $MAINPID",
      KillMode: "mixed",
      Delegate: "yes",
    });
    for (const d of ["etc/systemg", "var/lib/systemg", "var/log/systemg"]) expect(statSync(join(root, d)).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(root, "etc", "group"), "utf8")).toMatch(/^systemg:x:\d+:$/m);
    expect(statSync(join(root, "usr", "local", "bin", "sysg")).mode & 0o777).toBe(0o755);

    const again = await shell(line, env);
    expect(again.code).toBe(0);
    expect(again.out).toContain("already installed");
    expect(again.out).toContain("systemg.service is up to date");
    expect(readFileSync(join(root, "etc", "group"), "utf8").match(/^systemg:/gm)).toHaveLength(1);
  }, 60_000);

  test.skipIf(!hasAnalyze)("systemd-analyze verify accepts the unit without a warning (and does flag a broken one)", () => {
    // the unit names /usr/local/bin/sysg inside the install root; verify checks that path on this host
    const text = readFileSync(unitPath, "utf8").replace("ExecStart=/usr/local/bin/sysg", `ExecStart=${root}/usr/local/bin/sysg`);
    const dir = join(sb.dir, "verify");
    mkdirSync(dir);
    writeFileSync(join(dir, "systemg.service"), text);
    const ok = spawnSync("systemd-analyze", ["verify", "--man=no", join(dir, "systemg.service")], { encoding: "utf8", cwd: dir });
    expect(ok.stderr).toBe("");
    expect(ok.status).toBe(0);
    writeFileSync(join(dir, "systemg.service"), text.replace("KillMode=mixed", "KillMode=mixd"));
    const bad = spawnSync("systemd-analyze", ["verify", "--man=no", join(dir, "systemg.service")], { encoding: "utf8", cwd: dir });
    expect(bad.stderr).toContain("Failed to parse kill mode");
  });

  test("ExecStart runs sysg --sys to READY=1, ExecReload reloads, KillMode=mixed SIGTERM stops it cleanly", async () => {
    const keys = unitKeys(readFileSync(unitPath, "utf8"));
    const argv = keys.get("ExecStart")!.split(" ");
    argv[0] = join(root, argv[0]!); // the binary the installer put in the install root
    mkdirSync("/etc/systemg", { recursive: true });
    writeFileSync("/etc/systemg/systemg.yaml", `version: "1"\nservices:\n  web:\n    command: 'echo web up; exec sleep 300'\n`);
    const sock = join(sb.dir, "notify.sock");
    const l = await listenNotify(sb, sock);
    try {
      // systemd's environment for a system service: PATH, NOTIFY_SOCKET, INVOCATION_ID; cwd /
      const main = Bun.spawn(argv, {
        cwd: "/",
        env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", NOTIFY_SOCKET: sock, SYSG_TEST_TAG: sb.tag },
        stdout: "pipe",
        stderr: "pipe",
      });
      const ready = await l.next(/^READY=1$/m);
      expect(ready.msg).toBe("READY=1\nSTATUS=1 service: 1 running");
      const bin = argv[0]!;
      const status = JSON.parse(spawnSync(bin, ["--sys", "status", "--json"], { encoding: "utf8" }).stdout);
      expect(status.units.map((u: { name: string; state: string }) => `${u.name}:${u.state}`)).toEqual(["web:running"]);

      writeFileSync(
        "/etc/systemg/systemg.yaml",
        `version: "1"\nservices:\n  web:\n    command: 'echo web up; exec sleep 300'\n  worker:\n    command: 'exec sleep 300'\n`,
      );
      const before = l.messages.length;
      const reload = await shell(keys.get("ExecReload")!, { MAINPID: String(main.pid) });
      expect(reload.code).toBe(0);
      await l.next(/^RELOADING=1$/m, before);
      const reloaded = await l.next(/^READY=1$/m, before);
      expect(reloaded.msg).toBe("READY=1\nSTATUS=2 services: 2 running");

      // as nobody: status works, a change is refused (the socket is the --sys one)
      const peek = await shell(`${bin} --sys status`, {}, asNobody);
      expect(peek.out).toContain("worker");
      const beforeStop = l.messages.length;
      main.kill("SIGTERM"); // KillMode=mixed: the main process only
      await l.next(/^STOPPING=1$/m, beforeStop);
      expect(await main.exited).toBe(0);
      await until("every service gone", () => taggedPids(sb.tag).length === 0 || null);
    } finally {
      l.stop();
    }
  }, 60_000);

  test("install-systemg.sh refuses without root or without sysg, and --uninstall keeps configs and state", async () => {
    const script = join(ROOT, "scripts", "install-systemg.sh");
    const noRoot = await shell(`sh ${script} --root ${root}`, {}, asNobody);
    expect(noRoot.code).toBe(1);
    expect(noRoot.out).toContain("must run as root");
    const noBin = await shell(`sh ${script} --root ${root} --bin /opt/none/sysg`, {});
    expect(noBin.code).toBe(1);
    expect(noBin.out).toContain(`${root}/opt/none/sysg is not an executable sysg`);
    const un = await shell(`sh ${script} --root ${root} --uninstall`, {});
    expect(un.code).toBe(0);
    expect(existsSync(unitPath)).toBe(false);
    for (const d of ["etc/systemg", "var/lib/systemg", "var/log/systemg"]) expect(existsSync(join(root, d))).toBe(true);
  });
});
