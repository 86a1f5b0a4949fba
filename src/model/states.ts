// Unit states and health (SPEC §2). The same words appear in status, JSON and state files.
import { type Static, Type } from "@sinclair/typebox";

export const UnitState = Type.Union([
  Type.Literal("pending"),
  Type.Literal("starting"),
  Type.Literal("running"),
  Type.Literal("stopping"),
  Type.Literal("stopped"),
  Type.Literal("exited"),
  Type.Literal("crashed"),
  Type.Literal("failed"),
  Type.Literal("skipped"),
]);
export type UnitState = Static<typeof UnitState>;

export const Health = Type.Union([
  Type.Literal("healthy"),
  Type.Literal("inactive"),
  Type.Literal("degraded"),
  Type.Literal("failing"),
]);
export type Health = Static<typeof Health>;

const HEALTH: Record<UnitState, Health> = {
  running: "healthy",
  exited: "healthy",
  stopped: "inactive",
  skipped: "inactive",
  pending: "degraded",
  starting: "degraded",
  crashed: "degraded",
  stopping: "degraded",
  failed: "failing",
};

export function healthOf(state: UnitState): Health {
  return HEALTH[state];
}

const RANK: Record<Health, number> = { inactive: 0, healthy: 1, degraded: 2, failing: 3 };

/** The worst unit's health, inactive ignored; no active unit at all counts as healthy. */
export function overallHealth(healths: Iterable<Health>): Health {
  let worst: Health = "healthy";
  for (const h of healths) if (h !== "inactive" && RANK[h] > RANK[worst]) worst = h;
  return worst;
}

/** States in which a dependent may start (SPEC §2: ready, skipped, or one-shot exited 0). */
export function satisfiesDependents(state: UnitState): boolean {
  return state === "running" || state === "exited" || state === "skipped";
}

/** States in which the first attempt has settled (what `start --daemonize` waits for). */
export function isSettled(state: UnitState): boolean {
  return state !== "pending" && state !== "starting";
}
