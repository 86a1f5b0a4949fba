// The pure unit lifecycle: (state, event) → (state, effects), with the clock as an argument.
import type { ExitStatus } from "../../../src/platform/types.ts";
import {
  type Effect,
  type Lifecycle,
  type LifecycleEvent,
  initialLifecycle,
  transition,
} from "../../../src/supervisor/lifecycle.ts";

type Svc = Parameters<typeof transition>[0];
const base: Svc = {
  restart_policy: "on-failure",
  backoff: 1000,
  backoff_max: 60_000,
  max_restarts: null,
  restart_reset: 30_000,
  critical: false,
  skip: false,
  cron: null,
  health: null,
};

/** Applies events in order at the given times; returns the final unit and every effect. */
function drive(svc: Svc, events: [at: number, e: LifecycleEvent][], from?: Lifecycle) {
  let unit = from ?? initialLifecycle(svc, 0);
  const effects: Effect[][] = [];
  const states: string[] = [];
  for (const [now, e] of events) {
    const r = transition(svc, unit, e, { now, shuttingDown: false, random: () => 0.5 });
    unit = r.unit;
    effects.push(r.effects);
    if (r.changed) states.push(unit.state);
  }
  return { unit, effects, all: effects.flat(), states };
}

const exit = (code: number | null, at: number, signal: string | null = null): ExitStatus => ({ pid: 42, code, signal, at });
const hooks = (fx: Effect[]) => fx.flatMap((e) => (e.kind === "hook" ? [`${e.event}.${e.outcome}`] : []));
const kinds = (fx: Effect[]) => fx.map((e) => e.kind);

const started: [number, LifecycleEvent][] = [
  [0, { type: "launch" }],
  [1, { type: "spawned", pid: 42, at: 1 }],
];

describe("lifecycle: readiness timeout", () => {
  for (const restart_policy of ["never", "on-failure", "always"] as const) {
    test(`restart_policy ${restart_policy}: one stop, then failed with on_start.error only`, () => {
      const svc = { ...base, restart_policy };
      const r = drive(svc, [
        ...started,
        [500, { type: "readiness-failed", why: "readiness tcp :1 did not pass within 500 ms" }],
        [520, { type: "exited", status: exit(null, 520, "SIGTERM") }],
        [530, { type: "run-ended", status: exit(null, 520, "SIGTERM") }],
      ]);
      expect(r.states).toEqual(["starting", "stopping", "failed"]);
      expect(kinds(r.effects[2]!)).toEqual(["report", "cancel", "end-run"]);
      // the exit of a run the supervisor ended is not a crash: no policy, hook or report
      expect(r.effects[3]).toEqual([]);
      expect(hooks(r.all)).toEqual(["on_start.error"]);
      expect(r.all.some((e) => e.kind === "backoff")).toBe(false);
      expect(r.unit).toMatchObject({ state: "failed", reason: "readiness tcp :1 did not pass within 500 ms", streak: 0, restarts: 0, stop: null });
      expect(r.unit.lastExit).toEqual({ code: null, signal: "SIGTERM", at: 520 });
    });
  }

  test("an operator stop during it wins: stopped, no on_start.error, one end-run", () => {
    const r = drive(base, [
      ...started,
      [500, { type: "readiness-failed", why: "slow" }],
      [510, { type: "stop" }],
      [520, { type: "exited", status: exit(null, 520, "SIGTERM") }],
      [530, { type: "run-ended", status: exit(null, 520, "SIGTERM") }],
    ]);
    expect(r.unit.state).toBe("stopped");
    expect(r.all.filter((e) => e.kind === "end-run").length).toBe(1);
    expect(hooks(r.all)).toEqual(["on_stop.success"]);
  });

  test("a probe result after the run ended is ignored", () => {
    const r = drive(base, [
      ...started,
      [10, { type: "stop" }],
      [20, { type: "exited", status: exit(null, 20, "SIGTERM") }],
      [30, { type: "run-ended", status: exit(null, 20, "SIGTERM") }],
      [40, { type: "ready" }],
      [50, { type: "readiness-failed", why: "late" }],
    ]);
    expect(r.effects[5]).toEqual([]);
    expect(r.effects[6]).toEqual([]);
    expect(r.unit.state).toBe("stopped");
  });
});

describe("lifecycle: exits and the restart policy", () => {
  test("a crash under on-failure: on_stop.error, crashed, backoff, then on_restart.success once the new run is ready, with its pid", () => {
    const r = drive(base, [
      ...started,
      [200, { type: "ready" }],
      [5000, { type: "exited", status: exit(3, 5000) }],
      [6000, { type: "backoff-elapsed" }],
      [6001, { type: "spawned", pid: 43, at: 6001 }],
      [6200, { type: "ready" }],
    ]);
    expect(r.states).toEqual(["starting", "running", "crashed", "starting", "running"]);
    expect(hooks(r.effects[3]!)).toEqual(["on_stop.error"]);
    expect(r.effects[3]).toContainEqual({ kind: "backoff", ms: 1000 });
    expect(r.effects[3]).toContainEqual({ kind: "kill-leftovers" });
    expect(kinds(r.effects[4]!)).toEqual(["spawn", "sweep"]);
    // not when it was merely spawned: the new run does not exist as a service yet
    expect(hooks(r.effects[5]!)).toEqual([]);
    // ready: SYSG_PID is the new run's pid; the exit it follows stays in the status
    expect(r.effects[6]).toContainEqual({ kind: "hook", event: "on_restart", outcome: "success", status: exit(3, 5000), pid: 43 });
    expect(r.unit).toMatchObject({ restarts: 1, streak: 1, reason: null, pid: 43 });
  });

  test("a restarted run that crashes before it is ready: on_restart.error, never success", () => {
    const r = drive(base, [
      ...started,
      [200, { type: "ready" }],
      [5000, { type: "exited", status: exit(3, 5000) }],
      [6000, { type: "backoff-elapsed" }],
      [6001, { type: "spawned", pid: 43, at: 6001 }],
      [6050, { type: "exited", status: { pid: 43, code: 4, signal: null, at: 6050 } }],
    ]);
    expect(hooks(r.effects[6]!)).toEqual(["on_restart.error", "on_stop.error"]);
    expect(hooks(r.all).filter((h) => h === "on_restart.success")).toEqual([]);
  });

  test("a restarted run whose readiness times out: on_restart.error", () => {
    const r = drive(base, [
      ...started,
      [200, { type: "ready" }],
      [5000, { type: "exited", status: exit(3, 5000) }],
      [6000, { type: "backoff-elapsed" }],
      [6001, { type: "spawned", pid: 43, at: 6001 }],
      [9000, { type: "readiness-failed", why: "slow" }],
    ]);
    expect(hooks(r.effects[6]!)).toEqual(["on_restart.error"]);
  });

  test("backoff doubles per consecutive failure and max_restarts gives up", () => {
    const svc = { ...base, max_restarts: 2 };
    const events: [number, LifecycleEvent][] = [...started];
    let t = 10;
    for (let run = 0; run < 3; run++) {
      events.push([t, { type: "exited", status: exit(1, t) }]);
      if (run < 2) {
        events.push([t + 1, { type: "backoff-elapsed" }], [t + 2, { type: "spawned", pid: 50 + run, at: t + 2 }]);
      }
      t += 10;
    }
    const r = drive(svc, events);
    const delays = r.all.flatMap((e) => (e.kind === "backoff" ? [e.ms] : []));
    expect(delays).toEqual([1000, 2000]);
    expect(r.unit.state).toBe("failed");
    expect(r.unit.reason).toBe("exited with code 1; gave up after 2 restarts");
    expect(r.unit.restarts).toBe(2);
  });

  test("a run that stayed up restart_reset long resets the streak", () => {
    const r = drive(base, [
      ...started,
      [10, { type: "exited", status: exit(1, 10) }],
      [20, { type: "backoff-elapsed" }],
      [21, { type: "spawned", pid: 43, at: 21 }],
      [40_000, { type: "exited", status: exit(1, 40_000) }],
    ]);
    expect(r.unit.streak).toBe(1);
    expect(r.all.flatMap((e) => (e.kind === "backoff" ? [e.ms] : []))).toEqual([1000, 1000]);
  });

  test("always restarts a clean exit without on_stop.error", () => {
    const r = drive({ ...base, restart_policy: "always" }, [...started, [10, { type: "exited", status: exit(0, 10) }]]);
    expect(r.unit.state).toBe("crashed");
    expect(hooks(r.all)).toEqual([]);
  });

  test("never: exit 0 is exited with on_stop.success; non-zero is failed with on_stop.error", () => {
    const svc = { ...base, restart_policy: "never" as const };
    const ok = drive(svc, [...started, [10, { type: "exited", status: exit(0, 10) }]]);
    expect(ok.unit.state).toBe("exited");
    expect(hooks(ok.all)).toEqual(["on_stop.success"]);
    const bad = drive(svc, [...started, [10, { type: "exited", status: exit(2, 10) }]]);
    expect(bad.unit).toMatchObject({ state: "failed", reason: "exited with code 2" });
    expect(hooks(bad.all)).toEqual(["on_stop.error"]);
  });

  test("a cron run is never restarted by the policy", () => {
    const svc = { ...base, restart_policy: "always" as const, cron: { expression: "* * * * *", timezone: "UTC" } };
    const r = drive(svc, [...started, [10, { type: "exited", status: exit(1, 10) }]]);
    expect(r.unit.state).toBe("failed");
    expect(r.all.some((e) => e.kind === "backoff")).toBe(false);
  });

  test("a spawn failure counts as a failed run", () => {
    const r = drive(base, [
      [0, { type: "launch" }],
      [1, { type: "spawn-failed", reason: 'chdir "/nope": No such file or directory' }],
    ]);
    expect(r.unit).toMatchObject({ state: "crashed", streak: 1 });
    expect(hooks(r.all)).toEqual(["on_start.error"]);
    const never = drive({ ...base, restart_policy: "never" }, [
      [0, { type: "launch" }],
      [1, { type: "spawn-failed", reason: "exec: ENOENT" }],
    ]);
    expect(never.unit).toMatchObject({ state: "failed", reason: "exec: ENOENT" });
  });

  test("a restart that cannot spawn runs on_restart.error", () => {
    const r = drive(base, [
      ...started,
      [10, { type: "exited", status: exit(1, 10) }],
      [1100, { type: "backoff-elapsed" }],
      [1101, { type: "spawn-failed", reason: "exec: ENOENT" }],
    ]);
    expect(hooks(r.effects[4]!)).toEqual(["on_start.error", "on_restart.error"]);
  });
});

describe("lifecycle: operator stop and start", () => {
  test("stop of a running unit ends its run, then stopped with on_stop.success and the run's exit", () => {
    const r = drive(base, [
      ...started,
      [100, { type: "ready" }],
      [200, { type: "stop" }],
      [210, { type: "exited", status: exit(null, 210, "SIGTERM") }],
      [220, { type: "run-ended", status: exit(null, 210, "SIGTERM") }],
    ]);
    expect(r.states).toEqual(["starting", "running", "stopping", "stopped"]);
    expect(r.effects[4]).toEqual([]);
    expect(r.effects[5]).toContainEqual({ kind: "hook", event: "on_stop", outcome: "success", status: exit(null, 210, "SIGTERM") });
  });

  test("stop during backoff cancels the restart", () => {
    const r = drive(base, [...started, [10, { type: "exited", status: exit(1, 10) }], [20, { type: "stop" }], [1100, { type: "backoff-elapsed" }]]);
    expect(r.unit.state).toBe("stopped");
    expect(kinds(r.effects[3]!)).toEqual(["cancel", "sweep"]);
    // a backoff timer that fires anyway (it raced the cancel) launches nothing
    expect(kinds(r.effects[4]!)).toEqual(["sweep"]);
  });

  test("start makes a unit at rest pending with a fresh streak; a running one is left alone", () => {
    const failed = drive(base, [...started, [10, { type: "exited", status: exit(1, 10) }], [20, { type: "stop" }], [30, { type: "start" }]]);
    expect(failed.unit).toMatchObject({ state: "pending", streak: 0 });
    const running = drive(base, [...started, [5, { type: "ready" }], [6, { type: "start" }]]);
    expect(running.unit.state).toBe("running");
    expect(running.effects[3]).toEqual([]);
  });

  test("a failed dependency fails a pending unit with the reason", () => {
    const r = drive(base, [[0, { type: "dependency-failed", dependency: "db" }]]);
    expect(r.unit).toMatchObject({ state: "failed", reason: "dependency 'db' failed" });
  });

  test("skip: true and a skip command", () => {
    expect(drive({ ...base, skip: true }, [[0, { type: "launch" }]]).unit.state).toBe("skipped");
    const cmd = drive({ ...base, skip: "test -f /x" }, [[0, { type: "launch" }], [5, { type: "skip-checked", skip: false }]]);
    expect(kinds(cmd.effects[0]!)).toEqual(["check-skip"]);
    expect(kinds(cmd.effects[1]!)).toEqual(["spawn"]);
    const skipped = drive({ ...base, skip: "true" }, [[0, { type: "launch" }], [5, { type: "skip-checked", skip: true }]]);
    expect(skipped.unit).toMatchObject({ state: "skipped", reason: "skip command exited 0" });
  });
});

describe("lifecycle: critical", () => {
  test("a critical unit that fails asks for shutdown with its exit code, 128+signal when killed", () => {
    const svc = { ...base, critical: true, restart_policy: "never" as const };
    const coded = drive(svc, [...started, [10, { type: "exited", status: exit(7, 10) }]]);
    expect(coded.all).toContainEqual({ kind: "critical", code: 7 });
    const killed = drive(svc, [...started, [10, { type: "exited", status: exit(null, 10, "SIGKILL") }]]);
    expect(killed.all).toContainEqual({ kind: "critical", code: 137 });
  });

  test("not while shutting down", () => {
    const svc = { ...base, critical: true, restart_policy: "never" as const };
    let u = drive(svc, started).unit;
    const r = transition(svc, u, { type: "exited", status: exit(7, 10) }, { now: 10, shuttingDown: true });
    u = r.unit;
    expect(u.state).toBe("failed");
    expect(r.effects.some((e) => e.kind === "critical")).toBe(false);
  });
});

describe("lifecycle: operator restart, liveness, rolling deployment", () => {
  test("an operator restart runs on_restart.success when the new run is ready (no exit status)", () => {
    const r = drive(base, [
      ...started,
      [100, { type: "ready" }],
      [200, { type: "stop" }],
      [300, { type: "run-ended", status: exit(null, 300, "SIGTERM") }],
      [301, { type: "start", restart: true }],
      [302, { type: "launch" }],
      [303, { type: "spawned", pid: 44, at: 303 }],
      [404, { type: "ready" }],
    ]);
    expect(r.effects[8]).toContainEqual({ kind: "hook", event: "on_restart", outcome: "success", status: null, pid: 44 });
    // a plain start is no restart
    const plain = drive(base, [[0, { type: "start" }], ...started, [100, { type: "ready" }]]);
    expect(hooks(plain.all)).toEqual(["on_start.success"]);
  });

  test("ready with health asks for the liveness watch", () => {
    const svc = { ...base, health: { probe: { kind: "tcp" as const, host: "127.0.0.1", port: 1 }, interval: 1000, timeout: 500, failures: 3 } };
    const r = drive(svc, [...started, [100, { type: "ready" }]]);
    expect(kinds(r.effects[2]!)).toContain("watch-liveness");
    expect(kinds(drive(base, [...started, [100, { type: "ready" }]]).effects[2]!)).not.toContain("watch-liveness");
  });

  test("liveness failure: the run is ended, then restarted by policy with the reason visible", () => {
    const why = "liveness http http://127.0.0.1:1/ failed 3 times in a row (status 500)";
    const r = drive(base, [
      ...started,
      [100, { type: "ready" }],
      [60_000, { type: "liveness-failed", why }],
      [60_010, { type: "exited", status: exit(null, 60_010, "SIGTERM") }],
      [60_020, { type: "run-ended", status: exit(null, 60_010, "SIGTERM") }],
      [61_020, { type: "backoff-elapsed" }],
      [61_021, { type: "spawned", pid: 45, at: 61_021 }],
      [61_200, { type: "ready" }],
    ]);
    expect(r.states).toEqual(["starting", "running", "stopping", "crashed", "starting", "running"]);
    expect(kinds(r.effects[3]!)).toEqual(["report", "cancel", "end-run"]);
    expect(r.effects[4]).toEqual([]);
    expect(hooks(r.effects[5]!)).toEqual(["on_stop.error"]);
    expect(r.effects[5]).toContainEqual({ kind: "backoff", ms: 1000 });
    expect(r.effects[8]).toContainEqual({ kind: "hook", event: "on_restart", outcome: "success", status: exit(null, 60_010, "SIGTERM"), pid: 45 });
    expect(r.unit).toMatchObject({ state: "running", restarts: 1, pid: 45, reason: `restarted: ${why}` });
    // with restart_policy never: failed, with the reason
    const never = drive({ ...base, restart_policy: "never" }, [
      ...started,
      [100, { type: "ready" }],
      [200, { type: "liveness-failed", why }],
      [210, { type: "exited", status: exit(null, 210, "SIGTERM") }],
      [220, { type: "run-ended", status: exit(null, 210, "SIGTERM") }],
    ]);
    expect(never.unit).toMatchObject({ state: "failed", reason: why });
  });

  test("liveness failure while not running (starting, stopping) is ignored", () => {
    const r = drive(base, [...started, [50, { type: "liveness-failed", why: "x" }]]);
    expect(r.effects[2]).toEqual([]);
    expect(r.unit.state).toBe("starting");
  });

  test("deployed: the new pid serves, restarts + 1, on_restart.success with the new pid", () => {
    const r = drive(base, [...started, [100, { type: "ready" }], [5000, { type: "deployed", pid: 99, at: 4000 }]]);
    expect(r.unit).toMatchObject({ state: "running", pid: 99, startedAt: 4000, restarts: 1, reason: null });
    expect(r.effects[3]).toContainEqual({ kind: "hook", event: "on_restart", outcome: "success", status: null, pid: 99 });
  });

  test("deploy-failed: the running unit keeps its state with the reason; a unit that is no longer running keeps its own", () => {
    const r = drive(base, [...started, [100, { type: "ready" }], [900, { type: "deploy-failed", why: "health check x failed 4 times", pid: 77 }]]);
    expect(r.unit).toMatchObject({ state: "running", pid: 42, reason: "rolling deployment failed: health check x failed 4 times" });
    expect(r.effects[3]).toContainEqual({ kind: "hook", event: "on_restart", outcome: "error", status: null, pid: 77 });
    const critical = { ...base, critical: true, restart_policy: "never" as const };
    const gone = drive(critical, [
      ...started,
      [100, { type: "ready" }],
      [500, { type: "exited", status: exit(1, 500) }],
      [900, { type: "deploy-failed", why: "the new instance exited with code 1", pid: 77 }],
    ]);
    expect(gone.unit).toMatchObject({ state: "failed", reason: "exited with code 1" });
    // the critical effect came once, from the failure itself
    expect(gone.all.filter((e) => e.kind === "critical").length).toBe(1);
  });
});
