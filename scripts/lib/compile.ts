// The two steps of every build, shared by scripts/build.ts (the native dist/sysg) and
// scripts/release.ts (native + cross-compiled release binaries): the C shim in ffi/ compiled
// into <workDir>/.build/libsysg.so (embedded by src/platform/bun/shim.ts) and the static init
// of PID namespaces into <workDir>/.build/sysg-init (src/platform/bun/init.ts), then src/main.ts
// compiled into one executable with the git commit baked in. Outputs are written to a temp
// name and renamed, so concurrent builds never expose half a file.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, realpathSync, renameSync } from "node:fs";
import { dirname, join } from "node:path";

function run(cmd: string, args: string[], cwd: string): void {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd });
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`})`);
  }
}

/**
 * The commit `dir` is checked out at (12 hex digits, "-dirty" with uncommitted changes to
 * tracked files), SYSG_COMMIT from the environment when set (a packager building from a
 * tarball), else "unknown". A tree that is not itself a git checkout says "unknown" even when
 * it sits inside another repository.
 */
export function gitCommit(dir: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.SYSG_COMMIT) return env.SYSG_COMMIT;
  const git = (...args: string[]) => {
    const r = spawnSync("git", ["-C", dir, ...args], { encoding: "utf8" });
    return r.status === 0 ? r.stdout.trim() : null;
  };
  const top = git("rev-parse", "--show-toplevel");
  if (top === null || realpathSync(top) !== realpathSync(dir)) return "unknown";
  const head = git("rev-parse", "--short=12", "HEAD");
  if (head === null) return "unknown";
  const dirty = git("status", "--porcelain", "--untracked-files=no");
  return dirty ? `${head}-dirty` : head;
}

/**
 * Flags of the PID-namespace init (ffi/init/): a static executable without libc (raw system
 * calls, its own _start), no build id, no separate code page and stripped: about 1 KiB.
 */
const INIT_FLAGS = [
  "-Os", "-Wall", "-Wextra", "-Werror", "-static", "-nostdlib", "-ffreestanding", "-fno-builtin",
  "-fno-stack-protector", "-fno-asynchronous-unwind-tables", "-fno-unwind-tables", "-fno-pie", "-no-pie",
  "-Wl,--gc-sections", "-Wl,--build-id=none", "-Wl,-z,noseparate-code", "-Wl,-z,norelro", "-s",
];

/**
 * Compiles every ffi/*.c of `srcDir` into `<workDir>/.build/libsysg.so` and ffi/init/*.c into
 * the static `<workDir>/.build/sysg-init` (embedded by src/platform/bun/init.ts) with `cc`.
 */
export function buildShim(srcDir: string, workDir: string, cc: string): void {
  const build = join(workDir, ".build");
  mkdirSync(build, { recursive: true });
  const sourcesOf = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".c")).map((f) => join(dir, f));
  const so = join(build, "libsysg.so");
  const tmp = `${so}.${process.pid}`;
  run(cc, ["-O2", "-Wall", "-Wextra", "-Werror", "-fPIC", "-shared", "-fvisibility=hidden", "-o", tmp, ...sourcesOf(join(srcDir, "ffi"))], workDir);
  renameSync(tmp, so);
  const init = join(build, "sysg-init");
  run(cc, [...INIT_FLAGS, "-o", `${init}.${process.pid}`, ...sourcesOf(join(srcDir, "ffi", "init"))], workDir);
  renameSync(`${init}.${process.pid}`, init);
}

export interface CompileOptions {
  /** tree holding src/main.ts and .build/libsysg.so */
  workDir: string;
  outfile: string;
  commit: string;
  /** `bun build --target`, e.g. "bun-linux-arm64"; default: this machine */
  target?: string;
}

/** `bun build --compile` of src/main.ts into `outfile`. */
export function compileBinary(o: CompileOptions): void {
  mkdirSync(dirname(o.outfile), { recursive: true });
  const tmp = `${o.outfile}.${process.pid}`;
  // --splitting: each lazily imported command and the daemon's modules become their own chunk, so
  // a one-shot CLI run (`status`, `--version`) loads only what it uses (≈ 7 ms of CPU less each).
  const args = ["build", "--compile", "--minify", "--bytecode", "--splitting", "--format=esm", `--define=SYSG_COMMIT=${JSON.stringify(o.commit)}`];
  if (o.target) args.push(`--target=${o.target}`);
  run(process.execPath, [...args, "src/main.ts", "--outfile", tmp], o.workDir);
  renameSync(tmp, o.outfile);
}
