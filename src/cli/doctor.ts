// `sysg doctor [-c FILE] [--json]`: what this host supports, the health of this mode's state
// dir, and — with a config — what each service will get here; a fix for every problem.
// Exit 0 when nothing failed, 1 when a check failed.
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { isatty } from "node:tty";
import { defineCommand } from "./command.ts";
import { configArg, globalArgs } from "./args.ts";
import { cliPaths, modeCommand } from "./client.ts";
import { type Check, configChecks, hostChecks, hostFacts, stateChecks } from "./doctor-checks.ts";
import { loadPlatform } from "./index.ts";
import { paint, wantColor } from "./output.ts";

export default defineCommand({
  meta: { name: "doctor", description: "Check what this host supports, the state dir's health, and what a config will get" },
  args: {
    ...globalArgs,
    ...configArg,
    json: { type: "boolean", description: "Print the sysg.doctor.v1 document" },
  },
  async run({ args }): Promise<number> {
    const paths = cliPaths(args);
    let probe = null;
    try {
      const platform = await loadPlatform();
      probe = platform.hostProbe?.() ?? null;
      platform.shutdown();
    } catch {
      // without the native platform (e.g. under Deno) pidfd and subreaper are not probed
    }
    const facts = hostFacts(probe);
    const checks: Check[] = [...hostChecks(facts), ...stateChecks(paths, modeCommand(paths))];
    const config = await configFor(args.config, args.sys === true);
    if (config.error) checks.push({ area: "config", name: config.path ?? "config", status: "fail", detail: config.error, fix: `\`${modeCommand(paths)} check\` lists every error` });
    else if (config.loaded) checks.push(...configChecks(config.loaded, facts));
    const failed = checks.some((c) => c.status === "fail");
    if (args.json) {
      const count = (s: string) => checks.filter((c) => c.status === s).length;
      console.log(
        JSON.stringify(
          { schema: "sysg.doctor.v1", mode: paths.sys ? "system" : "user", config: config.loaded?.path ?? null, checks, summary: { ok: count("ok"), info: count("info"), warn: count("warn"), fail: count("fail") } },
          null,
          2,
        ),
      );
    } else {
      console.log(render(checks, wantColor(args.color, isatty(1))));
    }
    return failed ? 1 : 0;
  },
});

async function configFor(config: string | undefined, sys: boolean) {
  const { loadConfig, formatErrors } = await import("../config/index.ts");
  const { findConfig } = await import("../config/index.ts");
  const home = process.env.HOME || homedir();
  // without -c the default config is checked only when there is one
  if (config === undefined && !findConfig({ cwd: process.cwd(), home, sys }).ok) return {};
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined) env[k] = v;
  const r = await loadConfig({ config, cwd: process.cwd(), home, sys, baseEnv: env });
  if (r.ok) return { loaded: r.config };
  return { error: formatErrors(r.errors, r.path ?? "sysg").split("\n")[0], path: r.path ?? (config !== undefined && existsSync(config) ? config : undefined) };
}

const MARK: Record<Check["status"], [string, number]> = { ok: ["ok", 32], info: ["--", 90], warn: ["WARN", 33], fail: ["FAIL", 31] };

function render(checks: Check[], color: boolean): string {
  const width = Math.max(...checks.map((c) => c.name.length));
  const lines: string[] = [];
  let area = "";
  for (const c of checks) {
    if (c.area !== area) {
      area = c.area;
      lines.push(`${lines.length ? "\n" : ""}${area}`);
    }
    const [word, code] = MARK[c.status];
    lines.push(`  ${paint(color, code, word.padEnd(4))} ${c.name.padEnd(width)}  ${c.detail}`);
    if (c.fix) lines.push(`  ${" ".repeat(4)} ${" ".repeat(width)}  fix: ${c.fix}`);
  }
  const n = (s: Check["status"]) => checks.filter((c) => c.status === s).length;
  lines.push("", `${n("fail")} failed, ${n("warn")} warnings, ${n("ok")} ok`);
  return lines.join("\n");
}
