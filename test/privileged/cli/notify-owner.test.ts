// The sd_notify socket of a `user: nobody` service belongs to nobody, mode 0600: another user
// cannot even send to it, and root's (the test's) READY=1 is refused by its credentials since
// root is no process of the service (issue 15 item 3). Needs root, setpriv and python3.
import { afterEach, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { type Sandbox, ensureBuilt, sandbox, spawnSysg } from "../../helpers/sysg.ts";
import { NOBODY, skipReason, until } from "./helpers.ts";

const FILE = "test/privileged/cli/notify-owner.test.ts";
const PYTHON = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" }).stdout?.trim() || null;
const reason = skipReason(FILE, { setpriv: true }) ?? (PYTHON ? null : `skipping ${FILE}: needs python3 to send a datagram`);
if (reason) console.warn(reason);

let sb: Sandbox | undefined;
afterEach(() => sb?.cleanup());

const send = (sock: string) => `import socket; socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM).sendto(b"READY=1", "${sock}")`;

(reason ? test.skip : test)("owned by the service's user, 0600; other users cannot send, foreign senders are refused", async () => {
  ensureBuilt();
  sb = sandbox();
  // --sys is not needed: a root supervisor in user mode switches the service to nobody too
  const cfg = sb.write(
    "n.yaml",
    `version: "1"\nservices:\n  svc:\n    command: exec sleep 300\n    working_dir: /\n    user: nobody\n    readiness: { notify: true, timeout: 3s }\n`,
  );
  const p = spawnSysg(sb, ["start", "-c", cfg]);
  const sock = join(sb.home, ".local/share/systemg", "notify-svc.sock");
  await until("the notify socket", () => existsSync(sock));
  // open the way to the socket (the sandbox and the state dir are 0700), so only its own mode stands
  let dir = sock;
  while ((dir = dirname(dir)) !== dirname(sb.dir)) chmodSync(dir, 0o755);
  const st = statSync(sock);
  expect({ uid: st.uid, mode: st.mode & 0o777 }).toEqual({ uid: NOBODY, mode: 0o600 });
  // uid 1 (daemon) may not connect to nobody's 0600 socket
  const other = spawnSync("setpriv", ["--reuid=1", "--regid=1", "--clear-groups", PYTHON!, "-c", send(sock)], { encoding: "utf8" });
  expect(other.status).not.toBe(0);
  expect(other.stderr).toContain("PermissionError");
  // nobody may connect, but from outside the service's process tree: refused by its credentials
  const outsider = spawnSync("setpriv", [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", PYTHON!, "-c", send(sock)], { encoding: "utf8" });
  expect(outsider.status).toBe(0);
  await p.waitFor(new RegExp(`svc: notify message from pid \\d+ \\(uid ${NOBODY}\\) refused`));
  // root may connect, but is no process of the service: refused by its credentials
  expect(spawnSync(PYTHON!, ["-c", send(sock)]).status).toBe(0);
  await p.waitFor(/svc: notify message from pid \d+ \(uid 0\) refused/);
  await p.waitFor(/svc: readiness notify did not pass within 3000 ms/);
  p.signal("SIGTERM");
  expect(await p.exited).toBe(0);
});
