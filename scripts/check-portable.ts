// The Deno-compatible core, enforced: outside src/platform/ (and the entry src/main.ts that
// wires the Bun platform in) no file may import `bun` / `bun:*`, touch the `Bun` global, or
// start processes behind the reaper's back (Bun.spawn, node:child_process).
//   bun scripts/check-portable.ts      exit 1 and one line per offence
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

const root = join(import.meta.dir, "..");
const RULES: [RegExp, string][] = [
  [/from\s+["']bun(:[\w-]+)?["']|import\(\s*["']bun(:[\w-]+)?["']\s*\)|require\(\s*["']bun/, "imports bun"],
  [/\bBun\./, "uses the Bun global"],
  [/["']node:child_process["']|["']child_process["']/, "uses child_process (children must go through Platform.spawn)"],
];
const ALLOWED = (rel: string) => rel.startsWith("src/platform/bun/") || rel === "src/main.ts";

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith(".ts")) out.push(p);
  }
}

const files: string[] = [];
walk(join(root, "src"), files);
const offences: string[] = [];
for (const f of files) {
  const rel = relative(root, f);
  if (ALLOWED(rel)) continue;
  const lines = readFileSync(f, "utf8").split("\n");
  lines.forEach((line, i) => {
    if (/^\s*(\/\/|\*)/.test(line)) return;
    for (const [re, what] of RULES) if (re.test(line)) offences.push(`${rel}:${i + 1}: ${what}: ${line.trim()}`);
  });
}
// Bun.spawn breaks the reaper even inside the platform (notes §2b').
for (const f of files) {
  const rel = relative(root, f);
  readFileSync(f, "utf8").split("\n").forEach((line, i) => {
    if (/\bBun\.(spawn|spawnSync|\$)\b/.test(line) && !/^\s*(\/\/|\*)/.test(line)) offences.push(`${rel}:${i + 1}: Bun.spawn/Bun.$ fight the reaper`);
  });
}
if (offences.length > 0) {
  console.error(`portable core: ${offences.length} offence(s)\n${offences.join("\n")}`);
  process.exit(1);
}
console.log(`portable core: ok (${files.length} files checked)`);
