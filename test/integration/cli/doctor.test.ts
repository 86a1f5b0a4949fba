// `sysg doctor` through the compiled binary: the host report (cgroup, namespaces,
// capabilities, seccomp, LSMs, pidfd, subreaper), a state dir left by a supervisor that died
// (stale sysg.pid, leftover socket, an orphan still running, a pid entry that is gone), and what
// a config asks for that the host cannot give — each problem with a fix.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { spawn } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readStat } from "../../../src/runtime/proc.ts";
import { type Sandbox, ensureBuilt, run, sandbox } from "../../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
afterEach(() => sb?.cleanup());

interface Check {
  area: string;
  name: string;
  status: string;
  detail: string;
  fix?: string;
}
const doctor = (args: string[] = []) => {
  const r = run(sb, ["doctor", "--json", ...args]);
  return { code: r.code, doc: JSON.parse(r.stdout) as { schema: string; checks: Check[]; summary: Record<string, number> }, stderr: r.stderr };
};
const find = (checks: Check[], name: string) => checks.find((c) => c.name === name);

describe("sysg doctor", () => {
  test("reports every host area; problems carry a fix; no ANSI when piped", () => {
    sb = sandbox();
    const { code, doc } = doctor();
    expect(doc.schema).toBe("sysg.doctor.v1");
    expect(new Set(doc.checks.map((c) => c.area))).toEqual(new Set(["host", "cgroup", "namespaces", "security", "process", "state"]));
    for (const name of ["kernel", "namespaces", "user namespaces", "capabilities", "no_new_privs", "seccomp", "LSMs", "pidfd", "subreaper"]) {
      expect(find(doc.checks, name)).toBeDefined();
    }
    // this kernel is ≥ 5.3 and lets any process become a subreaper
    expect(find(doc.checks, "pidfd")!.status).toBe("ok");
    expect(find(doc.checks, "subreaper")!.status).toBe("ok");
    const caps = find(doc.checks, "capabilities")!;
    if (process.geteuid?.() === 0) expect(caps.detail).not.toContain("effective: none");
    for (const c of doc.checks.filter((c) => c.status === "warn" || c.status === "fail")) expect(c.fix ?? "").not.toBe("");
    expect(code).toBe(doc.checks.some((c) => c.status === "fail") ? 1 : 0);
    const human = run(sb, ["doctor"], { env: { NO_COLOR: "" } });
    expect(human.stdout).toContain("subreaper");
    expect(human.stdout).not.toContain("\x1b[");
    expect(human.stdout).toMatch(/\d+ failed, \d+ warnings, \d+ ok\n$/);
  });

  test("a supervisor that died: stale sysg.pid, leftover socket, an orphan and a gone pid, each with a fix", async () => {
    sb = sandbox();
    const state = join(sb.home, ".local", "share", "systemg");
    mkdirSync(state, { recursive: true });
    chmodSync(state, 0o700);
    const orphan = spawn("sleep", ["60"], { env: sb.env, stdio: "ignore" });
    const gone = spawn("true", [], { env: sb.env, stdio: "ignore" });
    await new Promise((r) => gone.once("exit", r));
    const st = readStat(orphan.pid!)!;
    writeFileSync(
      join(state, "sysg.pid"),
      JSON.stringify({ pid: gone.pid, start_time: 1, started_at: "2026-12-01T10:00:00.000Z", config: null, version: "0" }),
    );
    writeFileSync(
      join(state, "pid.json"),
      JSON.stringify({ web: { pid: orphan.pid, pgid: orphan.pid, start_time: st.startTime }, db: { pid: gone.pid, pgid: gone.pid, start_time: 1 } }),
    );
    writeFileSync(join(state, "control.sock"), "");
    try {
      const { doc } = doctor();
      const sup = find(doc.checks, "supervisor")!;
      expect(sup.status).toBe("warn");
      expect(sup.detail).toContain(`pid ${gone.pid}`);
      expect(sup.fix).toContain("sysg purge");
      expect(find(doc.checks, "control socket")!.status).toBe("warn");
      const orphans = find(doc.checks, "orphans")!;
      expect(orphans.detail).toContain(`web (pid ${orphan.pid})`);
      expect(orphans.fix).toContain("sysg start` adopts them");
      const stale = find(doc.checks, "stale pid entries")!;
      expect(stale.detail).toContain(`db (pid ${gone.pid})`);
      expect(stale.detail).not.toContain("web");
    } finally {
      orphan.kill("SIGKILL");
    }
  });

  test("-c FILE: what each service asks for that the host cannot give fails with a fix (exit 1)", () => {
    sb = sandbox();
    const facts = doctor().doc.checks;
    const apparmorOn = find(facts, "LSMs")!.detail.includes("AppArmor enabled");
    const cfg = sb.write(
      "app.yaml",
      `version: "1"
services:
  plain:
    command: sleep 1
  confined:
    command: sleep 1
    isolation:
      ${apparmorOn ? "selinux_context: system_u:system_r:httpd_t:s0" : "apparmor_profile: sysg-test"}
`,
    );
    const { code, doc } = doctor(["-c", cfg]);
    expect(code).toBe(1);
    expect(find(doc.checks, "plain")!.status).toBe("ok");
    const confined = find(doc.checks, "confined")!;
    expect(confined.status).toBe("fail");
    expect(confined.fix).toContain("drop the key");
    const broken = sb.write("bad.yaml", "version: \"1\"\nservices:\n  x:\n    command: 5\n");
    const bad = doctor(["-c", broken]);
    expect(bad.code).toBe(1);
    expect(bad.doc.checks.find((c) => c.area === "config")!.status).toBe("fail");
  });
});
