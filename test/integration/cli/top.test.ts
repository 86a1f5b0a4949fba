// `sysg top` in a real terminal: tmux runs it in a detached 120x36 pane; capture-pane reads
// the screen and send-keys drives it (select, restart, stop, start, follow, quit). Piped, it
// prints the table once with no escape codes.
import { afterEach, beforeAll, describe, expect, test } from "bun:test";
import { spawnSync } from "node:child_process";
import { SYSG, type Sandbox, ensureBuilt, run, sandbox, until } from "../../helpers/sysg.ts";

beforeAll(() => ensureBuilt());
let sb: Sandbox;
let socket = "";
afterEach(() => {
  if (socket) spawnSync("tmux", ["-L", socket, "kill-server"]);
  socket = "";
  sb?.cleanup();
});

const hasTmux = spawnSync("sh", ["-c", "command -v tmux"]).status === 0;
if (!hasTmux) console.log("skip: tmux is not installed (Debian package tmux): the terminal test of sysg top is skipped");

const CONFIG = `version: "1"
services:
  alpha:
    command: 'i=0; while true; do i=$((i+1)); echo "alpha tick $i"; echo "alpha warn $i" >&2; sleep 0.2; done'
  beta:
    command: 'i=0; while true; do i=$((i+1)); echo "beta tick $i"; sleep 0.2; done'
`;

function status(): { units: { name: string; state: string; pid: number | null; restarts: number }[] } {
  return JSON.parse(run(sb, ["status", "--json"]).stdout);
}

describe("sysg top", () => {
  test("in tmux: live table with sparklines, a log pane, and keys that select, restart, stop, start and quit", async () => {
    sb = sandbox();
    if (!hasTmux) return;
    const cfg = sb.write("top.yaml", CONFIG);
    expect(run(sb, ["start", "-c", cfg, "--daemonize"], { timeout: 30_000 }).code).toBe(0);
    socket = `sysg-top-${sb.tag}`;
    const tmux = (...a: string[]) => spawnSync("tmux", ["-L", socket, ...a], { encoding: "utf8", env: { ...sb.env, TERM: "xterm-256color" } });
    const env = Object.entries(sb.env).map(([k, v]) => `${k}=${v}`);
    expect(tmux("new-session", "-d", "-x", "120", "-y", "36", "env", ...env, SYSG, "top").status).toBe(0);
    const screen = () => tmux("capture-pane", "-p").stdout;
    // the table, the selected unit's (alpha) log pane with its stderr lines marked
    let s = await until("the table and alpha's logs", () => {
      const t = screen();
      return /> alpha\s+running/.test(t) && /beta\s+running/.test(t) && /alpha tick \d+/.test(t) && /\[stderr\] alpha warn/.test(t) && t;
    });
    expect(s).toContain("sysg top — 2 units");
    expect(s).toContain("CPU HISTORY");
    expect(s).toMatch(/[▁▂▃▄▅▆▇█]/);
    // down: beta selected, its logs shown
    tmux("send-keys", "j");
    s = await until("beta selected", () => {
      const t = screen();
      return /> beta/.test(t) && /beta tick \d+/.test(t) && !/alpha tick/.test(t) && t;
    });
    // r: beta restarted (a new pid, one restart more)
    const before = status().units.find((u) => u.name === "beta")!;
    tmux("send-keys", "r");
    await until("beta restarted", () => {
      const b = status().units.find((u) => u.name === "beta")!;
      return b.pid !== null && b.pid !== before.pid && b.state === "running";
    });
    await until("the restart reported on screen", () => /restart beta: beta restarted/.test(screen()));
    // s: stopped; t: started again
    tmux("send-keys", "s");
    await until("beta stopped", () => status().units.find((u) => u.name === "beta")!.state === "stopped");
    await until("stopped on screen", () => /> beta\s+stopped/.test(screen()));
    expect(status().units.find((u) => u.name === "alpha")!.state).toBe("running");
    tmux("send-keys", "t");
    await until("beta running again", () => status().units.find((u) => u.name === "beta")!.state === "running");
    // f pauses the log pane
    tmux("send-keys", "f");
    await until("paused", () => /beta logs \(paused/.test(screen()));
    // q: top exits and gives the terminal back (the session ends with its only pane)
    tmux("send-keys", "q");
    await until("top exited", () => tmux("has-session").status !== 0);
    run(sb, ["stop"]);
  }, 60_000);

  test("not a terminal: the table once, plain; --json; no supervisor is exit 1", async () => {
    sb = sandbox();
    expect(run(sb, ["top"]).code).toBe(1);
    const cfg = sb.write("top.yaml", CONFIG);
    expect(run(sb, ["start", "-c", cfg, "--daemonize"], { timeout: 30_000 }).code).toBe(0);
    try {
      const plain = run(sb, ["top"], { env: { NO_COLOR: "" } });
      expect(plain.code).toBe(0);
      expect(plain.stdout).not.toContain("\x1b");
      expect(plain.stdout).toMatch(/^UNIT\s+STATE\s+PID\s+CPU\s+CPU HISTORY\s+RSS\s+RSS HISTORY\s+RESTARTS\s+LAST EXIT/);
      expect(plain.stdout).toMatch(/^alpha\s+running\s+\d+/m);
      const json = JSON.parse(run(sb, ["top", "--json"]).stdout);
      expect(json.schema).toBe("sysg.top.v1");
      expect(json.status.units.map((u: { name: string }) => u.name).sort()).toEqual(["alpha", "beta"]);
      expect(Object.keys(json.history).sort()).toEqual(["alpha", "beta"]);
      expect(run(sb, ["top", "--interval", "0"]).code).toBe(2);
    } finally {
      run(sb, ["stop"]);
    }
  }, 40_000);
});
