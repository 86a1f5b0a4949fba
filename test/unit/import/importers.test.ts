// The importers on text (no files, no binary): Procfile lines, the JavaScript ecosystem form
// read as a literal (never run), supervisord's configparser syntax and environment= values.
import { importPm2 } from "../../../src/import/pm2.ts";
import { importProcfile } from "../../../src/import/procfile.ts";
import { parseEnvironment, parseIni, importSupervisord } from "../../../src/import/supervisord.ts";

describe("importProcfile", () => {
  test("names, commands, PORT per process; malformed lines name their number", () => {
    const r = importProcfile("web: ./x --port $PORT\n# c\nworker-2: ./y\n", "/nowhere/Procfile");
    if (!r.ok) throw new Error(r.message);
    expect(Object.keys(r.value.config.services)).toEqual(["web", "worker-2"]);
    expect(r.value.config.services["worker-2"]).toEqual({ command: "./y", restart_policy: "always", env: { vars: { PORT: "5100" } } });
    expect(r.value.config.env).toBeUndefined();
    const bad = importProcfile("web: ok\nnope\n", "/p/Procfile");
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.message).toContain("/p/Procfile:2:");
  });
});

describe("importPm2", () => {
  test("the exported literal of a JS file: comments, quotes, braces inside strings", () => {
    const js = `const x = require("y"); // not read
module.exports = {
  /* apps */ apps: [{ name: "a}b", script: 'srv.js', args: "--x '}'", env: { A: 1, }, },],
};
console.log("after");`;
    const r = importPm2(js, "/e/ecosystem.config.js");
    if (!r.ok) throw new Error(r.message);
    expect(r.value.config.services["a-b"]).toEqual({ command: "node srv.js --x '}'", env: { vars: { A: "1" } }, restart_policy: "always" });
  });

  test("a file that computes values is refused, never run", () => {
    const r = importPm2("module.exports = { apps: [{ name: 'x', script: require('path').join('a', 'b') }] }", "/e/eco.js");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain("computes values");
    expect(importPm2('{"apps": []}', "/e/eco.json").ok).toBe(false);
  });
});

describe("supervisord", () => {
  test("configparser syntax: ; comments, key: value, continuation lines", () => {
    const r = parseIni("; top\n[program:a]\ncommand = run --x ; note\n  --y\ndirectory: /srv\n", "f.conf");
    if (!r.ok) throw new Error(r.message);
    expect(r.value.map((s) => [s.name, Object.fromEntries(s.values)])).toEqual([["program:a", { command: "run --x\n--y", directory: "/srv" }]]);
  });

  test("environment= values: quoted, with commas, single-quoted, bare", () => {
    expect(parseEnvironment('A="1,2",B=plain, C=\'q\',D="say \\"hi\\""')).toEqual({ A: "1,2", B: "plain", C: "q", D: 'say "hi"' });
    expect(parseEnvironment("not valid")).toBeNull();
  });

  test("a program without command is an error naming its line", () => {
    const r = importSupervisord("[supervisord]\n\n[program:x]\nautostart=true\n", "/etc/s.conf");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toBe("/etc/s.conf:3: [program:x] has no command");
  });
});
