// The Supervisor driven through a scripted Platform (./fake-platform.ts) and an empty ProcScan:
// which states a unit passes through, which hooks run, what is reported.
import type { ResolvedConfig } from "../../../src/config/resolved.ts";
import { type PrivilegeHook, Supervisor, type UnitSnapshot } from "../../../src/supervisor/supervisor.ts";
import { Fixture } from "../config/fixture.ts";
import { FakePlatform, ManualClock, PROGRAM_OFFSET, type Program, settle, waitFor } from "./fake-platform.ts";

interface Harness {
  sup: Supervisor;
  platform: FakePlatform;
  states: UnitSnapshot[];
  reports: string[];
  statesOf(name: string): string[];
}

function harness(
  config: ResolvedConfig,
  programs: (command: string) => Program,
  clock?: ManualClock,
  privilege?: PrivilegeHook,
): Harness {
  const platform = new FakePlatform(programs, clock ? () => clock.now() : undefined);
  const states: UnitSnapshot[] = [];
  const reports: string[] = [];
  const sup = new Supervisor({
    platform,
    config,
    scan: () => [],
    sink: () => ({ attach: async () => {} }),
    onState: (u) => states.push(u),
    report: (level, service, text) => reports.push(`${level} ${service ?? "-"}: ${text}`),
    random: () => 0.5,
    clock,
    privilege,
  });
  return { sup, platform, states, reports, statesOf: (n) => states.filter((s) => s.name === n).map((s) => s.state) };
}

/** hooks echo their own name; "serve" runs until signalled; "crash" exits 3 */
const programs = (command: string): Program => {
  if (command === "serve") return {};
  if (command === "crash") return { exitCode: 3 };
  return { exitCode: 0 };
};

let fx: Fixture;
beforeEach(() => {
  fx = new Fixture();
});
afterEach(() => fx.remove());

const hooksYaml = `
    hooks:
      on_start: { success: { command: "hook on_start.success" }, error: { command: "hook on_start.error" } }
      on_stop: { success: { command: "hook on_stop.success" }, error: { command: "hook on_stop.error" } }
      on_restart: { success: { command: "hook on_restart.success" }, error: { command: "hook on_restart.error" } }`;

describe("readiness timeout", () => {
  for (const policy of ["never", "on-failure", "always"]) {
    test(`is handled once with restart_policy ${policy}: failed, on_start.error, no restart`, async () => {
      const config = await fx.good(`
version: "1"
services:
  web:
    command: serve
    restart_policy: ${policy}
    backoff: 10ms
    readiness: { log: "never printed", timeout: 50ms }${hooksYaml}
`);
      const h = harness(config, programs);
      h.sup.start();
      await waitFor(() => h.sup.snapshot("web")?.state === "failed", "web failed");
      const web = h.sup.snapshot("web")!;
      // shutdown waits for running hooks, so a second handling (a late hook) shows itself
      await h.sup.shutdown();
      expect(web.reason).toContain("readiness log /never printed/ did not pass within 50 ms");
      expect(web.restarts).toBe(0);
      expect(h.statesOf("web")).not.toContain("crashed");
      const hooks = h.platform.commands().filter((c) => c.startsWith("hook "));
      expect(hooks).toEqual(["hook on_start.error"]);
      expect(h.reports.filter((r) => r.includes("restarting"))).toEqual([]);
      // the service ran exactly once
      expect(h.platform.commands().filter((c) => c === "serve").length).toBe(1);
    });
  }
});

describe("restart with an injected clock", () => {
  test("a crash restarts after exactly the backoff, doubling, and gives up after max_restarts", async () => {
    const config = await fx.good(`
version: "1"
services:
  web:
    command: crash
    restart_policy: on-failure
    backoff: 1s
    max_restarts: 2${hooksYaml}
`);
    const clock = new ManualClock();
    const h = harness(config, programs, clock);
    h.sup.start();
    await settle();
    expect(h.sup.snapshot("web")?.state).toBe("crashed");
    expect(clock.pending()).toContain(1000);
    await clock.advance(999);
    expect(h.platform.commands().filter((c) => c === "crash").length).toBe(1);
    await clock.advance(1);
    expect(h.platform.commands().filter((c) => c === "crash").length).toBe(2);
    expect(h.sup.snapshot("web")).toMatchObject({ state: "crashed", restarts: 1 });
    expect(clock.pending()).toContain(2000);
    await clock.advance(2000);
    expect(h.sup.snapshot("web")).toMatchObject({ state: "failed", restarts: 2, reason: "exited with code 3; gave up after 2 restarts" });
    expect(h.platform.commands().filter((c) => c === "crash").length).toBe(3);
    const hooks = h.platform.commands().filter((c) => c.startsWith("hook "));
    // the restarted runs crash before they are ready: each restart failed
    expect(hooks).toEqual([
      "hook on_stop.error",
      "hook on_restart.error",
      "hook on_stop.error",
      "hook on_restart.error",
      "hook on_stop.error",
    ]);
    expect(h.statesOf("web")).toEqual(["starting", "crashed", "starting", "crashed", "starting", "failed"]);
  });

  test("an operator stop during backoff cancels the restart", async () => {
    const config = await fx.good(`
version: "1"
services:
  web: { command: crash, restart_policy: always, backoff: 5s }
`);
    const clock = new ManualClock();
    const h = harness(config, programs, clock);
    h.sup.start();
    await settle();
    expect(h.sup.snapshot("web")?.state).toBe("crashed");
    await h.sup.stop("web");
    await clock.advance(60_000);
    expect(h.sup.snapshot("web")?.state).toBe("stopped");
    expect(h.platform.commands()).toEqual(["crash"]);
  });

  test("the default readiness is 100 ms alive; stop sends stop_signal and waits for the exit", async () => {
    const config = await fx.good(`
version: "1"
services:
  web: { command: serve, stop_signal: SIGINT }
`);
    const clock = new ManualClock();
    const h = harness(config, programs, clock);
    h.sup.start();
    await clock.advance(99);
    expect(h.sup.snapshot("web")?.state).toBe("starting");
    await clock.advance(1);
    expect(h.sup.snapshot("web")?.state).toBe("running");
    const pid = h.sup.snapshot("web")!.pid!;
    await h.sup.stop("web");
    expect(h.platform.kills[0]).toEqual({ pid: -pid, signal: "SIGINT" });
    expect(h.sup.snapshot("web")).toMatchObject({ state: "stopped", pid: null, last_exit: { code: null, signal: "SIGINT" } });
  });
});

describe("one execution context per run", () => {
  const CGROUP_FD = 77;
  /** a privilege layer that makes every child uid 1234 without capabilities, in a cgroup */
  const asApp = (built: string[], released: number[]): PrivilegeHook => (svc) => {
    built.push(svc.name);
    return {
      ok: true,
      context: {
        env: { ...svc.env, USER: "app", HOME: "/home/app" },
        cwd: svc.working_dir,
        spec: { uid: 1234, gid: 1234, groups: [], capabilities: [] },
        cgroupDir: "/sys/fs/cgroup/systemg/web",
        attach: () => ({ extra: { cgroupFd: CGROUP_FD }, release: () => released.push(CGROUP_FD) }),
      },
      main: { extra: { passFds: [3] }, env: { LISTEN_FDS: "1" } },
    };
  };

  test("skip command, main process, exec probe and hooks all run as the service; only '+' hooks do not", async () => {
    const config = await fx.good(`
version: "1"
services:
  web:
    command: serve
    skip: "check-skip"
    readiness: { exec: "probe", timeout: 5s }
    hooks:
      on_start: { success: { command: "hook on_start.success" } }
      on_stop: { success: { command: "+hook privileged on_stop.success" } }
`);
    const built: string[] = [];
    const released: number[] = [];
    const h = harness(config, (c) => (c === "check-skip" ? { exitCode: 1 } : programs(c)), undefined, asApp(built, released));
    h.sup.start();
    await waitFor(() => h.sup.snapshot("web")?.state === "running", "web running");
    await h.sup.stop("web");
    await h.sup.shutdown();
    const byCommand = new Map(h.platform.spawns.map((s) => [s.command, s.spec]));
    expect([...byCommand.keys()]).toEqual(["check-skip", "serve", "probe", "hook on_start.success", "hook privileged on_stop.success"]);
    for (const c of ["check-skip", "serve", "probe", "hook on_start.success"]) {
      const spec = byCommand.get(c)!;
      expect({ c, uid: spec.uid, gid: spec.gid, caps: spec.capabilities, cgroupFd: spec.cgroupFd, cwd: spec.cwd }).toEqual({
        c,
        uid: 1234,
        gid: 1234,
        caps: [],
        cgroupFd: CGROUP_FD,
        cwd: fx.dir,
      });
      expect(spec.env).toContain("USER=app");
    }
    // socket-activation fds and their env reach the main process only
    expect(byCommand.get("serve")!.passFds).toEqual([3]);
    expect(byCommand.get("serve")!.env).toContain("LISTEN_FDS=1");
    expect(byCommand.get("probe")!.passFds).toBeUndefined();
    expect(byCommand.get("hook on_start.success")!.env).not.toContain("LISTEN_FDS=1");
    // "+": the supervisor's own privileges, outside the cgroup
    const full = byCommand.get("hook privileged on_stop.success")!;
    expect({ uid: full.uid, caps: full.capabilities, cgroupFd: full.cgroupFd }).toEqual({ uid: undefined, caps: undefined, cgroupFd: undefined });
    // built once for the run; one cgroup fd per spawn, each closed after it
    expect(built).toEqual(["web"]);
    expect(released.length).toBe(4);
  });

  test("a run whose context cannot be built fails, and its hooks are not run with more privilege", async () => {
    const config = await fx.good(`
version: "1"
services:
  web:
    command: serve
    hooks:
      on_start: { error: { command: "hook on_start.error" } }
`);
    const h = harness(config, programs, undefined, () => ({ ok: false, reason: 'user "app": no such user' }));
    h.sup.start();
    await waitFor(() => h.sup.snapshot("web")?.state === "failed", "web failed");
    expect(h.sup.snapshot("web")?.reason).toBe('user "app": no such user');
    expect(h.platform.spawns).toEqual([]);
    expect(h.reports).toContain("warn web: web: hook on_start.error not run: the service's execution context could not be built");
  });

  test("a restart builds a fresh context (a cron run too)", async () => {
    const config = await fx.good(`
version: "1"
services:
  web: { command: crash, restart_policy: on-failure, backoff: 1s, max_restarts: 1 }
`);
    const clock = new ManualClock();
    const built: string[] = [];
    const h = harness(config, programs, clock, asApp(built, []));
    h.sup.start();
    await clock.advance(5000);
    expect(h.sup.snapshot("web")?.state).toBe("failed");
    expect(built).toEqual(["web", "web"]);
    expect(h.platform.spawns.every((s) => s.spec.uid === 1234)).toBe(true);
    expect(h.platform.spawns.length).toBe(2);
  });
});

describe("isolation.pid: the program runs under its namespace's init", () => {
  const CLONE_NEWPID = 0x20000000;
  const inPidNamespace: PrivilegeHook = (svc) => ({
    ok: true,
    context: { env: svc.env, cwd: svc.working_dir, spec: { namespaces: CLONE_NEWPID }, cgroupDir: null },
    main: { extra: {}, env: {} },
  });

  test("status and SYSG_PID name the program; stop signals go to the init's group", async () => {
    const config = await fx.good(`
version: "1"
services:
  web:
    command: serve
    hooks:
      on_start: { success: { command: "hook on_start.success" } }
`);
    const h = harness(config, programs, undefined, inPidNamespace);
    h.sup.start();
    await waitFor(() => h.sup.snapshot("web")?.state === "running", "web running");
    const init = h.platform.spawns.find((s) => s.command === "serve")!.pid;
    const program = init + PROGRAM_OFFSET;
    expect(h.sup.snapshot("web")).toMatchObject({ pid: program, pgid: init });
    await waitFor(() => h.platform.spawns.some((s) => s.command === "hook on_start.success"), "on_start hook");
    const hook = h.platform.spawns.find((s) => s.command === "hook on_start.success")!;
    expect(hook.spec.env).toContain(`SYSG_PID=${program}`);
    expect(h.reports).toContain(`info web: started (pid ${program})`);
    await h.sup.stop("web");
    expect(h.platform.kills[0]).toEqual({ pid: -init, signal: "SIGTERM" });
    await h.sup.shutdown();
  });
});
