// `sysg export` through the compiled binary: systemd units checked by `systemd-analyze verify`
// (and their OnCalendar= against cron-schedule via `systemd-analyze calendar`), Kubernetes
// manifests against schemas transcribed from the published OpenAPI, Nomad HCL parsed and
// checked against the jobspec structure; every hardening key of the schema is mapped or listed.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { TypeCompiler } from "@sinclair/typebox/compiler";
import { parseYAML } from "confbox";
import { parseCronExpression } from "cron-schedule";
import { RawIsolation } from "../../../src/config/schema.ts";
import { parseHcl, type HclBody } from "../../helpers/hcl.ts";
import { CronJob, Deployment } from "../../helpers/k8s-schema.ts";
import { type Sandbox, ensureBuilt, run, sandbox } from "../../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

const hasSystemdAnalyze = spawnSync("sh", ["-c", "command -v systemd-analyze"]).status === 0;
if (!hasSystemdAnalyze) console.log("skip: systemd-analyze is not installed (Debian package systemd): unit files are not verified");

/** A sample value for every isolation key of the schema (a new key must get one here). */
const ISOLATION_SAMPLES: Record<string, string> = {
  network: "true",
  mount: "true",
  pid: "true",
  user: "true",
  private_tmp: "true",
  private_devices: "true",
  no_new_privileges: "true",
  protect_system: "strict",
  protect_home: "read-only",
  read_only_paths: "[/etc]",
  read_write_paths: "[/var/tmp]",
  inaccessible_paths: "[/root]",
  seccomp: '["@system-service", "~@privileged"]',
  // "-": optional where the LSM is missing (as in systemd), so check passes on any host
  apparmor_profile: "-sysg-web",
  selinux_context: "-system_u:system_r:httpd_t:s0",
  umask: '"0027"',
  seccomp_errno: "EPERM",
  protect_kernel_tunables: "true",
  protect_kernel_modules: "true",
  protect_kernel_logs: "true",
  protect_control_groups: "true",
  protect_clock: "true",
  protect_hostname: "true",
  restrict_suid_sgid: "true",
  lock_personality: "true",
  memory_deny_write_execute: "true",
  restrict_realtime: "true",
  restrict_namespaces: '["~user", "net"]',
  restrict_address_families: '["AF_UNIX", "AF_INET", "AF_INET6"]',
  system_call_architectures: "native",
};
/** The unit line each isolation key must become (keys not here must be named in the notes). */
const SYSTEMD_LINES: Record<string, string[]> = {
  network: ["PrivateNetwork=yes"],
  user: ["PrivateUsers=yes"],
  private_tmp: ["PrivateTmp=yes"],
  private_devices: ["PrivateDevices=yes"],
  no_new_privileges: ["NoNewPrivileges=yes"],
  protect_system: ["ProtectSystem=strict"],
  protect_home: ["ProtectHome=read-only"],
  read_only_paths: ["ReadOnlyPaths=/etc"],
  read_write_paths: ["ReadWritePaths=/var/tmp"],
  inaccessible_paths: ["InaccessiblePaths=/root"],
  seccomp: ["SystemCallFilter=@system-service", "SystemCallFilter=~@privileged"],
  apparmor_profile: ["AppArmorProfile=-sysg-web"],
  selinux_context: ["SELinuxContext=-system_u:system_r:httpd_t:s0"],
  umask: ["UMask=0027"],
  seccomp_errno: ["SystemCallErrorNumber=EPERM"],
  protect_kernel_tunables: ["ProtectKernelTunables=yes"],
  protect_kernel_modules: ["ProtectKernelModules=yes"],
  protect_kernel_logs: ["ProtectKernelLogs=yes"],
  protect_control_groups: ["ProtectControlGroups=yes"],
  protect_clock: ["ProtectClock=yes"],
  protect_hostname: ["ProtectHostname=yes"],
  restrict_suid_sgid: ["RestrictSUIDSGID=yes"],
  lock_personality: ["LockPersonality=yes"],
  memory_deny_write_execute: ["MemoryDenyWriteExecute=yes"],
  restrict_realtime: ["RestrictRealtime=yes"],
  restrict_namespaces: ["RestrictNamespaces=~user net"],
  restrict_address_families: ["RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"],
  system_call_architectures: ["SystemCallArchitectures=native"],
};

function appConfig(): string {
  const keys = Object.keys(RawIsolation.properties);
  for (const k of keys) if (!(k in ISOLATION_SAMPLES)) throw new Error(`isolation.${k} is new in the schema: give it a sample value in this test`);
  return `version: "1"
env:
  vars: { APP_ENV: production }
services:
  db:
    command: exec sleep 1000
    readiness: { tcp: "127.0.0.1:5432", timeout: 30s }
    health: { tcp: "127.0.0.1:5432", interval: 15s, timeout: 2s, failures: 4 }
    limits:
      nofile: 4096
      nproc: 1000
      cgroup: { memory_max: 512M, cpu_max: "50000 100000", pids_max: 100 }
  web_1:
    command: 'echo "it''s $HOME at 100%" && exec sleep 1000'
    depends_on: [db]
    restart_policy: always
    backoff: 2s
    max_restarts: 5
    user: nobody
    stop_signal: SIGINT
    stop_timeout: 20s
    env: { vars: { PORT: 8080 } }
    capabilities: [CAP_NET_BIND_SERVICE]
    readiness: { http: "http://127.0.0.1:8080/health", timeout: 10s }
    isolation:
${keys.map((k) => `      ${k}: ${ISOLATION_SAMPLES[k]}`).join("\n")}
    hooks:
      on_start: { success: { command: echo started } }
  worker:
    command: ["/bin/echo", "a b", "$x", "100%"]
  backup:
    command: tar czf /tmp/b.tgz /etc
    cron: { expression: "*/15 3 * * 1-5", timezone: UTC }
`;
}

describe("sysg export", () => {
  test("systemd: units pass systemd-analyze verify; deps, restart, env, user, limits, every hardening key", () => {
    sb = sandbox();
    const cfg = sb.write("app.yaml", appConfig());
    const check = run(sb, ["check", "-c", cfg]);
    // warnings are facts of this host (no AppArmor/SELinux here), not config errors
    const errors = check.stderr.split("\n").filter((l) => l !== "" && !l.includes(": warning: "));
    expect({ code: check.code, errors }).toEqual({ code: 0, errors: [] });
    const out = join(sb.dir, "units");
    const r = run(sb, ["export", "systemd", "-c", cfg, "-o", out]);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["backup.service", "backup.timer", "db.service", "web_1.service", "worker.service"]);
    expect(readFileSync(join(out, "worker.service"), "utf8").split("\n")).toContain('ExecStart=/bin/echo "a b" "$$x" "100%%"');
    const web = readFileSync(join(out, "web_1.service"), "utf8").split("\n");
    for (const line of [
      "Requires=db.service",
      "After=db.service",
      "Restart=always",
      "RestartSec=2000ms",
      "StartLimitBurst=6",
      "User=nobody",
      "KillSignal=SIGINT",
      "TimeoutStopSec=20",
      'Environment="APP_ENV=production"',
      'Environment="PORT=8080"',
      "CapabilityBoundingSet=CAP_NET_BIND_SERVICE",
      "AmbientCapabilities=CAP_NET_BIND_SERVICE",
      'ExecStart=/bin/sh -c "echo \\"it\'s $$HOME at 100%%\\" && exec sleep 1000"',
      'ExecStartPost=/bin/sh -c "echo started"',
    ]) {
      expect(web).toContain(line);
    }
    for (const key of Object.keys(RawIsolation.properties)) {
      const lines = SYSTEMD_LINES[key];
      if (lines) for (const l of lines) expect(web).toContain(l);
      else expect(r.stderr).toContain(`web_1: isolation.${key}:`);
    }
    expect(r.stderr).toContain("web_1: readiness: systemd has no http probe");
    const db = readFileSync(join(out, "db.service"), "utf8");
    for (const line of ["ExecStart=sleep 1000", "LimitNOFILE=4096", "LimitNPROC=1000", "MemoryMax=536870912", "CPUQuota=50%", "TasksMax=100", "Restart=no"]) {
      expect(db.split("\n")).toContain(line);
    }
    expect(readFileSync(join(out, "backup.service"), "utf8")).toContain("Type=oneshot");
    if (!hasSystemdAnalyze) return;
    const v = spawnSync("systemd-analyze", ["verify", "--man=no", ...readdirSync(out).map((f) => join(out, f))], { encoding: "utf8" });
    const problems = v.stderr.split("\n").filter((l) => /unknown|invalid|failed|bad|not valid|ignoring/i.test(l));
    expect({ code: v.status, problems }).toEqual({ code: 0, problems: [] });
  });

  test("systemd: cron expressions become OnCalendar= that fires when cron-schedule says", () => {
    sb = sandbox();
    if (!hasSystemdAnalyze) return;
    const exprs = ["*/15 3 * * 1-5", "0 0 1 * *", "30 8,20 * * SAT,SUN", "0 */6 * JAN-MAR *", "5 4 * * 0", "10 * * * * *"];
    const cfg = sb.write(
      "cron.yaml",
      `version: "1"\nservices:\n${exprs.map((e, i) => `  job${i}:\n    command: "true"\n    cron: { expression: "${e}", timezone: UTC }`).join("\n")}\n`,
    );
    const r = run(sb, ["export", "systemd", "-c", cfg, "--json"]);
    expect(r.code).toBe(0);
    const files = JSON.parse(r.stdout).files as { name: string; text: string }[];
    exprs.forEach((expr, i) => {
      const timer = files.find((f) => f.name === `job${i}.timer`)!.text;
      const cal = /^OnCalendar=(.*)$/m.exec(timer)![1]!;
      const base = Date.UTC(2026, 11, 4, 15, 7, 30);
      const a = spawnSync("systemd-analyze", ["calendar", "--iterations=6", `--base-time=@${base / 1000}`, cal], { encoding: "utf8", env: { ...process.env, TZ: "UTC" } });
      expect(a.status).toBe(0);
      const fired = [...a.stdout.matchAll(/(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC/g)].map((m) => Date.parse(`${m[1]!.replace(" ", "T")}Z`));
      const cron = parseCronExpression(expr);
      const want: number[] = [];
      let t = new Date(base);
      for (let k = 0; k < 6; k++) {
        t = cron.getNextDate(t);
        want.push(t.getTime());
      }
      expect({ expr, cal, fired }).toEqual({ expr, cal, fired: want });
    });
  });

  test("kubernetes: Deployments and a CronJob that match the API schema", () => {
    sb = sandbox();
    const cfg = sb.write("app.yaml", appConfig());
    const r = run(sb, ["export", "kubernetes", "-c", cfg, "--image", "registry.example/app:1"]);
    expect(r.code).toBe(0);
    const docs = r.stdout
      .replace(/^# file: .*\n/, "")
      .split(/^---$/m)
      .filter((d) => d.trim() !== "")
      .map((d) => parseYAML(d) as { kind: string; metadata: { name: string }; spec: Record<string, unknown> });
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`).sort()).toEqual(["CronJob/backup", "Deployment/db", "Deployment/web-1", "Deployment/worker"]);
    const checkers = { Deployment: TypeCompiler.Compile(Deployment), CronJob: TypeCompiler.Compile(CronJob) };
    for (const d of docs) {
      const c = checkers[d.kind as keyof typeof checkers];
      const errors = [...c.Errors(d)].map((e) => `${d.kind}${e.path}: ${e.message}`);
      expect(errors).toEqual([]);
    }
    const web = docs.find((d) => d.metadata.name === "web-1") as unknown as {
      spec: { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> }; spec: { containers: Record<string, unknown>[] } } };
    };
    for (const [k, v] of Object.entries(web.spec.selector.matchLabels)) expect(web.spec.template.metadata.labels[k]).toBe(v);
    const c = web.spec.template.spec.containers[0]!;
    expect(c.image).toBe("registry.example/app:1");
    expect(c.command).toEqual(["/bin/sh", "-c", `echo "it's $HOME at 100%" && exec sleep 1000`]);
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: "/health", port: 8080 } });
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } });
    const db = docs.find((d) => d.metadata.name === "db") as unknown as { spec: { template: { spec: { containers: { resources: unknown; livenessProbe: unknown }[] } } } };
    expect(db.spec.template.spec.containers[0]!.livenessProbe).toEqual({ tcpSocket: { port: 5432 }, periodSeconds: 15, timeoutSeconds: 2, failureThreshold: 4 });
    expect(db.spec.template.spec.containers[0]!.resources).toEqual({ limits: { memory: "536870912", cpu: "500m" }, requests: { memory: "536870912", cpu: "500m" } });
    const cron = docs.find((d) => d.kind === "CronJob")!;
    expect(cron.spec).toMatchObject({ schedule: "*/15 3 * * 1-5", timeZone: "UTC" });
    expect(r.stderr).toContain('web_1: name: renamed to "web-1"');
    expect(r.stderr).toContain('web_1: user: "nobody" is a name');
  });

  test("nomad: HCL that parses, with the jobspec's blocks; a periodic batch job for cron", () => {
    sb = sandbox();
    const cfg = sb.write("app.yaml", appConfig());
    const out = join(sb.dir, "nomad");
    const r = run(sb, ["export", "nomad", "-c", cfg, "-o", out, "--datacenter", "dc1,dc2"]);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["app-backup.nomad.hcl", "app.nomad.hcl"]);
    const job = parseHcl(readFileSync(join(out, "app.nomad.hcl"), "utf8"));
    const j = (job.job as HclBody[])[0]!;
    expect(j.__labels).toEqual(["app"]);
    expect(j.datacenters).toEqual(["dc1", "dc2"]);
    expect(j.type).toBe("service");
    const groups = j.group as HclBody[];
    expect(groups.map((g) => g.__labels![0])).toEqual(["db", "web-1", "worker"]);
    const allowed = new Set(["__labels", "count", "restart", "task"]);
    for (const g of groups) {
      for (const k of Object.keys(g)) expect(allowed.has(k)).toBe(true);
      const restart = (g.restart as HclBody[])[0]!;
      expect(Object.keys(restart).sort()).toEqual(["attempts", "delay", "interval", "mode"]);
      expect(["fail", "delay"]).toContain(String(restart.mode));
      expect(String(restart.delay)).toMatch(/^\d+s$/);
      const task = (g.task as HclBody[])[0]!;
      expect(task.driver).toBe("raw_exec");
      for (const k of Object.keys(task)) expect(["__labels", "driver", "user", "config", "env", "kill_timeout", "kill_signal", "resources"]).toContain(k);
    }
    // a plain command is exec'd directly, as sysg runs it; one that needs a shell goes through sh
    expect((groups[0]!.task as HclBody[])[0]!.config).toEqual([{ command: "sleep", args: ["1000"] }]);
    expect(((groups[1]!.task as HclBody[])[0]!.config as HclBody[])[0]!.command).toBe("/bin/sh");
    const web = (groups[1]!.task as HclBody[])[0]!;
    expect((web.config as HclBody[])[0]!.args).toEqual(["-c", `echo "it's $HOME at 100%" && exec sleep 1000`]);
    expect((web.env as HclBody[])[0]).toEqual({ APP_ENV: "production", PORT: "8080" });
    expect(web.user).toBe("nobody");
    const dbRes = ((groups[0]!.task as HclBody[])[0]!.resources as HclBody[])[0]!;
    expect(dbRes).toEqual({ memory: 512, cpu: 500 });
    const cron = (parseHcl(readFileSync(join(out, "app-backup.nomad.hcl"), "utf8")).job as HclBody[])[0]!;
    expect(cron.type).toBe("batch");
    expect((cron.periodic as HclBody[])[0]).toEqual({ crons: ["*/15 3 * * 1-5"], prohibit_overlap: true, time_zone: "UTC" });
  });

  test("usage errors: no or unknown target (exit 2), a broken config (exit 1)", () => {
    sb = sandbox();
    expect(run(sb, ["export"]).code).toBe(2);
    const bad = run(sb, ["export", "upstart", "-c", "x.yaml"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("systemd, kubernetes, nomad");
    const cfg = sb.write("bad.yaml", 'version: "1"\nservices:\n  a:\n    comand: x\n');
    expect(run(sb, ["export", "systemd", "-c", cfg]).code).toBe(1);
  });
});
