// How a run ended: the supervisor keeps it per unit (status' last_exit), hooks, cron and the
// lifecycle describe it in reasons and messages.

export interface LastExit {
  code: number | null;
  signal: string | null;
  /** ms since epoch */
  at: number;
}

/** "exited with code 3", "killed by SIGKILL" — for reasons and messages. */
export function describeExit(s: Pick<LastExit, "code" | "signal">): string {
  return s.signal !== null ? `killed by ${s.signal}` : `exited with code ${s.code}`;
}
