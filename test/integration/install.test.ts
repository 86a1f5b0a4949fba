// The curl-pipe installer end to end: `npm run release` (fast xz preset, existing dist/sysg)
// into a temp dir, served over HTTP on 127.0.0.1, then the real `curl -fsSL URL/install.sh | sh`
// line under each POSIX shell here, as root and as an unprivileged user, into temp prefixes.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { ROOT, SYSG, type Sandbox, ensureBuilt, sandbox } from "../helpers/sysg.ts";

const root = process.getuid?.() === 0;
const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const missing = ["curl", "xz", "sha256sum"].filter((c) => !has(c));
const why = missing.length > 0 ? `${missing.join(", ")} missing` : null;
if (why) console.warn(`skipping installer tests: ${why}`);
const shells: [string, string[]][] = [["sh", ["sh"]]];
if (has("dash")) shells.push(["dash", ["dash"]]);
else console.warn("installer: dash missing, not tested under dash");
if (has("busybox")) shells.push(["busybox sh", ["busybox", "sh"]]);
else console.warn("installer: busybox missing, not tested under busybox sh (apt-get install busybox)");

let sb: Sandbox;
let server: ReturnType<typeof Bun.serve> | null = null;
/** directory name → served release directory */
const served = new Map<string, string>();
let base = "";
let versionLine = "";

/** Serves every directory of `served` under /<name>/ on 127.0.0.1. */
function serve(): void {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const [, name, file] = new URL(req.url).pathname.split("/");
      const dir = served.get(name ?? "");
      if (!dir || !file || file.includes("..") || !existsSync(join(dir, file))) return new Response("not found", { status: 404 });
      return new Response(Bun.file(join(dir, file)));
    },
  });
  base = `http://127.0.0.1:${server.port}`;
}

/** Runs `shellLine` under sh, asynchronously (the server lives in this process). */
async function sh(shellLine: string, env: Record<string, string>, asUser?: number) {
  const argv = asUser === undefined ? ["/bin/sh", "-c", shellLine] : ["setpriv", `--reuid=${asUser}`, `--regid=${asUser}`, "--clear-groups", "/bin/sh", "-c", shellLine];
  const p = Bun.spawn(argv, { env, cwd: sb.dir, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out: out + err };
}

/** Every path below dir, relative ([] when it does not exist). */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

const pathEnv = process.env.PATH ?? "/usr/bin:/bin";

beforeAll(() => {
  if (why) return;
  ensureBuilt();
  sb = sandbox();
  chmodSync(sb.dir, 0o755); // the unprivileged install reads and writes below it
  const out = join(sb.dir, "release");
  const r = spawnSync(process.execPath, ["scripts/release.ts", "--skip-build", "--arch", "x86_64", "--level", "0", "--out", out], {
    cwd: ROOT,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`release failed: ${r.stderr}`);
  served.set("release", out);
  versionLine = spawnSync(SYSG, ["--version"], { encoding: "utf8" }).stdout.trim();
  serve();
}, 120_000);

afterAll(() => {
  server?.stop(true);
  sb?.cleanup();
});

describe.skipIf(why !== null)("npm run release", () => {
  test("dist/release holds the compressed binary, the man page, the installers and a SHA256SUMS that sha256sum -c accepts", () => {
    const dir = served.get("release")!;
    expect(readdirSync(dir).sort()).toEqual(expect.arrayContaining(["SHA256SUMS", "install-systemg.sh", "install.sh", "sysg-linux-x86_64.xz", "sysg.1"]));
    const sums = readFileSync(join(dir, "SHA256SUMS"), "utf8").trim().split("\n");
    expect(sums.map((l) => l.split("  ")[1]).sort()).toEqual(readdirSync(dir).filter((f) => f !== "SHA256SUMS").sort());
    const check = spawnSync("sha256sum", ["-c", "SHA256SUMS"], { cwd: dir, encoding: "utf8" });
    expect(check.status).toBe(0);
    expect(readFileSync(join(dir, "install.sh"), "utf8")).toBe(readFileSync(join(ROOT, "install.sh"), "utf8"));
  });

  test("sysg --version names the version and the commit it was built from", () => {
    const m = versionLine.match(/^sysg (\d+\.\d+\.\d+) \(commit ([0-9a-f]{12}(?:-dirty)?|unknown)\)$/);
    expect(m).not.toBeNull();
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8"));
    expect(m![1]).toBe(pkg.version);
    const commit = m![2]!.replace("-dirty", "");
    if (commit !== "unknown") {
      // a commit of this repository (dist/sysg may predate the newest commit)
      expect(spawnSync("git", ["-C", ROOT, "cat-file", "-e", `${commit}^{commit}`]).status).toBe(0);
    } else {
      expect(spawnSync("git", ["-C", ROOT, "rev-parse", "HEAD"]).status).not.toBe(0);
    }
  });
});

/** A release of a tiny stand-in `sysg` (a script printing `line`), in the format of
 *  scripts/release.ts, for the shell matrix: the real 100 MiB binary is tested above. */
function smallRelease(name: string, line: string): string {
  const dir = join(sb.dir, name);
  mkdirSync(dir);
  writeFileSync(join(dir, "sysg"), `#!/bin/sh\necho "${line}"\n`, { mode: 0o755 });
  const r = spawnSync("sh", ["-c", "xz -0 sysg && mv sysg.xz sysg-linux-x86_64.xz && cp \"$1\" . && sha256sum sysg-linux-x86_64.xz install.sh > SHA256SUMS", "sh", join(ROOT, "install.sh")], { cwd: dir });
  if (r.status !== 0) throw new Error(`small release: ${r.stderr}`);
  served.set(name, dir);
  return dir;
}

describe.skipIf(why !== null)("curl -fsSL URL/install.sh | sh", () => {
  test("the real release: installs, runs, uninstalls to nothing", async () => {
    const prefix = join(sb.dir, "prefix-real");
    const env = { PATH: pathEnv, HOME: sb.home, SYSG_DOWNLOAD_URL: `${base}/release`, SYSG_PREFIX: prefix };
    const r = await sh(`curl -fsSL "$SYSG_DOWNLOAD_URL/install.sh" | sh`, env);
    expect(r.out).toContain(`installed ${versionLine} at ${prefix}/bin/sysg`);
    expect(r.code).toBe(0);
    const bin = join(prefix, "bin", "sysg");
    expect(statSync(bin).mode & 0o777).toBe(0o755);
    expect(spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout.trim()).toBe(versionLine);
    expect(spawnSync("cmp", [bin, SYSG]).status).toBe(0); // byte for byte the binary that was packaged
    expect(r.out).toContain(`${prefix}/bin is not in your PATH`);
    // the man page comes along (the release has the one `sysg man` prints)
    expect(tree(prefix)).toEqual(["bin", "bin/sysg", "share", "share/man", "share/man/man1", "share/man/man1/sysg.1"]);
    expect(readFileSync(join(prefix, "share/man/man1/sysg.1"), "utf8")).toBe(spawnSync(SYSG, ["man"], { encoding: "utf8" }).stdout);
    const un = await sh(`curl -fsSL "$SYSG_DOWNLOAD_URL/install.sh" | sh -s -- --uninstall`, env);
    expect(un.code).toBe(0);
    expect(un.out).toContain(`removed ${bin}`);
    expect(tree(prefix)).toEqual([]);
  }, 60_000);

  test.skipIf(!root)("as an unprivileged user: defaults to ~/.local/bin, owned by that user", async () => {
    const home = join(sb.dir, "home-nobody");
    mkdirSync(home);
    chownSync(home, 65534, 65534);
    const env = { PATH: pathEnv, HOME: home, SYSG_DOWNLOAD_URL: `${base}/release` };
    const r = await sh(`curl -fsSL "$SYSG_DOWNLOAD_URL/install.sh" | sh`, env, 65534);
    expect(r.out).toContain(`installed ${versionLine} at ${home}/.local/bin/sysg`);
    expect(r.code).toBe(0);
    const st = statSync(join(home, ".local", "bin", "sysg"));
    expect([st.uid, st.mode & 0o777]).toEqual([65534, 0o755]);
    expect(spawnSync(join(home, ".local", "bin", "sysg"), ["--version"], { encoding: "utf8" }).stdout.trim()).toBe(versionLine);
    expect(r.out).toContain(`export PATH="${home}/.local/bin:$PATH"`);
    const un = await sh(`curl -fsSL "$SYSG_DOWNLOAD_URL/install.sh" | sh -s -- --uninstall`, env, 65534);
    expect(un.code).toBe(0);
    expect(tree(home)).toEqual([".local"]);
  }, 60_000);

  test.skipIf(!root)("as root without SYSG_PREFIX the default is /usr/local (checked without writing there)", async () => {
    // --uninstall with nothing installed names the prefix it would use and writes nothing
    const r = await sh(`curl -fsSL "$SYSG_DOWNLOAD_URL/install.sh" | sh -s -- --uninstall`, {
      PATH: pathEnv,
      HOME: sb.home,
      SYSG_DOWNLOAD_URL: `${base}/release`,
    });
    if (existsSync("/usr/local/bin/sysg")) expect(r.out).toContain("removed /usr/local/bin/sysg"); // never the case on CI
    else expect(r.out).toContain("sysg is not installed in /usr/local");
  });

  for (const [name, shell] of shells) {
    test(`under ${name}: idempotent, upgrades by rename, --version, uninstalls to nothing`, async () => {
      const tag = name.replace(" ", "-");
      smallRelease(`v1-${tag}`, "sysg 0.1.0 (commit aaaaaaaaaaaa)");
      smallRelease(`v2-${tag}`, "sysg 0.2.0 (commit bbbbbbbbbbbb)");
      const prefix = join(sb.dir, `prefix-${tag}`);
      const env = (rel: string) => ({ PATH: pathEnv, HOME: sb.home, SYSG_DOWNLOAD_URL: `${base}/${rel}-${tag}`, SYSG_PREFIX: prefix });
      const pipe = (args = "") => `curl -fsSL "$SYSG_DOWNLOAD_URL/install.sh" | ${shell.join(" ")} -s -- ${args}`;
      const bin = join(prefix, "bin", "sysg");

      const first = await sh(pipe("--version 0.1.0"), env("v1"));
      expect(first.out).toContain(`installed sysg 0.1.0 (commit aaaaaaaaaaaa) at ${bin}`);
      expect(first.code).toBe(0);
      const inode = statSync(bin).ino;
      const again = await sh(pipe(), env("v1"));
      expect(again.code).toBe(0);
      expect(again.out).toContain("already installed");
      expect(statSync(bin).ino).toBe(inode);

      // the upgrade is a rename: a process holding the old file keeps reading it intact
      const fd = openSync(bin, "r");
      const upgrade = await sh(pipe("--version v0.2.0"), env("v2"));
      expect(upgrade.out).toContain(`installed sysg 0.2.0 (commit bbbbbbbbbbbb) at ${bin}`);
      expect(upgrade.code).toBe(0);
      expect(statSync(bin).ino).not.toBe(inode);
      const buf = Buffer.alloc(128);
      expect(buf.toString("utf8", 0, readSync(fd, buf, 0, 128, 0))).toContain("sysg 0.1.0");
      expect(spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout.trim()).toBe("sysg 0.2.0 (commit bbbbbbbbbbbb)");
      expect(tree(prefix)).toEqual(["bin", "bin/sysg"]);

      const un = await sh(pipe("--uninstall"), env("v2"));
      expect(un.code).toBe(0);
      expect(un.out).toContain(`removed ${bin}`);
      expect(tree(prefix)).toEqual([]);
      const unAgain = await sh(pipe("--uninstall"), env("v2"));
      expect(unAgain.code).toBe(0);
      expect(unAgain.out).toContain("not installed");
    }, 30_000);
  }
});

describe.skipIf(why !== null)("the man page", () => {
  test("a release with sysg.1 installs it under share/man/man1 (verified like the binary); --uninstall removes it", async () => {
    const dir = smallRelease("with-man", "sysg 0.1.0 (commit 111111111111)");
    writeFileSync(join(dir, "sysg.1"), '.TH SYSG 1\n.SH NAME\nsysg \\- process supervisor\n');
    spawnSync("sh", ["-c", "sha256sum sysg.1 >> SHA256SUMS"], { cwd: dir });
    const prefix = join(sb.dir, "p-man");
    const env = { PATH: pathEnv, SYSG_PREFIX: prefix, SYSG_DOWNLOAD_URL: `${base}/with-man` };
    const r = await sh(`curl -fsSL "$SYSG_DOWNLOAD_URL/install.sh" | sh`, env);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`installed the man page at ${prefix}/share/man/man1/sysg.1`);
    expect(tree(prefix)).toEqual(["bin", "bin/sysg", "share", "share/man", "share/man/man1", "share/man/man1/sysg.1"]);
    expect(statSync(join(prefix, "share/man/man1/sysg.1")).mode & 0o777).toBe(0o644);
    // a corrupted man page is refused like a corrupted binary
    writeFileSync(join(dir, "sysg.1"), "tampered");
    const bad = await sh(`curl -fsSL "$SYSG_DOWNLOAD_URL/install.sh" | sh`, env);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain("checksum mismatch for sysg.1");
    expect(readFileSync(join(prefix, "share/man/man1/sysg.1"), "utf8")).toStartWith(".TH SYSG 1");
    const un = await sh(`curl -fsSL "$SYSG_DOWNLOAD_URL/install.sh" | sh -s -- --uninstall`, env);
    expect(un.code).toBe(0);
    expect(tree(prefix)).toEqual([]);
  });
});

describe.skipIf(why !== null)("installer refusals leave nothing behind", () => {
  async function refused(shellLine: string, env: Record<string, string>, prefix: string) {
    const r = await sh(shellLine, { PATH: pathEnv, HOME: sb.home, SYSG_PREFIX: prefix, TMPDIR: join(sb.dir, "tmp"), ...env });
    expect(r.code).toBe(1);
    expect(tree(prefix)).toEqual([]);
    expect(tree(join(sb.dir, "tmp"))).toEqual([]); // temp files are removed too
    return r.out;
  }
  beforeAll(() => {
    if (!why) mkdirSync(join(sb.dir, "tmp"), { recursive: true });
  });

  test("a corrupted binary: checksum mismatch, nothing installed, an existing install untouched", async () => {
    const dir = smallRelease("corrupt", "sysg 0.1.0 (commit eeeeeeeeeeee)");
    const xz = join(dir, "sysg-linux-x86_64.xz");
    const bytes = readFileSync(xz);
    bytes.writeUInt8(bytes.readUInt8(bytes.length >> 1) ^ 0xff, bytes.length >> 1);
    writeFileSync(xz, bytes);
    const prefix = join(sb.dir, "p-corrupt");
    const out = await refused(`curl -fsSL "${base}/release/install.sh" | sh`, { SYSG_DOWNLOAD_URL: `${base}/corrupt` }, prefix);
    expect(out).toContain("checksum mismatch for sysg-linux-x86_64.xz");
    expect(out).toContain("nothing was installed");

    mkdirSync(join(prefix, "bin"), { recursive: true });
    writeFileSync(join(prefix, "bin", "sysg"), "previous");
    const r = await sh(`curl -fsSL "${base}/release/install.sh" | dash`, {
      PATH: pathEnv,
      SYSG_PREFIX: prefix,
      SYSG_DOWNLOAD_URL: `${base}/corrupt`,
    });
    expect(r.code).toBe(1);
    expect(readFileSync(join(prefix, "bin", "sysg"), "utf8")).toBe("previous");
    expect(tree(prefix)).toEqual(["bin", "bin/sysg"]);
  });

  test("a tampered SHA256SUMS line is refused the same way", async () => {
    const dir = smallRelease("badsum", "sysg 0.1.0 (commit ffffffffffff)");
    const sums = readFileSync(join(dir, "SHA256SUMS"), "utf8").replace(/^[0-9a-f]{64}(?=  sysg-linux-x86_64\.xz)/m, "0".repeat(64));
    writeFileSync(join(dir, "SHA256SUMS"), sums);
    const out = await refused(`sh ${join(ROOT, "install.sh")}`, { SYSG_DOWNLOAD_URL: `${base}/badsum` }, join(sb.dir, "p-badsum"));
    expect(out).toContain(`SHA256SUMS says ${"0".repeat(64)}`);
  });

  test("a release without a binary for this machine, and an unreachable URL", async () => {
    const dir = smallRelease("nobin", "sysg 0.1.0 (commit 000000000000)");
    rmSync(join(dir, "sysg-linux-x86_64.xz"));
    writeFileSync(join(dir, "SHA256SUMS"), readFileSync(join(dir, "SHA256SUMS"), "utf8").replace(/.*sysg-linux-x86_64\.xz\n/, ""));
    const out = await refused(`sh ${join(ROOT, "install.sh")}`, { SYSG_DOWNLOAD_URL: `${base}/nobin` }, join(sb.dir, "p-nobin"));
    expect(out).toContain("SHA256SUMS lists no sysg-linux-x86_64.xz");
    const out2 = await refused(`sh ${join(ROOT, "install.sh")}`, { SYSG_DOWNLOAD_URL: `${base}/nothing-here` }, join(sb.dir, "p-404"));
    expect(out2).toContain(`cannot download ${base}/nothing-here/SHA256SUMS`);
  });

  test("--version X that the mirror does not have", async () => {
    smallRelease("small-ver", "sysg 0.1.0 (commit cccccccccccc)");
    const out = await refused(`sh ${join(ROOT, "install.sh")} --version 0.1`, { SYSG_DOWNLOAD_URL: `${base}/small-ver` }, join(sb.dir, "p-ver"));
    expect(out).toContain(`asked for version 0.1, but ${base}/small-ver has: sysg 0.1.0 (commit cccccccccccc)`);
  });

  /** A PATH of symlinks to just these tools, and a fake `uname` when given. */
  function fakePath(name: string, tools: string[], uname?: { s: string; m: string }): string {
    const dir = join(sb.dir, `path-${name}`);
    mkdirSync(dir);
    for (const t of tools) {
      const real = spawnSync("sh", ["-c", `command -v ${t}`], { encoding: "utf8" }).stdout.trim();
      symlinkSync(real, join(dir, t));
    }
    if (uname) writeFileSync(join(dir, "uname"), `#!/bin/sh\ncase $1 in -s) echo ${uname.s};; -m) echo ${uname.m};; esac\n`, { mode: 0o755 });
    return dir;
  }
  const basics = ["id", "mktemp", "rm", "mkdir", "chmod", "mv", "cp", "awk", "sha256sum", "xz", "cat", "dirname", "basename"];

  test("non-Linux, unsupported architecture, no downloader: clear refusals", async () => {
    const sh0 = `/bin/sh ${join(ROOT, "install.sh")}`;
    const env = (p: string) => ({ PATH: p, SYSG_DOWNLOAD_URL: `${base}/release` });
    const mac = await refused(sh0, env(fakePath("darwin", [...basics, "curl"], { s: "Darwin", m: "arm64" })), join(sb.dir, "p-mac"));
    expect(mac).toContain("sysg runs on Linux only; this system is Darwin");
    const riscv = await refused(sh0, env(fakePath("riscv", [...basics, "curl"], { s: "Linux", m: "riscv64" })), join(sb.dir, "p-riscv"));
    expect(riscv).toContain("unsupported architecture: riscv64");
    expect(riscv).toContain("releases exist for x86_64 and aarch64");
    const none = await refused(sh0, env(fakePath("nodl", [...basics, "uname"])), join(sb.dir, "p-nodl"));
    expect(none).toContain("neither curl nor wget is installed");
  });

  if (!has("wget")) console.warn("installer: wget missing, the wget path is not tested");
  test.skipIf(!has("wget"))("wget works when curl is missing", async () => {
    const prefix = join(sb.dir, "p-wget");
    smallRelease("small-wget", "sysg 0.1.0 (commit dddddddddddd)");
    const r = await sh(`/bin/sh ${join(ROOT, "install.sh")}`, {
      PATH: fakePath("wget", [...basics, "uname", "wget", "sh"]),
      SYSG_PREFIX: prefix,
      SYSG_DOWNLOAD_URL: `${base}/small-wget`,
    });
    expect(r.out).toContain("installed sysg 0.1.0 (commit dddddddddddd)");
    expect(r.code).toBe(0);
    expect(tree(prefix)).toEqual(["bin", "bin/sysg"]);
  }, 60_000);
});
