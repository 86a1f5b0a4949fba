// How a configured command becomes an argv. A list is exec'd as written (never a shell). A string
// that is a plain list of words (`/bin/sleep 100`, `./server --port 80`, `exec ./web`) is split
// with shell-word rules and exec'd directly, so the pid sysg reports, signals and SYSG_PID all
// reach the program itself; anything a shell would interpret (pipes, redirections, `$`, globs,
// `~`, assignments, keywords, builtins, …) still runs as `/bin/sh -c "<command>"`. Pure.
import { accessSync, constants, statSync } from "node:fs";

export type Command = string | string[];

/** The shell for commands that need one. */
export const SHELL = "/bin/sh";

/** Characters that make a shell do more than split words, outside quotes. */
const UNQUOTED_META = new Set(["|", "&", ";", "<", ">", "(", ")", "$", "`", "*", "?", "[", "\n", "\r"]);
/** Special only where a word starts. */
const WORD_START_META = new Set(["~", "#"]);
/**
 * First words the shell itself gives meaning to: reserved words and dash's builtins (a builtin
 * such as `echo` or `cd` behaves differently, or does not exist, as a program).
 */
const SHELL_WORDS = new Set(
  (
    "! { } [[ ]] case do done elif else esac fi for function if in select then time until while " +
    ". : [ alias bg break cd chdir command continue echo eval exec exit export false fc fg getopts hash " +
    "jobs kill local printf pwd read readonly return set shift test times trap true type ulimit umask " +
    "unalias unset wait source"
  ).split(" "),
);

/**
 * Splits `s` into words like sh does when it needs nothing else from the shell; null when the
 * string needs a shell (or is malformed, e.g. an unterminated quote: the shell reports that).
 */
export function splitWords(s: string): string[] | null {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === " " || ch === "\t") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      continue;
    }
    if (!inWord && WORD_START_META.has(ch)) return null;
    if (UNQUOTED_META.has(ch)) return null;
    inWord = true;
    if (ch === "\\") {
      const next = s[i + 1];
      if (next === undefined || next === "\n") return null;
      word += next;
      i++;
    } else if (ch === "'") {
      const end = s.indexOf("'", i + 1);
      if (end < 0) return null;
      word += s.slice(i + 1, end);
      i = end;
    } else if (ch === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) {
        const c = s[j]!;
        if (c === "$" || c === "`") return null;
        if (c === "\\") {
          const n = s[j + 1];
          if (n === undefined || n === "\n") return null;
          // inside double quotes a backslash escapes only $ ` " \ (and newline)
          if (n === '"' || n === "\\") {
            word += n;
            j++;
            continue;
          }
        }
        word += c;
      }
      if (j >= s.length) return null;
      i = j;
    } else {
      word += ch;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/**
 * The argv a command runs with. Strings that need a shell get `/bin/sh -c`; a leading `exec`
 * (the usual way to make sh replace itself) is dropped when the rest is a plain command.
 */
export function commandArgv(command: Command): string[] {
  if (typeof command !== "string") return command;
  return directArgv(command) ?? [SHELL, "-c", command];
}

/** True when `command` runs through `/bin/sh -c`. */
export function usesShell(command: Command): boolean {
  return typeof command === "string" && directArgv(command) === null;
}

function directArgv(command: string): string[] | null {
  const words = splitWords(command);
  if (!words || words.length === 0) return null;
  if (words[0] === "exec" && words.length > 1 && !words[1]!.startsWith("-")) words.shift();
  const first = words[0]!;
  if (SHELL_WORDS.has(first) || first.includes("=") || first === "") return null;
  return words;
}

/** The command as one line, for status, inspect and messages. */
export function commandText(command: Command): string {
  if (typeof command === "string") return command;
  return command.map((w) => (/^[A-Za-z0-9_@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)).join(" ");
}

export type ProgramLookup =
  | { ok: true; path: string }
  | { ok: false; reason: "not-found" | "not-executable"; tried: string[] };

/**
 * Where argv[0] of a command resolves, like the spawn child's PATH search: a name with a `/` is
 * taken relative to `cwd`; a bare name is looked up in `pathEnv` (default "/bin:/usr/bin", as
 * glibc). Returns null when the command runs through a shell (the shell finds its own programs).
 * For `sysg check` and clear messages; the spawn itself does the authoritative search.
 */
export function resolveProgram(command: Command, pathEnv: string | undefined, cwd: string): ProgramLookup | null {
  if (usesShell(command)) return null;
  const name = commandArgv(command)[0] ?? "";
  const candidates = name.includes("/")
    ? [name.startsWith("/") ? name : `${cwd}/${name}`]
    : (pathEnv ?? "/bin:/usr/bin").split(":").map((dir) => (dir === "" ? `${cwd}/${name}` : `${dir}/${name}`));
  let denied = false;
  for (const path of candidates) {
    if (!isFile(path)) continue;
    try {
      accessSync(path, constants.X_OK);
      return { ok: true, path };
    } catch {
      denied = true;
    }
  }
  return { ok: false, reason: denied ? "not-executable" : "not-found", tried: candidates };
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
