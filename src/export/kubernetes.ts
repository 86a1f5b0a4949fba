// `sysg export kubernetes`: a Deployment per long-running service and a CronJob per cron job,
// in one multi-document YAML (apps/v1, batch/v1). The command runs in `image` (the config does
// not say which image holds the program), through /bin/sh -c as sysg runs it.
import { stringifyYAML } from "confbox/yaml";
import type { ResolvedConfig, ResolvedService } from "../config/resolved.ts";
import { type ExportResult, bytesOf, cpusOf, secs, serviceArgv, shellArgv } from "./common.ts";

/** A DNS-1123 label: lowercase letters, digits and "-", at most 63 characters. */
export function k8sName(name: string): string {
  const n = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 63)
    .replace(/-+$/, "");
  return n === "" ? "service" : n;
}

export function exportKubernetes(config: ResolvedConfig, opts: { image: string }): ExportResult {
  const notes: string[] = [];
  const docs: unknown[] = [];
  for (const name of config.order) {
    const s = config.services[name]!;
    const note = (key: string, why: string) => notes.push(`${name}: ${key}: ${why}`);
    const id = k8sName(name);
    if (id !== name) note("name", `renamed to "${id}" (Kubernetes names are DNS labels)`);
    const labels = { "app.kubernetes.io/name": id, "app.kubernetes.io/managed-by": "sysg-export" };
    const container = containerOf(s, id, opts.image, note);
    const pod = (restartPolicy: string) => ({
      metadata: { labels },
      spec: {
        restartPolicy,
        terminationGracePeriodSeconds: secs(s.stop_timeout),
        ...podSecurity(s, note),
        containers: [container],
      },
    });
    if (s.depends_on.length > 0) note("depends_on", "Kubernetes starts pods in no order; use readiness probes or init containers that wait");
    if (s.cron !== null) {
      const f = s.cron.expression.trim().split(/\s+/);
      if (f.length === 6) note("cron.expression", `"${s.cron.expression}" has a seconds field; CronJob schedules have minute precision, seconds dropped`);
      docs.push({
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: { name: id, labels },
        spec: {
          schedule: (f.length === 6 ? f.slice(1) : f).join(" "),
          ...(s.cron.timezone !== "local" ? { timeZone: s.cron.timezone } : {}),
          concurrencyPolicy: "Forbid",
          jobTemplate: { spec: { ...(s.max_restarts !== null ? { backoffLimit: s.max_restarts } : {}), template: pod(s.restart_policy === "never" ? "Never" : "OnFailure") } },
        },
      });
      if (s.cron.timezone === "local") note("cron.timezone", "local time becomes the cluster's time zone (usually UTC)");
    } else {
      if (s.restart_policy !== "always") note("restart_policy", `"${s.restart_policy}": a Deployment always restarts its pod (a Job would run it once)`);
      docs.push({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: id, labels },
        spec: {
          replicas: s.skip === true ? 0 : 1,
          selector: { matchLabels: { "app.kubernetes.io/name": id } },
          strategy: s.deployment?.strategy === "rolling" ? { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } : { type: "Recreate" },
          template: pod("Always"),
        },
      });
    }
    if (s.skip === true) note("skip", "exported with replicas: 0");
    else if (typeof s.skip === "string") note("skip", "a skip command has no Kubernetes equivalent");
    if (s.backoff !== 1000 || s.backoff_max !== 60000) note("backoff", "the kubelet's crash back-off (10 s doubling to 5 min) applies");
    if (Object.keys(s.hooks).length > 0) note("hooks", "only on_start.success (postStart) and on_stop (preStop) have lifecycle equivalents");
    if (s.critical) note("critical", "no equivalent: other pods keep running");
    if (s.socket_activation) note("socket_activation", "use a Service in front of the pod");
    if (s.spawn !== null) note("spawn", "no dynamic children: run them as Jobs");
  }
  notes.push("*: logs: container stdout/stderr go to the node's log (kubectl logs)");
  // (a JSON round trip first: shared objects would otherwise come out as YAML anchors)
  const text = docs.map((d) => `---\n${stringifyYAML(JSON.parse(JSON.stringify(d))).trimEnd()}\n`).join("");
  return { files: [{ name: `${k8sName(config.path.replace(/^.*\//, "").replace(/\.[^.]*$/, ""))}.k8s.yaml`, text }], notes: [...new Set(notes)] };
}

function containerOf(s: ResolvedService, id: string, image: string, note: (key: string, why: string) => void) {
  const env = Object.entries(s.env)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, value]) => ({ name, value }));
  const limits: Record<string, string> = {};
  const cg = s.limits?.cgroup;
  if (cg?.memory_max !== undefined) {
    const b = bytesOf(cg.memory_max);
    if (Number.isFinite(b)) limits.memory = String(b);
  }
  if (cg?.cpu_max !== undefined) {
    const c = cpusOf(cg.cpu_max);
    if (c !== null) limits.cpu = `${Math.max(1, Math.round(c * 1000))}m`;
  }
  if (cg?.pids_max !== undefined || cg?.cpu_weight !== undefined) note("limits.cgroup", "pids_max and cpu_weight have no container field (pids are a kubelet setting)");
  if (s.limits && (s.limits.nofile !== undefined || s.limits.nproc !== undefined || s.limits.memlock !== undefined || s.limits.nice !== undefined || s.limits.cpu_affinity !== undefined)) {
    note("limits", "rlimits, nice and CPU affinity are node settings in Kubernetes");
  }
  const probe = probeOf(s);
  if (probe === null && s.readiness.probe.kind !== "default") note("readiness", `a ${s.readiness.probe.kind} probe has no Kubernetes form`);
  const lifecycle: Record<string, unknown> = {};
  if (s.hooks.on_start?.success) lifecycle.postStart = { exec: { command: shellArgv(s.hooks.on_start.success.command) } };
  const stop = s.hooks.on_stop?.success ?? s.hooks.on_stop?.error;
  if (stop) lifecycle.preStop = { exec: { command: shellArgv(stop.command) } };
  return {
    name: id,
    image,
    command: serviceArgv(s.command),
    workingDir: s.working_dir,
    ...(env.length > 0 ? { env } : {}),
    ...(Object.keys(limits).length > 0 ? { resources: { limits, requests: { ...limits } } } : {}),
    ...(probe ? { readinessProbe: probe } : {}),
    ...(s.health !== null ? { livenessProbe: livenessOf(s) } : {}),
    ...(Object.keys(lifecycle).length > 0 ? { lifecycle } : {}),
    ...nonEmpty("securityContext", containerSecurity(s, note)),
  };
}

function nonEmpty(key: string, value: Record<string, unknown>): Record<string, unknown> {
  return Object.keys(value).length > 0 ? { [key]: value } : {};
}

/** The check part of a probe (tcpSocket, httpGet or exec); null for kinds Kubernetes lacks. */
function probeAction(p: ResolvedService["readiness"]["probe"] | NonNullable<ResolvedService["health"]>["probe"]): Record<string, unknown> | null {
  if (p.kind === "tcp") return { tcpSocket: { port: p.port, ...(p.host !== "127.0.0.1" && p.host !== "localhost" ? { host: p.host } : {}) } };
  if (p.kind === "exec") return { exec: { command: shellArgv(p.command) } };
  if (p.kind === "http") {
    const u = new URL(p.url);
    return { httpGet: { path: `${u.pathname}${u.search}`, port: Number(u.port || (u.protocol === "https:" ? 443 : 80)), scheme: u.protocol === "https:" ? "HTTPS" : "HTTP" } };
  }
  return null;
}

function probeOf(s: ResolvedService): Record<string, unknown> | null {
  const action = probeAction(s.readiness.probe);
  return action && { ...action, periodSeconds: 2, failureThreshold: Math.max(1, Math.ceil(s.readiness.timeout / 2000)) };
}

/** health (liveness): the same probe every interval, `failures` in a row restart the container. */
function livenessOf(s: ResolvedService): Record<string, unknown> | null {
  if (s.health === null) return null;
  const action = probeAction(s.health.probe);
  const sec = (ms: number) => Math.max(1, Math.ceil(ms / 1000));
  return action && { ...action, periodSeconds: sec(s.health.interval), timeoutSeconds: sec(s.health.timeout), failureThreshold: Math.max(1, s.health.failures) };
}

function podSecurity(s: ResolvedService, note: (key: string, why: string) => void): Record<string, unknown> {
  const groups = s.supplementary_groups.filter((g) => /^\d+$/.test(g)).map(Number);
  if (groups.length < s.supplementary_groups.length) note("supplementary_groups", "only numeric ids can be carried over");
  return groups.length > 0 ? { securityContext: { supplementalGroups: groups } } : {};
}

function containerSecurity(s: ResolvedService, note: (key: string, why: string) => void): Record<string, unknown> {
  const sc: Record<string, unknown> = {};
  const num = (v: string | null, key: string) => {
    if (v === null) return undefined;
    if (/^\d+$/.test(v)) return Number(v);
    note(key, `"${v}" is a name; Kubernetes needs a numeric id (runAsUser/runAsGroup)`);
    return undefined;
  };
  const uid = num(s.user, "user");
  const gid = num(s.group, "group");
  if (uid !== undefined) sc.runAsUser = uid;
  if (gid !== undefined) sc.runAsGroup = gid;
  if (s.capabilities !== null) {
    sc.capabilities = { drop: ["ALL"], add: s.capabilities.map((c) => c.toUpperCase().replace(/^CAP_/, "")) };
  }
  const iso = s.isolation;
  if (iso) {
    if (iso.no_new_privileges) sc.allowPrivilegeEscalation = false;
    if (iso.protect_system === "strict") sc.readOnlyRootFilesystem = true;
    if (iso.seccomp !== undefined) {
      sc.seccompProfile = { type: "RuntimeDefault" };
      note("isolation.seccomp", "the syscall list becomes the runtime's default profile (a Localhost profile would carry it exactly)");
    }
    // (a leading "-" makes the label optional in sysg and systemd; Kubernetes has no such form)
    if (iso.apparmor_profile !== undefined) sc.appArmorProfile = { type: "Localhost", localhostProfile: iso.apparmor_profile.replace(/^-/, "") };
    if (iso.selinux_context !== undefined) {
      const [user, role, type, ...level] = iso.selinux_context.replace(/^-/, "").split(":");
      sc.seLinuxOptions = { user, role, type, ...(level.length ? { level: level.join(":") } : {}) };
    }
    const rest = Object.keys(iso).filter((k) => !["no_new_privileges", "seccomp", "apparmor_profile", "selinux_context"].includes(k) && !(k === "protect_system" && iso.protect_system === "strict"));
    if (rest.length > 0) note("isolation", `${rest.join(", ")}: containers are isolated by the runtime; no per-key equivalent`);
  }
  return sc;
}
