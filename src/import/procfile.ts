// Procfile (Heroku, foreman, honcho): "name: command" per line. Every process is restarted
// after any exit, as those tools do; each gets PORT like foreman (5000, 5100, …) and a .env
// file beside the Procfile is loaded, as foreman and honcho load it.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { type ImportError, type ImportResult, serviceName } from "./common.ts";

export function importProcfile(text: string, file: string): { ok: true; value: ImportResult } | ImportError {
  const notes: string[] = [];
  const services: ImportResult["config"]["services"] = {};
  const taken = new Set<string>();
  const lines = text.split(/\r?\n/);
  let index = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^([A-Za-z0-9_-]+):\s*(.*)$/.exec(line);
    if (!m || m[2]!.trim() === "") {
      return { ok: false, message: `${file}:${i + 1}: expected "name: command", got "${line}"`, hint: "one process type per line, e.g. web: bundle exec puma -p $PORT" };
    }
    const name = serviceName(m[1]!, taken, notes);
    const svc: Record<string, unknown> = { command: m[2]!.trim(), restart_policy: "always", env: { vars: { PORT: String(5000 + 100 * index) } } };
    if (name === "release") {
      svc.restart_policy = "never";
      delete svc.env;
      notes.push("release: runs once at start here (Heroku runs it before each deploy)");
    }
    services[name] = svc;
    index++;
  }
  if (index === 0) return { ok: false, message: `${file}: no process types found`, hint: 'lines look like "web: ./server --port $PORT"' };
  notes.push(`*: PORT: set per process as foreman does (5000, 5100, …); change it where your platform assigns ports`);
  const config: ImportResult["config"] = { version: "1", services };
  if (existsSync(join(dirname(file), ".env"))) config.env = { file: join(dirname(file), ".env") };
  return { ok: true, value: { config, notes } };
}
