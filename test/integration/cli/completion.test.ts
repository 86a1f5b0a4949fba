// Completion scripts and the man page through the compiled binary: bash driven for real
// (COMP_WORDS/COMP_CWORD into the generated function), fish through `complete -C`, zsh
// loaded under compinit; service names from the config and from a running supervisor; the
// man page linted by groff and rendered by man, listing every option `--help` lists.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT, SYSG, type Sandbox, ensureBuilt, run, sandbox } from "../../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

const has = (cmd: string) => spawnSync("sh", ["-c", `command -v ${cmd}`]).status === 0;
for (const [tool, pkg] of [["zsh", "zsh"], ["fish", "fish"], ["groff", "groff-base"], ["man", "man-db"]]) {
  if (!has(tool!)) console.log(`skip: ${tool} is not installed (Debian package ${pkg}): its checks below are skipped`);
}

const CONFIG = `version: "1"\nservices:\n  web:\n    command: sleep 300\n  worker:\n    command: sleep 300\n`;

/** COMPREPLY of the generated bash function for the words typed so far (last = current). */
function bash(words: string[], cwd: string): string[] {
  const script = join(sb.dir, "sysg.bash");
  const arr = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(" ");
  const r = spawnSync(
    "bash",
    ["-c", `source ${script}; complete -p sysg; COMP_WORDS=(${arr}); COMP_CWORD=${words.length - 1}; _sysg; printf '%s\\n' "\${COMPREPLY[@]}"`],
    { cwd, env: { ...sb.env, PATH: `${join(ROOT, "dist")}:${sb.env.PATH}` }, encoding: "utf8" },
  );
  expect(r.stderr).toBe("");
  const [first, ...rest] = r.stdout.split("\n");
  expect(first).toBe("complete -F _sysg sysg");
  return rest.filter((l) => l !== "").sort();
}

describe("completion", () => {
  test("bash: commands, options, enum values, files, and service names from the config", () => {
    sb = sandbox();
    sb.write("systemg.yaml", CONFIG);
    const script = run(sb, ["completion", "bash"]);
    expect(script.code).toBe(0);
    sb.write("sysg.bash", script.stdout);
    expect(bash(["sysg", "st"], sb.dir)).toEqual(["start", "status", "stop"]);
    expect(bash(["sysg", "--sys", "do"], sb.dir)).toEqual(["doctor"]);
    expect(bash(["sysg", "logs", "--gr"], sb.dir)).toEqual(["--grep"]);
    expect(bash(["sysg", "stop", ""], sb.dir)).toEqual(["web", "worker"]);
    expect(bash(["sysg", "logs", "-s", "w"], sb.dir)).toEqual(["web", "worker"]);
    expect(bash(["sysg", "logs", "--since", "1h", "w"], sb.dir)).toEqual(["web", "worker"]);
    expect(bash(["sysg", "export", ""], sb.dir)).toEqual(["kubernetes", "nomad", "systemd"]);
    expect(bash(["sysg", "completion", "f"], sb.dir)).toEqual(["fish"]);
    expect(bash(["sysg", "--log-level", "d"], sb.dir)).toEqual(["debug"]);
    expect(bash(["sysg", "start", "-c", "systemg"], sb.dir)).toEqual(["systemg.yaml"]);
    // -c on the line picks the config the names come from
    sb.write("other.yaml", `version: "1"\nservices:\n  api:\n    command: sleep 1\n`);
    expect(bash(["sysg", "restart", "-c", "other.yaml", "-s", ""], sb.dir)).toEqual(["api"]);
  });

  test("service names come from the running supervisor when there is one", async () => {
    sb = sandbox();
    const cfg = sb.write("live.yaml", `version: "1"\nservices:\n  alpha:\n    command: sleep 300\n  beta:\n    command: sleep 300\n`);
    const started = run(sb, ["start", "-c", cfg, "--daemonize"], { timeout: 30_000 });
    expect(started.code).toBe(0);
    try {
      const names = run(sb, ["__complete", "units"], { cwd: "/" });
      expect(names.stdout).toBe("alpha\nbeta\n");
      sb.write("sysg.bash", run(sb, ["completion", "bash"]).stdout);
      expect(bash(["sysg", "inspect", ""], "/")).toEqual(["alpha", "beta"]);
    } finally {
      run(sb, ["stop"]);
    }
  }, 40_000);

  test("fish: complete -C lists commands with summaries, options and service names", () => {
    sb = sandbox();
    if (!has("fish")) return;
    sb.write("systemg.yaml", CONFIG);
    const script = sb.write("sysg.fish", run(sb, ["completion", "fish"]).stdout);
    const fish = (line: string) =>
      spawnSync("fish", ["--no-config", "-c", `source ${script}; complete -C '${line}'`], { cwd: sb.dir, env: { ...sb.env, PATH: `${join(ROOT, "dist")}:${sb.env.PATH}` }, encoding: "utf8" });
    const cmds = fish("sysg st");
    expect(cmds.stderr).toBe("");
    expect(cmds.stdout.split("\n").map((l) => l.split("\t")[0]).filter(Boolean).sort()).toEqual(["start", "status", "stop"]);
    expect(cmds.stdout).toContain("start\trun the services of a config");
    expect(fish("sysg logs --gr").stdout).toContain("--grep\t");
    expect(fish("sysg stop -s ").stdout.split("\n").filter(Boolean).map((l) => l.split("\t")[0]).sort()).toEqual(["web", "worker"]);
  });

  test("zsh: the script loads under compinit and defines _sysg", () => {
    sb = sandbox();
    if (!has("zsh")) return;
    const script = sb.write("_sysg", run(sb, ["completion", "zsh"]).stdout);
    expect(spawnSync("zsh", ["-n", script], { encoding: "utf8" }).stderr).toBe("");
    const r = spawnSync("zsh", ["-f", "-c", `autoload -U compinit; compinit -u -d ${sb.dir}/zcd; source ${script}; whence -w _sysg _sysg_units`], { encoding: "utf8", env: sb.env });
    expect(r.stdout).toBe("_sysg: function\n_sysg_units: function\n");
    // the service names part, with _describe stubbed to print what it was given
    sb.write("systemg.yaml", CONFIG);
    const units = spawnSync(
      "zsh",
      ["-f", "-c", `source ${script}; _describe() { print -l -- \${(P)4} }; words=(stop ""); sysg_cmd=${SYSG}; _sysg_units`],
      { encoding: "utf8", env: sb.env, cwd: sb.dir },
    );
    expect(units.stdout).toBe("web\nworker\n");
  });

  test("usage: an unknown shell is exit 2", () => {
    sb = sandbox();
    expect(run(sb, ["completion", "tcsh"]).code).toBe(2);
    expect(run(sb, ["completion"]).code).toBe(2);
  });
});

describe("man page", () => {
  test("sysg man: groff finds no problem, man renders it, and it lists every option --help lists", () => {
    sb = sandbox();
    const page = run(sb, ["man"]);
    expect(page.code).toBe(0);
    expect(page.stdout).toMatch(/^\.TH SYSG 1 "\d{4}-\d\d-\d\d" "sysg /);
    const file = sb.write("sysg.1", page.stdout);
    if (has("groff")) {
      const lint = spawnSync("groff", ["-man", "-Tutf8", "-ww", "-z", file], { encoding: "utf8" });
      expect({ code: lint.status, warnings: lint.stderr }).toEqual({ code: 0, warnings: "" });
    }
    if (!has("man")) return;
    const shown = spawnSync("man", ["-l", file], { encoding: "utf8", env: { ...sb.env, MANWIDTH: "100", MAN_KEEP_FORMATTING: "", PAGER: "cat" } });
    expect(shown.status).toBe(0);
    const text = shown.stdout.replace(/.\x08/g, "").replace(/‐/g, "-");
    const top = run(sb, ["--help"]).stdout;
    const commands = [...top.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]!);
    expect(commands.length).toBeGreaterThan(10);
    for (const c of commands) {
      expect(text).toContain(`sysg ${c} [OPTIONS]`);
      const help = run(sb, ["help", c]).stdout;
      const flags = [...help.matchAll(/(?:^|[ ,])(--?[a-z][a-z-]*)/gm)].map((m) => m[1]!).filter((f) => f !== "-h" && f !== "--help");
      for (const f of new Set(flags)) expect({ c, f, found: text.includes(f) }).toEqual({ c, f, found: true });
    }
  });

  test("the build writes dist/sysg.1 (what install.sh installs)", () => {
    sb = sandbox();
    const built = readFileSync(join(ROOT, "dist", "sysg.1"), "utf8");
    const now = run(sb, ["man"]).stdout;
    const body = (s: string) => s.split("\n").slice(1).join("\n");
    expect(body(built)).toBe(body(now));
    expect(SYSG.endsWith("sysg")).toBe(true);
  });
});
