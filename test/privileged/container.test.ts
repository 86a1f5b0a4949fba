// examples/container/Dockerfile without a docker engine (none runs on this machine): the final
// stage is rebuilt by hand as a root filesystem holding only what the Dockerfile puts there
// (dist/sysg, the example config) plus the glibc it needs and a /bin/sh (busybox) for the
// example's shell commands, then its ENTRYPOINT runs as PID 1 of new PID and mount namespaces
// chrooted into it, the way `docker run` starts it. `docker stop` is a SIGTERM to that PID 1.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, readFileSync, readdirSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { ROOT, SYSG, type Sandbox, ensureBuilt, sandbox } from "../helpers/sysg.ts";

const DOCKERFILE = join(ROOT, "examples", "container", "Dockerfile");
const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
const why =
  process.getuid?.() !== 0
    ? "not root"
    : !has("unshare")
      ? "unshare(1) missing"
      : !has("busybox")
        ? "busybox missing (the image's /bin/sh; apt-get install busybox)"
        : spawnSync("unshare", ["--root=/", "true"]).status !== 0
          ? "this unshare has no --root"
          : null;
if (why) console.warn(`skipping test/privileged/container.test.ts: ${why}`);

interface Instruction {
  op: string;
  args: string;
}

/** The instructions of a Dockerfile (continuation lines joined, comments dropped). */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let cur = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("#") || line === "") continue;
    cur += `${line.replace(/\\$/, "").trim()} `;
    if (line.endsWith("\\")) continue;
    const m = cur.trim().match(/^(\w+)\s+(.*)$/);
    if (m) out.push({ op: m[1]!.toUpperCase(), args: m[2]! });
    cur = "";
  }
  return out;
}

/** The instructions of the last stage (after the last FROM). */
function finalStage(ins: Instruction[]): Instruction[] {
  let from = 0;
  ins.forEach((x, i) => {
    if (x.op === "FROM") from = i;
  });
  return ins.slice(from);
}

let sb: Sandbox;
beforeAll(() => {
  if (!why) ensureBuilt();
});
afterEach(() => sb?.cleanup());

/** The final stage's filesystem: its COPY instructions, glibc for sysg, busybox as /bin/sh. */
function buildRootfs(stage: Instruction[]): string {
  const root = join(sb.dir, "rootfs");
  for (const d of ["proc", "tmp", "root", "dev", "bin"]) mkdirSync(join(root, d), { recursive: true });
  chmodSync(join(root, "tmp"), 0o1777);
  // what every container runtime provides
  expect(spawnSync("mknod", ["-m", "666", join(root, "dev", "null"), "c", "1", "3"]).status).toBe(0);
  for (const c of stage.filter((x) => x.op === "COPY")) {
    const parts = c.args.split(/\s+/);
    const fromBuild = parts[0]!.startsWith("--from=");
    const [src, dest] = fromBuild ? [parts[1]!, parts[2]!] : [parts[0]!, parts[1]!];
    // the build stage's /src is this checkout; its dist/sysg is the one ensureBuilt made
    const local = fromBuild ? join(ROOT, src.replace(/^\/src\//, "")) : join(ROOT, src);
    mkdirSync(dirname(join(root, dest)), { recursive: true });
    copyFileSync(local, join(root, dest));
    chmodSync(join(root, dest), fromBuild ? 0o755 : 0o644);
  }
  copyFileSync(spawnSync("sh", ["-c", "command -v busybox"], { encoding: "utf8" }).stdout.trim(), join(root, "bin", "busybox"));
  chmodSync(join(root, "bin", "busybox"), 0o755);
  for (const t of ["sh", "sleep", "echo"]) symlinkSync("busybox", join(root, "bin", t));
  // the base image's shared libraries: exactly what the two binaries load
  const ldd = spawnSync("sh", ["-c", `ldd "$1"; ldd "$(command -v busybox)"`, "sh", SYSG], { encoding: "utf8" }).stdout;
  for (const lib of new Set(ldd.match(/\/\S+\.so[.\d]*/g) ?? [])) {
    mkdirSync(dirname(join(root, lib)), { recursive: true });
    copyFileSync(lib, join(root, lib));
  }
  return root;
}

describe.skipIf(why !== null)("examples/container/Dockerfile", () => {
  test("two stages; the image gets only dist/sysg from the build", () => {
    const ins = parseDockerfile(readFileSync(DOCKERFILE, "utf8"));
    expect(ins.filter((x) => x.op === "FROM").map((x) => x.args)).toEqual(["node:20-bookworm-slim AS build", "debian:bookworm-slim"]);
    const fromBuild = finalStage(ins).filter((x) => x.op === "COPY" && x.args.startsWith("--from="));
    expect(fromBuild.map((x) => x.args)).toEqual(["--from=build /src/dist/sysg /usr/local/bin/sysg"]);
    // what the image runs and how docker stops it
    expect(finalStage(ins).find((x) => x.op === "ENTRYPOINT")?.args).toBe('["/usr/local/bin/sysg", "start", "--config", "/etc/systemg/systemg.yaml"]');
    expect(finalStage(ins).find((x) => x.op === "STOPSIGNAL")?.args).toBe("SIGTERM");
    // the build context leaves local builds out
    const ignore = readFileSync(`${DOCKERFILE}.dockerignore`, "utf8").split("\n");
    expect(ignore).toEqual(expect.arrayContaining(["node_modules", "dist", ".build"]));
  });

  test("its ENTRYPOINT, as PID 1 of the image's filesystem: runs the example, SIGTERM stops it with exit 0", async () => {
    sb = sandbox();
    const stage = finalStage(parseDockerfile(readFileSync(DOCKERFILE, "utf8")));
    const root = buildRootfs(stage);
    expect(readdirSync(join(root, "usr", "local", "bin"))).toEqual(["sysg"]);
    const entrypoint: string[] = JSON.parse(stage.find((x) => x.op === "ENTRYPOINT")!.args);
    const proc = Bun.spawn(["unshare", "--pid", "--fork", "--mount-proc", `--root=${root}`, ...entrypoint], {
      // docker's default environment for root
      env: { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/root", SYSG_TEST_TAG: sb.tag },
      stdout: "pipe",
      stderr: "pipe",
    });
    let out = "";
    (async () => {
      for await (const c of proc.stdout) out += new TextDecoder().decode(c);
    })();
    const end = Date.now() + 15_000;
    while (!/worker \| worker: started/.test(out.replace(/ +\|/g, " |")) && Date.now() < end) await Bun.sleep(25);
    expect(out).toContain("(pid 1)"); // sysg is the namespace's init
    expect(out).toMatch(/app +\| app: serving/);
    expect(out).toMatch(/worker +\| worker: started/);
    // docker stop: SIGTERM to the container's PID 1 (the child of unshare)
    const init = Number(readFileSync(`/proc/${proc.pid}/task/${proc.pid}/children`, "utf8").trim().split(" ")[0]);
    process.kill(init, "SIGTERM");
    expect(await proc.exited).toBe(0);
    expect(out).toContain("all services stopped");
  }, 30_000);
});
