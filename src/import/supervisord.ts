// supervisord.conf: every [program:x] becomes a service. The file is read the way Python's
// configparser reads it (key = value or key: value, ";"/"#" comment lines, " ;" inline
// comments, indented continuation lines); %(program_name)s, %(here)s and %(ENV_X)s are expanded.
import { dirname, isAbsolute, resolve } from "node:path";
import { type ImportError, type ImportResult, serviceName } from "./common.ts";

type Section = { name: string; line: number; values: Map<string, string> };

export function parseIni(text: string, file: string): { ok: true; value: Section[] } | ImportError {
  const sections: Section[] = [];
  let current: Section | null = null;
  let lastKey: string | null = null;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    if (/^\s*([;#].*)?$/.test(raw)) {
      lastKey = null;
      continue;
    }
    if (/^\s/.test(raw) && current && lastKey) {
      current.values.set(lastKey, `${current.values.get(lastKey)}\n${stripComment(raw.trim())}`);
      continue;
    }
    const sec = /^\[([^\]]+)\]\s*$/.exec(raw);
    if (sec) {
      current = { name: sec[1]!.trim(), line: i + 1, values: new Map() };
      sections.push(current);
      lastKey = null;
      continue;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw);
    if (!kv || !current) return { ok: false, message: `${file}:${i + 1}: cannot read "${raw.trim()}"`, hint: "lines are [section] headers or key = value" };
    lastKey = kv[1]!.trim().toLowerCase();
    current.values.set(lastKey, stripComment(kv[2]!));
  }
  return { ok: true, value: sections };
}

function stripComment(v: string): string {
  return v.replace(/\s+;.*$/, "").trim();
}

const SIGNALS = new Set(["TERM", "HUP", "INT", "QUIT", "KILL", "USR1", "USR2"]);
const CARRIED = new Set([
  "command", "directory", "autostart", "autorestart", "startretries", "stopsignal", "stopwaitsecs", "user", "environment", "umask",
  "stopasgroup", "killasgroup", "numprocs", "process_name", "startsecs",
]);

export function importSupervisord(text: string, file: string): { ok: true; value: ImportResult } | ImportError {
  const parsed = parseIni(text, file);
  if (!parsed.ok) return parsed;
  const here = dirname(resolve(file));
  const notes: string[] = [];
  const services: ImportResult["config"]["services"] = {};
  const taken = new Set<string>();
  const ignored = new Set<string>();
  for (const sec of parsed.value) {
    const m = /^program:(.+)$/.exec(sec.name);
    if (!m) {
      if (/^group:/.test(sec.name)) notes.push(`[${sec.name}]: groups are not carried over (sysg addresses services one by one or all together)`);
      else if (!/^include$/.test(sec.name)) ignored.add(sec.name.replace(/:.*/, ""));
      if (sec.name === "include") notes.push(`[include]: files = ${sec.values.get("files") ?? ""}: import each included file on its own`);
      continue;
    }
    const program = m[1]!.trim();
    const name = serviceName(program, taken, notes);
    const note = (key: string, why: string) => notes.push(`${name}: ${key}: ${why}`);
    const expand = (v: string, key: string) =>
      v.replace(/%\((\w+)\)([sd])/g, (whole, k: string) => {
        if (k === "program_name") return program;
        if (k === "here") return here;
        if (k === "process_num") return "0";
        if (k.startsWith("ENV_")) return key === "command" ? `\${${k.slice(4)}}` : (process.env[k.slice(4)] ?? whole);
        note(key, `${whole} is not expanded`);
        return whole;
      });
    const get = (k: string) => {
      const v = sec.values.get(k);
      return v === undefined ? undefined : expand(v, k);
    };
    const command = get("command");
    if (command === undefined || command === "") {
      return { ok: false, message: `${file}:${sec.line}: [${sec.name}] has no command`, hint: "supervisord requires command= in every [program:x]" };
    }
    const svc: Record<string, unknown> = { command: command.replace(/\n/g, " ") };
    const dir = get("directory");
    if (dir !== undefined) svc.working_dir = isAbsolute(dir) ? dir : resolve(here, dir);
    if (get("autostart") === "false") {
      svc.skip = true;
      note("autostart", "false became skip: true (the service is not started; start it by editing the config)");
    }
    const ar = get("autorestart") ?? "unexpected";
    svc.restart_policy = ar === "true" ? "always" : ar === "false" ? "never" : "on-failure";
    if (ar === "unexpected" && get("exitcodes") !== undefined && get("exitcodes") !== "0") note("exitcodes", "sysg treats only exit 0 as expected");
    const retries = get("startretries");
    if (retries !== undefined && /^\d+$/.test(retries)) svc.max_restarts = Number(retries);
    const startsecs = get("startsecs");
    if (startsecs !== undefined && startsecs !== "1") note("startsecs", "sysg counts a run as started 100 ms after exec (use a readiness probe for more)");
    const sig = get("stopsignal")?.toUpperCase().replace(/^SIG/, "");
    if (sig !== undefined) {
      if (SIGNALS.has(sig)) svc.stop_signal = `SIG${sig}`;
      else note("stopsignal", `unknown signal "${sig}"`);
    }
    const wait = get("stopwaitsecs");
    if (wait !== undefined && /^\d+$/.test(wait)) svc.stop_timeout = `${wait}s`;
    const user = get("user");
    if (user !== undefined) svc.user = user;
    const env = get("environment");
    if (env !== undefined) {
      const vars = parseEnvironment(env);
      if (vars === null) note("environment", `cannot read "${env}"`);
      else if (Object.keys(vars).length > 0) svc.env = { vars };
    }
    const umask = get("umask");
    if (umask !== undefined && /^0?[0-7]{3}$/.test(umask)) svc.isolation = { umask: umask.padStart(4, "0") };
    const numprocs = get("numprocs");
    if (numprocs !== undefined && numprocs !== "1") note("numprocs", `${numprocs} processes become one service`);
    for (const k of sec.values.keys()) if (!CARRIED.has(k)) note(k, /log|stdout|stderr|redirect/.test(k) ? "sysg keeps its own rotated logs per stream" : "no sysg equivalent");
    services[name] = svc;
  }
  if (Object.keys(services).length === 0) return { ok: false, message: `${file}: no [program:x] section`, hint: "supervisord programs are [program:name] sections with command=" };
  if (ignored.size > 0) notes.push(`*: sections for supervisord itself are not carried over: ${[...ignored].map((s) => `[${s}]`).join(", ")}`);
  return { ok: true, value: { config: { version: "1", services }, notes } };
}

/** supervisord's environment=KEY="val",KEY2=val2 (values may be quoted, commas inside quotes). */
export function parseEnvironment(text: string): Record<string, string> | null {
  const out: Record<string, string> = {};
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*("(?:[^"\\]|\\.)*"|'[^']*'|[^,]*)\s*(,|$)/y;
  while (re.lastIndex < text.length) {
    const m = re.exec(text);
    if (!m) return null;
    let v = m[2]!;
    if (v.startsWith('"')) v = v.slice(1, -1).replace(/\\(.)/g, "$1");
    else if (v.startsWith("'")) v = v.slice(1, -1);
    out[m[1]!] = v.trim() === v ? v : v.trim();
    if (m[3] === "") break;
  }
  return out;
}
