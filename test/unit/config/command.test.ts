import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { commandArgv, commandText, resolveProgram, splitWords, usesShell } from "../../../src/config/command.ts";

describe("commandArgv: plain commands are exec'd, the rest goes through /bin/sh -c", () => {
  test("plain words are split like sh splits them", () => {
    expect(commandArgv("/bin/sleep 100")).toEqual(["/bin/sleep", "100"]);
    expect(commandArgv("  sleep\t100  ")).toEqual(["sleep", "100"]);
    expect(commandArgv(`./server --name 'a b' "c d" e\\ f --port=80`)).toEqual(["./server", "--name", "a b", "c d", "e f", "--port=80"]);
    expect(commandArgv(`prog '' ""`)).toEqual(["prog", "", ""]);
    expect(commandArgv(`prog "a\\"b" 'c\\d' "e\\f"`)).toEqual(["prog", 'a"b', "c\\d", "e\\f"]);
    expect(commandArgv("prog a#b x~y")).toEqual(["prog", "a#b", "x~y"]);
  });

  test("a leading exec is what sh would do anyway", () => {
    expect(commandArgv("exec ./web --port 80")).toEqual(["./web", "--port", "80"]);
    expect(commandArgv("exec -a name ./web")).toEqual(["/bin/sh", "-c", "exec -a name ./web"]);
  });

  test("anything a shell interprets keeps the shell", () => {
    for (const c of [
      "a | b",
      "a && b",
      "a; b",
      "a > out",
      "a < in",
      "(a)",
      "echo $HOME",
      'echo "$HOME"',
      "echo `date`",
      'echo "`date`"',
      "ls *.txt",
      "ls file?",
      "ls [ab]",
      "cd ~",
      "prog # comment",
      "FOO=1 prog",
      "a\nb",
      "a &",
      "echo hi",
      "cd /tmp",
      "exit 3",
      "true",
      "if true; then :; fi",
      "exec",
      "'unterminated",
      'x "unterminated',
      "trailing\\",
      "",
      "   ",
    ]) {
      expect(commandArgv(c)).toEqual(["/bin/sh", "-c", c]);
      expect(usesShell(c)).toBe(true);
    }
  });

  test("a list is exec'd as written, never through a shell", () => {
    expect(commandArgv(["/bin/echo", "$HOME", "a|b"])).toEqual(["/bin/echo", "$HOME", "a|b"]);
    expect(usesShell(["sh", "-c", "x"])).toBe(false);
    expect(commandText(["/bin/echo", "a b", "it's"])).toBe(`/bin/echo 'a b' 'it'\\''s'`);
  });

  test("splitWords returns null exactly when a shell is needed", () => {
    expect(splitWords("a b")).toEqual(["a", "b"]);
    expect(splitWords("a | b")).toBeNull();
  });
});

describe("resolveProgram: where argv[0] would be found", () => {
  test("bare names search PATH, relative names the working dir; shell commands are not resolved", () => {
    const dir = mkdtempSync(join(tmpdir(), "sysg-cmd-"));
    try {
      writeFileSync(join(dir, "tool"), "#!/bin/sh\n");
      chmodSync(join(dir, "tool"), 0o755);
      writeFileSync(join(dir, "plain"), "x");
      chmodSync(join(dir, "plain"), 0o644);
      expect(resolveProgram("tool --x", `/nonexistent:${dir}`, "/")).toEqual({ ok: true, path: join(dir, "tool") });
      expect(resolveProgram("./tool", undefined, dir)).toEqual({ ok: true, path: `${dir}/./tool` });
      expect(resolveProgram(["sleep", "1"], "/bin:/usr/bin", dir)?.ok).toBe(true);
      const missing = resolveProgram("nosuch-i11-prog", dir, "/");
      expect(missing).toEqual({ ok: false, reason: "not-found", tried: [join(dir, "nosuch-i11-prog")] });
      expect(resolveProgram("plain", dir, "/")).toEqual({ ok: false, reason: "not-executable", tried: [join(dir, "plain")] });
      expect(resolveProgram("nosuch | cat", dir, "/")).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
