// The import table (docs/architecture.md) is what the code does: scripts/check-layers.ts finds
// no crossing in src/, finds the crossings it exists for in a tree that has them, and reads the
// same table out of the docs as it enforces. And libc is reached only through the shim.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkLayers, importsOf, LAYERS, libcOffences, moduleOf } from "../../../scripts/check-layers.ts";

const repo = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A tree with the given files (path → text) under a fresh temp dir. */
function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "sysg-layers-"));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

test("src/ has no import the table does not allow", () => {
  expect(checkLayers(repo)).toEqual([]);
});

test("every kind of import is seen: static, type, export-from, dynamic, side effect, over lines", () => {
  const text = [
    'import { a } from "../config/a.ts";',
    'import type { B } from "../config/b.ts";',
    'export { c } from "./c.ts";',
    'const d = await import("../supervisor/d.ts");',
    'import "../runtime/e.ts";',
    "import {\n  f,\n  g,\n} from '../ipc/f.ts';",
    '// import { no } from "../commented.ts";',
    '/* import { no } from "../block.ts"; */',
    'import { pkg } from "@sinclair/typebox";',
  ].join("\n");
  expect(importsOf(text)).toEqual(["../config/a.ts", "../config/b.ts", "./c.ts", "../supervisor/d.ts", "../runtime/e.ts", "../ipc/f.ts"]);
});

test("modules by path", () => {
  expect(moduleOf("src/main.ts")).toBe("main");
  expect(moduleOf("src/platform/types.ts")).toBe("platform/types");
  expect(moduleOf("src/platform/bun/shim.ts")).toBe("platform/bun");
  expect(moduleOf("src/cli/start.ts")).toBe("cli");
  expect(moduleOf("package.json")).toBeNull();
});

test("a crossing is an offence naming the file and the edge; an entry file is not", () => {
  const root = tree({
    "src/model/states.ts": "export const X = 1;\n",
    "src/config/index.ts": "export const load = 1;\n",
    "src/config/find.ts": "export const find = 1;\n",
    "src/config/resolved.ts": "export const R = 1;\n",
    "src/supervisor/run.ts": 'import { X } from "../model/states.ts";\nexport const run = X;\n',
    "src/supervisor/index.ts": 'export { run } from "./run.ts";\n',
    // allowed: the entries, the model
    "src/cli/ok.ts": 'import { load } from "../config/index.ts";\nimport { run } from "../supervisor/index.ts";\nimport { X } from "../model/states.ts";\n',
    "src/ipc/ok.ts": 'import type { R } from "../config/resolved.ts";\n',
    // not allowed: internals of config/supervisor from cli, anything of supervisor from ipc,
    // config from the platform, anything from the model
    "src/cli/bad.ts": 'import { find } from "../config/find.ts";\nconst m = await import("../supervisor/run.ts");\n',
    "src/ipc/bad.ts": 'import type { X } from "../supervisor/run.ts";\n',
    "src/platform/bun/bad.ts": 'import { load } from "../../config/index.ts";\n',
    "src/model/bad.ts": 'export { load } from "../config/index.ts";\n',
    "src/newthing/x.ts": "export const y = 1;\n",
  });
  const offences = checkLayers(root).sort();
  expect(offences).toEqual([
    "src/cli/bad.ts: imports src/config/find.ts (cli → config is not in the import table)",
    "src/cli/bad.ts: imports src/supervisor/run.ts (cli → supervisor is not in the import table)",
    "src/ipc/bad.ts: imports src/supervisor/run.ts (ipc → supervisor is not in the import table)",
    "src/model/bad.ts: imports src/config/index.ts (model → config is not in the import table)",
    'src/newthing/x.ts: module "newthing" has no row in the import table',
    "src/platform/bun/bad.ts: imports src/config/index.ts (platform/bun → config is not in the import table)",
  ]);
});

test("docs/architecture.md's import table is the one enforced", () => {
  const doc = readFileSync(join(repo, "docs", "architecture.md"), "utf8");
  const rows = new Map<string, string[]>();
  for (const line of doc.split("\n")) {
    const cells = line.split("|").map((c) => c.trim());
    const m = /^`src\/(.+?)(\/|\.ts)?`$/.exec(cells[1] ?? "");
    if (!m || cells.length < 5) continue;
    const imports = cells[3]!.replaceAll("`", "");
    rows.set(m[1]!, imports === "—" ? [] : imports.split(/,\s*(?![^()]*\))/).map((s) => s.trim()));
  }
  expect(Object.fromEntries(rows) as typeof LAYERS).toEqual(LAYERS);
  // "arrows point down the table": each module imports only modules of later rows
  const order = [...rows.keys()];
  for (const [mod, imports] of rows) {
    for (const i of imports) expect(`${mod} → ${i}: ${order.indexOf(i.split(" ")[0]!) > order.indexOf(mod) ? "down" : "up"}`).toBe(`${mod} → ${i}: down`);
  }
});

describe("libc only through the shim", () => {
  const SHIM = "src/platform/bun/shim.ts";
  const LOADER = '  const libc = dlopen("libc.so.6", { memfd_create: { args: [FFIType.ptr, FFIType.u32], returns: FFIType.i32 } });';
  const OWN = "    return dlopen(`/proc/self/fd/${fd}`, symbols).symbols;";

  test("the shim's loader passes: libc for memfd_create, then the shim", () => {
    expect(libcOffences(SHIM, [LOADER, OWN, "export type Shim = ReturnType<typeof dlopen<typeof symbols>>;"].join("\n"))).toEqual([]);
  });

  test("a dlopen anywhere else, more of libc, a second library, or errno read in JS is an offence", () => {
    expect(libcOffences("src/platform/bun/peercred.ts", '  return dlopen("libc.so.6", {')).toEqual([
      "src/platform/bun/peercred.ts:1: dlopen outside src/platform/bun/shim.ts (add a C function to ffi/ and bind it in the shim)",
    ]);
    expect(libcOffences(SHIM, '  const libc = dlopen("libc.so.6", { memfd_create: { args: [] }, getsockopt: { args: [] } });')).toEqual([
      `${SHIM}:1: the shim opens libc only for memfd_create (to load itself)`,
    ]);
    expect(libcOffences(SHIM, [LOADER, OWN, '  const other = dlopen("/usr/lib/libz.so", {});'].join("\n"))).toEqual([
      `${SHIM}:3: a second library loaded (the shim is the only one)`,
    ]);
    expect(libcOffences("src/platform/bun/notify.ts", "    __errno_location: { args: [], returns: FFIType.ptr },\n  if (errno() !== EINTR) return;")).toEqual([
      "src/platform/bun/notify.ts:1: reads errno from JavaScript (the C function returns -errno)",
      "src/platform/bun/notify.ts:2: reads errno from JavaScript (the C function returns -errno)",
    ]);
    // comments are not calls
    expect(libcOffences("src/platform/bun/x.ts", "// dlopen(\"libc.so.6\") is the shim's job")).toEqual([]);
  });
});
