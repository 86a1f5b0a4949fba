import { join } from "node:path";
import { Value } from "@sinclair/typebox/value";
import { formatErrors, loadConfig } from "../../../src/config/index.ts";
import { ResolvedConfig } from "../../../src/config/resolved.ts";
import { Fixture } from "./fixture.ts";

let fx: Fixture;
beforeEach(() => {
  fx = new Fixture();
});
afterEach(() => fx.remove());

describe("a minimal config gets every default", () => {
  test("service defaults", async () => {
    const config = await fx.good('version: "1"\nservices:\n  web:\n    command: ./server\n');
    expect(config.path).toBe(join(fx.dir, "systemg.yaml"));
    expect(config.dir).toBe(fx.dir);
    expect(config.order).toEqual(["web"]);
    expect(config.logs).toEqual({ max_size: 10 * 1024 * 1024, max_files: 5, timestamps: true });
    expect(config.services.web).toEqual({
      name: "web",
      command: "./server",
      working_dir: fx.dir,
      env: {},
      env_set: [],
      restart_policy: "never",
      backoff: 1000,
      backoff_max: 60_000,
      max_restarts: null,
      restart_reset: 30_000,
      critical: false,
      depends_on: [],
      skip: false,
      readiness: { probe: { kind: "default" }, timeout: 60_000 },
      hooks: {},
      deployment: null,
      cron: null,
      stop_signal: "SIGTERM",
      stop_timeout: 10_000,
      logs: { max_size: 10 * 1024 * 1024, max_files: 5, timestamps: true },
      user: null,
      group: null,
      supplementary_groups: [],
      limits: null,
      capabilities: null,
      isolation: null,
      socket_activation: false,
      health: null,
      spawn: null,
    });
  });
  test("version may be 1, \"1\" or absent", async () => {
    for (const v of ['version: "1"\n', "version: 1\n", ""]) {
      expect((await fx.good(`${v}services:\n  a:\n    command: x\n`)).order).toEqual(["a"]);
    }
  });
  test("an empty services map is valid", async () => {
    expect((await fx.good("services: {}\n")).services).toEqual({});
  });
});

describe("values are normalised", () => {
  test("durations to ms, signals canonical, sizes to bytes", async () => {
    const c = await fx.good(`services:
  web:
    command: x
    backoff: 250ms
    backoff_max: 1h30m
    restart_reset: 1.5
    stop_timeout: 2m
    stop_signal: int
    max_restarts: 2
    restart_policy: on-failure
    critical: true
    logs: { max_size: 1K, max_files: 0 }
`);
    const web = c.services.web!;
    expect([web.backoff, web.backoff_max, web.restart_reset, web.stop_timeout]).toEqual([250, 5_400_000, 1500, 120_000]);
    expect(web.stop_signal).toBe("SIGINT");
    expect(web.max_restarts).toBe(2);
    expect(web.restart_policy).toBe("on-failure");
    expect(web.critical).toBe(true);
    expect(web.logs).toEqual({ max_size: 1024, max_files: 0, timestamps: true });
  });
  test("backoff_max defaults to at least backoff", async () => {
    const c = await fx.good("services:\n  a:\n    command: x\n    backoff: 2m\n");
    expect(c.services.a!.backoff_max).toBe(120_000);
  });
  test("readiness probes", async () => {
    const c = await fx.good(`services:
  n: { command: x, readiness: { notify: true } }
  m: { command: x, readiness: { notify: true, notify_access: main } }
  t: { command: x, readiness: { tcp: "localhost:5432", timeout: 5s } }
  p: { command: x, readiness: { tcp: 8080 } }
  h: { command: x, readiness: { http: "http://127.0.0.1:8080/health" } }
  s: { command: x, readiness: { http: "http://127.0.0.1/", status: 204 } }
  e: { command: x, readiness: { exec: "pg_isready" } }
  l: { command: x, readiness: { log: "listening on \\\\d+" } }
  d: { command: x, readiness: { timeout: 3s } }
`);
    const r = (n: string) => c.services[n]!.readiness;
    expect(r("n")).toEqual({ probe: { kind: "notify", access: "all" }, timeout: 60_000 });
    expect(r("m").probe).toEqual({ kind: "notify", access: "main" });
    expect(r("t")).toEqual({ probe: { kind: "tcp", host: "localhost", port: 5432 }, timeout: 5000 });
    expect(r("p").probe).toEqual({ kind: "tcp", host: "127.0.0.1", port: 8080 });
    expect(r("h").probe).toEqual({ kind: "http", url: "http://127.0.0.1:8080/health", status: "2xx" });
    expect(r("s").probe).toEqual({ kind: "http", url: "http://127.0.0.1/", status: "204" });
    expect(r("e").probe).toEqual({ kind: "exec", command: "pg_isready" });
    expect(r("l").probe).toEqual({ kind: "log", regex: "listening on \\d+" });
    expect(r("d")).toEqual({ probe: { kind: "default" }, timeout: 3000 });
  });
  test("hooks, deployment and cron defaults", async () => {
    const c = await fx.good(`services:
  web:
    command: x
    hooks:
      on_start: { success: { command: "echo up" } }
      on_stop: { error: { command: "echo down", timeout: 5s }, success: { command: ok } }
      on_restart: { success: { command: "+ /usr/sbin/iptables -F" } }
    deployment:
      strategy: rolling
      pre_start: "make build"
      health_check: { url: "http://127.0.0.1:8080/health" }
      grace_period: 2s
  other:
    command: x
    deployment: {}
  job:
    command: "backup.sh"
    cron: { expression: "0  3 * * *" }
  job2:
    command: "backup.sh"
    cron: { expression: "*/10 * * * * *", timezone: Europe/Paris }
`);
    expect(c.services.web!.hooks).toEqual({
      on_start: { success: { command: "echo up", timeout: 30_000 } },
      on_stop: { error: { command: "echo down", timeout: 5000 }, success: { command: "ok", timeout: 30_000 } },
      // "+": the supervisor's full privileges (systemd ExecStartPre=+)
      on_restart: { success: { command: "/usr/sbin/iptables -F", timeout: 30_000, full_privileges: true } },
    });
    expect(c.services.web!.deployment).toEqual({
      strategy: "rolling",
      pre_start: "make build",
      health_check: { url: "http://127.0.0.1:8080/health", timeout: 30_000, retries: 3 },
      grace_period: 2000,
    });
    expect(c.services.other!.deployment).toEqual({ strategy: "immediate", pre_start: null, health_check: null, grace_period: 0 });
    expect(c.services.job!.cron).toEqual({ expression: "0 3 * * *", timezone: "local" });
    expect(c.services.job2!.cron).toEqual({ expression: "*/10 * * * * *", timezone: "Europe/Paris" });
  });
  test("privileged keys: ids as text, capabilities canonical, limits and isolation as written", async () => {
    const c = await fx.good(`services:
  web:
    command: x
    user: 1000
    group: www-data
    supplementary_groups: [adm, 44]
    capabilities: [net_bind_service, CAP_SYS_NICE, CAP_NET_BIND_SERVICE]
    limits:
      nofile: 65536
      nproc: unlimited
      memlock: 64M
      nice: -5
      cpu_affinity: [0, 1]
      cgroup: { root: /sys/fs/cgroup/test, memory_max: 512M, cpu_max: "200000 100000", cpu_weight: 100, pids_max: 64 }
    isolation:
      network: true
      pid: true
      private_tmp: true
      protect_system: strict
      protect_home: read-only
      read_only_paths: [/etc]
      seccomp: "@system-service"
      umask: "0027"
    socket_activation: true
  all:
    command: x
    capabilities: [ALL]
`);
    const web = c.services.web!;
    expect(web.user).toBe("1000");
    expect(web.group).toBe("www-data");
    expect(web.supplementary_groups).toEqual(["adm", "44"]);
    expect(web.capabilities).toEqual(["CAP_NET_BIND_SERVICE", "CAP_SYS_NICE"]);
    expect(web.limits).toEqual({
      nofile: 65536,
      nproc: "unlimited",
      memlock: "64M",
      nice: -5,
      cpu_affinity: [0, 1],
      cgroup: { root: "/sys/fs/cgroup/test", memory_max: "512M", cpu_max: "200000 100000", cpu_weight: 100, pids_max: 64 },
    });
    expect(web.isolation).toEqual({
      network: true,
      pid: true,
      private_tmp: true,
      protect_system: "strict",
      protect_home: "read-only",
      read_only_paths: ["/etc"],
      seccomp: "@system-service",
      umask: "0027",
    });
    expect(web.socket_activation).toBe(true);
    expect(c.services.all!.capabilities).toEqual(["ALL"]);
  });
  test("skip: boolean or command", async () => {
    const c = await fx.good("services:\n  a: { command: x, skip: true }\n  b: { command: x, skip: 'test -f /x' }\n");
    expect(c.services.a!.skip).toBe(true);
    expect(c.services.b!.skip).toBe("test -f /x");
  });
  test("commands keep $VAR text for the shell", async () => {
    const c = await fx.good("services:\n  a:\n    command: 'for i in 1 2; do echo $i $HOME ${X:-y}; done'\n    env: { vars: { V: '$HOME' } }\n");
    expect(c.services.a!.command).toBe("for i in 1 2; do echo $i $HOME ${X:-y}; done");
    expect(c.services.a!.env.V).toBe("$HOME");
  });
});

describe("the result keeps its contract", () => {
  test("matches the ResolvedConfig schema and survives JSON unchanged (it travels over IPC)", async () => {
    fx.write(".env", "A=1\n");
    const c = await fx.good(`env: { file: .env }
services:
  web:
    command: x
    depends_on: [db]
    readiness: { http: "http://127.0.0.1/" }
    hooks: { on_start: { success: { command: y } } }
    deployment: { strategy: rolling, health_check: { url: "http://127.0.0.1/" } }
    limits: { memlock: unlimited, nproc: unlimited, cgroup: { memory_max: max } }
    isolation: { seccomp: ["@system-service"], umask: "0027" }
    capabilities: [ALL]
  db: { command: x, cron: { expression: "@daily" } }
`);
    expect(Value.Check(ResolvedConfig, c)).toBe(true);
    expect(JSON.parse(JSON.stringify(c))).toEqual(c);
  });
});

describe("YAML anchors", () => {
  test("x- keys are ignored; merge keys apply, written keys win, first source wins", async () => {
    const c = await fx.good(`x-defaults: &defaults
  restart_policy: always
  backoff: 2s
  logs: { max_files: 1 }
x-slow: &slow
  backoff: 9s
  stop_timeout: 1m
services:
  web:
    <<: *defaults
    command: x
    backoff: 3s
  worker:
    <<: [*defaults, *slow]
    command: y
  plain:
    command: z
`);
    expect(c.services.web!.restart_policy).toBe("always");
    expect(c.services.web!.backoff).toBe(3000);
    expect(c.services.web!.logs.max_files).toBe(1);
    expect(c.services.worker!.backoff).toBe(2000);
    expect(c.services.worker!.stop_timeout).toBe(60_000);
    expect(c.services.plain!.restart_policy).toBe("never");
  });
  test("merging something that is not a map is an error at the << key", async () => {
    const errors = await fx.bad("services:\n  web:\n    <<: 5\n    command: x\n");
    expect(errors[0]!.path).toBe('services.web["<<"]');
  });
});

describe("paths", () => {
  test("working_dir: relative to the config's dir, absolute as is, ~ from HOME", async () => {
    const c = await fx.good(
      "services:\n  a: { command: x, working_dir: app }\n  b: { command: x, working_dir: /srv/b/ }\n  c: { command: x, working_dir: ~/c }\n  d: { command: x, working_dir: ../up }\n",
      { name: "conf/systemg.yaml" },
    );
    expect(c.services.a!.working_dir).toBe(join(fx.dir, "conf", "app"));
    expect(c.services.b!.working_dir).toBe("/srv/b");
    expect(c.services.c!.working_dir).toBe(join(fx.home, "c"));
    expect(c.services.d!.working_dir).toBe(join(fx.dir, "up"));
  });
});

describe("logs merge: service over root over defaults", () => {
  test("merge", async () => {
    const c = await fx.good(`logs: { max_size: 1M, timestamps: false }
services:
  a: { command: x }
  b: { command: x, logs: { max_files: 2 } }
  c: { command: x, logs: { timestamps: true, max_size: 1G } }
`);
    expect(c.logs).toEqual({ max_size: 1024 ** 2, max_files: 5, timestamps: false });
    expect(c.services.a!.logs).toEqual({ max_size: 1024 ** 2, max_files: 5, timestamps: false });
    expect(c.services.b!.logs).toEqual({ max_size: 1024 ** 2, max_files: 2, timestamps: false });
    expect(c.services.c!.logs).toEqual({ max_size: 1024 ** 3, max_files: 5, timestamps: true });
  });
});

describe("environment precedence", () => {
  test("base < root files in order < root vars < service files in order < service vars", async () => {
    fx.write("root1.env", "L=root1\nR1=1\nOVER=root1\n");
    fx.write("root2.env", "L=root2\nR2=2\n");
    fx.write("svc/a.env", "L=svcfile-a\nS=a\n");
    fx.write("svc/b.env", "export L=svcfile-b\n");
    const baseEnv = { PATH: "/usr/bin", L: "base", B: "base", LISTEN_FDS: "1", LISTEN_PID: "2", LISTEN_FDNAMES: "x", NOTIFY_SOCKET: "/n" };
    const c = await fx.good(
      `env:
  file: [root1.env, root2.env]
  vars: { L: rootvar, RV: rv }
services:
  web:
    command: x
    env:
      file: [svc/a.env, svc/b.env]
      vars: { L: svcvar }
  files-only:
    command: x
    env: { file: svc/a.env }
  plain:
    command: x
`,
      { baseEnv },
    );
    expect(c.services.web!.env).toEqual({ PATH: "/usr/bin", L: "svcvar", B: "base", R1: "1", OVER: "root1", R2: "2", RV: "rv", S: "a" });
    expect(c.services["files-only"]!.env.L).toBe("svcfile-a");
    expect(c.services.plain!.env).toEqual({ PATH: "/usr/bin", L: "rootvar", B: "base", R1: "1", OVER: "root1", R2: "2", RV: "rv" });
    // sysg's own environment is untouched
    expect(baseEnv.LISTEN_FDS).toBe("1");
    expect(baseEnv.L).toBe("base");
  });
  test("no leak between services and no shared object", async () => {
    const c = await fx.good("services:\n  a: { command: x, env: { vars: { ONLY_A: '1' } } }\n  b: { command: x }\n", {
      baseEnv: { P: "p" },
    });
    expect(c.services.b!.env).toEqual({ P: "p" });
    c.services.a!.env.X = "changed";
    expect(c.services.b!.env.X).toBeUndefined();
  });
  test("env file paths are relative to the config file, not the cwd or working_dir", async () => {
    fx.write("conf/.env", "WHERE=conf\n");
    const path = fx.write("conf/systemg.yaml", "services:\n  a: { command: x, working_dir: /tmp, env: { file: .env } }\n");
    const r = await loadConfig({ config: path, cwd: "/", home: fx.home, sys: false, baseEnv: {} });
    expect(r.ok && r.config.services.a!.env.WHERE).toBe("conf");
  });
});

describe("formats", () => {
  test("JSON and TOML give the same result as YAML", async () => {
    const yaml = await fx.good("services:\n  web: { command: x, backoff: 2s, depends_on: [db] }\n  db: { command: y }\n");
    const json = await fx.good('{"services": {"web": {"command": "x", "backoff": "2s", "depends_on": ["db"]}, "db": {"command": "y"}}}', {
      name: "c.json",
    });
    const toml = await fx.good('[services.web]\ncommand = "x"\nbackoff = "2s"\ndepends_on = ["db"]\n[services.db]\ncommand = "y"\n', {
      name: "c.toml",
    });
    expect(json.services).toEqual(yaml.services);
    expect(toml.services).toEqual(yaml.services);
    expect(toml.order).toEqual(["db", "web"]);
  });
});

describe("formatErrors", () => {
  test("one line per error, then an indented hint", () => {
    const text = formatErrors(
      [
        { path: "services.web.restart", message: 'unknown key "restart"', hint: 'did you mean "restart_policy"?' },
        { path: "services.web.backoff", message: 'expected a duration, got "fast"' },
        { path: "", message: "the file is empty" },
      ],
      "/etc/x.yaml",
    );
    expect(text).toBe(
      [
        '/etc/x.yaml: services.web.restart: unknown key "restart"',
        '  hint: did you mean "restart_policy"?',
        '/etc/x.yaml: services.web.backoff: expected a duration, got "fast"',
        "/etc/x.yaml: the file is empty",
      ].join("\n"),
    );
  });
});
