// The import graph of src/, enforced (docs/architecture.md, "Modules"): every relative import
// that crosses from one module into another must be one that module's row allows, and where a
// row names files (`config (index.ts)`) only those files. And the libc rule: JavaScript loads one
// library, the shim (src/platform/bun/shim.ts, which opens libc once for nothing but the
// memfd_create that loads the shim), and never reads errno: the C functions return -errno.
//   bun scripts/check-layers.ts      exit 1 and one line per offence
// Run by test/unit/scripts/layers.test.ts, which also checks the table in the docs says the same.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** module → what it may import: a module (every file of it) or a module with the files allowed. */
export const LAYERS: Readonly<Record<string, readonly string[]>> = {
  main: ["cli", "platform/bun"],
  cli: ["model", "config (index.ts)", "supervisor (index.ts)", "export", "import", "ipc", "privilege", "runtime", "platform/types", "version"],
  export: ["model", "config"],
  import: ["model", "config"],
  supervisor: ["model", "config", "privilege", "runtime", "ipc", "cron", "platform/types"],
  cron: ["model", "runtime", "ipc", "platform/types"],
  privilege: ["model", "config", "platform/types"],
  ipc: ["model", "config (resolved.ts)", "platform/types"],
  config: ["model"],
  runtime: ["model"],
  "platform/bun": ["model", "platform/types"],
  "platform/types": ["model"],
  model: [],
  version: [],
};

/** The module a file of src/ belongs to (path relative to the repository). */
export function moduleOf(rel: string): string | null {
  if (!rel.startsWith("src/")) return null;
  const parts = rel.slice(4).split("/");
  if (parts.length === 1) return parts[0]!.replace(/\.ts$/, "");
  if (parts[0] === "platform") return parts.length === 2 ? "platform/types" : "platform/bun";
  return parts[0]!;
}

/** Every relative import (static, `export … from`, dynamic or `import type`) of a source text. */
export function importsOf(text: string): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  const out: string[] = [];
  const re = /\b(?:import|export)\s[^;]*?\bfrom\s*["'](\.{1,2}\/[^"']+)["']|\bimport\s*\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)|\bimport\s+["'](\.{1,2}\/[^"']+)["']/g;
  for (let m = re.exec(code); m; m = re.exec(code)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

function allowed(from: string, to: string, file: string): boolean {
  for (const rule of LAYERS[from] ?? []) {
    const m = /^(\S+)(?: \((.+)\))?$/.exec(rule)!;
    if (m[1] !== to) continue;
    if (m[2] === undefined) return true;
    const inside = to === "platform/types" || to === "platform/bun" ? file : file.slice(`src/${to}/`.length);
    if (m[2].split(", ").includes(inside)) return true;
  }
  return false;
}

function walk(dir: string, out: string[]): void {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith(".ts")) out.push(p);
  }
}

/** The offences in the tree at `root`, one line each (empty: the graph is as the table says). */
export function checkLayers(root: string): string[] {
  const files: string[] = [];
  walk(join(root, "src"), files);
  const offences: string[] = [];
  for (const f of files) {
    const rel = relative(root, f);
    const from = moduleOf(rel)!;
    if (!(from in LAYERS)) offences.push(`${rel}: module "${from}" has no row in the import table`);
    const text = readFileSync(f, "utf8");
    for (const spec of importsOf(text)) {
      const target = relative(root, resolve(dirname(f), spec));
      const to = moduleOf(target);
      if (to === null || to === from) continue; // package.json, the built shim, the same module
      if (!allowed(from, to, target)) offences.push(`${rel}: imports ${target} (${from} → ${to} is not in the import table)`);
    }
    offences.push(...libcOffences(rel, text));
  }
  return offences;
}

const SHIM = "src/platform/bun/shim.ts";
const MEMFD_ONLY = /^\s*const libc = dlopen\("libc\.so\.6", \{ memfd_create: \{[^}]*\} \}\);$/;

/** dlopen outside the shim's loader (or a second one in it), libc bound for more than
 *  memfd_create, errno read from JavaScript. */
export function libcOffences(rel: string, text: string): string[] {
  const out: string[] = [];
  let opens = 0;
  text.split("\n").forEach((line, i) => {
    if (/^\s*(\/\/|\*)/.test(line)) return;
    const at = `${rel}:${i + 1}`;
    if (/__errno_location|\berrno\s*\(\s*\)/.test(line)) out.push(`${at}: reads errno from JavaScript (the C function returns -errno)`);
    if (!/\bdlopen\s*[(<]/.test(line) || /typeof dlopen/.test(line)) return;
    if (rel !== SHIM) out.push(`${at}: dlopen outside ${SHIM} (add a C function to ffi/ and bind it in the shim)`);
    else if (/dlopen\s*\(\s*["']libc/.test(line)) {
      if (!MEMFD_ONLY.test(line)) out.push(`${at}: the shim opens libc only for memfd_create (to load itself)`);
    } else if (++opens > 1) out.push(`${at}: a second library loaded (the shim is the only one)`);
  });
  return out;
}

if (import.meta.main) {
  const root = join(dirname(fileURLToPath(import.meta.url)), "..");
  const offences = checkLayers(root);
  if (offences.length > 0) {
    console.error(`import table: ${offences.length} offence(s)\n${offences.join("\n")}`);
    process.exit(1);
  }
  console.log("import table: ok");
}
