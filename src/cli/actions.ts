// What stop -s, restart and reload share: send one change request, then print what happened
// to each unit (ActionResult), or the --json document as the supervisor sent it.
import type { ArgsOf, ActionResult } from "../ipc/protocol.ts";
import type { RuntimePaths } from "../runtime/paths.ts";
import { ask, describeError, printError } from "./client.ts";
import { paint, wantColor } from "./output.ts";
import { isatty } from "node:tty";

/** Changes wait for stop timeouts and readiness probes; a human can always press Ctrl-C. */
const ACTION_TIMEOUT_MS = 15 * 60_000;

type ActionCommand = "stop" | "restart" | "reload";

export async function runAction<C extends ActionCommand>(
  paths: RuntimePaths,
  cmd: C,
  args: ArgsOf<C>,
  out: { json: boolean; color: boolean | undefined },
): Promise<number> {
  const { startProgress } = await import("./progress.ts");
  const progress = startProgress(paths, { enabled: !out.json });
  const reply = await ask(paths, cmd, args, ACTION_TIMEOUT_MS).finally(() => progress.stop());
  if (!reply.ok) {
    if (reply.error.code === "unknown_service") {
      await printError(`sysg: ${cmd}: ${reply.error.message}`, await knownUnitsHint(paths, reply.error.message));
    } else {
      const d = describeError(cmd, reply.error, paths);
      await printError(d.message, d.hint);
    }
    return 1;
  }
  const result = reply.result as ActionResult;
  if (out.json) console.log(JSON.stringify(result, null, 2));
  else console.log(renderActions(result, wantColor(out.color, isatty(1))).join("\n"));
  return result.units.some((u) => u.state === "failed" || u.action === "deploy_failed") ? 1 : 0;
}

/** "known units: a, b, c" from the supervisor, for an unknown_service error whose message does
 *  not list them already. */
export async function knownUnitsHint(paths: RuntimePaths, message: string): Promise<string | undefined> {
  if (message.includes("known")) return undefined;
  const known = await ask(paths, "status", { all: true }, 10_000);
  if (!known.ok || known.result.units.length === 0) return undefined;
  return `known units: ${known.result.units.map((u) => u.name).join(", ")}`;
}

const ACTION_COLOR: Record<string, number> = { started: 32, restarted: 32, stopped: 33, unchanged: 90, deploy_failed: 31 };

/** One line per unit: "web      restarted  running", then the reason when there is one. */
export function renderActions(result: ActionResult, color: boolean): string[] {
  if (result.units.length === 0) return ["nothing to do"];
  const nameWidth = Math.max(...result.units.map((u) => u.name.length));
  return result.units.map((u) => {
    const action = paint(color, ACTION_COLOR[u.action] ?? 0, u.action.padEnd(9));
    const state = u.state === "failed" ? paint(color, 31, u.state) : u.state;
    return `${u.name.padEnd(nameWidth)}  ${action}  ${state}${u.reason ? ` (${u.reason})` : ""}`;
  });
}
