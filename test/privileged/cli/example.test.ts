// examples/system-mode.yaml really runs: the compiled binary checks and starts it as root with
// only its paths swapped for temporary ones (a sandbox HOME instead of /var/lib/systemg, the
// cgroup root moved to a temporary hierarchy under this host's cgroup2 mount), then /proc of
// each service shows what the file promises. Needs root, /usr/bin/python3 and a free port 80.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmdirSync } from "node:fs";
import { join } from "node:path";
import { ROOT, type Sandbox, ensureBuilt, run, sandbox } from "../../helpers/sysg.ts";
import { procLimit, procStatus, skipReason, until } from "./helpers.ts";

const FILE = "test/privileged/cli/example.test.ts";

function cgroup2Mount(): string | null {
  for (const line of readFileSync("/proc/self/mountinfo", "utf8").split("\n")) {
    const [left, right] = line.split(" - ");
    if (right?.startsWith("cgroup2 ")) return left!.split(" ")[4]!;
  }
  return null;
}

async function port80Busy(): Promise<boolean> {
  try {
    const s = await Bun.connect({ hostname: "127.0.0.1", port: 80, socket: { data() {} } });
    s.end();
    return true;
  } catch {
    return false;
  }
}

let reason = skipReason(FILE);
if (!reason && !existsSync("/usr/bin/python3")) reason = `skipping ${FILE}: the example's web service needs /usr/bin/python3`;
const cgMount = reason ? null : cgroup2Mount();
if (!reason && !cgMount) reason = `skipping ${FILE}: no cgroup2 mount for the example's limits.cgroup`;
if (!reason && (await port80Busy())) reason = `skipping ${FILE}: 127.0.0.1:80 is busy and the example serves there`;
if (reason) console.warn(reason);
const rootTest = reason ? test.skip : test;

let sb: Sandbox;
let cgRoot = "";
let supervisor = 0;
const units = () =>
  Object.fromEntries(JSON.parse(run(sb, ["status", "--json"]).stdout).units.map((u: { name: string }) => [u.name, u])) as Record<
    string,
    { state: string; pid: number }
  >;
const ns = (pid: number, kind: string) => readlinkSync(`/proc/${pid}/ns/${kind}`);

beforeAll(() => {
  if (reason) return;
  ensureBuilt();
  sb = sandbox();
  cgRoot = mkdtempSync(join(cgMount!, "sysg-example-"));
  const text = readFileSync(join(ROOT, "examples", "system-mode.yaml"), "utf8");
  const swapped = text.replace("root: /sys/fs/cgroup/systemg-example", `root: ${cgRoot}`);
  expect(swapped).not.toBe(text);
  const cfg = sb.write("systemg.yaml", swapped);
  const check = run(sb, ["check", "-c", cfg]);
  if (check.code !== 0) throw new Error(`sysg check failed: ${check.stdout}${check.stderr}`);
  const r = run(sb, ["start", "--daemonize", "-c", cfg], { timeout: 30_000 });
  if (r.code !== 0) throw new Error(`start --daemonize failed (${r.code}): ${r.stdout}${r.stderr}`);
  supervisor = JSON.parse(readFileSync(join(sb.home, ".local", "share", "systemg", "sysg.pid"), "utf8")).pid;
});

afterAll(() => {
  if (reason) return;
  run(sb, ["stop"], { timeout: 30_000 });
  sb.cleanup();
  const remove = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) remove(join(dir, e.name));
    rmdirSync(dir);
  };
  if (cgRoot && existsSync(cgRoot)) remove(cgRoot);
});

rootTest("every service of the example is running", () => {
  const u = units();
  expect(Object.keys(u).sort()).toEqual(["audit", "ticker", "web"]);
  for (const [name, unit] of Object.entries(u)) expect(`${name} ${unit.state}`).toBe(`${name} running`);
});

rootTest("web: www-data on port 80 with only CAP_NET_BIND_SERVICE, no_new_privileges, umask, limits, own cgroup and mount namespace", async () => {
  const pid = units().web!.pid;
  const s = procStatus(pid);
  expect(s.Uid).toBe("33\t33\t33\t33");
  for (const set of ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]) expect(`${set} ${s[set]}`).toBe(`${set} 0000000000000400`);
  expect([s.NoNewPrivs, s.Umask]).toEqual(["1", "0027"]);
  expect(procLimit(pid, "Max open files")).toEqual(["4096", "4096"]);
  expect(procLimit(pid, "Max processes")).toEqual(["256", "256"]);
  expect(readFileSync(join(cgRoot, "web", "cgroup.procs"), "utf8").split("\n")).toContain(String(pid));
  expect(ns(pid, "mnt")).not.toBe(ns(supervisor, "mnt"));
  const res = await fetch("http://127.0.0.1:80/");
  expect(res.status).toBe(200);
  expect(await res.text()).toContain("Directory listing");
});

rootTest("ticker: nobody, no network, own PID namespace, nice 10 on CPU 0", () => {
  const pid = units().ticker!.pid;
  const s = procStatus(pid);
  expect(s.Uid!.split("\t")[0]).toBe("65534");
  expect(s.Cpus_allowed_list).toBe("0");
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  expect(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]).toBe("10");
  for (const kind of ["net", "pid"]) expect(ns(pid, kind)).not.toBe(ns(supervisor, kind));
  expect(ns(pid, "mnt")).toBe(ns(supervisor, "mnt"));
});

rootTest("audit: uid 0 with every capability set empty", async () => {
  const s = procStatus(units().audit!.pid);
  expect(s.Uid!.split("\t")[0]).toBe("0");
  for (const set of ["CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"]) expect(`${set} ${s[set]}`).toBe(`${set} 0000000000000000`);
  const log = join(sb.home, ".local", "share", "systemg", "logs", "audit_stdout.log");
  await until("audit's line", () => readFileSync(log, "utf8").includes("uid 0 CapEff:\t0000000000000000"));
});
