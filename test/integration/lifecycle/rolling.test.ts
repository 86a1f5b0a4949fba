// Rolling deployment through the compiled binary, with a real HTTP service on 127.0.0.1 and a
// poller counting failed requests during every deployment (must be 0). The port is shared the
// way docs/deploy.md recommends for zero drops: sysg receives one listening socket (socket
// activation; python stands in for systemd) and hands the same socket to every instance, so
// the old and the new one accept from one queue and nothing is reset when the old one exits.
// Checked: `restart -s` and a `reload` of a changed definition replace the instance without a
// failed request, pid/status name the new program once it serves, the old one is gone; a new
// instance that fails its health check is stopped, the old keeps serving, the CLI exits 1 and
// status/inspect say why; a rolling deployment without a health check is a config error.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { type Sandbox, SYSG, alive, ensureBuilt, run, sandbox, until } from "../../helpers/sysg.ts";

const PY = "/usr/bin/python3";
const hasPython = existsSync(PY);
if (!hasPython) console.warn(`skipping test/integration/lifecycle/rolling.test.ts: needs ${PY} for the HTTP service`);
const pyTest = hasPython ? test : test.skip;

const ACTIVATOR = `
import os, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(128)
os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
port = s.getsockname()[1]
# the config names the port (health_check url): fill it in before sysg reads it
with open(sys.argv[2], "w") as f:
    f.write(open(sys.argv[1]).read().replace("@PORT@", str(port)))
print(port, flush=True)
env = dict(os.environ, LISTEN_PID=str(os.getpid()), LISTEN_FDS="1", LISTEN_FDNAMES="http")
os.execve(sys.argv[3], sys.argv[3:], env)
`;

// Serves "<version> <pid>" on /, and /health: 500 while the file BROKEN exists. (Through a shared
// socket a check may reach either instance, so the failing case breaks /health for both; the
// per-instance gate is the readiness probe, a log line of that very process.)
// SIGTERM: finish the request in hand, then exit (the socket stays open in the other instance).
const SERVICE = `
import os, signal, socket, threading
from http.server import HTTPServer, BaseHTTPRequestHandler
class H(BaseHTTPRequestHandler):
    def do_GET(self):
        code = 500 if (self.path == "/health" and os.path.exists(os.environ["BROKEN"])) else 200
        body = ("%s %d" % (os.environ.get("VERSION", "?"), os.getpid())).encode()
        self.send_response(code)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
class S(HTTPServer):
    def get_request(self):
        c, a = self.socket.accept()
        c.setblocking(True)
        return c, a
srv = S(("127.0.0.1", 0), H, bind_and_activate=False)
srv.socket.close()
srv.socket = socket.socket(fileno=3)
srv.socket.setblocking(False)
signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=srv.shutdown).start())
print("serving", os.getpid(), flush=True)
srv.serve_forever(poll_interval=0.02)
`;

let sb: Sandbox;
let proc: ReturnType<typeof Bun.spawn> | null = null;
let port = 0;
let out = "";
const broken = () => join(sb.dir, "broken");
const stateDir = () => join(sb.home, ".local", "share", "systemg");

interface Unit {
  name: string;
  state: string;
  pid: number | null;
  restarts: number;
  reason: string | null;
}
const unit = (): Unit => JSON.parse(run(sb, ["status", "--json"]).stdout).units.find((u: Unit) => u.name === "web");

function config(version: string, port: number | string = "@PORT@"): string {
  return `version: "1"
services:
  web:
    command: exec ${PY} ${join(sb.dir, "service.py")}
    socket_activation: true
    env: { vars: { VERSION: "${version}", BROKEN: ${broken()} } }
    readiness: { log: "^serving", timeout: 10s }
    deployment:
      strategy: rolling
      pre_start: echo pre_start ran >> ${join(sb.dir, "pre_start.log")}
      health_check: { url: "http://127.0.0.1:${port}/health", timeout: 2s, retries: 2 }
      grace_period: 300ms
    stop_timeout: 5s
`;
}

/** sysg without blocking this process (spawnSync would freeze the poller mid-request). */
async function runAsync(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = Bun.spawn([SYSG, ...args], { cwd: sb.dir, env: sb.env, stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, stdout, stderr };
}

/** One GET on a fresh connection: the body, or null when it failed. */
function get(path = "/"): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, agent: false, timeout: 5000 }, (res) => {
      let body = "";
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", () => resolve(null));
    });
    req.on("error", () => resolve(null));
    req.on("timeout", () => {
      req.destroy();
      resolve(null);
    });
    req.end();
  });
}

/** Polls / back to back until stopped: counts failures, collects who served. */
function poller() {
  let running = true;
  const served = new Set<string>();
  let ok = 0;
  let failed = 0;
  const done = (async () => {
    while (running) {
      const r = await get();
      if (r && r.status === 200) {
        ok++;
        served.add(r.body);
      } else failed++;
    }
  })();
  return {
    /** answers so far, and the distinct bodies they carried */
    ok: () => ok,
    served,
    async stop() {
      running = false;
      await done;
      return { ok, failed, served: [...served] };
    },
  };
}

beforeAll(async () => {
  if (!hasPython) return;
  ensureBuilt();
  sb = sandbox();
  sb.write("service.py", SERVICE);
  const template = sb.write("web.tpl", config("v1"));
  proc = Bun.spawn([PY, "-c", ACTIVATOR, template, join(sb.dir, "web.yaml"), SYSG, "start", "-c", join(sb.dir, "web.yaml")], {
    cwd: sb.dir,
    env: sb.env,
    stdout: "pipe",
    stderr: "pipe",
  });
  const read = async (s: ReadableStream<Uint8Array>) => {
    for await (const c of s) out += new TextDecoder().decode(c);
  };
  void read(proc.stdout as ReadableStream<Uint8Array>);
  void read(proc.stderr as ReadableStream<Uint8Array>);
  port = Number(await until("the activator's port", () => out.match(/^(\d+)\n/)?.[1]));
  await until("web running", () => {
    try {
      return unit()?.state === "running";
    } catch {
      return false;
    }
  });
});

afterAll(async () => {
  if (!hasPython) return;
  proc?.kill("SIGTERM");
  await proc?.exited;
  if (process.env.KEEP) console.log(readFileSync(join(stateDir(), "logs", "supervisor.log"), "utf8"), readFileSync(join(stateDir(), "logs", "web_stdout.log"), "utf8"), readFileSync(join(stateDir(), "logs", "web_stderr.log"), "utf8"));
  sb.cleanup();
});

describe("rolling deployment", () => {
  pyTest("restart -s: the new instance serves before the old one stops; 0 failed requests; status names the new pid", async () => {
    const old = unit();
    expect(old.state).toBe("running");
    const p = poller();
    await until("answers before the restart", () => p.ok() >= 3);
    const r = await runAsync(["restart", "-s", "web"]);
    await until("an answer of the new instance", () => p.served.size >= 2);
    const polled = await p.stop();
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/web\s+restarted\s+running/);
    expect(polled.failed).toBe(0);
    expect(polled.ok).toBeGreaterThan(10);
    const now = unit();
    expect(now.pid).not.toBe(old.pid);
    expect(now.restarts).toBe(old.restarts + 1);
    expect(alive(old.pid!)).toBe(false);
    // both instances answered during the deployment, the new one last
    expect(polled.served).toContain(`v1 ${old.pid}`);
    expect(polled.served).toContain(`v1 ${now.pid}`);
    expect((await get())!.body).toBe(`v1 ${now.pid}`);
    // pid.json names the serving program
    expect(JSON.parse(readFileSync(join(stateDir(), "pid.json"), "utf8")).web.pid).toBe(now.pid);
    expect(readFileSync(join(sb.dir, "pre_start.log"), "utf8").trim().split("\n")).toEqual(["pre_start ran"]);
  });

  pyTest("reload of a changed definition rolls: v1 → v2 with 0 failed requests", async () => {
    const old = unit();
    writeFileSync(join(sb.dir, "web.yaml"), config("v2", port));
    const p = poller();
    await until("answers before the reload", () => p.ok() >= 3);
    const r = await runAsync(["reload"]);
    await until("an answer of v2", () => [...p.served].some((b) => b.startsWith("v2 ")));
    const polled = await p.stop();
    expect(r.code).toBe(0);
    expect(polled.failed).toBe(0);
    const now = unit();
    expect(now.pid).not.toBe(old.pid);
    expect(alive(old.pid!)).toBe(false);
    expect((await get())!.body).toBe(`v2 ${now.pid}`);
    expect(polled.served).toContain(`v1 ${old.pid}`);
  });

  pyTest("a new instance that fails its health check is stopped; the old keeps serving; exit 1 with the reason", async () => {
    const old = unit();
    writeFileSync(broken(), "");
    const p = poller();
    await until("answers before the restart", () => p.ok() >= 3);
    const r = await runAsync(["restart", "-s", "web"]);
    const polled = await p.stop();
    rmSync(broken());
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("deploy_failed");
    expect(r.stdout).toContain("health check");
    expect(polled.failed).toBe(0);
    const now = unit();
    expect(now.pid).toBe(old.pid);
    expect(now.state).toBe("running");
    expect(now.reason).toMatch(/^rolling deployment failed: health check http:\/\/127\.0\.0\.1:\d+\/health failed 3 times \(http .* status 500, want 2xx\)/);
    const inspect = JSON.parse(run(sb, ["inspect", "web", "--json"]).stdout);
    expect(inspect.unit.reason).toBe(now.reason);
    // the failed instance is gone: only the old one still answers
    const newPid = Number(readFileSync(join(stateDir(), "logs", "supervisor.log"), "utf8").match(/new instance pid (\d+) started[^\n]*\n(?![\s\S]*new instance pid)/)![1]);
    expect(newPid).not.toBe(old.pid);
    await until("failed instance gone", () => !alive(newPid));
    expect((await get())!.body).toBe(`v2 ${old.pid}`);
  });
});

describe("rolling deployment: bad input", () => {
  test("strategy rolling without a health check is refused at its path; nothing starts", () => {
    const s2 = sandbox();
    try {
      const cfg = s2.write("bad.yaml", `version: "1"\nservices:\n  web:\n    command: exec sleep 300\n    deployment: { strategy: rolling }\n`);
      const r = run(s2, ["start", "--daemonize", "-c", cfg], { timeout: 30_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain("services.web.deployment.health_check");
      expect(r.stderr).toContain("a rolling deployment needs a health check");
      expect(existsSync(join(s2.home, ".local", "share", "systemg", "sysg.pid"))).toBe(false);
    } finally {
      s2.cleanup();
    }
  });
});

describe("rolling deployment with notify readiness", () => {
  pyTest("each instance has its own NOTIFY_SOCKET: the old one's end does not take the new one's socket away", async () => {
    const s2 = sandbox();
    const { createServer } = await import("node:http");
    const health = createServer((_req, res) => res.end("ok"));
    await new Promise<void>((r) => health.listen(0, "127.0.0.1", r));
    const hport = (health.address() as { port: number }).port;
    try {
      const svc = s2.write(
        "notify.py",
        `import os, socket, time
path = os.environ["NOTIFY_SOCKET"]
print("socket", os.getpid(), path, flush=True)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(b"READY=1", path)
time.sleep(300)
`,
      );
      const cfg = s2.write(
        "n.yaml",
        `version: "1"
services:
  app:
    command: exec ${PY} ${svc}
    readiness: { notify: true, timeout: 10s }
    deployment: { strategy: rolling, health_check: { url: "http://127.0.0.1:${hport}/", retries: 0 } }
    stop_timeout: 2s
`,
      );
      expect(run(s2, ["start", "--daemonize", "-c", cfg], { timeout: 30_000 }).code).toBe(0);
      const log = join(s2.home, ".local", "share", "systemg", "logs", "app_stdout.log");
      const sockets = () => [...readFileSync(log, "utf8").matchAll(/socket (\d+) (\S+)/g)].map((m) => ({ pid: Number(m[1]), path: m[2]! }));
      for (let deploy = 1; deploy <= 2; deploy++) {
        // not spawnSync: the health server lives in this process and must keep answering
        const p = Bun.spawn([SYSG, "restart", "-s", "app"], { cwd: s2.dir, env: s2.env, stdout: "pipe", stderr: "pipe" });
        const out = await new Response(p.stdout).text();
        expect({ deploy, code: await p.exited, out }).toEqual({ deploy, code: 0, out: expect.stringContaining("restarted") });
        const serving = JSON.parse(run(s2, ["status", "--json"]).stdout).units[0].pid;
        const mine = sockets().find((x) => x.pid === serving)!;
        // the serving instance's socket is still there after the old one was stopped
        expect(existsSync(mine.path)).toBe(true);
        const paths = sockets().map((x) => x.path);
        expect(new Set(paths.slice(-2)).size).toBe(2);
      }
      run(s2, ["stop"], { timeout: 30_000 });
    } finally {
      health.close();
      s2.cleanup();
    }
  });
});
