// Restart delay: `backoff` doubled per consecutive failure, capped at `backoff_max`, ±10 % jitter
// so that services crashing together do not restart in lockstep.

/** Delay in ms before restart number `attempt` (1 = first restart). */
export function backoffDelay(base: number, max: number, attempt: number, random: () => number = Math.random): number {
  if (base <= 0) return 0;
  const grown = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  const jitter = 1 + (random() * 2 - 1) * 0.1;
  return Math.max(0, Math.round(grown * jitter));
}
