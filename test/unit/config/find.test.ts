import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findConfig, readConfig } from "../../../src/config/find.ts";

let root = "";
let cwd = "";
let home = "";
let userDir = "";
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), "sysg-find-"));
  cwd = join(root, "project");
  home = join(root, "home");
  userDir = join(home, ".config", "systemg");
  mkdirSync(cwd, { recursive: true });
  mkdirSync(userDir, { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const put = (path: string, text = "services: {}\n") => {
  writeFileSync(path, text);
  return path;
};
const found = (config?: string, sys = false) => {
  const r = findConfig({ config, cwd, home, sys });
  if (!r.ok) throw new Error(r.error.message);
  return r.path;
};
const missing = (config?: string, sys = false) => {
  const r = findConfig({ config, cwd, home, sys });
  if (r.ok) throw new Error(`unexpectedly found ${r.path}`);
  return r.error;
};

describe("findConfig", () => {
  test("-c absolute path is used as is", () => {
    const p = put(join(root, "elsewhere.yaml"));
    expect(found(p)).toBe(p);
  });
  test("-c absolute path that does not exist: only that path is tried", () => {
    const p = join(root, "nope.yaml");
    expect(missing(p).message).toBe(`config file ${JSON.stringify(p)} not found; tried ${p}`);
  });
  test("-c relative: the working directory first", () => {
    const local = put(join(cwd, "app.yaml"));
    put(join(userDir, "app.yaml"));
    expect(found("app.yaml")).toBe(local);
  });
  test("-c relative: then ~/.config/systemg", () => {
    const user = put(join(userDir, "app.yaml"));
    expect(found("app.yaml")).toBe(user);
  });
  test("-c relative with directories", () => {
    mkdirSync(join(cwd, "conf"));
    const p = put(join(cwd, "conf", "x.yml"));
    expect(found("conf/x.yml")).toBe(p);
    expect(found("./conf/x.yml")).toBe(p);
  });
  test("default names: systemg.yaml before sysg.yaml", () => {
    put(join(cwd, "sysg.yaml"));
    const p = put(join(cwd, "systemg.yaml"));
    expect(found()).toBe(p);
  });
  test("default names: sysg.yaml when there is no systemg.yaml", () => {
    const p = put(join(cwd, "sysg.yaml"));
    expect(found()).toBe(p);
  });
  test("default names: the project's file wins over the user's", () => {
    put(join(userDir, "systemg.yaml"));
    const p = put(join(cwd, "sysg.yaml"));
    expect(found()).toBe(p);
  });
  test("default names: the user's config dir", () => {
    const p = put(join(userDir, "sysg.yaml"));
    expect(found()).toBe(p);
  });
  test("a directory with the config's name is not a config", () => {
    mkdirSync(join(cwd, "systemg.yaml"));
    const p = put(join(cwd, "sysg.yaml"));
    expect(found()).toBe(p);
  });
  test("nothing found: one error naming every place tried, in order", () => {
    const e = missing();
    expect(e.path).toBe("");
    const tried = [
      join(cwd, "systemg.yaml"),
      join(cwd, "sysg.yaml"),
      join(userDir, "systemg.yaml"),
      join(userDir, "sysg.yaml"),
    ];
    expect(e.message).toBe(`no config file found; tried ${tried.join(", ")}`);
    expect(e.hint).toContain("-c FILE");
  });
  test("--sys looks in /etc/systemg instead of the user's dir", () => {
    const e = missing("surely-not-there.yaml", true);
    expect(e.message).toContain(join(cwd, "surely-not-there.yaml"));
    expect(e.message).toContain("/etc/systemg/surely-not-there.yaml");
    expect(e.message).not.toContain(userDir);
  });
});

describe("readConfig", () => {
  const read = async (name: string, text: string) => readConfig(put(join(root, name), text));

  test("YAML, .yml, JSON and TOML by extension", async () => {
    const want = { services: { web: { command: "x" } } };
    expect(await read("a.yaml", "services:\n  web:\n    command: x\n")).toEqual({ ok: true, raw: want });
    expect(await read("a.yml", "services: {web: {command: x}}\n")).toEqual({ ok: true, raw: want });
    expect(await read("a.json", '{"services": {"web": {"command": "x"}}}')).toEqual({ ok: true, raw: want });
    expect(await read("a.toml", '[services.web]\ncommand = "x"\n')).toEqual({ ok: true, raw: want });
  });
  test("an unknown extension is read as YAML", async () => {
    expect(await read("a.conf", "services: {}\n")).toEqual({ ok: true, raw: { services: {} } });
  });
  test("YAML values are not substituted", async () => {
    const r = await read("a.yaml", 'services:\n  x:\n    command: "for i in 1 2; do echo $i ${HOME}; done"\n');
    expect(r).toEqual({ ok: true, raw: { services: { x: { command: "for i in 1 2; do echo $i ${HOME}; done" } } } });
  });
  test("YAML syntax errors carry line and column", async () => {
    const r = await read("a.yaml", "services:\n  web: [1,\n   command: :\n");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/^YAML syntax error: line 3, column \d+: /);
  });
  test("YAML duplicate keys are errors", async () => {
    const r = await read("a.yaml", "services: {}\nservices: {}\n");
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toBe("YAML syntax error: line 2, column 1: duplicated mapping key");
  });
  test("TOML syntax errors carry the line", async () => {
    const r = await read("a.toml", 'version = "1"\nservices = \n');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/^TOML syntax error: line 2, column \d+: /);
  });
  test("JSON syntax errors", async () => {
    const r = await read("a.json", '{"services": }');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/^JSON syntax error: /);
  });
  test("an empty file", async () => {
    const r = await read("a.yaml", "  \n\n");
    expect(r).toEqual({
      ok: false,
      error: { path: "", message: "the file is empty", hint: 'start with version: "1" and a services map' },
    });
  });
});
