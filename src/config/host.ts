// What `start` would hit on this host in a config that is valid in itself (for `sysg check`):
// a working_dir that does not exist or is not a directory, a program that is not on PATH or
// not executable. Reads the file system only; the spawn itself stays the authority.
import { statSync } from "node:fs";
import { normalize } from "node:path";
import { resolveProgram } from "./command.ts";
import { type ConfigError, pathOf } from "./errors.ts";
import type { ResolvedConfig } from "./resolved.ts";

export function hostErrors(config: ResolvedConfig): ConfigError[] {
  const errors: ConfigError[] = [];
  for (const name of Object.keys(config.services)) {
    const svc = config.services[name]!;
    if (svc.skip === true) continue; // never runs
    const at = (key: string) => pathOf(["services", name, key]);
    let isDir: boolean;
    try {
      isDir = statSync(svc.working_dir).isDirectory();
    } catch {
      errors.push({
        path: at("working_dir"),
        message: `${svc.working_dir} does not exist`,
        hint: "create it, or fix the path (a relative working_dir is taken from the config file's directory)",
      });
      continue;
    }
    if (!isDir) {
      errors.push({ path: at("working_dir"), message: `${svc.working_dir} is not a directory`, hint: "working_dir names the directory the command runs in" });
      continue;
    }
    const found = resolveProgram(svc.command, svc.env.PATH, svc.working_dir);
    if (found === null || found.ok) continue;
    const program = found.tried.length === 1 ? normalize(found.tried[0]!) : programName(found.tried);
    if (found.reason === "not-executable") {
      errors.push({ path: at("command"), message: `${program} is not executable`, hint: `chmod +x it, or run it through its interpreter` });
    } else if (found.tried.length === 1) {
      errors.push({ path: at("command"), message: `program ${program} not found`, hint: "check the path (a relative one is taken from working_dir)" });
    } else {
      errors.push({
        path: at("command"),
        message: `program "${program}" not found in PATH (${svc.env.PATH ?? "/bin:/usr/bin"})`,
        hint: "install it, give its absolute path, or set PATH in env.vars",
      });
    }
  }
  return errors;
}

function programName(tried: string[]): string {
  const first = tried[0]!;
  return first.slice(first.lastIndexOf("/") + 1);
}
