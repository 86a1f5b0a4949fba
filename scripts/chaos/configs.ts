// Scenario 2: mutated configs. Every mutant of the examples — byte flips, type swaps, huge
// values, deep nesting, 10 MB files, alias bombs, truncation — goes through `check` and
// `start --daemonize`. Neither may crash or hang; an invalid file must give exit 1 and an
// error that names the file and the place (a key path or a line); a file that is still valid
// must start (exit 0) and stop cleanly.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parseYAML } from "confbox/yaml";
import { stringifyTOML } from "confbox/toml";
import { type Tally, box, crashOf, killTagged, supervisorPid, sysgAsync, tagged, tally, until } from "./lib.ts";

type Rand = () => number;

export async function configs(count: number, rand: Rand, full = false): Promise<Tally> {
  const t = tally("2. mutated configs");
  const seeds = readdirSync(join(import.meta.dir, "..", "..", "examples"))
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => ({ name: f, text: readFileSync(join(import.meta.dir, "..", "..", "examples", f), "utf8") }));
  const kinds = new Map<string, number>();
  // made one at a time, in index order (the same seed gives the same mutants): 10 MB ones add up
  const make = () => {
    const seed = seeds[Math.floor(rand() * seeds.length)]!;
    const m = mutate(seed.text, rand);
    kinds.set(m.kind, (kinds.get(m.kind) ?? 0) + 1);
    return { seed: seed.name, ...m };
  };
  let valid = 0;
  let started = 0;
  let hostOnly = 0;
  let slowest = 0;
  // a few workers, each with its own HOME (state dir), so the machine's cores are used
  const workers = 3;
  let next = 0;
  const work = async () => {
    const b = box("configs");
    try {
      for (let i = next++; i < count; i = next++) {
        const m = make();
        const file = b.write(`m${i}.${m.ext}`, m.text);
        const what = `${m.seed} ${m.kind} (${file})`;
        t.trials++;
        const check = await sysgAsync(b, ["check", "-c", file], 60_000);
        slowest = Math.max(slowest, check.ms);
        const crash = crashOf(check, [0, 1]);
        if (crash) {
          t.crashes++;
          t.problems.push(`check ${what}: ${crash}`);
          continue;
        }
        if (check.code === 1 && !located(check.stderr, file)) {
          t.crashes++;
          t.problems.push(`check ${what}: exit 1 without a located error: ${check.stderr.split("\n")[0]?.slice(0, 160)}`);
        }
        if (check.code === 0) valid++;
        // A mutant that is still valid really runs its services (chain.yaml waits out readiness
        // timeouts): only the full run starts those, and never system-mode.yaml's (users, port 80)
        // or chain.yaml's (a fixed TCP port the examples test uses too).
        if (check.code === 0 && (!full || m.seed === "system-mode.yaml" || m.seed === "chain.yaml")) continue;
        const start = await sysgAsync(b, ["start", "--daemonize", "-c", file], 120_000);
        slowest = Math.max(slowest, start.ms);
        const sc = crashOf(start, [0, 1]);
        if (sc) {
          t.crashes++;
          t.problems.push(`start ${what}: ${sc}`);
        } else if (check.code === 1 && (start.code === 0 || /^sysg: start: \S+ failed: /m.test(start.stderr))) {
          // check also looks at the host (is the program there, the working dir?); start leaves
          // that to the run, which then fails with the reason: not a crash, a difference
          hostOnly++;
        } else if (check.code === 1 && !located(start.stderr, file)) {
          t.crashes++;
          t.problems.push(`start ${what}: exit 1 without a located error: ${start.stderr.split("\n")[0]?.slice(0, 160)}`);
        }
        // a valid mutant's services may fail at run time (start then exits 1 saying which):
        // whatever happened, the supervisor it left goes, with everything it started
        if (check.code === 0) started++;
        if (supervisorPid(b) !== null) {
          const stop = await sysgAsync(b, ["stop"], 60_000);
          const stc = crashOf(stop, [0]);
          if (stc) {
            t.crashes++;
            t.problems.push(`stop after ${what}: ${stc}`);
          }
        }
        if (!(await until(() => tagged(b.tag).length === 0, 10_000))) {
          const left = tagged(b.tag);
          t.orphans += left.length;
          t.problems.push(`after stop of ${what}: ${left.length} process(es) left: ${left.map((p) => p.argv.join(" ").slice(0, 60)).join("; ")}`);
          killTagged(b.tag);
        }
      }
    } finally {
      b.cleanup();
    }
  };
  await Promise.all(Array.from({ length: workers }, work));
  t.figures.push(`${count} mutants (${[...kinds].map(([k, n]) => `${k} ${n}`).join(", ")})`);
  t.figures.push(`${count - valid} invalid: check and start --daemonize both exit 1 with a located error; ${valid} still valid (check exit 0${full ? `; ${started} started — some of their services fail at run time, as mutants do — and stopped` : "; started only in the full run"}); slowest command ${Math.round(slowest)} ms`);
  if (hostOnly > 0) t.figures.push(`${hostOnly} refused by check only for host facts (a program or working_dir missing) were accepted by start, whose run then failed with that reason`);
  return t;
}

/** The error names the file and a place in it: a key path (`services.web.x`, `version`) or a line. */
function located(stderr: string, file: string): boolean {
  const first = stderr.split("\n").find((l) => l.trim() !== "") ?? "";
  if (!first.includes(file)) return false;
  const rest = first.slice(first.indexOf(file) + file.length);
  // a key path (`services.web["odd key"][2]: …`), a line, or a whole-file problem
  return /^: (line \d+|[A-Za-z_[](?:[^\s"]|"(?:[^"\\]|\\.)*")*: |\(top level\)|expected a map|the file is empty|cannot read|(YAML|JSON|TOML) )/.test(rest);
}

interface Mutant {
  kind: string;
  text: string;
  ext: string;
}

const KINDS = ["byteflip", "typeswap", "huge", "deep", "big10mb", "aliasbomb", "truncate", "json", "toml", "keyjunk"] as const;

export function mutate(text: string, rand: Rand): Mutant {
  const kind = KINDS[Math.floor(rand() * KINDS.length)]!;
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const doc = () => parseYAML(text) as Record<string, unknown>;
  switch (kind) {
    case "byteflip": {
      const bytes = Buffer.from(text, "utf8");
      const n = 1 + Math.floor(rand() * 6);
      for (let i = 0; i < n; i++) bytes[Math.floor(rand() * bytes.length)] = Math.floor(rand() * 256);
      return { kind, text: bytes.toString("latin1"), ext: "yaml" };
    }
    case "typeswap": {
      const d = doc();
      const n = 1 + Math.floor(rand() * 3);
      for (let i = 0; i < n; i++) replaceRandom(d, rand, () => pick(SWAPS)());
      return { kind, text: JSON.stringify(d), ext: pick(["yaml", "json"]) };
    }
    case "huge": {
      const d = doc();
      replaceRandom(d, rand, () => pick(HUGE)());
      return { kind, text: JSON.stringify(d), ext: "yaml" };
    }
    case "deep": {
      const depth = pick([100, 1000, 10_000, 100_000]);
      const open = pick(["[", "{a: "]);
      const close = open === "[" ? "]" : "}";
      const nest = `${open.repeat(depth)}1${close.repeat(depth)}`;
      const where = pick(["env", "command", "depends_on", "x-junk", "hooks", "readiness"]);
      const svc = Object.keys((doc().services as Record<string, unknown>) ?? {})[0] ?? "a";
      const line = where === "env" || where === "x-junk" ? `${where}: ${nest}\n` : `services:\n  ${svc}:\n    ${where}: ${nest}\n`;
      return { kind: `${kind}${depth}`, text: where === "env" || where === "x-junk" ? text.replace(/^version:.*$/m, (v) => `${v}\n${line}`) : `version: "1"\n${line}`, ext: "yaml" };
    }
    case "big10mb": {
      const style = pick(["comment", "string", "services"]);
      if (style === "comment") return { kind: `${kind}-comment`, text: `${text}\n${`# ${"z".repeat(98)}\n`.repeat(100_000)}`, ext: "yaml" };
      if (style === "string") return { kind: `${kind}-string`, text: text.replace(/command: .*/, `command: "${"q".repeat(10 * 1024 * 1024)}"`), ext: "yaml" };
      let s = 'version: "1"\nservices:\n';
      for (let i = 0; s.length < 10 * 1024 * 1024; i++) s += `  s${i}:\n    command: "sleep 1; ${"w".repeat(200)}"\n    depends_on: [s${i + 1}]\n`;
      return { kind: `${kind}-services`, text: s, ext: "yaml" };
    }
    case "aliasbomb": {
      let s = 'version: "1"\nx-a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
      const levels = pick([5, 9, 12]);
      for (let i = 1; i <= levels; i++) s += `x-a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(",")}]\n`;
      const target = pick(["env:\n  vars: *a", "services:\n  a:\n    command: *a", "services:\n  a:\n    command: echo\n    depends_on: *a", "services: *a"]);
      return { kind: `${kind}${levels}`, text: `${s}${target}${levels}\n`, ext: "yaml" };
    }
    case "truncate":
      return { kind, text: text.slice(0, Math.floor(rand() * text.length)), ext: "yaml" };
    case "json": {
      const s = JSON.stringify(doc());
      const at = Math.floor(rand() * s.length);
      return { kind, text: s.slice(0, at) + pick(["", "}", '"', ",", "\u0000", "1e999", "[", "\\u0000"]) + s.slice(at + 1), ext: "json" };
    }
    case "toml": {
      const d = doc();
      if (rand() < 0.7) replaceRandom(d, rand, () => pick(SWAPS)());
      let s: string;
      try {
        s = stringifyTOML(d);
      } catch {
        s = "version = [";
      }
      return { kind, text: s, ext: "toml" };
    }
    case "keyjunk": {
      const d = doc();
      const junk = pick(["__proto__", "constructor", "prototype", "", " ", "a".repeat(5000), "services", "💥", "toString", "hasOwnProperty"]);
      const target = rand() < 0.5 ? d : ((Object.values((d.services as Record<string, unknown>) ?? {})[0] as Record<string, unknown>) ?? d);
      target[junk] = pick(SWAPS)();
      if (rand() < 0.5 && d.services && typeof d.services === "object") (d.services as Record<string, unknown>)[junk] = { command: "true" };
      return { kind, text: JSON.stringify(d), ext: "yaml" };
    }
  }
}

const SWAPS: (() => unknown)[] = [
  () => null,
  () => true,
  () => 0,
  () => -1,
  () => 1.5,
  () => "",
  () => "abc",
  () => [],
  () => ["a", 1, null],
  () => ({}),
  () => ({ nested: { deeper: [1, 2] } }),
  () => "1e999",
  () => "-5s",
  () => "NaN",
  () => "$(rm -rf /)",
  () => "\u0000",
  () => "ms",
];

const HUGE: (() => unknown)[] = [
  () => 1e308,
  () => Number.MAX_SAFE_INTEGER * 4,
  () => -1e308,
  () => "9".repeat(400),
  () => `${"9".repeat(30)}h`,
  () => "99999999999999999999999999d",
  () => "x".repeat(1_000_000),
  () => Array.from({ length: 100_000 }, (_, i) => `d${i}`),
  () => Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`K${i}`, "v"])),
  () => "1.7976931348623157e309s",
  () => "18446744073709551616",
];

/** Replaces a random value somewhere in `d` (walking down a random path). */
function replaceRandom(d: Record<string, unknown>, rand: Rand, make: () => unknown): void {
  let node: unknown = d;
  for (let depth = 0; depth < 6; depth++) {
    if (node === null || typeof node !== "object") return;
    const keys = Object.keys(node as object);
    if (keys.length === 0) return;
    const k = keys[Math.floor(rand() * keys.length)]!;
    const child = (node as Record<string, unknown>)[k];
    if (child === null || typeof child !== "object" || rand() < 0.3) {
      (node as Record<string, unknown>)[k] = make();
      return;
    }
    node = child;
  }
}
