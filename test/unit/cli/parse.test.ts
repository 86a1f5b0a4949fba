// The strict parser every command goes through (src/cli/parse.ts).
import { globalArgs } from "../../../src/cli/args.ts";
import type { ArgsDef } from "../../../src/cli/command.ts";
import { parseArgv } from "../../../src/cli/parse.ts";

const STOP: ArgsDef = {
  name: { type: "positional", sameAs: "service", valueHint: "name" },
  service: { type: "string", alias: "s" },
  json: { type: "boolean" },
  ...globalArgs,
};
const LOGS: ArgsDef = {
  name: { type: "positional", sameAs: "service" },
  service: { type: "string", alias: "s" },
  lines: { type: "string", alias: ["n", "l"], default: "50" },
  follow: { type: "boolean", alias: "f" },
  ...globalArgs,
};
const SPAWN: ArgsDef = { name: { type: "string" }, cmd: { type: "positional", variadic: true } };

function ok(args: ArgsDef, argv: string[]) {
  const r = parseArgv(args, argv, "x");
  if (!r.ok) throw new Error(r.error.message);
  return r.values;
}
function err(args: ArgsDef, argv: string[]) {
  const r = parseArgv(args, argv, "x");
  if (r.ok) throw new Error(`parsed: ${JSON.stringify(r.values)}`);
  return r.error;
}

describe("parseArgv", () => {
  test("a positional that is the same as an option fills it", () => {
    expect(ok(STOP, ["web"]).service).toBe("web");
    expect(ok(STOP, ["-s", "web"]).service).toBe("web");
    expect(ok(STOP, ["-sweb"]).service).toBe("web");
    expect(ok(STOP, ["--service=web"]).service).toBe("web");
    expect(ok(STOP, ["web", "-s", "web"]).service).toBe("web");
    expect(err(STOP, ["web", "-s", "db"]).message).toContain('"web"');
  });

  test("short aliases, bundles, values glued or apart, defaults", () => {
    expect(ok(LOGS, ["web", "-n", "3"]).lines).toBe("3");
    expect(ok(LOGS, ["-n3", "-f"]).lines).toBe("3");
    expect(ok(LOGS, ["-fn", "3"]).follow).toBe(true);
    expect(ok(LOGS, ["-fn", "3"]).lines).toBe("3");
    expect(ok(LOGS, []).lines).toBe("50");
    expect(ok(LOGS, ["-l", "7"]).lines).toBe("7");
    expect(ok(LOGS, ["--no-color"]).color).toBe(false);
    expect(ok(LOGS, []).color).toBe(true);
  });

  test("unknown options, extra arguments, missing values: errors naming them", () => {
    expect(err(STOP, ["--definitly-not"]).message).toBe('unknown option "--definitly-not"');
    expect(err(STOP, ["--jsno"]).hint).toContain("did you mean --json?");
    expect(err(STOP, ["-x"]).message).toBe('unknown option "-x"');
    expect(err(LOGS, ["-fz"]).message).toContain('"-z"');
    expect(err(STOP, ["web", "db"]).message).toBe('unexpected argument "db"');
    expect(err(LOGS, ["-n"]).message).toBe("-n: needs a value");
    expect(err(LOGS, ["-n", "--follow"]).message).toBe("-n: needs a value");
    expect(err(STOP, ["--json=maybe"]).message).toContain("takes no value");
    expect(err(STOP, ["--log-level", "loud"]).message).toBe('--log-level: unknown value "loud"');
    expect(err(STOP, ["--log-level", "debgu"]).hint).toContain('did you mean "debug"');
    expect(err({}, ["a"]).hint).toContain("takes no arguments");
    expect(err(STOP, ["--", "x", "y"]).message).toBe('unexpected argument "y"');
  });

  test("negative numbers are values; a variadic positional takes everything after --", () => {
    expect(ok(LOGS, ["-n", "-1"]).lines).toBe("-1");
    expect(ok(SPAWN, ["--name", "w", "--", "sleep", "-x", "--y"]).cmd).toEqual(["sleep", "-x", "--y"]);
  });

  test("hidden options parse but are never suggested", () => {
    const args: ArgsDef = { "notify-fd": { type: "string", hidden: true }, json: { type: "boolean" } };
    expect(ok(args, ["--notify-fd", "3"])["notify-fd"]).toBe("3");
    expect(err(args, ["--notify-f"]).hint).not.toContain("notify");
  });
});
