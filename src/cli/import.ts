// `sysg import pm2|supervisord|procfile FILE [-o OUT]`: write a sysg config from another
// supervisor's file. The config goes to stdout or OUT (never over an existing file without
// --force), headed by the list of what could not be carried over (also on stderr).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { defineCommand } from "./command.ts";
import type { ImportResult } from "../import/common.ts";
import { globalArgs } from "./args.ts";
import { printError } from "./client.ts";

const SOURCES = ["pm2", "supervisord", "procfile"] as const;
type Source = (typeof SOURCES)[number];

export default defineCommand({
  meta: { name: "import", description: "Write a sysg config from a PM2 ecosystem file, a supervisord.conf or a Procfile" },
  args: {
    ...globalArgs,
    source: { type: "positional", required: false, options: ["pm2", "supervisord", "procfile"], description: "pm2 | supervisord | procfile", valueHint: "source" },
    file: { type: "positional", required: false, description: "The file to read", valueHint: "file" },
    output: { type: "string", alias: "o", description: "Write the config here instead of stdout", valueHint: "file" },
    force: { type: "boolean", description: "Overwrite OUT if it exists" },
    env: { type: "string", description: "pm2: also apply env_NAME of each app", valueHint: "name" },
    json: { type: "boolean", description: "Print {schema, source, config, yaml, notes} instead" },
  },
  async run({ args }): Promise<number> {
    const source = args.source as Source | undefined;
    if (source === undefined || !SOURCES.includes(source)) {
      await printError(
        source === undefined ? "sysg: import: from what?" : `sysg: import: unknown source "${args.source}"`,
        `use one of ${SOURCES.join(", ")}, e.g. sysg import procfile Procfile -o systemg.yaml`,
      );
      return 2;
    }
    if (args.file === undefined) {
      await printError(`sysg: import ${source}: which file?`, `e.g. sysg import ${source} ${source === "pm2" ? "ecosystem.config.js" : source === "supervisord" ? "/etc/supervisor/supervisord.conf" : "Procfile"}`);
      return 2;
    }
    const file = resolve(String(args.file));
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      await printError(`sysg: import: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
      return 1;
    }
    const out = args.output === undefined ? null : resolve(args.output);
    if (out !== null && existsSync(out) && !args.force) {
      await printError(`sysg: import: ${out} exists`, "pick another -o, or add --force to overwrite it");
      return 1;
    }
    const got =
      source === "pm2"
        ? (await import("../import/pm2.ts")).importPm2(text, file, { env: args.env })
        : source === "supervisord"
          ? (await import("../import/supervisord.ts")).importSupervisord(text, file)
          : (await import("../import/procfile.ts")).importProcfile(text, file);
    if (!got.ok) {
      await printError(`sysg: import ${source}: ${got.message}`, got.hint);
      return 1;
    }
    const result = relativePaths(got.value, out === null ? process.cwd() : dirname(out));
    const { validateSchema } = await import("../config/index.ts");
    const errors = validateSchema(result.config);
    if (errors.length > 0) {
      // a bug of the importer, not of the input: say so rather than write a config check refuses
      await printError(`sysg: import: the config written would be invalid: ${errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`, "please report this with the input file");
      return 1;
    }
    const { stringifyYAML } = await import("confbox/yaml");
    const header = [`# Imported by sysg from ${source} file ${file}`];
    if (result.notes.length > 0) header.push("# Not carried over (or only approximately):", ...result.notes.map((n) => `#   - ${n}`));
    const yaml = `${header.join("\n")}\n${stringifyYAML(result.config).trimEnd()}\n`;
    if (args.json) {
      console.log(JSON.stringify({ schema: "sysg.import.v1", source, file, config: result.config, yaml, notes: result.notes }, null, 2));
      return 0;
    }
    if (out === null) console.log(yaml.trimEnd());
    else {
      try {
        writeFileSync(out, yaml);
      } catch (err) {
        await printError(`sysg: import: cannot write ${out}: ${err instanceof Error ? err.message : String(err)}`);
        return 1;
      }
      console.log(`wrote ${out} (${Object.keys(result.config.services).length} services); check it with: sysg check -c ${out}`);
    }
    if (result.notes.length > 0) console.error(`not carried over (or only approximately):\n${result.notes.map((n) => `  - ${n}`).join("\n")}`);
    return 0;
  },
});

/** working_dir and env files relative to the config's own directory (how sysg resolves them). */
function relativePaths(r: ImportResult, base: string): ImportResult {
  const rel = (p: string) => relative(base, p) || ".";
  for (const svc of Object.values(r.config.services)) {
    if (typeof svc.working_dir === "string") {
      const w = rel(svc.working_dir);
      if (w === ".") delete svc.working_dir;
      else svc.working_dir = w;
    }
  }
  const env = r.config.env as { file?: string } | undefined;
  if (env?.file) env.file = rel(env.file);
  return r;
}
