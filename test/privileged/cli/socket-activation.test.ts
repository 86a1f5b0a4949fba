// Socket activation end to end with the compiled binary: an activator (python, standing in for
// systemd) opens a listening TCP socket on 127.0.0.1, puts it at fd 3 and execs `sysg start`
// (foreground) with LISTEN_FDS=1, LISTEN_PID=<its pid>, LISTEN_FDNAMES=web. A service with
// `socket_activation: true` gets the socket as its fd 3 with LISTEN_PID = its own pid and serves
// a connection from this test; a service without it sees neither; sysg's own env has no LISTEN_*.
// Runs as any user (nothing here needs root).
import { afterEach, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { type Sandbox, SYSG, alive, ensureBuilt, sandbox } from "../../helpers/sysg.ts";
import { until } from "./helpers.ts";

const PY = "/usr/bin/python3";
const hasPython = existsSync(PY);
if (!hasPython) console.warn(`skipping test/privileged/cli/socket-activation.test.ts: needs ${PY} to play the activator`);

beforeAll(() => {
  if (hasPython) ensureBuilt();
});
let sb: Sandbox | undefined;
afterEach(() => sb?.cleanup());

const ACTIVATOR = `
import os, socket, sys
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen()
os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
print(s.getsockname()[1], flush=True)
env = dict(os.environ, LISTEN_PID=str(os.getpid()), LISTEN_FDS="1", LISTEN_FDNAMES="web")
os.execve(sys.argv[1], sys.argv[1:], env)
`;

// Reports what it got, then serves one connection on fd 3 with its own pid.
const SERVICE = `
import os, socket
print("env", os.environ.get("LISTEN_FDS"), os.environ.get("LISTEN_PID"), os.environ.get("LISTEN_FDNAMES"), "pid", os.getpid(), flush=True)
s = socket.socket(fileno=3)
c, _ = s.accept()
c.sendall(("served by %d" % os.getpid()).encode())
c.close()
import time; time.sleep(300)
`;

(hasPython ? test : test.skip)("the activated socket reaches only the socket_activation service, renumbered to fd 3, with its own LISTEN_PID", async () => {
  sb = sandbox();
  const service = sb.write("service.py", SERVICE);
  const cfg = sb.write(
    "act.yaml",
    `version: "1"
services:
  web:
    command: exec ${PY} ${service}
    socket_activation: true
    stop_timeout: 2s
  other:
    command: 'echo "tag=$SYSG_TEST_TAG vars=$(env | grep -c ^LISTEN_) fd3=$(test -e /proc/self/fd/3 && echo open || echo closed)"; exec sleep 300'
    stop_timeout: 2s
`,
  );
  const proc = Bun.spawn([PY, "-c", ACTIVATOR, SYSG, "start", "-c", cfg], { cwd: sb.dir, env: sb.env, stdout: "pipe", stderr: "pipe" });
  let out = "";
  (async () => {
    for await (const c of proc.stdout) out += new TextDecoder().decode(c);
  })();
  (async () => {
    for await (const c of proc.stderr) out += new TextDecoder().decode(c);
  })();
  const port = Number(await until("the activator's port", () => out.match(/^(\d+)\n/)?.[1]));
  const sysgPid = proc.pid; // the activator exec'd sysg: same pid

  const logs = join(sb.home, ".local", "share", "systemg", "logs");
  const web = await until("web's report", () => readFileSync(join(logs, "web_stdout.log"), "utf8").match(/env (\S+) (\S+) (\S+) pid (\d+)/));
  expect([web[1], web[3]]).toEqual(["1", "web"]);
  expect(web[2]).toBe(web[4]); // LISTEN_PID is the service's own pid
  expect(Number(web[4])).not.toBe(sysgPid);

  const got = await new Promise<string>((resolve, reject) => {
    let text = "";
    const c = connect(port, "127.0.0.1");
    c.on("data", (d) => (text += d));
    c.on("end", () => resolve(text));
    c.on("error", reject);
  });
  expect(got).toBe(`served by ${web[4]}`);

  // A service's env starts from sysg's own (SPEC §1), so `other` shows what sysg kept: the rest
  // of its environment (the tag) but no LISTEN_* (/proc/PID/environ cannot tell: it is the
  // block sysg was exec'd with, which unsetting variables does not rewrite).
  const other = await until("other's report", () => readFileSync(join(logs, "other_stdout.log"), "utf8").match(/tag=(\S*) vars=(\d+) fd3=(\w+)/));
  expect([other[1], other[2], other[3]]).toEqual([sb.tag, "0", "closed"]);
  expect(readFileSync(`/proc/${sysgPid}/cmdline`, "utf8").split("\0")[1]).toBe("start");

  proc.kill("SIGTERM");
  expect(await proc.exited).toBe(0);
  expect(alive(Number(web[4]))).toBe(false);
});
