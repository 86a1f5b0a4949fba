// What every operator command needs around the control socket: this mode's paths, one request
// over the fastest transport, and — when it fails — one error line saying what and where, then
// a hint. Kept free of typebox and consola so `sysg status --json` stays fast.
import { homedir } from "node:os";
import { type ClientError, type Reply, callIpc } from "../ipc/client.ts";
import type { Connector } from "../platform/types.ts";
import type { ArgsOf, CommandName, ResultOf } from "../ipc/protocol.ts";
import { type RuntimePaths, runtimePaths } from "../runtime/paths.ts";
import { loadConnector } from "./index.ts";

export function cliPaths(args: { sys?: boolean }): RuntimePaths {
  return runtimePaths({ sys: args.sys === true, home: process.env.HOME || homedir() });
}

/** The Bun connector when the entry wired one (the compiled CLI), else the portable default. */
async function connector(): Promise<Connector | undefined> {
  try {
    return await loadConnector();
  } catch {
    return undefined;
  }
}

/** One request to this mode's supervisor. */
export async function ask<C extends CommandName>(
  paths: RuntimePaths,
  cmd: C,
  args: ArgsOf<C>,
  timeoutMs?: number,
): Promise<Reply<ResultOf<C>>> {
  return callIpc(paths.controlSock, cmd, args, { connector: await connector(), ...(timeoutMs ? { timeoutMs } : {}) });
}

/** A human error on stderr in the one voice (say.ts): `message` is `sysg: <where>: <what>`. */
export async function printError(message: string, hint?: string): Promise<void> {
  console.error(hint ? `${message}\n  hint: ${hint}` : message);
}

/** `sysg` or `sysg --sys`, for hints that name a command. */
export function modeCommand(paths: RuntimePaths): string {
  return paths.sys ? "sysg --sys" : "sysg";
}

/** Why a request failed, as an error line and the hint that fits the failure. */
export function describeError(command: string, error: ClientError, paths: RuntimePaths): { message: string; hint?: string } {
  const sysg = modeCommand(paths);
  const hints: Partial<Record<ClientError["code"], string>> = {
    no_supervisor: `start one with \`${sysg} start --daemonize\`${paths.sys ? "" : " (the system supervisor is reached with --sys)"}`,
    timeout: `the supervisor may be stuck; \`${sysg} purge\` stops it and removes its state`,
    disconnected: `the supervisor may have exited; see ${paths.supervisorLog}`,
    forbidden: paths.sys ? "run as root or as a member of group systemg" : "run as the supervisor's owner or root",
    version: "run the same sysg version as the supervisor (stop it and start it again with this one)",
  };
  // the supervisor ends some refusals (busy, spawn's) with its own "; hint: …": on its own line here
  const at = error.message.indexOf("; hint: ");
  const text = at >= 0 ? error.message.slice(0, at) : error.message;
  const own = at >= 0 ? error.message.slice(at + "; hint: ".length) : undefined;
  return { message: `sysg: ${command}: ${text}`, hint: hints[error.code] ?? own };
}
