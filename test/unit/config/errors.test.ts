// Every kind of config error: exact path, message and hint; all reported at once, one per mistake.
import { Fixture } from "./fixture.ts";

let fx: Fixture;
beforeEach(() => {
  fx = new Fixture();
});
afterEach(() => fx.remove());

const svc = (body: string) => `services:\n  web:\n    command: ./server\n${body}`;
const only = async (text: string) => {
  const errors = await fx.bad(text);
  if (errors.length !== 1) throw new Error(`expected one error, got ${JSON.stringify(errors, null, 1)}`);
  return errors[0]!;
};

describe("unknown keys", () => {
  test("did you mean, from habits", async () => {
    expect(await only(svc("    restart: always\n"))).toEqual({
      path: "services.web.restart",
      message: 'unknown key "restart"',
      hint: 'did you mean "restart_policy"?',
    });
    expect((await only(svc("    cwd: /srv\n"))).hint).toBe('did you mean "working_dir"?');
  });
  test("did you mean, from spelling", async () => {
    expect((await only(svc("    depend_on: [x]\n"))).hint).toBe('did you mean "depends_on"?');
    expect((await only(svc("    stop_timout: 5s\n"))).hint).toBe('did you mean "stop_timeout"?');
    expect((await only(svc("    limits: { nofiles: 10 }\n"))).path).toBe("services.web.limits.nofiles");
  });
  test("nothing close: the known keys are listed", async () => {
    expect(await only("services: {}\nfoo: 1\n")).toEqual({
      path: "foo",
      message: 'unknown key "foo"',
      hint: 'known keys here: version, services, env, logs; to keep it (e.g. for YAML anchors) name it "x-foo"',
    });
  });
  test("a misspelt required key is one error, not two", async () => {
    expect(await only("services:\n  web:\n    comand: ./x\n")).toEqual({
      path: "services.web.comand",
      message: 'unknown key "comand"',
      hint: 'did you mean "command"?',
    });
  });
  test("a misspelt key beside the real one: both errors stay", async () => {
    const errors = await fx.bad(svc("    backof: 1s\n    backoff: fast\n"));
    expect(errors.map((e) => e.path)).toEqual(["services.web.backof", "services.web.backoff"]);
  });
  test("unknown keys in every nested block", async () => {
    const errors = await fx.bad(
      svc(`    readiness: { tcp: 80, timeuot: 5s }
    hooks: { on_start: { sucess: { command: x } } }
    deployment: { health_check: { url: "http://x/", retry: 3 } }
    cron: { expression: "* * * * *", tz: UTC }
    isolation: { private_temp: true }
    limits: { cgroup: { memory: 1G } }
    logs: { max_file: 3 }
    env: { var: {} }
`),
    );
    expect(errors.map((e) => [e.path, e.hint])).toEqual([
      ["services.web.readiness.timeuot", 'did you mean "timeout"?'],
      ["services.web.hooks.on_start.sucess", 'did you mean "success"?'],
      ["services.web.deployment.health_check.retry", 'did you mean "retries"?'],
      ["services.web.cron.tz", 'known keys here: expression, timezone'],
      ["services.web.isolation.private_temp", 'did you mean "private_tmp"?'],
      ["services.web.limits.cgroup.memory", 'did you mean "memory_max"?'],
      ["services.web.logs.max_file", 'did you mean "max_files"?'],
      ["services.web.env.var", 'did you mean "vars"?'],
    ]);
  });
});

describe("bad values name the value and the accepted form", () => {
  const cases: [string, string, string][] = [
    ["    restart_policy: sometimes\n", "services.web.restart_policy", 'expected one of always, on-failure, never, got "sometimes"'],
    ["    backoff: fast\n", "services.web.backoff", 'expected a duration like "250ms", "5s", "1m", "1h30m", "1.5s" or a number of seconds, got "fast"'],
    ["    stop_signal: SIGFOO\n", "services.web.stop_signal", 'expected a signal name like "SIGTERM" or "TERM" (or its number), got "SIGFOO"'],
    ["    max_restarts: -1\n", "services.web.max_restarts", "expected a non-negative integer, got -1"],
    ["    max_restarts: 1.5\n", "services.web.max_restarts", "expected a non-negative integer, got 1.5"],
    ["    critical: yes\n", "services.web.critical", 'expected true or false, got "yes"'],
    ["    depends_on: db\n", "services.web.depends_on", 'expected a list, got "db"'],
    ["    depends_on: [3]\n", "services.web.depends_on[0]", "expected a service name, got 3"],
    ["    skip: 3\n", "services.web.skip", "expected true, false or a shell command, got 3"],
    ["    working_dir: ''\n", "services.web.working_dir", "must not be empty; expected a path"],
    ["    limits: { nice: 20 }\n", "services.web.limits.nice", "expected an integer from -20 to 19, got 20"],
    ["    limits: { nofile: many }\n", "services.web.limits.nofile", 'expected a positive integer, got "many"'],
    ["    limits: { memlock: 1X }\n", "services.web.limits.memlock", 'expected a size like 1048576, "512K", "10M", "1.5G", "2TB" or "unlimited", got "1X"'],
    ["    logs: { max_size: unlimited }\n", "services.web.logs.max_size", 'expected a size of at least 1 byte like "512K" or "10M", got "unlimited"'],
    ["    limits: { cpu_affinity: [] }\n", "services.web.limits.cpu_affinity", "must not be an empty list; expected a list of CPU numbers"],
    ["    limits: { cgroup: { cpu_weight: 0 } }\n", "services.web.limits.cgroup.cpu_weight", "expected an integer from 1 to 10000, got 0"],
    ["    limits: { cgroup: { root: relative/dir } }\n", "services.web.limits.cgroup.root", 'expected an absolute path like "/var/lib/app", got "relative/dir"'],
    ["    capabilities: [CAP_FLY]\n", "services.web.capabilities[0]", 'expected a capability name like "CAP_NET_BIND_SERVICE" (see capabilities(7)), or ["ALL"], got "CAP_FLY"'],
    ["    isolation: { protect_system: yes }\n", "services.web.isolation.protect_system", 'expected one of true, false, full, strict, got "yes"'],
    ["    isolation: { protect_home: readonly }\n", "services.web.isolation.protect_home", 'expected one of true, false, read-only, tmpfs, got "readonly"'],
    ["    isolation: { seccomp: [\"@system-service\", \"Bad Name\"] }\n", "services.web.isolation.seccomp[1]", 'expected a syscall group like "@system-service", a syscall name like "ptrace", optionally prefixed with "~" to deny, got "Bad Name"'],
    ["    isolation: { read_only_paths: [/etc, var] }\n", "services.web.isolation.read_only_paths[1]", 'expected an absolute path like "/var/lib/app" (prefix "-" to ignore it when missing), got "var"'],
    ["    readiness: { tcp: 'localhost' }\n", "services.web.readiness.tcp", 'expected "host:port" (e.g. "127.0.0.1:8080", "[::1]:8080") or a port number, got "localhost"'],
    ["    readiness: { notify: false }\n", "services.web.readiness.notify", "expected true, got false"],
    ["    readiness: { tcp: 8080, notify_access: main }\n", "services.web.readiness.notify_access", "notify_access applies only to notify readiness"],
    ["    readiness: { log: '(' }\n", "services.web.readiness.log", 'invalid regular expression "("'],
    ["    cron: { expression: '* * *' }\n", "services.web.cron.expression", 'cron expression "* * *" has 3 fields, expected 5 or 6'],
    ["    cron: { expression: '0 3 * * *', timezone: Mars/Base }\n", "services.web.cron.timezone", 'expected an IANA timezone like "Europe/Paris", "UTC" or "local", got "Mars/Base"'],
    ["    deployment: { strategy: blue-green }\n", "services.web.deployment.strategy", 'expected one of rolling, immediate, got "blue-green"'],
    ["    deployment: { health_check: { url: /health } }\n", "services.web.deployment.health_check.url", 'expected an http(s) URL like "http://127.0.0.1:8080/health", got "/health"'],
    ["    hooks: { on_start: { success: { timeout: 5s } } }\n", "services.web.hooks.on_start.success.command", 'missing required key "command"'],
    ["    hooks: { on_stop: { error: { command: '+ ' } } }\n", "services.web.hooks.on_stop.error.command", '"+" must be followed by a command, got "+ "'],
    ["    env: { file: [a.env, 2] }\n", "services.web.env.file[1]", "expected a path, got 2"],
    ["    env: { vars: { 1X: a } }\n", "services.web.env.vars.1X", 'invalid variable name "1X"'],
    ["    user: ''\n", "services.web.user", 'expected a name or a numeric id, got ""'],
    ["    socket_activation: 1\n", "services.web.socket_activation", "expected true or false, got 1"],
  ];
  for (const [body, path, message] of cases) {
    test(path, async () => {
      const e = await only(svc(body));
      expect(e.path).toBe(path);
      expect(e.message.startsWith(message)).toBe(true);
    });
  }
  test("a close miss among choices gets a hint", async () => {
    expect(await only(svc("    restart_policy: on_failure\n"))).toEqual({
      path: "services.web.restart_policy",
      message: 'expected one of always, on-failure, never, got "on_failure"',
      hint: 'did you mean "on-failure"?',
    });
  });
  test("a key with no value says so", async () => {
    expect(await only(svc("    logs:\n"))).toEqual({
      path: "services.web.logs",
      message: "expected a map of keys to values, got null",
      hint: "the key has no value: fill it in or remove the key",
    });
  });
  test("umask written as a number gets the quoting hint", async () => {
    expect((await only(svc("    isolation: { umask: 0027 }\n"))).hint).toBe('write it as a quoted octal string, e.g. umask: "0027"');
  });
  test("cron errors carry the syntax as a hint", async () => {
    expect((await only(svc("    cron: { expression: '61 * * * *' }\n"))).hint).toContain("minute hour day month weekday");
  });
});

describe("structure", () => {
  test("version must be \"1\"", async () => {
    expect(await only('version: "2"\nservices: {}\n')).toEqual({ path: "version", message: 'expected "1", got "2"' });
  });
  test("services is required", async () => {
    expect(await only('version: "1"\n')).toEqual({ path: "services", message: 'missing required key "services"' });
  });
  test("services must be a map", async () => {
    expect((await only("services: [web]\n")).message).toBe("expected a map of keys to values, got a list");
  });
  test("the file must be a map", async () => {
    expect(await only("- a\n- b\n")).toEqual({ path: "", message: "expected a map of keys to values, got a list" });
  });
  test("a service must be a map with a command", async () => {
    expect(await only("services:\n  web: ./server\n")).toEqual({
      path: "services.web",
      message: 'expected a map of keys to values, got "./server"',
    });
    expect(await only("services:\n  web: {}\n")).toEqual({ path: "services.web.command", message: 'missing required key "command"' });
    expect((await only("services:\n  web: { command: '' }\n")).message).toBe('expected a command line or a non-empty list of arguments, got ""');
    expect((await only("services:\n  web: { command: [] }\n")).message).toBe("must not be an empty list; expected at least one entry");
  });
  test("service names", async () => {
    expect(await only("services:\n  'my web':\n    command: x\n")).toEqual({
      path: 'services["my web"]',
      message: 'invalid service name "my web"',
      hint: 'service names use letters, digits, _ . and - (and are not "." or "..")',
    });
    expect((await only("services:\n  '..': { command: x }\n")).message).toBe('invalid service name ".."');
    expect((await only("services:\n  '.': { command: x }\n")).message).toBe('invalid service name "."');
    expect((await fx.good("services:\n  web.v2-x_1: { command: x }\n")).order).toEqual(["web.v2-x_1"]);
  });
});

describe("semantic checks", () => {
  test("one readiness probe", async () => {
    expect(await only(svc("    readiness: { tcp: 80, http: 'http://x/' }\n"))).toEqual({
      path: "services.web.readiness",
      message: "one probe per service, found tcp and http",
      hint: "keep one of notify, tcp, http, exec, log",
    });
  });
  test("status only with http", async () => {
    expect((await only(svc("    readiness: { tcp: 80, status: 200 }\n"))).path).toBe("services.web.readiness.status");
  });
  test("ALL stands alone", async () => {
    expect((await only(svc("    capabilities: [ALL, CAP_KILL]\n"))).path).toBe("services.web.capabilities");
  });
  test("backoff_max not below backoff", async () => {
    expect(await only(svc("    backoff: 10s\n    backoff_max: 5s\n"))).toEqual({
      path: "services.web.backoff_max",
      message: "backoff_max (5000 ms) is shorter than backoff (10000 ms)",
      hint: "backoff is the first delay and backoff_max its cap: raise backoff_max or lower backoff",
    });
  });
  test("a rejected backoff causes no second error about backoff_max", async () => {
    expect((await only(svc("    backoff: fast\n    backoff_max: 500ms\n"))).path).toBe("services.web.backoff");
  });
  test("missing env files, root and service, name their place", async () => {
    fx.write("ok.env", "A=1\n");
    const errors = await fx.bad("env: { file: missing-root.env }\nservices:\n  web:\n    command: x\n    env: { file: [ok.env, missing.env] }\n");
    expect(errors).toEqual([
      {
        path: "env.file",
        message: `cannot read env file ${fx.dir}/missing-root.env: no such file`,
        hint: "env file paths are relative to the config file's directory",
      },
      {
        path: "services.web.env.file[1]",
        message: `cannot read env file ${fx.dir}/missing.env: no such file`,
        hint: "env file paths are relative to the config file's directory",
      },
    ]);
  });
  test("a bad env file line names file and line", async () => {
    fx.write("bad.env", "A=1\nB\n");
    expect((await only(svc("    env: { file: bad.env }\n"))).message).toBe(`${fx.dir}/bad.env:2: expected KEY=VALUE, got "B"`);
  });
  test("dependency errors", async () => {
    const errors = await fx.bad("services:\n  web: { command: x, depends_on: [dbb] }\n  db: { command: y, depends_on: [db] }\n");
    expect(errors).toEqual([
      { path: "services.web.depends_on[0]", message: 'unknown service "dbb"', hint: 'did you mean "db"?' },
      { path: "services.db.depends_on[0]", message: '"db" depends on itself', hint: "remove this entry" },
    ]);
  });
  test("cycles", async () => {
    const errors = await fx.bad("services:\n  a: { command: x, depends_on: [b] }\n  b: { command: x, depends_on: [c] }\n  c: { command: x, depends_on: [a] }\n");
    expect(errors).toEqual([
      { path: "services.a.depends_on[0]", message: "dependency cycle: a -> b -> c -> a", hint: "remove one of these dependencies" },
    ]);
  });
});

describe("all errors at once", () => {
  test("every service, every kind, in file order", async () => {
    fx.write("x.env", "oops\n");
    const errors = await fx.bad(`version: "1"
services:
  web:
    command: x
    restart: always
    backoff: fast
    depends_on: [dbb]
    env: { file: x.env }
  db:
    command: 5
    limits: { nice: 99 }
    readiness: { tcp: 1, exec: y }
  worker:
    command: z
    cron: { expression: "* * *" }
extra: true
`);
    expect(errors.map((e) => e.path)).toEqual([
      "services.web.restart",
      "services.web.backoff",
      "services.web.depends_on[0]",
      "services.web.env.file",
      "services.db.command",
      "services.db.limits.nice",
      "services.db.readiness",
      "services.worker.cron.expression",
      "extra",
    ]);
  });
  test("no duplicates and no follow-on noise", async () => {
    const errors = await fx.bad("services:\n  web:\n    command: [a, 1]\n    limits: 5\n    isolation: { seccomp: [1, 2] }\n");
    expect(errors.map((e) => e.path)).toEqual([
      "services.web.command[1]",
      "services.web.limits",
      "services.web.isolation.seccomp[0]",
      "services.web.isolation.seccomp[1]",
    ]);
    expect(new Set(errors.map((e) => e.path)).size).toBe(errors.length);
  });
  test("a service with schema errors still has its dependencies checked", async () => {
    const errors = await fx.bad("services:\n  web: { command: x, backoff: fast, depends_on: [nope] }\n");
    expect(errors.map((e) => e.path)).toEqual(["services.web.backoff", "services.web.depends_on[0]"]);
  });
  test("the same input gives the same errors", async () => {
    const text = "services:\n  b: { command: 1, depends_on: [x] }\n  a: { restart: 1 }\n";
    expect(await fx.bad(text)).toEqual(await fx.bad(text));
  });
});

describe("file level", () => {
  test("missing file: every place tried", async () => {
    const { loadConfig } = await import("../../../src/config/index.ts");
    const r = await loadConfig({ cwd: fx.dir, home: fx.home, sys: false, baseEnv: {} });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.path).toBeUndefined();
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]!.message).toContain(`${fx.dir}/systemg.yaml, ${fx.dir}/sysg.yaml, ${fx.home}/.config/systemg/systemg.yaml`);
    }
  });
  test("syntax error", async () => {
    const r = await fx.load("services:\n  web: {command: x\n");
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.path).toBe(`${fx.dir}/systemg.yaml`);
      expect(r.errors[0]!.message).toMatch(/^YAML syntax error: line \d+, column \d+: /);
    }
  });
});
