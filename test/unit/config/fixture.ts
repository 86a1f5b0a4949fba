// A temp directory holding a config (and any env files) for loadConfig tests.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type LoadResult, loadConfig } from "../../../src/config/index.ts";
import type { ConfigError, ResolvedConfig } from "../../../src/config/resolved.ts";

export class Fixture {
  readonly dir = mkdtempSync(join(tmpdir(), "sysg-config-"));
  readonly home = join(this.dir, "home");

  /** Writes a file relative to the fixture dir and returns its absolute path. */
  write(name: string, text: string): string {
    const path = join(this.dir, name);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
    return path;
  }

  load(text: string, opts: { name?: string; baseEnv?: Record<string, string> } = {}): Promise<LoadResult> {
    const path = this.write(opts.name ?? "systemg.yaml", text);
    return loadConfig({ config: path, cwd: this.dir, home: this.home, sys: false, baseEnv: opts.baseEnv ?? {} });
  }

  async good(text: string, opts: { name?: string; baseEnv?: Record<string, string> } = {}): Promise<ResolvedConfig> {
    const r = await this.load(text, opts);
    if (!r.ok) throw new Error(`expected a valid config, got:\n${r.errors.map((e) => `${e.path}: ${e.message}`).join("\n")}`);
    return r.config;
  }

  async bad(text: string, opts: { name?: string } = {}): Promise<ConfigError[]> {
    const r = await this.load(text, opts);
    if (r.ok) throw new Error("expected config errors, got a valid config");
    return r.errors;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
