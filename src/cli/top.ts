// `sysg top`: a live full-screen view of the supervisor, like `pm2 monit` — every unit with its
// state, CPU and RSS (and their sparklines), restarts and last exit; the selected unit's logs
// below; keys to restart, stop, start and follow. Not a terminal (or --once): the table once,
// plain, with sparklines from the supervisor's own history; --json: that as data.
import { writeSync } from "node:fs";
import { isatty } from "node:tty";
import type { StatusResult } from "../ipc/protocol.ts";
import { logSources, tailLogs } from "../runtime/logread.ts";
import type { RuntimePaths } from "../runtime/paths.ts";
import { globalArgs } from "./args.ts";
import { ask, cliPaths, describeError, printError } from "./client.ts";
import { defineCommand } from "./command.ts";
import { wantColor } from "./output.ts";
import { type TopModel, plainTop, renderTop } from "./top-view.ts";

const HISTORY = 60;

export default defineCommand({
  meta: {
    name: "top",
    description: "Live view of every unit: state, CPU/RSS sparklines, restarts, last exit, the selected unit's logs; keys restart/stop/start/follow",
    examples: ["sysg top", "sysg top --once", "sysg top --json"],
  },
  args: {
    interval: { type: "string", default: "1", description: "Seconds between refreshes", valueHint: "secs" },
    once: { type: "boolean", description: "Print the table once, plain (what a pipe gets)" },
    json: { type: "boolean", description: "Print {schema, status, history} once" },
    ...globalArgs,
  },
  async run({ args }): Promise<number> {
    const paths = cliPaths(args);
    const every = Number(args.interval);
    if (!Number.isFinite(every) || every < 0.1) {
      await printError(`sysg: top: --interval: expected seconds (at least 0.1), got "${args.interval}"`, "e.g. --interval 2");
      return 2;
    }
    if (args.json || args.once || !isatty(1) || !isatty(0)) return snapshot(paths, args.json === true);
    return live(paths, every * 1000, wantColor(args.color, true));
  },
});

async function fetchStatus(paths: RuntimePaths): Promise<{ status: StatusResult } | { problem: string; hint?: string }> {
  const reply = await ask(paths, "status", {}, 5000);
  if (reply.ok) return { status: reply.result };
  const d = describeError("top", reply.error, paths);
  return { problem: d.message, hint: d.hint };
}

/** CPU/RSS samples of the last minute from the supervisor's 1 Hz history. */
async function supervisorHistory(paths: RuntimePaths, names: string[]) {
  const history = new Map<string, { cpu: number[]; rss: number[] }>();
  for (const name of names) {
    const r = await ask(paths, "inspect", { name, window: HISTORY }, 5000);
    if (r.ok) history.set(name, { cpu: r.result.samples.map((s) => s.cpu), rss: r.result.samples.map((s) => s.rss) });
  }
  return history;
}

async function snapshot(paths: RuntimePaths, json: boolean): Promise<number> {
  const got = await fetchStatus(paths);
  if ("problem" in got) {
    await printError(got.problem, got.hint);
    return 1;
  }
  const history = await supervisorHistory(paths, got.status.units.map((u) => u.name));
  if (json) {
    console.log(JSON.stringify({ schema: "sysg.top.v1", status: got.status, history: Object.fromEntries(history) }, null, 2));
  } else {
    console.log(plainTop(got.status, history).join("\n"));
  }
  return 0;
}

async function live(paths: RuntimePaths, every: number, color: boolean): Promise<number> {
  const m: TopModel = { status: null, problem: null, history: new Map(), selected: 0, logs: [], following: true, message: "" };
  const out = (s: string) => {
    try {
      writeSync(1, s);
    } catch {}
  };
  let busy = false;
  let done: (() => void) | null = null;
  const finished = new Promise<void>((r) => {
    done = r;
  });
  const stdin = process.stdin;
  const size = () => ({ width: process.stdout.columns || 80, height: process.stdout.rows || 24 });
  const draw = () => {
    const { width, height } = size();
    const lines = renderTop(m, { width, height, color });
    out(`\x1b[H${lines.map((l) => `${l}\x1b[K`).join("\r\n")}\x1b[J`);
  };
  const selectedName = () => m.status?.units[m.selected]?.name;
  const refresh = async () => {
    const got = await fetchStatus(paths);
    if ("status" in got) {
      const before = selectedName();
      m.status = got.status;
      m.problem = null;
      for (const u of got.status.units) {
        const h = m.history.get(u.name) ?? { cpu: [], rss: [] };
        h.cpu.push(u.cpu);
        h.rss.push(u.rss);
        if (h.cpu.length > HISTORY) h.cpu.shift();
        if (h.rss.length > HISTORY) h.rss.shift();
        m.history.set(u.name, h);
      }
      // keep the same unit selected when the list changes
      const again = before === undefined ? -1 : got.status.units.findIndex((u) => u.name === before);
      m.selected = again >= 0 ? again : Math.min(m.selected, Math.max(0, got.status.units.length - 1));
    } else {
      m.problem = got.hint ? `${got.problem} (${got.hint})` : got.problem;
    }
    const name = selectedName();
    if (name !== undefined && m.following) {
      const { height } = size();
      m.logs = tailLogs(logSources(paths.logDir, [name], "all"), Math.max(1, height)).lines;
    }
  };
  const act = async (cmd: "restart" | "stop" | "start") => {
    const name = selectedName();
    if (name === undefined) return;
    m.message = `${cmd} ${name}…`;
    draw();
    const r = await ask(paths, cmd, { service: name }, 60_000);
    m.message = r.ok ? `${cmd} ${name}: ${r.result.units.map((u) => `${u.name} ${u.action} (${u.state})`).join(", ") || "done"}` : `${cmd} ${name}: ${r.error.message}`;
    await refresh();
    draw();
  };
  const onKey = (buf: Buffer) => {
    const k = buf.toString("utf8");
    if (k === "q" || k === "\x03" || k === "\x1b") return done?.();
    if (busy) return;
    const n = m.status?.units.length ?? 0;
    if (k === "j" || k === "\x1b[B") m.selected = Math.min(n - 1, m.selected + 1);
    else if (k === "k" || k === "\x1b[A") m.selected = Math.max(0, m.selected - 1);
    else if (k === "f") m.following = !m.following;
    else if (k === "r" || k === "s" || k === "t") {
      busy = true;
      void act(k === "r" ? "restart" : k === "s" ? "stop" : "start").finally(() => {
        busy = false;
      });
      return;
    } else return;
    void refresh().then(draw);
  };
  // the alternate screen, no cursor, raw keys; all undone on every way out
  out("\x1b[?1049h\x1b[?25l");
  stdin.setRawMode(true);
  stdin.resume();
  stdin.on("data", onKey);
  const onSignal = () => done?.();
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  const onResize = () => draw();
  process.stdout.on("resize", onResize);
  const seed = await fetchStatus(paths);
  // (one inspect per unit: skipped for very large configs, whose sparklines then fill as top runs)
  if ("status" in seed && seed.status.units.length <= 100) {
    // start the sparklines with the supervisor's last minute
    for (const [name, h] of await supervisorHistory(paths, seed.status.units.map((u) => u.name))) m.history.set(name, h);
  }
  await refresh();
  draw();
  const timer = setInterval(() => {
    if (busy) return;
    void refresh().then(draw);
  }, every);
  try {
    await finished;
  } finally {
    clearInterval(timer);
    stdin.off("data", onKey);
    stdin.setRawMode(false);
    stdin.pause();
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
    process.stdout.off("resize", onResize);
    out("\x1b[?25h\x1b[?1049l");
  }
  return 0;
}
