// Spawn cost of the sandbox: N × /bin/true through the sysg shim (bun:ffi), bare against each
// part of the hardening of examples/hardened.yaml, in one run, interleaved rounds. Columns, in
// µs per spawn+wait cycle: the median of ROUNDS rounds, and the ratio to a bare spawn. "plan"
// is the TypeScript side per spawn (buildPrivilegeContext: mount plan + seccomp compile).
//
// Run (root: mount namespaces):  bun scripts/build.ts  then
//   sudo bun scripts/bench/sandbox.ts [N=300] [ROUNDS=5]
import { ptr } from "bun:ffi";
import type { ResolvedService } from "../../src/config/resolved.ts";
import type { RawIsolation } from "../../src/config/schema.ts";
import { createBunPlatform } from "../../src/platform/bun/index.ts";
import { shim } from "../../src/platform/bun/shim.ts";
import type { SpawnSpec } from "../../src/platform/types.ts";
import { buildPrivilegeContext } from "../../src/privilege/context.ts";

if (process.getuid?.() !== 0) {
  console.error("scripts/bench/sandbox.ts: needs root (mount namespaces); run it with sudo");
  process.exit(1);
}
const n = Number(process.argv[2] ?? 300);
const rounds = Number(process.argv[3] ?? 5);

const FILESYSTEM: RawIsolation = {
  private_tmp: true, private_devices: true, protect_system: "strict", protect_home: true, protect_kernel_tunables: true,
  protect_kernel_modules: true, protect_kernel_logs: true, protect_control_groups: true,
};
const SECCOMP: RawIsolation = {
  protect_clock: true, protect_hostname: true, restrict_suid_sgid: true, lock_personality: true, memory_deny_write_execute: true,
  restrict_realtime: true, restrict_namespaces: true, restrict_address_families: ["AF_UNIX", "AF_INET", "AF_INET6"],
  system_call_architectures: "native", seccomp: ["@system-service", "~@privileged", "~@resources"],
};

function service(isolation: RawIsolation | null): ResolvedService {
  return {
    name: "bench", command: "/bin/true", working_dir: "/", env: {}, restart_policy: "never", backoff: 1000, backoff_max: 60000,
    max_restarts: null, restart_reset: 30000, critical: false, depends_on: [], skip: false,
    readiness: { probe: { kind: "default" }, timeout: 60000 }, hooks: {}, deployment: null, cron: null, stop_signal: "SIGTERM",
    stop_timeout: 10000, logs: { max_size: 1, max_files: 1, timestamps: false }, user: null, group: null,
    supplementary_groups: [], limits: null, capabilities: null, isolation, socket_activation: false,
  } as unknown as ResolvedService;
}

function specFor(isolation: RawIsolation | null): Partial<SpawnSpec> {
  const ctx = buildPrivilegeContext(service(isolation), { euid: 0, dropPrivileges: false, sys: false });
  if (!ctx.ok) throw new Error(ctx.error.message);
  return ctx.spec;
}

const cases: [string, RawIsolation | null][] = [
  ["bare (root, no capabilities)", null],
  ["mount namespace only (isolation.mount)", { mount: true }],
  ["filesystem keys (mount plan)", FILESYSTEM],
  ["seccomp keys (one BPF filter)", SECCOMP],
  ["full sandbox (hardened.yaml)", { ...FILESYSTEM, ...SECCOMP, pid: false }],
];
const specs = cases.map(([, iso]) => specFor(iso));

const platform = createBunPlatform();
const status = new Int32Array(1);
const base = { argv: ["/bin/true"], env: ["PATH=/usr/bin:/bin"], cwd: "/", stdin: -1, stdout: -1, stderr: -1 };

function cycle(extra: Partial<SpawnSpec>): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    const out = platform.spawn({ ...base, ...extra });
    if (!out.ok) throw new Error(out.message);
    shim().sysg_waitpid(out.pid, ptr(status), 0);
  }
  return ((performance.now() - t0) * 1000) / n;
}

function planCost(iso: RawIsolation | null): number {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) specFor(iso);
  return ((performance.now() - t0) * 1000) / n;
}

for (const s of specs) cycle(s); // warm-up
const samples = cases.map((): number[] => []);
const plans = cases.map((): number[] => []);
for (let r = 0; r < rounds; r++)
  for (const [i, [, iso]] of cases.entries()) {
    samples[i]!.push(cycle(specs[i]!));
    plans[i]!.push(planCost(iso));
  }
platform.shutdown();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const bare = median(samples[0]!);
console.log(`N=${n} × /bin/true per case, median of ${rounds} interleaved rounds; µs per spawn+wait`);
console.log(`${"case".padEnd(40)} ${"cycle".padStart(8)} ${"×bare".padStart(6)} ${"plan".padStart(7)} ${"mount ops".padStart(9)} ${"bpf ins".padStart(8)}`);
for (const [i, [name]] of cases.entries()) {
  const v = median(samples[i]!);
  const spec = specs[i]!;
  console.log(
    `${name.padEnd(40)} ${v.toFixed(0).padStart(8)} ${(v / bare).toFixed(2).padStart(6)} ${median(plans[i]!).toFixed(0).padStart(7)} ${String(spec.mountPlan?.length ?? 0).padStart(9)} ${String(spec.seccompFilter?.length ?? 0).padStart(8)}`,
  );
}
