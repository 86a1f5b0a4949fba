// Schema validation: typebox's errors turned into ConfigErrors a person can act on — the
// path, what is wrong with the value as written, the accepted form, and a hint.
import { Kind, type TSchema } from "@sinclair/typebox";
import { Errors, type ValueError, ValueErrorType } from "@sinclair/typebox/errors";
import { type ConfigError, childOf, parentOf, pathOf, type Segment } from "./errors.ts";
import { show } from "../model/parsed.ts";
import { RawConfig, type SchemaNotes, VALUE_KINDS } from "./schema.ts";
import { suggest } from "../model/suggest.ts";

/** Every schema error in a parsed config, one per bad value, in typebox's order. */
export function validateSchema(raw: unknown): ConfigError[] {
  const errors = [...Errors(RawConfig, raw)].flatMap((e) => describe(e, raw));
  // A misspelt required key ("comand") is one mistake: keep the unknown-key error with its
  // hint and drop the errors about the key it leaves missing.
  const misspelt = new Set(
    errors.flatMap((e) => {
      const m = /^did you mean "(.+)"\?$/.exec(e.hint ?? "");
      return m && e.message.startsWith("unknown key") ? [childOf(parentOf(e.path), m[1]!)] : [];
    }),
  );
  const aboutAbsence = (e: ConfigError) => e.message.startsWith("missing required key") || e.message.endsWith("got nothing");
  return errors.filter((e) => !(misspelt.has(e.path) && aboutAbsence(e)));
}

function describe(e: ValueError, root: unknown): ConfigError[] {
  if (e.type === ValueErrorType.Union) {
    // A list where the union allows a list: the problem is inside it, so report its items.
    const list = Array.isArray(e.value) ? (e.schema.anyOf as TSchema[]).filter((s) => s[Kind] === "Array") : [];
    if (list.length === 1) return [...Errors(list[0]!, e.value)].flatMap((sub) => describe({ ...sub, path: e.path + sub.path }, root));
    // A string where the union has one string form with its own syntax: that parser knows what is wrong.
    const kinds = typeof e.value === "string" ? (e.schema.anyOf as TSchema[]).filter((s) => VALUE_KINDS[String(s[Kind])]) : [];
    if (kinds.length === 1) return describe({ ...e, type: ValueErrorType.Kind, schema: kinds[0]! }, root);
  }
  return [describeOne(e, root)];
}

function describeOne(e: ValueError, root: unknown): ConfigError {
  const segments = segmentsOf(e.path, root);
  const path = pathOf(segments);
  const schema = e.schema as SchemaNotes;
  const got = `got ${brief(e.value)}`;
  const noValue = e.value === null ? "the key has no value: fill it in or remove the key" : undefined;
  const err = (message: string, hint?: string): ConfigError => (hint ? { path, message, hint } : { path, message });
  const expected = (form: string) => err(`expected ${schema.expected ?? form}, ${got}`, noValue);

  switch (e.type) {
    case ValueErrorType.ObjectAdditionalProperties: {
      const key = String(segments.at(-1));
      if (schema.keyName) return err(`invalid ${schema.keyName} ${show(key)}`, schema.keyHint);
      const known = Object.keys(schema.properties ?? {});
      const near = suggest(key, known);
      if (near) return err(`unknown key ${show(key)}`, `did you mean ${show(near)}?`);
      const extension = segments.length === 1 ? `; to keep it (e.g. for YAML anchors) name it ${show(`x-${key}`)}` : "";
      return err(`unknown key ${show(key)}`, `known keys here: ${known.join(", ")}${extension}`);
    }
    case ValueErrorType.ObjectRequiredProperty:
      return err(`missing required key ${show(String(segments.at(-1)))}`);
    case ValueErrorType.Kind: {
      const parsed = VALUE_KINDS[String(schema[Kind])]?.(e.value);
      if (parsed && !parsed.ok) return err(parsed.error, parsed.hint ?? noValue);
      return err(`${e.message}, ${got}`);
    }
    case ValueErrorType.Union: {
      if (schema.expected) return expected("");
      const choices = literalChoices(schema);
      if (!choices) return err(`${e.message}, ${got}`);
      const near = typeof e.value === "string" ? suggest(e.value, choices.map(String)) : undefined;
      return err(`expected one of ${choices.join(", ")}, ${got}`, near ? `did you mean ${show(near)}?` : noValue);
    }
    case ValueErrorType.Literal:
      return expected(show(schema.const));
    case ValueErrorType.String:
      return expected("a string");
    case ValueErrorType.Boolean:
      return expected("true or false");
    case ValueErrorType.Number:
      return expected("a number");
    case ValueErrorType.Integer:
      return expected(rangeWords(schema));
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.IntegerMaximum:
      return err(`expected ${rangeWords(schema)}, ${got}`);
    case ValueErrorType.Object:
      return expected("a map of keys to values");
    case ValueErrorType.Array:
      return expected("a list");
    case ValueErrorType.StringMinLength:
      return err(`must not be empty; expected ${schema.expected ?? "a non-empty string"}`);
    case ValueErrorType.ArrayMinItems:
      return err(`must not be an empty list; expected ${schema.expected ?? "at least one entry"}`);
    default:
      return err(`${e.message}, ${got}`);
  }
}

/** JSON pointer → segments; a segment is a list index only where the document has a list. */
function segmentsOf(pointer: string, root: unknown): Segment[] {
  const out: Segment[] = [];
  let node: unknown = root;
  for (const part of pointer.split("/").slice(1)) {
    const key = part.replace(/~1/g, "/").replace(/~0/g, "~");
    const index = Array.isArray(node) && /^\d+$/.test(key) ? Number(key) : undefined;
    out.push(index ?? key);
    node = node !== null && typeof node === "object" ? (node as Record<string, unknown>)[key] : undefined;
  }
  return out;
}

/** The choices of a union of literals (booleans count as true, false), or undefined. */
function literalChoices(schema: TSchema): unknown[] | undefined {
  const choices: unknown[] = [];
  for (const s of (schema.anyOf ?? []) as TSchema[]) {
    if (s[Kind] === "Literal") choices.push(s.const);
    else if (s[Kind] === "Boolean") choices.push(true, false);
    else return undefined;
  }
  return choices.length > 0 ? choices : undefined;
}

function rangeWords(schema: TSchema): string {
  const { minimum: min, maximum: max } = schema as { minimum?: number; maximum?: number };
  if (min !== undefined && max !== undefined) return `an integer from ${min} to ${max}`;
  if (min === 0) return "a non-negative integer";
  if (min === 1) return "a positive integer";
  if (min !== undefined) return `an integer of at least ${min}`;
  if (max !== undefined) return `an integer of at most ${max}`;
  return "an integer";
}

/** The bad value, shortened so a whole map pasted in the wrong place stays one line. */
function brief(value: unknown): string {
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  if (value !== null && typeof value === "object") return "a map";
  const text = show(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
