// SO_PEERCRED end to end: a client process run as nobody (uid/gid 65534) against servers in
// user mode and --sys mode. Needs root (to switch users) and setpriv.
import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync } from "node:fs";
import { join } from "node:path";
import { defaultAuthorize } from "../../../src/ipc/authorize.ts";
import { startServer, type TestServer } from "./harness.ts";

const NOBODY = 65534;
const ADMIN_GID = 4242; // stands in for group systemg; need not exist in /etc/group
const setpriv = Bun.which("setpriv");
const skipReason =
  process.getuid?.() !== 0 ? "not root, cannot run a client as another user" : setpriv === null ? "setpriv not found" : null;
if (skipReason) console.warn(`peercred tests skipped: ${skipReason}`);

const FIXTURE = join(import.meta.dir, "fixtures", "call.ts");

interface CallOutput {
  pid: number;
  uid: number;
  reply: { ok: boolean; result?: unknown; error?: { code: string; message: string } };
}

async function callAs(s: TestServer, groups: number[], cmd: string, args: object = {}): Promise<CallOutput> {
  const groupArgs = groups.length ? [`--groups=${groups.join(",")}`] : ["--clear-groups"];
  const child = Bun.spawn(
    [setpriv!, `--reuid=${NOBODY}`, `--regid=${NOBODY}`, ...groupArgs, process.execPath, FIXTURE, s.path, cmd, JSON.stringify(args)],
    { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: s.dir }, stdout: "pipe", stderr: "pipe" },
  );
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  if (code !== 0) throw new Error(`client as nobody exited ${code}: ${err}`);
  return JSON.parse(out);
}

let current: TestServer | null = null;
async function serverFor(sys: boolean, mode: number) {
  current = await startServer({ mode, authorize: defaultAuthorize({ sys, ownerUid: 0, adminGids: [ADMIN_GID] }) });
  chmodSync(current.dir, 0o755); // as the --sys state dir; the socket's own mode is what is tested
  return current;
}
afterEach(async () => {
  await current?.cleanup();
  current = null;
});

describe.skipIf(skipReason !== null)("peer credentials", () => {
  test("user mode: nobody can connect to a 0666 socket but is refused every command, with the reason", async () => {
    const s = await serverFor(false, 0o666);
    for (const cmd of ["ping", "status", "stop"]) {
      const out = await callAs(s, [], cmd);
      expect(out.uid).toBe(NOBODY);
      expect(out.reply.ok).toBe(false);
      expect(out.reply.error!.code).toBe("forbidden");
      expect(out.reply.error!.message).toContain(`uid ${NOBODY}`);
    }
    expect(s.peers).toEqual([]); // refused before the supervisor saw anything
  });

  test("user mode, default 0600 socket: nobody cannot even connect", async () => {
    const s = await serverFor(false, 0o600);
    const out = await callAs(s, [], "status");
    expect(out.reply.error!.code).toBe("permission");
    expect(out.reply.error!.message).toContain(s.path);
  });

  test("sys mode: nobody may read; changing anything is refused and says who may", async () => {
    const s = await serverFor(true, 0o666);
    const status = await callAs(s, [], "status");
    expect(status.reply.ok).toBe(true);
    // The handler saw nobody's real credentials, pid included.
    expect(s.peers.at(-1)).toMatchObject({ pid: status.pid, uid: NOBODY, gid: NOBODY });

    const inspect = await callAs(s, [], "inspect", { name: "missing" });
    expect(inspect.reply.error!.code).toBe("unknown_service"); // reached the supervisor

    for (const cmd of ["stop", "restart", "shutdown"]) {
      const out = await callAs(s, [], cmd);
      expect(out.reply.error!.code).toBe("forbidden");
      expect(out.reply.error!.message).toContain("systemg");
    }
  });

  test("sys mode: a member of the admin group (supplementary) may change things", async () => {
    const s = await serverFor(true, 0o666);
    const out = await callAs(s, [ADMIN_GID], "stop", { service: "web" });
    expect(out.reply.ok).toBe(true);
    expect(s.peers.at(-1)).toMatchObject({ uid: NOBODY, groups: [ADMIN_GID] });
  });
});
