// Build: compile the C shim(s) in ffi/ into .build/libsysg.so, then compile src/main.ts into
// the single executable dist/sysg (the .so is embedded and loaded from memory at run time).
// Output is written to a temp name and renamed, so concurrent builds never expose half a file.
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const cc = process.env.CC ?? "cc";
const build = join(root, ".build");
mkdirSync(build, { recursive: true });
mkdirSync(join(root, "dist"), { recursive: true });

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { stdio: "inherit", cwd: root });
  if (r.status !== 0) {
    console.error(`build: ${cmd} ${args.join(" ")} failed (${r.error?.message ?? `exit ${r.status}`})`);
    process.exit(1);
  }
}

const sources = readdirSync(join(root, "ffi")).filter((f) => f.endsWith(".c")).map((f) => join("ffi", f));
const so = join(build, "libsysg.so");
const soTmp = `${so}.${process.pid}`;
run(cc, ["-O2", "-Wall", "-Wextra", "-Werror", "-fPIC", "-shared", "-fvisibility=hidden", "-o", soTmp, ...sources]);
renameSync(soTmp, so);

const out = join(root, "dist", "sysg");
const outTmp = `${out}.${process.pid}`;
// --splitting: each lazily imported command and the daemon's modules become their own chunk, so
// a one-shot CLI run (`status`, `--version`) loads only what it uses (≈ 7 ms of CPU less each).
run(process.execPath, ["build", "--compile", "--minify", "--bytecode", "--splitting", "--format=esm", "src/main.ts", "--outfile", outTmp]);
renameSync(outTmp, out);
console.log(`build: ${out} (${(statSync(out).size / 1048576).toFixed(0)} MiB)`);

// sysg(1) for install.sh: printed by the binary itself from its command table (as --help is)
// (a binary just written can be briefly busy, ETXTBSY, while another process forks: retry)
let man = spawnSync(out, ["man"], { encoding: "utf8", cwd: root });
for (let i = 0; i < 20 && man.status !== 0; i++) {
  spawnSync("sleep", ["0.1"]);
  man = spawnSync(out, ["man"], { encoding: "utf8", cwd: root });
}
if (man.status !== 0) {
  console.error(`build: dist/sysg man failed: ${man.error?.message ?? man.stderr}`);
  process.exit(1);
}
const page = join(root, "dist", "sysg.1");
writeFileSync(`${page}.${process.pid}`, man.stdout);
renameSync(`${page}.${process.pid}`, page);
