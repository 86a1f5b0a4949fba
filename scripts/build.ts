// Build: compile the C shim(s) in ffi/ into .build/libsysg.so, then compile src/main.ts into
// the single executable dist/sysg (the .so is embedded and loaded from memory at run time,
// the git commit is baked in for `sysg --version`; see scripts/lib/compile.ts), then write
// the man page dist/sysg.1.
import { spawnSync } from "node:child_process";
import { renameSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { buildShim, compileBinary, gitCommit } from "./lib/compile.ts";

const root = join(import.meta.dir, "..");
const out = join(root, "dist", "sysg");
try {
  buildShim(root, root, process.env.CC ?? "cc");
  compileBinary({ workDir: root, outfile: out, commit: gitCommit(root) });
} catch (e) {
  console.error(`build: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
}
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
