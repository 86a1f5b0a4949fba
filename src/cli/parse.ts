// Strict argument parsing for every command, from its args table (command.ts). Pure: argv in,
// values or one usage error out. Nothing unknown is ignored: an unknown option or an extra
// argument is an error naming it, with a "did you mean" when something is close.
import { suggest } from "../model/suggest.ts";
import type { ArgDef, ArgsDef } from "./command.ts";
import { aliasesOf, spellings } from "./command.ts";

export interface UsageError {
  /** what is wrong, naming the argument: `unknown option "--definitly-not"` */
  message: string;
  hint?: string;
}

export type Parsed = { ok: true; values: Record<string, unknown> } | { ok: false; error: UsageError };

const typeOf = (def: ArgDef) => def.type ?? "string";
const takesValue = (def: ArgDef) => typeOf(def) === "string" || typeOf(def) === "enum";

export function parseArgv(args: ArgsDef, argv: readonly string[], command: string): Parsed {
  const long = new Map<string, string>();
  const short = new Map<string, string>();
  for (const [name, def] of Object.entries(args)) {
    if (typeOf(def) === "positional") continue;
    long.set(name, name);
    for (const a of aliasesOf(def)) (a.length === 1 ? short : long).set(a, name);
  }
  const positionals = Object.entries(args).filter(([, d]) => typeOf(d) === "positional");
  const values: Record<string, unknown> = {};
  const given: string[] = [];
  const fail = (message: string, hint?: string): Parsed => ({ ok: false, error: { message, hint } });

  const setOption = (name: string, value: unknown, spelled: string): UsageError | null => {
    const def = args[name]!;
    if (typeOf(def) === "enum" && !def.options!.includes(String(value))) {
      const near = suggest(String(value), def.options!);
      return { message: `${spelled}: unknown value "${value}"`, hint: `${near ? `did you mean "${near}"? ` : ""}use one of ${def.options!.join(", ")}` };
    }
    values[name] = value;
    return null;
  };

  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === "--") {
      given.push(...argv.slice(i + 1));
      break;
    }
    if (token.startsWith("--")) {
      const eq = token.indexOf("=");
      const key = token.slice(2, eq < 0 ? undefined : eq);
      const inline = eq < 0 ? undefined : token.slice(eq + 1);
      let name = long.get(key);
      let negated = false;
      if (name === undefined && key.startsWith("no-") && typeOf(args[long.get(key.slice(3)) ?? ""] ?? {}) === "boolean") {
        name = long.get(key.slice(3));
        negated = true;
      }
      if (name === undefined || (negated && inline !== undefined)) return unknownOption(token.slice(0, eq < 0 ? undefined : eq), args, command);
      const def = args[name]!;
      if (typeOf(def) === "boolean") {
        if (negated) values[name] = false;
        else if (inline === undefined) values[name] = true;
        else if (inline === "true" || inline === "false") values[name] = inline === "true";
        else return fail(`--${key}: takes no value, got "${inline}"`, `write --${key} alone${def.default === true ? `, or --no-${key}` : ""}`);
        continue;
      }
      let value = inline;
      if (value === undefined) {
        const next = argv[i + 1];
        if (next === undefined || looksLikeOption(next)) return fail(`--${key}: needs a value`, needsValueHint(name, def));
        value = next;
        i++;
      }
      const err = setOption(name, value, `--${key}`);
      if (err) return { ok: false, error: err };
      continue;
    }
    if (token.startsWith("-") && token.length > 1 && !/^-\d/.test(token)) {
      // -s NAME, -sNAME, -n3, and bundled booleans like -fq
      for (let j = 1; j < token.length; j++) {
        const letter = token[j]!;
        const name = short.get(letter);
        if (name === undefined) return unknownOption(`-${letter}`, args, command, token);
        const def = args[name]!;
        if (typeOf(def) === "boolean") {
          values[name] = true;
          continue;
        }
        let value: string | undefined = token.slice(j + 1);
        if (value === "") {
          const next = argv[i + 1];
          if (next === undefined || looksLikeOption(next)) return fail(`-${letter}: needs a value`, needsValueHint(name, def));
          value = next;
          i++;
        }
        const err = setOption(name, value, `-${letter}`);
        if (err) return { ok: false, error: err };
        break;
      }
      continue;
    }
    given.push(token);
  }

  // positionals in declared order; a variadic one takes the rest
  let p = 0;
  for (const [name, def] of positionals) {
    if (p >= given.length) break;
    const value = def.variadic ? given.slice(p) : given[p]!;
    p = def.variadic ? given.length : p + 1;
    if (def.sameAs !== undefined) {
      const target = args[def.sameAs]!;
      const prior = values[def.sameAs];
      if (prior !== undefined && prior !== value) {
        return fail(
          `"${value}" and ${spellings(def.sameAs, target).join("/")} "${prior}" both name the ${def.valueHint ?? name}`,
          `give it once: \`sysg ${command} ${value}\``,
        );
      }
      values[def.sameAs] = value;
    }
    values[name] = value;
  }
  if (p < given.length) {
    const extra = given[p]!;
    const takes = positionals.map(([n, d]) => (d.variadic ? `[${hintOf(n, d)}…]` : `[${hintOf(n, d)}]`)).join(" ");
    const near = suggest(extra.replace(/^-+/, ""), [...long.keys()].filter((k) => !args[long.get(k)!]!.hidden));
    return fail(
      `unexpected argument "${extra}"`,
      positionals.length === 0
        ? `\`sysg ${command}\` takes no arguments${near && extra.length > 2 ? `; did you mean --${near}?` : ""}; see \`sysg help ${command}\``
        : `\`sysg ${command}\` takes ${takes}; see \`sysg help ${command}\``,
    );
  }
  for (const [name, def] of positionals) {
    if (def.required && values[name] === undefined && (def.sameAs === undefined || values[def.sameAs] === undefined)) {
      return fail(`missing ${hintOf(name, def)}`, `usage: sysg ${command} ${hintOf(name, def)}`);
    }
  }
  for (const [name, def] of Object.entries(args)) {
    if (values[name] === undefined && def.default !== undefined) values[name] = def.default;
  }
  values._ = [];
  return { ok: true, values };
}

function hintOf(name: string, def: ArgDef): string {
  return (def.valueHint ?? name).toUpperCase();
}

function looksLikeOption(token: string): boolean {
  return token.startsWith("-") && token.length > 1 && !/^-\d/.test(token);
}

function needsValueHint(name: string, def: ArgDef): string {
  const s = spellings(name, def);
  return def.options ? `one of ${def.options.join(", ")}, e.g. ${s[0]} ${def.options[0]}` : `e.g. ${s[0]} ${(def.valueHint ?? "value").toUpperCase()}`;
}

function unknownOption(spelled: string, args: ArgsDef, command: string, token?: string): Parsed {
  const known: string[] = [];
  for (const [name, def] of Object.entries(args)) {
    if (def.hidden || typeOf(def) === "positional") continue;
    known.push(...spellings(name, def));
    if (typeOf(def) === "boolean" && def.default === true) known.push(`--no-${name}`);
  }
  const near = spelled.length > 2 ? suggest(spelled.replace(/^-+/, ""), known.map((k) => k.replace(/^-+/, ""))) : undefined;
  const nearSpelled = near === undefined ? undefined : known.find((k) => k.replace(/^-+/, "") === near);
  const what = token && token !== spelled ? `unknown option "${spelled}" (in "${token}")` : `unknown option "${spelled}"`;
  return {
    ok: false,
    error: {
      message: what,
      hint: nearSpelled ? `did you mean ${nearSpelled}? see \`sysg help ${command}\`` : `see \`sysg help ${command}\` for its options`,
    },
  };
}
