// `sysg security [-s NAME] [--json] [--threshold X] [-c FILE]`: each service's exposure score
// (src/privilege/exposure.ts), one row per directive. Exit 1 when a service scores above
// --threshold, or on a bad config; 0 otherwise. Reads the config only: no supervisor needed.
import { homedir } from "node:os";
import { formatErrors, loadConfig } from "../config/index.ts";
import { type Exposure, exposureOf } from "../privilege/exposure.ts";
import { configArg, globalArgs, servicePositional } from "./args.ts";
import { defineCommand } from "./command.ts";
import { paint, wantColor } from "./output.ts";
import { sayConfigErrors, sayError } from "./say.ts";
import { renderTable } from "./table.ts";

export default defineCommand({
  meta: {
    name: "security",
    description: "Score each service's exposure from 0.0 (locked down) to 10.0 (unprotected), with what to set",
    examples: ["sysg security", "sysg security web", "sysg security --json --threshold 2.0"],
  },
  args: {
    ...servicePositional("Only this service (same as -s NAME)"),
    service: { type: "string", alias: "s", description: "Only this service", valueHint: "name" },
    json: { type: "boolean", description: "Print the sysg.security.v1 document" },
    threshold: { type: "string", description: "Exit 1 when a service scores above this (0.0-10.0)", valueHint: "score" },
    ...configArg,
    ...globalArgs,
  },
  async run({ args }): Promise<number> {
    let threshold: number | null = null;
    if (args.threshold !== undefined) {
      threshold = Number(args.threshold);
      if (!Number.isFinite(threshold) || threshold < 0 || threshold > 10) {
        sayError("security: --threshold", `expected a score from 0.0 to 10.0, got ${JSON.stringify(args.threshold)}`);
        return 2;
      }
    }
    const result = await loadConfig({
      config: args.config,
      cwd: process.cwd(),
      home: process.env.HOME || homedir(),
      sys: Boolean(args.sys),
      baseEnv: {},
    });
    if (!result.ok) {
      sayConfigErrors(formatErrors(result.errors, result.path ?? "security"));
      return 1;
    }
    const names = Object.keys(result.config.services).sort();
    if (args.service !== undefined && !names.includes(args.service)) {
      sayError("security", `no service named ${JSON.stringify(args.service)} in ${result.config.path}`, `services: ${names.join(", ")}`);
      return 1;
    }
    const scored = names.filter((n) => args.service === undefined || n === args.service).map((n) => exposureOf(result.config.services[n]!));
    const above = threshold === null ? [] : scored.filter((e) => e.score > threshold!);
    if (args.json) {
      console.log(JSON.stringify({ schema: "sysg.security.v1", config: result.config.path, threshold, services: scored }));
    } else {
      const color = wantColor(args.color, Boolean(process.stdout.isTTY));
      console.log(scored.map((e) => render(e, color)).join("\n\n"));
    }
    for (const e of above) sayError("security", `${e.name} scores ${e.score.toFixed(1)}, above the threshold ${threshold!.toFixed(1)}`);
    return above.length > 0 ? 1 : 0;
  },
});

const LEVEL_COLOR: Record<Exposure["level"], number> = { SAFE: 32, OK: 32, MEDIUM: 33, EXPOSED: 31, UNSAFE: 31 };

function render(e: Exposure, color: boolean): string {
  const rows = e.rows.map((r) => [r.exposure === 0 ? "✓" : "✗", r.directive, String(r.weight), r.value, r.exposure.toFixed(1), r.recommendation]);
  const table = renderTable(
    [
      { header: "" },
      { header: "DIRECTIVE" },
      { header: "WEIGHT", align: "right" },
      { header: "VALUE", shrink: true, min: 8 },
      { header: "EXPOSURE", align: "right" },
      { header: "SET", shrink: true, min: 10 },
    ],
    rows,
    process.stdout.columns || 160,
    (_row, col, text) => (col === 0 ? paint(color, text === "✓" ? 32 : 31, text) : text),
  );
  return [
    `${e.name}:`,
    ...table,
    `→ exposure of ${e.name}: ${paint(color, LEVEL_COLOR[e.level], `${e.score.toFixed(1)} ${e.level}`)}`,
  ].join("\n");
}
