// Feedback while the CLI waits on the supervisor (restart, stop, start --daemonize): on a
// terminal, one line on stderr redrawn twice a second with what is being waited for —
// "db: waiting for readiness 2s/4s", "web: stopping 3s (stubborn: SIGKILL in 7s)" — read from
// a second connection's `status` (a slow change never blocks status). Timeouts come from the
// config the supervisor runs. Off a terminal it prints nothing: logs and pipes stay clean.
import { writeSync } from "node:fs";
import { isatty } from "node:tty";
import type { StatusUnit } from "../ipc/protocol.ts";
import type { RuntimePaths } from "../runtime/paths.ts";
import { ask } from "./client.ts";

const EVERY_MS = 500;

interface Timeouts {
  readiness: number;
  stop: number;
}

export interface Progress {
  stop(): void;
}

const none: Progress = { stop() {} };

/** Starts the redraw when stderr is a terminal; `stop()` clears the line. */
export function startProgress(paths: RuntimePaths, opts: { enabled?: boolean } = {}): Progress {
  if (opts.enabled === false || !isatty(2)) return none;
  let timeouts: Map<string, Timeouts> | null = null;
  const stoppingSince = new Map<string, number>();
  let shown = false;
  let stopped = false;
  let busy = false;
  const tick = async () => {
    if (busy || stopped) return;
    busy = true;
    try {
      if (timeouts === null) timeouts = await loadTimeouts(paths);
      const r = await ask(paths, "status", { all: true }, 2_000);
      if (stopped || !r.ok) return;
      const line = describeWaits(r.result.units, timeouts, stoppingSince, Date.now());
      if (line === null && !shown) return;
      say(`\r\x1b[K${line ?? ""}`);
      shown = line !== null;
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), EVERY_MS);
  return {
    stop() {
      stopped = true;
      clearInterval(timer);
      if (shown) say("\r\x1b[K");
    },
  };
}

function say(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // a terminal that went away: nothing to draw on
  }
}

/** The progress line for these units, or null when nothing is being waited for. */
export function describeWaits(units: StatusUnit[], timeouts: Map<string, Timeouts>, stoppingSince: Map<string, number>, now: number): string | null {
  const parts: string[] = [];
  for (const u of units) {
    const t = timeouts.get(u.name);
    if (u.state === "stopping") {
      const since = stoppingSince.get(u.name) ?? now;
      stoppingSince.set(u.name, since);
      const waited = Math.floor((now - since) / 1000);
      if (t) {
        const left = Math.max(0, Math.ceil((t.stop - (now - since)) / 1000));
        parts.push(`${u.name}: stopping ${waited}s (${waited >= 1 ? "stubborn: " : ""}SIGKILL in ${left}s)`);
      } else parts.push(`${u.name}: stopping ${waited}s`);
    } else {
      stoppingSince.delete(u.name);
      if (u.state === "starting") {
        const waited = Math.floor(u.uptime);
        parts.push(t ? `${u.name}: waiting for readiness ${waited}s/${Math.round(t.readiness / 1000)}s` : `${u.name}: starting ${waited}s`);
      } else if (u.state === "pending") {
        parts.push(`${u.name}: waiting for its dependencies`);
      } else if (u.state === "crashed" && u.reason) {
        parts.push(`${u.name}: crashed, restarting`);
      }
    }
  }
  return parts.length === 0 ? null : parts.join(" · ");
}

/** Readiness and stop timeouts per service, from the config the supervisor runs. */
async function loadTimeouts(paths: RuntimePaths): Promise<Map<string, Timeouts>> {
  const out = new Map<string, Timeouts>();
  const ping = await ask(paths, "ping", {}, 2_000);
  if (!ping.ok || ping.result.config === null) return out;
  const { loadConfig } = await import("../config/index.ts");
  const loaded = await loadConfig({ config: ping.result.config, cwd: "/", home: process.env.HOME ?? "/", sys: paths.sys, baseEnv: {} });
  if (!loaded.ok) return out;
  for (const s of Object.values(loaded.config.services)) out.set(s.name, { readiness: s.readiness.timeout, stop: s.stop_timeout });
  return out;
}
