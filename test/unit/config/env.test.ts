import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inheritedEnv, mergeEnv, parseEnvFile, readEnvFile, varsAsText } from "../../../src/config/env.ts";

const parse = (text: string) => {
  const r = parseEnvFile(text, "/x/.env");
  if (!r.ok) throw new Error(r.error);
  return r.vars;
};
const failure = (text: string) => {
  const r = parseEnvFile(text, "/x/.env");
  if (r.ok) throw new Error(`expected an error for ${JSON.stringify(text)}`);
  return r.error;
};

describe("parseEnvFile", () => {
  test("KEY=VALUE, export prefix, blank lines and comments", () => {
    const text = "# a comment\n\nA=1\nexport B=two\n  C = spaced value  \n   # indented comment\nexport\tD=tab\n";
    expect(parse(text)).toEqual({ A: "1", B: "two", C: "spaced value", D: "tab" });
  });
  test("comments after unquoted values need whitespace before #", () => {
    expect(parse("A=1 # note\nB=#fff\nC=a#b\nD=x\t# tab note")).toEqual({ A: "1", B: "#fff", C: "a#b", D: "x" });
  });
  test("empty values", () => {
    expect(parse("A=\nB=''\nC=\"\"")).toEqual({ A: "", B: "", C: "" });
  });
  test("single quotes are literal", () => {
    expect(parse("A='x\\ny $HOME # not a comment'")).toEqual({ A: "x\\ny $HOME # not a comment" });
  });
  test("double quotes: escapes \\n \\\" \\\\ \\t, other backslashes kept", () => {
    expect(parse('A="line1\\nline2"')).toEqual({ A: "line1\nline2" });
    expect(parse('A="say \\"hi\\""')).toEqual({ A: 'say "hi"' });
    expect(parse('A="back\\\\slash"')).toEqual({ A: "back\\slash" });
    expect(parse('A="tab\\there"')).toEqual({ A: "tab\there" });
    expect(parse('A="keep \\d"')).toEqual({ A: "keep \\d" });
  });
  test("a comment may follow a closing quote", () => {
    expect(parse('A="x" # note\nB=\'y\'   #n')).toEqual({ A: "x", B: "y" });
  });
  test("quoted values may span lines", () => {
    expect(parse('KEY="-----BEGIN\nabc\n-----END"\nNEXT=1')).toEqual({ KEY: "-----BEGIN\nabc\n-----END", NEXT: "1" });
  });
  test("no $VAR substitution", () => {
    expect(parse("A=$HOME/x\nB=\"${PATH}\"")).toEqual({ A: "$HOME/x", B: "${PATH}" });
  });
  test("CRLF line endings", () => {
    expect(parse("A=1\r\nB=\"2\"\r\n")).toEqual({ A: "1", B: "2" });
  });
  test("later lines win", () => {
    expect(parse("A=1\nA=2")).toEqual({ A: "2" });
  });
  test("errors name file and line", () => {
    expect(failure("A=1\nnot a pair\n")).toBe('/x/.env:2: expected KEY=VALUE, got "not a pair"');
    expect(failure("\n\n1BAD=x")).toContain("/x/.env:3: invalid variable name \"1BAD\"");
    expect(failure("MY-VAR=x")).toContain("/x/.env:1: invalid variable name \"MY-VAR\"");
    expect(failure("=x")).toContain("/x/.env:1: invalid variable name");
    expect(failure('A="open\nB=2')).toBe("/x/.env:1: \"-quoted value of A is never closed");
    expect(failure("A='x' y")).toBe('/x/.env:1: unexpected text after the closing quote: "y"');
    expect(failure("export B")).toContain("/x/.env:1: expected KEY=VALUE");
  });
});

describe("readEnvFile", () => {
  let dir = "";
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "sysg-env-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test("reads a real file", () => {
    writeFileSync(join(dir, ".env"), "A=1\n");
    expect(readEnvFile(join(dir, ".env"))).toEqual({ ok: true, vars: { A: "1" } });
  });
  test("missing file", () => {
    const r = readEnvFile(join(dir, "nope.env"));
    expect(r).toEqual({ ok: false, error: `cannot read env file ${join(dir, "nope.env")}: no such file` });
  });
  test("a directory is not an env file", () => {
    expect(readEnvFile(dir).ok).toBe(false);
  });
});

describe("layers", () => {
  test("inheritedEnv drops what only the supervisor consumes, without touching its input", () => {
    const base = { PATH: "/bin", LISTEN_FDS: "2", LISTEN_PID: "9", LISTEN_FDNAMES: "a:b", NOTIFY_SOCKET: "/run/n", HOME: "/h" };
    expect(inheritedEnv(base)).toEqual({ PATH: "/bin", HOME: "/h" });
    expect(base.LISTEN_FDS).toBe("2");
  });
  test("mergeEnv: later layers win, inputs unchanged", () => {
    const a = { X: "a", Y: "a" };
    const b = { Y: "b" };
    expect(mergeEnv(a, b)).toEqual({ X: "a", Y: "b" });
    expect(a).toEqual({ X: "a", Y: "a" });
  });
  test("varsAsText writes numbers and booleans as text", () => {
    expect(varsAsText({ PORT: 8080, DEBUG: true, F: 1.5, S: "s" })).toEqual({ PORT: "8080", DEBUG: "true", F: "1.5", S: "s" });
    expect(varsAsText(undefined)).toEqual({});
  });
});
