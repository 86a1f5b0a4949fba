// `sysg import` through the compiled binary: a Procfile, PM2 ecosystem files (JSON and the
// JavaScript form, read without running it) and a supervisord.conf become configs that pass
// `sysg check`, with what could not be carried over listed.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parseYAML } from "confbox";
import { type Sandbox, ensureBuilt, run, sandbox } from "../../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

let outputs = 0;
/** An executable script at `rel` in the sandbox (what an imported command runs). */
function program(rel: string): void {
  const path = sb.write(rel, "#!/bin/sh\nexec sleep 1000\n");
  chmodSync(path, 0o755);
}
type Cfg = { version: string; env?: { file?: string }; services: Record<string, Record<string, unknown>> };
function imported(source: string, file: string, extra: string[] = []): { cfg: Cfg; stderr: string; path: string } {
  const path = join(sb.dir, `${source}-${++outputs}.yaml`);
  const r = run(sb, ["import", source, file, "-o", path, ...extra]);
  expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
  // every program and directory the inputs name exists in the sandbox (see program()), so the
  // config passes check outright: exit 0, at most warnings about this host
  const check = run(sb, ["check", "-c", path]);
  const errors = check.stderr.split("\n").filter((l) => l !== "" && !/: warning: |^ {2}hint: /.test(l));
  expect({ code: check.code, errors }).toEqual({ code: 0, errors: [] });
  return { cfg: parseYAML(readFileSync(path, "utf8")) as Cfg, stderr: r.stderr, path };
}

describe("sysg import", () => {
  test("procfile: one always-restarted service per line, PORT like foreman, .env loaded", () => {
    sb = sandbox();
    sb.write(".env", "GREETING=hi\n");
    mkdirSync(join(sb.dir, "bin"));
    for (const p of ["server", "bin/worker", "migrate"]) program(p);
    const file = sb.write("Procfile", "# app\nweb: ./server --port $PORT\nworker: ./bin/worker -c 5\n\nrelease: ./migrate\n");
    const { cfg, stderr, path } = imported("procfile", file);
    expect(cfg.services).toEqual({
      web: { command: "./server --port $PORT", restart_policy: "always", env: { vars: { PORT: "5000" } } },
      worker: { command: "./bin/worker -c 5", restart_policy: "always", env: { vars: { PORT: "5100" } } },
      release: { command: "./migrate", restart_policy: "never" },
    });
    expect(cfg.env).toEqual({ file: ".env" });
    expect(stderr).toContain("release: runs once at start");
    expect(readFileSync(path, "utf8")).toMatch(/^# Imported by sysg from procfile file .*\n# Not carried over/);
    const bad = run(sb, ["import", "procfile", sb.write("P2", "web ./x\n")]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('P2:1: expected "name: command"');
  });

  test("pm2: the JavaScript ecosystem form is read without running it; --env picks env_NAME", () => {
    sb = sandbox();
    mkdirSync(join(sb.dir, "app", "dist"), { recursive: true });
    sb.write("app/dist/index.js", "");
    sb.write("worker.sh", "sleep 1\n");
    const file = sb.write(
      "ecosystem.config.js",
      `// PM2 ecosystem
module.exports = {
  apps: [
    {
      name: 'api server',
      script: './dist/index.js',
      args: ['--port', '3000', "it's"],
      cwd: 'app',
      instances: 4, exec_mode: 'cluster',
      env: { NODE_ENV: 'development', PORT: 3000 },
      env_production: { NODE_ENV: 'production' },
      max_restarts: 10,
      restart_delay: 1500,
      kill_timeout: 8000,
      max_memory_restart: '300M',
      watch: true, /* not carried */
    },
    { name: 'cron', script: 'worker.sh', interpreter: 'bash', autorestart: false, },
  ],
};
`,
    );
    const { cfg, stderr } = imported("pm2", file, ["--env", "production"]);
    expect(cfg.services["api-server"]).toEqual({
      command: `node ./dist/index.js --port 3000 'it'\\''s'`,
      working_dir: "app",
      env: { vars: { NODE_ENV: "production", PORT: "3000" } },
      restart_policy: "always",
      max_restarts: 10,
      backoff: "1500ms",
      stop_timeout: "8s",
      limits: { cgroup: { memory_max: "300M" } },
    });
    expect(cfg.services.cron).toEqual({ command: "bash worker.sh", restart_policy: "never" });
    expect(stderr).toContain('api server: name: renamed to "api-server"');
    expect(stderr).toContain("api-server: instances: 4 instances (cluster mode) become one process");
    expect(stderr).toContain("api-server: watch: no sysg equivalent");
    const computed = sb.write("eco2.config.js", "module.exports = { apps: [{ name: 'x', script: 'a.js', env: { HOME: process.env.HOME } }] }\n");
    const r = run(sb, ["import", "pm2", computed]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("computes values");
    expect(r.stderr).toContain("node -e");
    const json = sb.write("eco.json", JSON.stringify({ apps: [{ name: "j", script: "/bin/sleep", args: "100", interpreter: "none" }] }));
    expect(imported("pm2", json).cfg.services.j).toEqual({ command: "/bin/sleep 100", restart_policy: "always" });
  });

  test("supervisord: programs with configparser syntax, expansions, environment, signals; the rest listed", () => {
    sb = sandbox();
    mkdirSync(join(sb.dir, "srv"));
    const file = sb.write(
      "supervisord.conf",
      `[supervisord]
logfile=/var/log/supervisord.log ; main log

[program:web]
command=/usr/bin/python3 -m http.server %(ENV_PORT)s
  --bind 127.0.0.1
directory=srv
autorestart=unexpected
exitcodes=0,2
startretries=5
stopsignal=QUIT
stopwaitsecs=15
environment=A="1,2",B=plain, C='q'
stdout_logfile=/var/log/%(program_name)s.log
umask=022

[program:bad name]
command=sleep 100
autostart=false
autorestart=true

[group:all]
programs=web
`,
    );
    const { cfg, stderr } = imported("supervisord", file);
    expect(cfg.services.web).toEqual({
      command: "/usr/bin/python3 -m http.server ${PORT} --bind 127.0.0.1",
      working_dir: "srv",
      restart_policy: "on-failure",
      max_restarts: 5,
      stop_signal: "SIGQUIT",
      stop_timeout: "15s",
      env: { vars: { A: "1,2", B: "plain", C: "q" } },
      isolation: { umask: "0022" },
    });
    expect(cfg.services["bad-name"]).toEqual({ command: "sleep 100", skip: true, restart_policy: "always" });
    expect(stderr).toContain("web: exitcodes: sysg treats only exit 0 as expected");
    expect(stderr).toContain("web: stdout_logfile: sysg keeps its own rotated logs");
    expect(stderr).toContain("[group:all]: groups are not carried over");
    expect(stderr).toContain("[supervisord]");
  });

  test("usage errors: unknown source or no file (2), unreadable file or existing output (1)", () => {
    sb = sandbox();
    expect(run(sb, ["import", "upstart", "x"]).code).toBe(2);
    expect(run(sb, ["import", "procfile"]).code).toBe(2);
    expect(run(sb, ["import", "procfile", join(sb.dir, "nope")]).code).toBe(1);
    const file = sb.write("Procfile", "web: ./x\n");
    const out = sb.write("taken.yaml", "keep me\n");
    const r = run(sb, ["import", "procfile", file, "-o", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("--force");
    expect(readFileSync(out, "utf8")).toBe("keep me\n");
    expect(run(sb, ["import", "procfile", file, "-o", out, "--force"]).code).toBe(0);
  });
});
