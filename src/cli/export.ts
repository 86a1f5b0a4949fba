// `sysg export systemd|kubernetes|nomad -c FILE [-o DIR]`: translate a config for a cluster
// scheduler or for systemd itself. Files go to stdout (each after a "# file: NAME" comment) or
// into DIR; what could not be carried over is listed on stderr (or in --json).
import { mkdirSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { defineCommand } from "./command.ts";
import { configArg, globalArgs } from "./args.ts";
import { printError } from "./client.ts";

const TARGETS = ["systemd", "kubernetes", "nomad"] as const;
type Target = (typeof TARGETS)[number];

export default defineCommand({
  meta: { name: "export", description: "Translate a config into systemd units, Kubernetes manifests or a Nomad job" },
  args: {
    ...globalArgs,
    target: { type: "positional", required: false, options: ["systemd", "kubernetes", "nomad"], description: "systemd | kubernetes | nomad", valueHint: "target" },
    ...configArg,
    output: { type: "string", alias: "o", description: "Write the files into this directory (created if missing)", valueHint: "dir" },
    image: { type: "string", default: "debian:bookworm-slim", description: "kubernetes: the container image that holds the programs", valueHint: "image" },
    datacenter: { type: "string", default: "dc1", description: "nomad: datacenters (comma-separated)", valueHint: "dc" },
    json: { type: "boolean", description: "Print {schema, target, files: [{name, text}], notes} instead" },
  },
  async run({ args }): Promise<number> {
    const target = (args.target === "k8s" ? "kubernetes" : args.target) as Target | undefined;
    if (target === undefined || !TARGETS.includes(target)) {
      await printError(
        target === undefined ? "sysg: export: which target?" : `sysg: export: unknown target "${args.target}"`,
        `use one of ${TARGETS.join(", ")}, e.g. sysg export systemd -c systemg.yaml -o ./units`,
      );
      return 2;
    }
    const { loadConfig, formatErrors } = await import("../config/index.ts");
    // baseEnv {}: only the config's own env is exported, not the environment of this shell
    const loaded = await loadConfig({ config: args.config, cwd: process.cwd(), home: process.env.HOME || homedir(), sys: args.sys === true, baseEnv: {} });
    if (!loaded.ok) {
      console.error(formatErrors(loaded.errors, loaded.path ?? "export").split("\n").map((l) => (l.startsWith("  ") ? l : `sysg: ${l}`)).join("\n"));
      return 1;
    }
    const result =
      target === "systemd"
        ? (await import("../export/systemd.ts")).exportSystemd(loaded.config)
        : target === "kubernetes"
          ? (await import("../export/kubernetes.ts")).exportKubernetes(loaded.config, { image: args.image })
          : (await import("../export/nomad.ts")).exportNomad(loaded.config, { datacenters: args.datacenter.split(",").map((d) => d.trim()).filter(Boolean) });
    if (args.json) {
      console.log(JSON.stringify({ schema: "sysg.export.v1", target, config: loaded.config.path, files: result.files, notes: result.notes }, null, 2));
      return 0;
    }
    if (args.output !== undefined) {
      try {
        mkdirSync(args.output, { recursive: true });
        for (const f of result.files) writeFileSync(join(args.output, f.name), f.text);
      } catch (err) {
        await printError(`sysg: export: cannot write into ${args.output}: ${err instanceof Error ? err.message : String(err)}`, "pick a directory you can write to");
        return 1;
      }
      for (const f of result.files) console.log(`wrote ${join(args.output, f.name)}`);
    } else {
      console.log(result.files.map((f) => `# file: ${f.name}\n${f.text}`).join("\n"));
    }
    if (result.notes.length > 0) console.error(`not carried over (or only approximately):\n${result.notes.map((n) => `  - ${n}`).join("\n")}`);
    return 0;
  },
});
