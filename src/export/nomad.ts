// `sysg export nomad`: one Nomad job (HCL) for the long-running services — a group and a
// raw_exec task per service — plus one periodic batch job per cron job. raw_exec runs the
// command on the client host as sysg would; switch the driver to exec/docker for isolation.
import type { ResolvedConfig, ResolvedService } from "../config/resolved.ts";
import { type ExportResult, bytesOf, cpusOf, secs, serviceArgv } from "./common.ts";
import { k8sName } from "./kubernetes.ts";

/** An HCL string literal: escapes, and ${ / %{ doubled so Nomad does not interpolate. */
function str(s: string): string {
  return `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\$\{/g, "$$$${").replace(/%\{/g, "%%{")}"`;
}

export function exportNomad(config: ResolvedConfig, opts: { datacenters: string[] }): ExportResult {
  const notes: string[] = [];
  const jobName = k8sName(config.path.replace(/^.*\//, "").replace(/\.[^.]*$/, ""));
  const dcs = `[${opts.datacenters.map(str).join(", ")}]`;
  const services = config.order.filter((n) => config.services[n]!.cron === null);
  const crons = config.order.filter((n) => config.services[n]!.cron !== null);
  const files: ExportResult["files"] = [];
  if (services.length > 0) {
    const out = [`job ${str(jobName)} {`, `  datacenters = ${dcs}`, `  type        = "service"`, ""];
    for (const name of services) out.push(...group(name, config.services[name]!, notes, "service"));
    if (out[out.length - 1] === "") out.pop();
    out.push("}");
    files.push({ name: `${jobName}.nomad.hcl`, text: `${out.join("\n")}\n` });
  }
  for (const name of crons) {
    const s = config.services[name]!;
    const f = s.cron!.expression.trim().split(/\s+/);
    if (f.length === 6) notes.push(`${name}: cron.expression: Nomad's cron has no seconds field; seconds dropped`);
    const out = [
      `job ${str(`${jobName}-${k8sName(name)}`)} {`,
      `  datacenters = ${dcs}`,
      `  type        = "batch"`,
      "",
      "  periodic {",
      `    crons            = [${str((f.length === 6 ? f.slice(1) : f).join(" "))}]`,
      "    prohibit_overlap = true",
      ...(s.cron!.timezone !== "local" ? [`    time_zone        = ${str(s.cron!.timezone)}`] : []),
      "  }",
      "",
      ...group(name, s, notes, "batch").slice(0, -1),
      "}",
    ];
    files.push({ name: `${jobName}-${k8sName(name)}.nomad.hcl`, text: `${out.join("\n")}\n` });
  }
  notes.push("*: logs: task stdout/stderr are kept by the Nomad client (nomad alloc logs)");
  return { files, notes: [...new Set(notes)] };
}

function group(name: string, s: ResolvedService, notes: string[], type: "service" | "batch"): string[] {
  const note = (key: string, why: string) => notes.push(`${name}: ${key}: ${why}`);
  const id = k8sName(name);
  const out = [`  group ${str(id)} {`, "    count = 1", ""];
  const attempts = s.max_restarts ?? (s.restart_policy === "never" ? 0 : 10);
  const mode = s.restart_policy === "never" ? "fail" : "delay";
  out.push("    restart {", `      attempts = ${s.restart_policy === "never" ? 0 : attempts}`, `      interval = "${Math.max(secs(s.restart_reset) * Math.max(attempts, 1), 1)}s"`, `      delay    = "${Math.max(secs(s.backoff), 1)}s"`, `      mode     = "${mode}"`, "    }", "");
  if (type === "service" && s.restart_policy === "on-failure") note("restart_policy", "a Nomad service task is restarted after any exit (a batch job would stop on success)");
  out.push(`    task ${str(id)} {`, `      driver = "raw_exec"`);
  if (s.user !== null) out.push(`      user   = ${str(s.user)}`);
  const [program, ...args] = serviceArgv(s.command);
  out.push("", "      config {", `        command = ${str(program!)}`, `        args    = [${args.map(str).join(", ")}]`, "      }", "");
  const env = Object.entries(s.env).sort(([a], [b]) => a.localeCompare(b));
  if (env.length > 0) {
    out.push("      env {");
    for (const [k, v] of env) out.push(`        ${/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? k : str(k)} = ${str(v)}`);
    out.push("      }", "");
  }
  out.push(`      kill_timeout = "${Math.max(secs(s.stop_timeout), 1)}s"`, `      kill_signal  = ${str(s.stop_signal)}`);
  const cg = s.limits?.cgroup;
  const res: string[] = [];
  if (cg?.memory_max !== undefined) {
    const b = bytesOf(cg.memory_max);
    if (Number.isFinite(b)) res.push(`        memory = ${Math.max(10, Math.ceil(b / 2 ** 20))}`);
  }
  if (cg?.cpu_max !== undefined) {
    const c = cpusOf(cg.cpu_max);
    if (c !== null) {
      res.push(`        cpu    = ${Math.max(1, Math.round(c * 1000))}`);
      note("limits.cgroup.cpu_max", "Nomad reserves CPU in MHz: written as 1000 MHz per CPU; adjust to the client's clock");
    }
  }
  if (res.length > 0) out.push("", "      resources {", ...res, "      }");
  out.push("    }", "  }", "");
  if (s.working_dir) note("working_dir", "raw_exec starts in the task's allocation dir: the command runs there, not in working_dir");
  if (s.depends_on.length > 0) note("depends_on", "Nomad groups start together; use a lifecycle prestart task to wait for dependencies");
  if (s.readiness.probe.kind !== "default") note("readiness", "register a Nomad service with a check for health");
  if (s.group !== null || s.supplementary_groups.length > 0) note("group", "raw_exec sets only the user");
  if (s.capabilities !== null || s.isolation !== null) note("isolation", "raw_exec has no sandbox; use the exec driver (cap_add/cap_drop) or docker for capabilities and isolation");
  if (s.limits && Object.keys(s.limits).some((k) => k !== "cgroup")) note("limits", "rlimits, nice and CPU affinity are not task settings in Nomad");
  if (Object.keys(s.hooks).length > 0) note("hooks", "use lifecycle poststart/poststop tasks");
  if (s.skip !== false) note("skip", "no equivalent: the task is exported");
  if (s.critical) note("critical", "no equivalent");
  if (s.deployment !== null) note("deployment", "add an update {} block for rolling deployments");
  if (s.health !== null) note("health", "register a Nomad service with a check and check_restart");
  if (s.spawn !== null) note("spawn", "no dynamic children: dispatch a parameterized batch job instead");
  if (s.socket_activation) note("socket_activation", "no equivalent");
  return out;
}
