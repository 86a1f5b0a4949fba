// The shape of a command: plain data (name, description, args) plus its run function. The
// parser (parse.ts), the help (usage.ts), completions and the man page all read the same
// definitions, so an option documented is an option accepted, and nothing else is.
// The shape is citty's (meta/args/run), so a command written with citty's defineCommand
// still runs, but this file's defineCommand knows the extra fields below.

export interface ArgDef {
  /** default "string" */
  type?: "boolean" | "string" | "positional" | "enum";
  description?: string;
  /** the value's name in help: `--config FILE` */
  valueHint?: string;
  /** one-letter aliases are short options (`-s`), longer ones long options */
  alias?: string | string[];
  default?: string | boolean;
  required?: boolean;
  /** enum: the accepted values */
  options?: string[];
  /** internal (e.g. --notify-fd of the daemon): parsed, never shown in help or completions */
  hidden?: boolean;
  /** positional: it fills this option instead (`sysg stop web` = `sysg stop -s web`) */
  sameAs?: string;
  /** positional: takes every remaining positional, and everything after `--` */
  variadic?: boolean;
}

export type ArgsDef = Record<string, ArgDef>;

type ValueOf<D> = D extends { type: "boolean" } ? boolean : D extends { variadic: true } ? string[] : string;
type Present<D> = D extends { default: string | boolean } ? true : D extends { required: true } ? true : false;

export type ParsedArgs<A extends ArgsDef> = {
  -readonly [K in keyof A]: Present<A[K]> extends true ? ValueOf<A[K]> : ValueOf<A[K]> | undefined;
} & {
  /** everything after `--` when no variadic positional takes it (always empty then: it is an error) */
  _: string[];
};

export interface CommandContext<A extends ArgsDef> {
  args: ParsedArgs<A>;
  /** the command's own arguments as typed (after global flags were moved behind the command) */
  rawArgs: string[];
}

export interface CommandMeta {
  name: string;
  description: string;
  /** usage examples shown in help, e.g. "sysg stop web" */
  examples?: string[];
}

export interface CommandDef<A extends ArgsDef = ArgsDef> {
  meta: CommandMeta;
  args: A;
  run: (ctx: CommandContext<A>) => number | undefined | Promise<number | undefined>;
}

/** Identity, for type inference of each command's args. */
export function defineCommand<const A extends ArgsDef>(def: CommandDef<A>): CommandDef<A> {
  return def;
}

/** Option and positional names in help order: positionals first, then options as declared. */
export function aliasesOf(def: ArgDef): string[] {
  return def.alias === undefined ? [] : Array.isArray(def.alias) ? def.alias : [def.alias];
}

/** How an option is written on the command line: ["-s", "--service"]. */
export function spellings(name: string, def: ArgDef): string[] {
  const aliases = aliasesOf(def).map((a) => (a.length === 1 ? `-${a}` : `--${a}`));
  return [...aliases.filter((a) => a.length === 2), `--${name}`, ...aliases.filter((a) => a.length > 2)];
}
