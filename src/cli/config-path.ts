// `-c FILE` for commands that hand a config to the running supervisor (restart, reload): the
// supervisor reads the file itself, so it gets the absolute path, found the way `start` finds
// it (SPEC §1: as given, relative to the working directory, then the config dir).
import { homedir } from "node:os";
import { findConfig } from "../config/index.ts";

export function configForSupervisor(config: string, sys: boolean): { ok: true; path: string } | { ok: false; message: string; hint?: string } {
  const found = findConfig({ config, cwd: process.cwd(), home: process.env.HOME || homedir(), sys });
  if (found.ok) return found;
  return { ok: false, message: found.error.message, hint: found.error.hint };
}
