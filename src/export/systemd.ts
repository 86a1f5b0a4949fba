// `sysg export systemd`: one unit per service (`<name>.service`), plus `<name>.timer` for cron
// jobs. Every key with a systemd equivalent is mapped; the rest is listed in the notes.
import type { ResolvedConfig, ResolvedService } from "../config/resolved.ts";
import { type ExportResult, bytesOf, cpusOf, onCalendar, secs, serviceArgv, shellArgv } from "./common.ts";

/** A value inside double quotes in a unit file: C escapes, and % specifiers (and $ in Exec
 *  lines, which systemd would expand) doubled. */
function quoted(text: string, exec: boolean): string {
  let s = text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/%/g, "%%");
  if (exec) s = s.replace(/\$/g, "$$$$");
  return `"${s}"`;
}
/** An Exec*= command line: words quoted only where systemd would otherwise split or expand them. */
const execArgv = (argv: string[]) => argv.map((w) => (/^[A-Za-z0-9_@+=:,./-]+$/.test(w) ? w : quoted(w, true))).join(" ");
const execLine = (command: string) => execArgv(shellArgv(command));

export function exportSystemd(config: ResolvedConfig): ExportResult {
  const files: ExportResult["files"] = [];
  const notes: string[] = [];
  for (const name of config.order) {
    const s = config.services[name]!;
    const note = (key: string, why: string) => notes.push(`${name}: ${key}: ${why}`);
    const unit: string[] = ["[Unit]", `Description=${name} (exported from sysg ${config.path.replace(/%/g, "%%")})`];
    for (const d of s.depends_on) unit.push(`Requires=${d}.service`, `After=${d}.service`);
    const svc: string[] = ["", "[Service]"];
    const oneshot = s.cron !== null;
    const notify = s.readiness.probe.kind === "notify";
    svc.push(`Type=${oneshot ? "oneshot" : notify ? "notify" : "exec"}`);
    svc.push(`ExecStart=${execArgv(serviceArgv(s.command))}`);
    svc.push(`WorkingDirectory=${s.working_dir}`);
    for (const [k, v] of Object.entries(s.env).sort(([a], [b]) => a.localeCompare(b))) svc.push(`Environment=${quoted(`${k}=${v}`, false)}`);
    if (!oneshot) {
      svc.push(`Restart=${s.restart_policy === "never" ? "no" : s.restart_policy}`);
      svc.push(`RestartSec=${s.backoff}ms`);
      if (s.backoff_max > s.backoff && s.restart_policy !== "never") note("backoff_max", "systemd 252 restarts at a fixed RestartSec (no doubling); RestartSteps=/RestartMaxDelaySec= need systemd 254");
      if (s.max_restarts !== null) {
        unit.push(`StartLimitIntervalSec=${secs(Math.max(s.restart_reset, 1000) * (s.max_restarts + 1))}`, `StartLimitBurst=${s.max_restarts + 1}`);
      }
    }
    if (s.readiness.probe.kind === "notify" || s.readiness.probe.kind === "default") svc.push(`TimeoutStartSec=${secs(s.readiness.timeout) || 1}`);
    else note("readiness", `systemd has no ${s.readiness.probe.kind} probe (only sd_notify): the unit counts as ready once started`);
    svc.push(`KillSignal=${s.stop_signal}`, `TimeoutStopSec=${secs(s.stop_timeout) || 1}`, "KillMode=control-group");
    if (s.user !== null) svc.push(`User=${s.user}`);
    if (s.group !== null) svc.push(`Group=${s.group}`);
    if (s.supplementary_groups.length > 0) svc.push(`SupplementaryGroups=${s.supplementary_groups.join(" ")}`);
    const l = s.limits;
    if (l) {
      if (l.nofile !== undefined) svc.push(`LimitNOFILE=${l.nofile}`);
      if (l.nproc !== undefined) svc.push(`LimitNPROC=${limit(typeof l.nproc === "number" ? l.nproc : Number.POSITIVE_INFINITY)}`);
      if (l.memlock !== undefined) svc.push(`LimitMEMLOCK=${limit(bytesOf(l.memlock))}`);
      if (l.nice !== undefined) svc.push(`Nice=${l.nice}`);
      if (l.cpu_affinity !== undefined) svc.push(`CPUAffinity=${l.cpu_affinity.join(" ")}`);
      const cg = l.cgroup;
      if (cg) {
        if (cg.memory_max !== undefined) svc.push(`MemoryMax=${limit(bytesOf(cg.memory_max))}`);
        if (cg.cpu_max !== undefined) {
          const cpus = cpusOf(cg.cpu_max);
          if (cpus !== null) svc.push(`CPUQuota=${Math.round(cpus * 100)}%`);
        }
        if (cg.cpu_weight !== undefined) svc.push(`CPUWeight=${cg.cpu_weight}`);
        if (cg.pids_max !== undefined) svc.push(`TasksMax=${limit(typeof cg.pids_max === "number" ? cg.pids_max : Number.POSITIVE_INFINITY)}`);
        if (cg.root !== undefined) note("limits.cgroup.root", "systemd places the unit in its own slice");
      }
    }
    if (s.capabilities !== null) {
      const caps = s.capabilities.map((c) => (c.toUpperCase().startsWith("CAP_") ? c.toUpperCase() : `CAP_${c.toUpperCase()}`));
      svc.push(`CapabilityBoundingSet=${caps.join(" ")}`, `AmbientCapabilities=${caps.join(" ")}`);
    }
    const iso = s.isolation;
    if (iso) {
      const yes = (b: boolean | undefined) => (b ? "yes" : "no");
      if (iso.network !== undefined) svc.push(`PrivateNetwork=${yes(iso.network)}`);
      if (iso.user !== undefined) svc.push(`PrivateUsers=${yes(iso.user)}`);
      if (iso.private_tmp !== undefined) svc.push(`PrivateTmp=${yes(iso.private_tmp)}`);
      if (iso.private_devices !== undefined) svc.push(`PrivateDevices=${yes(iso.private_devices)}`);
      if (iso.no_new_privileges !== undefined) svc.push(`NoNewPrivileges=${yes(iso.no_new_privileges)}`);
      if (iso.protect_system !== undefined) svc.push(`ProtectSystem=${typeof iso.protect_system === "boolean" ? yes(iso.protect_system) : iso.protect_system}`);
      if (iso.protect_home !== undefined) svc.push(`ProtectHome=${typeof iso.protect_home === "boolean" ? yes(iso.protect_home) : iso.protect_home}`);
      if (iso.read_only_paths?.length) svc.push(`ReadOnlyPaths=${iso.read_only_paths.join(" ")}`);
      if (iso.read_write_paths?.length) svc.push(`ReadWritePaths=${iso.read_write_paths.join(" ")}`);
      if (iso.inaccessible_paths?.length) svc.push(`InaccessiblePaths=${iso.inaccessible_paths.join(" ")}`);
      if (iso.seccomp !== undefined) for (const e of [iso.seccomp].flat()) svc.push(`SystemCallFilter=${e}`);
      if (iso.apparmor_profile !== undefined) svc.push(`AppArmorProfile=${iso.apparmor_profile}`);
      if (iso.selinux_context !== undefined) svc.push(`SELinuxContext=${iso.selinux_context}`);
      if (iso.umask !== undefined) svc.push(`UMask=${iso.umask}`);
      if (iso.seccomp_errno !== undefined) svc.push(`SystemCallErrorNumber=${iso.seccomp_errno}`);
      for (const [key, unitKey] of FLAGS) if (iso[key] !== undefined) svc.push(`${unitKey}=${yes(iso[key] as boolean)}`);
      if (iso.restrict_namespaces !== undefined) {
        const r = iso.restrict_namespaces;
        svc.push(`RestrictNamespaces=${typeof r === "boolean" ? yes(r) : r.join(" ")}`);
      }
      if (iso.restrict_address_families !== undefined) svc.push(`RestrictAddressFamilies=${iso.restrict_address_families.join(" ")}`);
      if (iso.system_call_architectures !== undefined) svc.push(`SystemCallArchitectures=${iso.system_call_architectures}`);
      if (iso.pid) note("isolation.pid", "systemd 252 has no PID namespace key (PrivatePIDs= arrived in 257)");
      if (iso.mount) note("isolation.mount", "systemd makes a mount namespace whenever a sandbox key needs one");
      for (const k of Object.keys(iso)) if (!ISOLATION_DONE.has(k)) note(`isolation.${k}`, "no systemd equivalent known to this exporter");
    }
    if (s.skip === true) note("skip", "the unit is written but should not be enabled");
    else if (typeof s.skip === "string") svc.push(`ExecCondition=${execLine(`! { ${s.skip}\n}`)}`);
    carryHooks(s, svc, note);
    if (s.critical) note("critical", "no per-unit equivalent of stopping every other service; consider FailureAction= on a target");
    if (s.deployment !== null) note("deployment", "systemd restarts in place; rolling deployment is not carried over");
    if (s.socket_activation) note("socket_activation", "write a matching .socket unit with the listening addresses");
    if (s.health !== null) note("health", "systemd has no liveness probe; a service that speaks sd_notify can use WatchdogSec=");
    if (s.spawn !== null) note("spawn", "no dynamic children in systemd (systemd-run --scope is the nearest)");
    const install = ["", "[Install]", oneshot ? "" : "WantedBy=multi-user.target"].filter((l, i, a) => l !== "" || i < a.length - 1);
    files.push({ name: `${name}.service`, text: `${[...unit, ...svc, ...(oneshot ? [] : install)].join("\n")}\n` });
    if (s.cron !== null) {
      const cal = onCalendar(s.cron.expression, s.cron.timezone);
      if (!cal.ok) note("cron", `${cal.why}: write OnCalendar= by hand`);
      files.push({
        name: `${name}.timer`,
        text: `${["[Unit]", `Description=schedule of ${name}`, "", "[Timer]", `OnCalendar=${cal.ok ? cal.value : "*-*-* 00:00:00"}`, `Unit=${name}.service`, "", "[Install]", "WantedBy=timers.target"].join("\n")}\n`,
      });
    }
  }
  notes.push("*: logs: stdout/stderr go to the journal (journalctl -u NAME); rotation is journald's");
  return { files, notes: dedupe(notes) };
}

/** Boolean isolation keys that are systemd's keys under another spelling. */
const FLAGS = [
  ["protect_kernel_tunables", "ProtectKernelTunables"],
  ["protect_kernel_modules", "ProtectKernelModules"],
  ["protect_kernel_logs", "ProtectKernelLogs"],
  ["protect_control_groups", "ProtectControlGroups"],
  ["protect_clock", "ProtectClock"],
  ["protect_hostname", "ProtectHostname"],
  ["restrict_suid_sgid", "RestrictSUIDSGID"],
  ["lock_personality", "LockPersonality"],
  ["memory_deny_write_execute", "MemoryDenyWriteExecute"],
  ["restrict_realtime", "RestrictRealtime"],
] as const;

const ISOLATION_DONE = new Set([
  ...FLAGS.map(([k]) => k),
  "seccomp_errno", "restrict_namespaces", "restrict_address_families", "system_call_architectures",
  "network", "user", "private_tmp", "private_devices", "no_new_privileges", "protect_system", "protect_home",
  "read_only_paths", "read_write_paths", "inaccessible_paths", "seccomp", "apparmor_profile", "selinux_context", "umask", "pid", "mount",
]);

function limit(n: number): string {
  return n === Number.POSITIVE_INFINITY ? "infinity" : String(n);
}

/** on_start.success → ExecStartPost, on_stop.* → ExecStopPost (which runs after any stop). */
function carryHooks(s: ResolvedService, svc: string[], note: (key: string, why: string) => void): void {
  const h = s.hooks;
  if (h.on_start?.success) svc.push(`ExecStartPost=${execLine(h.on_start.success.command)}`);
  if (h.on_start?.error) note("hooks.on_start.error", "systemd has no hook for a failed start (use OnFailure= with a separate unit)");
  const stop = [h.on_stop?.success, h.on_stop?.error].filter((x) => x !== undefined);
  if (stop.length > 0) {
    svc.push(`ExecStopPost=${execLine(stop.map((x) => x!.command).join("\n"))}`);
    if (stop.length === 2) note("hooks.on_stop", "both hooks run in one ExecStopPost= (check $SERVICE_RESULT to tell them apart)");
  }
  if (h.on_restart) note("hooks.on_restart", "systemd has no restart hook");
}

function dedupe(xs: string[]): string[] {
  return [...new Set(xs)];
}
