// The lifecycle keys of issue 9: health (liveness), spawn (dynamic children) and the rule that
// a rolling deployment needs a health check. Defaults, and bad input named by its path.
import { Fixture } from "./fixture.ts";

const fx = new Fixture();
afterAll(() => fx.remove());

describe("health", () => {
  test("one probe with defaults: interval 10s, timeout 5s, 3 failures", async () => {
    const c = await fx.good(`services:
  h: { command: x, health: { http: "http://127.0.0.1:8080/health" } }
  t: { command: x, health: { tcp: "127.0.0.1:5432", interval: 2s, timeout: 500ms, failures: 1 } }
  e: { command: x, health: { exec: "pg_isready", interval: 1s } }
  none: { command: x }
`);
    expect(c.services.h!.health).toEqual({ probe: { kind: "http", url: "http://127.0.0.1:8080/health", status: "2xx" }, interval: 10_000, timeout: 5000, failures: 3 });
    expect(c.services.t!.health).toEqual({ probe: { kind: "tcp", host: "127.0.0.1", port: 5432 }, interval: 2000, timeout: 500, failures: 1 });
    // the timeout never exceeds the interval by default
    expect(c.services.e!.health).toEqual({ probe: { kind: "exec", command: "pg_isready" }, interval: 1000, timeout: 1000, failures: 3 });
    expect(c.services.none!.health).toBeNull();
  });

  test("a health URL that is not http(s) is an error at its path", async () => {
    const errors = await fx.bad(`services:\n  web: { command: x, health: { http: "ftp://127.0.0.1/" } }\n`);
    expect(errors.map((e) => e.path)).toEqual(["services.web.health.http"]);
    expect(errors[0]!.message).toContain("expected an http(s) URL");
  });

  test("no probe, two probes, status without http, failures 0", async () => {
    const none = await fx.bad(`services:\n  web: { command: x, health: { interval: 5s } }\n`);
    expect(none[0]!.path).toBe("services.web.health");
    expect(none[0]!.message).toContain("needs one of tcp, http, exec");
    const two = await fx.bad(`services:\n  web: { command: x, health: { tcp: "127.0.0.1:1", exec: "true" } }\n`);
    expect(two[0]!.message).toContain("found tcp and exec");
    const status = await fx.bad(`services:\n  web: { command: x, health: { tcp: "127.0.0.1:1", status: 200 } }\n`);
    expect(status[0]!.path).toBe("services.web.health.status");
    const zero = await fx.bad(`services:\n  web: { command: x, health: { tcp: "127.0.0.1:1", failures: 0 } }\n`);
    expect(zero[0]!.path).toBe("services.web.health.failures");
    const notify = await fx.bad(`services:\n  web: { command: x, health: { notify: true } }\n`);
    expect(notify[0]!.path).toBe("services.web.health.notify");
  });
});

describe("spawn", () => {
  test("defaults: 10 children, depth 1; absent = no children allowed", async () => {
    const c = await fx.good(`services:\n  a: { command: x, spawn: {} }\n  b: { command: x, spawn: { max_children: 2, max_depth: 3 } }\n  c: { command: x }\n`);
    expect(c.services.a!.spawn).toEqual({ max_children: 10, max_depth: 1 });
    expect(c.services.b!.spawn).toEqual({ max_children: 2, max_depth: 3 });
    expect(c.services.c!.spawn).toBeNull();
  });

  test("bounds must be positive integers", async () => {
    const errors = await fx.bad(`services:\n  a: { command: x, spawn: { max_children: 0, max_depth: -1 } }\n`);
    expect(errors.map((e) => e.path)).toEqual(["services.a.spawn.max_children", "services.a.spawn.max_depth"]);
  });
});

describe("deployment", () => {
  test("strategy rolling without a health check is an error with a hint", async () => {
    const errors = await fx.bad(`services:\n  web: { command: x, deployment: { strategy: rolling } }\n`);
    expect(errors.map((e) => e.path)).toEqual(["services.web.deployment.health_check"]);
    expect(errors[0]!.message).toContain("a rolling deployment needs a health check");
    expect(errors[0]!.hint).toContain("health_check: {url:");
  });

  test("a health check URL that is not http is an error at its path", async () => {
    const errors = await fx.bad(`services:\n  web: { command: x, deployment: { strategy: rolling, health_check: { url: "tcp://127.0.0.1:1" } } }\n`);
    expect(errors[0]!.path).toBe("services.web.deployment.health_check.url");
  });

  test("a cron job cannot be rolling", async () => {
    const errors = await fx.bad(
      `services:\n  job: { command: x, cron: { expression: "@daily" }, deployment: { strategy: rolling, health_check: { url: "http://127.0.0.1/" } } }\n`,
    );
    expect(errors[0]!.path).toBe("services.job.deployment.strategy");
  });
});
