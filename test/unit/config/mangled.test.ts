// Every value of a rich config replaced by each wrong kind of value: loading must never throw,
// must reject (or accept) with errors that each carry a path and a message, and must name the
// mangled place (or a place above it) among them.
import { Fixture } from "./fixture.ts";

const RICH = {
  version: "1",
  env: { file: ["a.env"], vars: { A: "1" } },
  logs: { max_size: "1M", max_files: 2, timestamps: true },
  services: {
    db: { command: "x", readiness: { tcp: "127.0.0.1:5432", timeout: "5s" } },
    web: {
      command: "y",
      working_dir: "app",
      env: { file: "a.env", vars: { B: "2" } },
      restart_policy: "on-failure",
      backoff: "1s",
      backoff_max: "1m",
      max_restarts: 3,
      restart_reset: "30s",
      critical: false,
      depends_on: ["db"],
      skip: false,
      hooks: { on_start: { success: { command: "z", timeout: "5s" } } },
      deployment: { strategy: "rolling", pre_start: "make", health_check: { url: "http://127.0.0.1/", timeout: "3s", retries: 2 }, grace_period: "1s" },
      stop_signal: "SIGINT",
      stop_timeout: "10s",
      logs: { max_files: 1 },
      user: "nobody",
      group: 65534,
      supplementary_groups: ["adm"],
      limits: { nofile: 1024, nproc: "unlimited", memlock: "64M", nice: 5, cpu_affinity: [0], cgroup: { memory_max: "1G", cpu_max: "max", cpu_weight: 100, pids_max: 10 } },
      capabilities: ["CAP_KILL"],
      isolation: { network: true, protect_system: "strict", read_only_paths: ["/etc"], seccomp: ["@system-service"], umask: "0027" },
      socket_activation: false,
      health: { http: "http://127.0.0.1/", status: "2xx", interval: "5s", timeout: "1s", failures: 2 },
      spawn: { max_children: 3, max_depth: 2 },
    },
    job: { command: "w", cron: { expression: "0 3 * * *", timezone: "UTC" } },
  },
};

type Path = (string | number)[];
function leaves(value: unknown, at: Path = []): Path[] {
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([k, v]) => leaves(v, [...at, Array.isArray(value) ? Number(k) : k]));
  }
  return [at];
}
function replaced(value: unknown, at: Path, by: unknown): unknown {
  if (at.length === 0) return by;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  copy[at[0]!] = replaced(copy[at[0]!], at.slice(1), by);
  return copy;
}
const dotted = (p: Path) => p.map((s) => (typeof s === "number" ? `[${s}]` : `.${s}`)).join("").slice(1).replace(/\.\[/g, "[");

let fx: Fixture;
beforeAll(() => {
  fx = new Fixture();
  fx.write("a.env", "X=1\n");
});
afterAll(() => fx.remove());

describe("mangled configs", () => {
  test("the rich config itself is valid", async () => {
    const r = await fx.load(JSON.stringify(RICH), { name: "rich.json" });
    expect(r.ok).toBe(true);
  });
  const wrong: unknown[] = [null, "not-a-valid-value", -7, 1.5, [], {}, true];
  for (const path of leaves(RICH)) {
    test(dotted(path), async () => {
      for (const bad of wrong) {
        const r = await fx.load(JSON.stringify(replaced(RICH, path, bad)), { name: "mangled.json" });
        if (r.ok) continue; // some replacements are valid (e.g. true for a bool)
        for (const e of r.errors) {
          expect(typeof e.path).toBe("string");
          expect(e.message.length).toBeGreaterThan(0);
        }
        const place = dotted(path);
        const named = r.errors.some((e) => place === e.path || place.startsWith(`${e.path}.`) || place.startsWith(`${e.path}[`));
        if (!named) throw new Error(`${place} = ${JSON.stringify(bad)}: errors do not name it: ${JSON.stringify(r.errors)}`);
      }
    });
  }
});
