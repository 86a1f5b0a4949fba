// `sysg check [FILE]`: validate a config and exit — 0 with a one-line summary, or 1 with every
// error on stderr. After the config itself come the host checks start would hit: unknown
// users, limits this supervisor cannot grant, a missing working_dir, a program not on PATH;
// then the warnings start would log (--strict makes them errors).
// Prints with console.* only (the node stream layer costs ~20 ms to load).
import { homedir } from "node:os";
import { type ConfigError, formatErrors, loadConfig, type ResolvedConfig } from "../config/index.ts";
import { configArg, configPositional, dropPrivilegesArg, globalArgs } from "./args.ts";
import { defineCommand } from "./command.ts";
import { sayConfigErrors } from "./say.ts";

export default defineCommand({
  meta: {
    name: "check",
    description: "Validate a config file and report every error",
    examples: ["sysg check", "sysg check cfg/web.yaml"],
  },
  args: {
    ...configPositional,
    ...configArg,
    json: { type: "boolean", description: "Print {schema, ok, config, services, errors, warnings} on stdout (exit code unchanged)" },
    strict: { type: "boolean", description: "Warnings (what start would log and ignore) are errors: exit 1" },
    ...dropPrivilegesArg,
    ...globalArgs,
  },
  async run({ args }) {
    const json = (doc: { ok: boolean; config: string | null; config_errors?: ConfigError[]; services?: ResolvedConfig; warnings?: string[] }) => {
      const all = doc.services ? Object.values(doc.services.services) : [];
      const cron = all.filter((s) => s.cron !== null).length;
      console.log(
        JSON.stringify(
          {
            schema: "sysg.check.v1",
            ok: doc.ok,
            config: doc.config,
            services: doc.services ? { total: all.length, long_running: all.length - cron, cron, names: doc.services.order } : null,
            errors: (doc.config_errors ?? []).map((e) => ({ path: e.path, message: e.message, hint: e.hint ?? null })),
            warnings: doc.warnings ?? [],
          },
          null,
          2,
        ),
      );
    };
    const result = await loadConfig({
      config: args.config,
      cwd: process.cwd(),
      home: process.env.HOME || homedir(),
      sys: Boolean(args.sys),
      baseEnv: stringEnv(process.env),
    });
    if (!result.ok) {
      if (args.json) json({ ok: false, config: result.path ?? null, config_errors: result.errors });
      else sayConfigErrors(formatErrors(result.errors, result.path ?? "check"));
      return 1;
    }
    const { checkPrivileges } = await import("../privilege/context.ts");
    const { hostErrors } = await import("../config/index.ts");
    const privilege = { euid: process.geteuid?.() ?? 0, dropPrivileges: Boolean(args["drop-privileges"]), sys: Boolean(args.sys) };
    const errors = [...checkPrivileges(result.config, privilege), ...hostErrors(result.config)];
    if (errors.length > 0) {
      if (args.json) json({ ok: false, config: result.config.path, config_errors: errors });
      else sayConfigErrors(formatErrors(errors, result.config.path));
      return 1;
    }
    const { privilegeWarnings } = await import("../privilege/warnings.ts");
    const warnings = privilegeWarnings(result.config, privilege);
    if (!args.json) for (const w of warnings) console.error(`sysg: ${result.config.path}: ${args.strict ? "" : "warning: "}${w}`);
    if (warnings.length > 0 && args.strict) {
      if (args.json) json({ ok: false, config: result.config.path, warnings });
      else console.error("  hint: --strict: start would log these and go on; fix them or drop --strict");
      return 1;
    }
    if (args.json) json({ ok: true, config: result.config.path, services: result.config, warnings });
    else console.log(summary(result.config));
    return 0;
  },
});

/** e.g. "ok: /srv/app/systemg.yaml: 3 services (2 long-running, 1 cron)" */
export function summary(config: ResolvedConfig): string {
  const all = Object.values(config.services);
  const cron = all.filter((s) => s.cron !== null).length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  return `ok: ${config.path}: ${plural(all.length, "service")} (${all.length - cron} long-running, ${cron} cron)`;
}

function stringEnv(env: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}
