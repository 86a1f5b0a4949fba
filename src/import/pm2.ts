// PM2 ecosystem files: JSON/JSON5 (`ecosystem.json`), or the JavaScript form
// (`ecosystem.config.js`: `module.exports = { apps: [...] }`). The JavaScript is never run:
// the object literal after `module.exports =` / `export default` is read as JSON5, which
// covers the usual file (unquoted keys, single quotes, trailing commas, comments). A file that
// computes values (process.env, path.join, require) is refused with the way to get its JSON.
import { isAbsolute, resolve } from "node:path";
import { parseJSON5 } from "confbox/json5";
import { type ImportError, type ImportResult, duration, serviceName, shellWord } from "./common.ts";

type App = Record<string, unknown>;

/** Keys carried over (some approximately); everything else is listed as not carried over. */
const KNOWN = new Set([
  "name", "script", "args", "interpreter", "interpreter_args", "node_args", "cwd", "env", "autorestart", "max_restarts",
  "restart_delay", "exp_backoff_restart_delay", "min_uptime", "kill_timeout", "user", "uid", "gid", "max_memory_restart", "cron_restart",
]);

export function importPm2(text: string, file: string, opts: { env?: string } = {}): { ok: true; value: ImportResult } | ImportError {
  const parsed = parseEcosystem(text, file);
  if (!parsed.ok) return parsed;
  const apps = Array.isArray(parsed.value) ? parsed.value : (parsed.value as { apps?: unknown }).apps;
  if (!Array.isArray(apps) || apps.length === 0) {
    return { ok: false, message: `${file}: no "apps" list found`, hint: "an ecosystem file is { apps: [{ name, script, … }] }" };
  }
  const notes: string[] = [];
  const services: ImportResult["config"]["services"] = {};
  const taken = new Set<string>();
  const base = resolve(file, "..");
  for (const [i, raw] of apps.entries()) {
    if (raw === null || typeof raw !== "object") return { ok: false, message: `${file}: apps[${i}] is not an object` };
    const app = raw as App;
    if (typeof app.script !== "string" || app.script === "") return { ok: false, message: `${file}: apps[${i}].script: missing`, hint: "each app needs the script (or program) to run" };
    const label = typeof app.name === "string" ? app.name : app.script.replace(/^.*\//, "").replace(/\.[^.]*$/, "");
    const name = serviceName(label, taken, notes);
    const note = (key: string, why: string) => notes.push(`${name}: ${key}: ${why}`);
    const svc: Record<string, unknown> = { command: commandOf(app, note) };
    if (typeof app.cwd === "string") svc.working_dir = isAbsolute(app.cwd) ? app.cwd : resolve(base, app.cwd);
    const env = { ...(app.env as App | undefined), ...(opts.env ? (app[`env_${opts.env}`] as App | undefined) : {}) };
    if (opts.env && app[`env_${opts.env}`] === undefined) note(`env_${opts.env}`, "not in this app");
    const vars: Record<string, string> = {};
    for (const [k, v] of Object.entries(env)) {
      if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) && v !== null && typeof v !== "object") vars[k] = String(v);
      else note(`env.${k}`, "not a plain variable");
    }
    if (Object.keys(vars).length > 0) svc.env = { vars };
    for (const k of Object.keys(app)) if (k.startsWith("env_") && k !== `env_${opts.env}`) note(k, "other environments are not carried over (choose one with --env NAME)");
    // PM2 restarts after any exit unless autorestart is false
    svc.restart_policy = app.autorestart === false ? "never" : "always";
    if (typeof app.max_restarts === "number") svc.max_restarts = app.max_restarts;
    if (typeof app.restart_delay === "number" && app.restart_delay > 0) svc.backoff = duration(app.restart_delay);
    if (typeof app.exp_backoff_restart_delay === "number") {
      svc.backoff = duration(app.exp_backoff_restart_delay);
      note("exp_backoff_restart_delay", "sysg's backoff doubles the same way, capped by backoff_max (default 1m; PM2 caps at 15 s)");
    }
    if (typeof app.min_uptime === "number" || typeof app.min_uptime === "string") svc.restart_reset = typeof app.min_uptime === "number" ? duration(app.min_uptime) : app.min_uptime;
    if (typeof app.kill_timeout === "number") svc.stop_timeout = duration(app.kill_timeout);
    const user = app.user ?? app.uid;
    if (typeof user === "string" || typeof user === "number") svc.user = user;
    if (typeof app.gid === "string" || typeof app.gid === "number") svc.group = app.gid;
    if (app.max_memory_restart !== undefined) {
      svc.limits = { cgroup: { memory_max: String(app.max_memory_restart).replace(/B$/i, "").toUpperCase() } };
      note("max_memory_restart", "became limits.cgroup.memory_max: the kernel kills the service at the limit, then the restart policy applies");
    }
    if (app.cron_restart !== undefined) note("cron_restart", "sysg has no scheduled restart of a long-running service (a cron job could run `sysg restart -s NAME`)");
    const instances = app.instances;
    if (instances !== undefined && instances !== 1 && instances !== "1") note("instances", `${String(instances)} instances (cluster mode) become one process`);
    for (const k of Object.keys(app)) if (!KNOWN.has(k) && !k.startsWith("env_") && k !== "instances" && k !== "exec_mode") note(k, "no sysg equivalent");
    services[name] = svc;
  }
  return { ok: true, value: { config: { version: "1", services }, notes } };
}

function commandOf(app: App, note: (key: string, why: string) => void): string {
  const args = Array.isArray(app.args) ? app.args.map(String).map(shellWord) : typeof app.args === "string" ? [app.args] : [];
  const script = app.script as string;
  let interpreter = typeof app.interpreter === "string" ? app.interpreter : /\.(c|m)?js$/.test(script) ? "node" : /\.ts$/.test(script) ? "bun" : "none";
  if (interpreter.endsWith("/node") || interpreter === "nodejs") interpreter = "node";
  const interpArgs = [app.interpreter_args, app.node_args].flatMap((a) => (Array.isArray(a) ? a.map(String).map(shellWord) : typeof a === "string" ? [a] : []));
  if (/\.ts$/.test(script) && app.interpreter === undefined) note("interpreter", "a .ts script is run with bun (PM2 would use ts-node)");
  const words = interpreter === "none" ? [shellWord(script)] : [shellWord(interpreter), ...interpArgs, shellWord(script)];
  return [...words, ...args].join(" ");
}

/** The ecosystem value: JSON(5) as is, or the object literal of a JavaScript ecosystem file. */
function parseEcosystem(text: string, file: string): { ok: true; value: unknown } | ImportError {
  const js = /\.(c|m)?js$/.test(file);
  let literal = text;
  if (js) {
    const m = /(?:module\.exports\s*=|export\s+default)\s*/.exec(text);
    if (!m) return { ok: false, message: `${file}: no "module.exports =" or "export default" found`, hint: jsonHint(file) };
    const start = m.index + m[0].length;
    const end = literalEnd(text, start);
    if (end < 0) return { ok: false, message: `${file}: the exported value is not an object or array literal`, hint: jsonHint(file) };
    literal = text.slice(start, end);
  }
  try {
    return { ok: true, value: parseJSON5(literal) };
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    return {
      ok: false,
      message: `${file}: ${js ? "the exported object is not a plain literal (it computes values)" : "not valid JSON/JSON5"}: ${why}`,
      hint: js ? `sysg never runs the file; ${jsonHint(file)}` : undefined,
    };
  }
}

function jsonHint(file: string): string {
  return `write its JSON first: node -e 'console.log(JSON.stringify(require("${resolve(file)}")))' > ecosystem.json, then import that`;
}

/** End (exclusive) of the {…} or […] literal starting at `start`; strings and comments skipped. */
function literalEnd(text: string, start: number): number {
  const open = text[start];
  if (open !== "{" && open !== "[") return -1;
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === "`") {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === "\\") i++;
    } else if (c === "/" && text[i + 1] === "/") {
      i = text.indexOf("\n", i);
      if (i < 0) return -1;
    } else if (c === "/" && text[i + 1] === "*") {
      i = text.indexOf("*/", i + 2) + 1;
      if (i <= 0) return -1;
    } else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}
