// `npm run release`: everything a server needs to install sysg with `curl … | sh`, in
// dist/release/:
//   sysg-linux-x86_64.xz    the native dist/sysg, xz-compressed
//   sysg-linux-aarch64.xz   cross-compiled (bun --target=bun-linux-arm64, shim and init built with
//                           aarch64-linux-gnu-gcc); skipped with a note when that compiler is missing
//   sysg.1                  the man page, when this sysg can print one (`sysg man`)
//   install.sh              the installer (a copy of ./install.sh)
//   install-systemg.sh      the systemd unit installer (install.sh --systemd runs it)
//   SHA256SUMS              `sha256sum -c` format, over every file above
// The directory is assembled beside the target and renamed into place: a failed release never
// leaves a mix of old and new files.
//
//   bun scripts/release.ts [--skip-build] [--arch x86_64,aarch64] [--level 0-9] [--out DIR]
// --skip-build packages the existing dist/sysg; --level is xz's preset (default 6; tests use 0).
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { buildShim, compileBinary, gitCommit } from "./lib/compile.ts";

const root = join(import.meta.dir, "..");
type Arch = "x86_64" | "aarch64";
const CROSS: Record<Arch, { bunTarget: string; cc: string }> = {
  x86_64: { bunTarget: "bun-linux-x64", cc: process.env.CC_X86_64 ?? "x86_64-linux-gnu-gcc" },
  aarch64: { bunTarget: "bun-linux-arm64", cc: process.env.CC_AARCH64 ?? "aarch64-linux-gnu-gcc" },
};

function fail(message: string): never {
  console.error(`release: ${message}`);
  process.exit(1);
}

function parseArgs(argv: string[]) {
  const o = { skipBuild: false, arches: null as Arch[] | null, level: 6, out: join(root, "dist", "release") };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => argv[++i] ?? fail(`${a} needs a value`);
    if (a === "--skip-build") o.skipBuild = true;
    else if (a === "--arch") {
      const list = value().split(",");
      for (const x of list) if (x !== "x86_64" && x !== "aarch64") fail(`--arch ${x}: expected x86_64 or aarch64`);
      o.arches = list as Arch[];
    } else if (a === "--level") {
      o.level = Number(value());
      if (!Number.isInteger(o.level) || o.level < 0 || o.level > 9) fail(`--level: expected 0..9`);
    } else if (a === "--out") o.out = resolve(value());
    else fail(`unknown argument ${a}\n  hint: bun scripts/release.ts [--skip-build] [--arch x86_64,aarch64] [--level 0-9] [--out DIR]`);
  }
  return o;
}

function nativeArch(): Arch {
  if (process.arch === "x64") return "x86_64";
  if (process.arch === "arm64") return "aarch64";
  return fail(`cannot build on ${process.arch}: sysg releases exist for x86_64 and aarch64`);
}

const has = (cmd: string) => spawnSync(cmd, ["--version"], { stdio: "ignore" }).status === 0;

/** Cross build in a private copy of the tree, so this tree's .build/libsysg.so stays native. */
function crossBuild(arch: Arch, commit: string, outfile: string): void {
  const stage = join(root, ".build", `cross-${arch}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  // the whole tree but its outputs, dependencies and history (anything src/ may import comes along)
  const skip = new Set(["node_modules", "dist", ".build", ".git"]);
  for (const f of readdirSync(root)) if (!skip.has(f)) cpSync(join(root, f), join(stage, f), { recursive: true });
  symlinkSync(join(root, "node_modules"), join(stage, "node_modules"));
  buildShim(root, stage, CROSS[arch].cc);
  compileBinary({ workDir: stage, outfile, commit, target: CROSS[arch].bunTarget });
  rmSync(stage, { recursive: true, force: true });
}

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

const opts = parseArgs(process.argv.slice(2));
const native = nativeArch();
const commit = gitCommit(root);
let arches = opts.arches;
if (arches === null) {
  arches = [native];
  const other: Arch = native === "x86_64" ? "aarch64" : "x86_64";
  if (has(CROSS[other].cc)) arches.push(other);
  else console.warn(`release: no ${other} binary: ${CROSS[other].cc} is not installed (Debian: apt-get install gcc-${other.replace("_", "-")}-linux-gnu)`);
}

const tmp = `${opts.out}.tmp-${process.pid}`;
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });
try {
  const nativeBin = join(root, "dist", "sysg");
  if (!opts.skipBuild) {
    buildShim(root, root, process.env.CC ?? "cc");
    compileBinary({ workDir: root, outfile: nativeBin, commit });
  } else if (!existsSync(nativeBin)) fail(`--skip-build: ${nativeBin} does not exist; run npm run build first`);

  for (const arch of arches) {
    let bin = nativeBin;
    if (arch !== native) {
      if (!has(CROSS[arch].cc)) fail(`--arch ${arch}: ${CROSS[arch].cc} is not installed`);
      bin = join(root, ".build", `sysg-linux-${arch}`);
      crossBuild(arch, commit, bin);
    }
    const xz = join(tmp, `sysg-linux-${arch}.xz`);
    const r = spawnSync("sh", ["-c", `xz -T0 -${opts.level} -c "$1" > "$2"`, "sh", bin, xz], { stdio: "inherit" });
    if (r.status !== 0) fail(`xz of ${bin} failed (exit ${r.status}); is xz-utils installed?`);
    if (bin !== nativeBin) rmSync(bin, { force: true });
  }

  // The man page, when this sysg has one (issue 12's `sysg man`); optional for the installer.
  const man = spawnSync(nativeBin, ["man"], { encoding: "utf8" });
  if (man.status === 0 && /^\.(TH|\\")/m.test(man.stdout)) writeFileSync(join(tmp, "sysg.1"), man.stdout);

  copyFileSync(join(root, "install.sh"), join(tmp, "install.sh"));
  copyFileSync(join(root, "scripts", "install-systemg.sh"), join(tmp, "install-systemg.sh"));
  const files = readdirSync(tmp).sort();
  writeFileSync(join(tmp, "SHA256SUMS"), files.map((f) => `${sha256(join(tmp, f))}  ${f}\n`).join(""));

  rmSync(opts.out, { recursive: true, force: true });
  renameSync(tmp, opts.out);
} catch (e) {
  rmSync(tmp, { recursive: true, force: true });
  fail(e instanceof Error ? e.message : String(e));
}
console.log(`release: ${opts.out} (commit ${commit})`);
for (const f of readdirSync(opts.out).sort()) console.log(`  ${f.padEnd(24)} ${(statSync(join(opts.out, f)).size / 1048576).toFixed(1)} MiB`);
