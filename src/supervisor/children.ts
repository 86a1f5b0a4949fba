// Dynamic children (`sysg spawn`, SPEC §5): units a running service (or an operator) starts
// under a parent at run time. A child runs in its root service's execution context — env,
// working dir, user, limits, cgroup, output files — plus its own env overrides, and is stopped
// when its TTL ends or when its parent's run ends. The root service's `spawn: {max_children,
// max_depth}` bounds how many may live under it and how deep they may nest.
import type { ResolvedService } from "../config/resolved.ts";
import type { ExitStatus, Platform } from "../platform/types.ts";
import { describeExit } from "../model/exit.ts";
import { type Child, type ExecContext, type OutputSink, startChild } from "./child.ts";

/** What a child needs of its root service to run like it. */
export interface ExecutionContext {
  svc: ResolvedService;
  /** the serving run's execution context (user, caps, limits, namespaces, cgroup, env, cwd) */
  exec: ExecContext;
  /** laid over it (SYSG_SOCKET) */
  env: Record<string, string>;
  stdout: OutputSink;
  stderr: OutputSink;
}

export interface SpawnedUnit {
  /** "<parent>/<name>" */
  name: string;
  parent: string;
  /** the service at the top of the chain; its `spawn` config bounds the tree */
  root: string;
  /** 1 for a service's child, 2 for a grandchild, … */
  depth: number;
  pid: number;
  startedAt: number;
  ttl: number | null;
}

export interface SpawnOrder {
  parent: string;
  name?: string;
  /** ms */
  ttl?: number;
  env?: Record<string, string>;
  argv: string[];
}

export type SpawnAnswer =
  | { ok: true; unit: SpawnedUnit }
  /** refused: the message, then "; hint: …" */
  | { ok: false; code: "unknown_service" | "bad_request"; message: string };

interface Live {
  unit: SpawnedUnit;
  child: Child;
  stopSignal: string;
  stopTimeout: number;
  timer: ReturnType<typeof setTimeout> | null;
  stopping: Promise<void> | null;
}

export interface ChildrenDeps {
  platform: Platform;
  report: (level: "info" | "warn" | "error", unit: string, text: string) => void;
  /** a parent service's state and execution context, or why it cannot have children now */
  contextOf: (service: string) => { ok: true; ctx: ExecutionContext } | { ok: false; message: string };
  /** a child started or ended (state files) */
  changed: () => void;
  /** the env that marks a run of `unit` as ours (SYSG_UNIT), or {} */
  mark: (unit: string) => Record<string, string>;
}

export class SpawnedChildren {
  private readonly live = new Map<string, Live>();
  private counter = 0;

  constructor(private readonly deps: ChildrenDeps) {}

  get(name: string): SpawnedUnit | null {
    return this.live.get(name)?.unit ?? null;
  }

  list(): SpawnedUnit[] {
    return [...this.live.values()].map((l) => l.unit);
  }

  /** The live unit (a child, or null) owning `pid` itself. */
  byPid(pid: number): SpawnedUnit | null {
    for (const l of this.live.values()) if (l.unit.pid === pid) return l.unit;
    return null;
  }

  spawn(order: SpawnOrder): SpawnAnswer {
    const nested = order.parent.includes("/");
    const parentChild = nested ? this.live.get(order.parent) : undefined;
    if (nested && !parentChild) {
      return { ok: false, code: "unknown_service", message: `no running child "${order.parent}"; hint: \`sysg status\` lists the children under their services` };
    }
    const root = parentChild ? parentChild.unit.root : order.parent;
    const depth = parentChild ? parentChild.unit.depth + 1 : 1;
    const found = this.deps.contextOf(root);
    if (!found.ok) return { ok: false, code: found.message.startsWith("unknown service") ? "unknown_service" : "bad_request", message: found.message };
    const { ctx } = found;
    const limits = ctx.svc.spawn;
    if (!limits) {
      return {
        ok: false,
        code: "bad_request",
        message: `${root} does not allow dynamic children; hint: add spawn: {max_children: N} to services.${root} in the config`,
      };
    }
    if (depth > limits.max_depth) {
      return {
        ok: false,
        code: "bad_request",
        message: `"${order.parent}" may not have children: depth ${depth} is past services.${root}.spawn.max_depth (${limits.max_depth}); hint: raise max_depth, or spawn under ${root}`,
      };
    }
    const under = this.list().filter((u) => u.root === root).length;
    if (under >= limits.max_children) {
      return {
        ok: false,
        code: "bad_request",
        message: `${root} already has ${under} live child${under === 1 ? "" : "ren"}, its limit (services.${root}.spawn.max_children: ${limits.max_children}); hint: wait for one to end (or stop it), or raise max_children`,
      };
    }
    const own = order.name ?? `child-${++this.counter}`;
    const name = `${order.parent}/${own}`;
    if (this.live.has(name)) {
      return { ok: false, code: "bad_request", message: `a child named "${name}" is already running; hint: pick another --name` };
    }
    // SYSG_UNIT: the attribution mark (runtime/attribution.ts), so recovery after a SIGKILLed
    // supervisor finds a child's processes like a service's
    const env = { ...ctx.env, ...order.env, SYSG_PARENT: order.parent, SYSG_CHILD: name, ...this.deps.mark(name) };
    const r = startChild(this.deps.platform, ctx.exec, {
      command: order.argv,
      env,
      stdout: ctx.stdout,
      stderr: ctx.stderr,
      extra: { session: true },
    });
    if (!r.ok) return { ok: false, code: "bad_request", message: `${name} could not start: ${r.error.message}` };
    const unit: SpawnedUnit = { name, parent: order.parent, root, depth, pid: r.child.pid, startedAt: r.child.startedAt, ttl: order.ttl ?? null };
    const l: Live = { unit, child: r.child, stopSignal: ctx.svc.stop_signal, stopTimeout: ctx.svc.stop_timeout, timer: null, stopping: null };
    this.live.set(name, l);
    if (order.ttl !== undefined) {
      l.timer = setTimeout(() => {
        l.timer = null;
        this.deps.report("info", name, `ttl of ${order.ttl} ms ended; stopping it`);
        void this.stopOne(l);
      }, order.ttl);
    }
    r.child.exit.then((status) => this.ended(l, status));
    this.deps.report("info", name, `spawned under ${order.parent} (pid ${unit.pid})${unit.ttl ? `, ttl ${unit.ttl} ms` : ""}`);
    this.deps.changed();
    return { ok: true, unit };
  }

  private ended(l: Live, status: ExitStatus): void {
    if (l.timer) clearTimeout(l.timer);
    l.timer = null;
    if (this.live.get(l.unit.name) === l) this.live.delete(l.unit.name);
    this.deps.report(status.code === 0 ? "info" : "warn", l.unit.name, describeExit(status));
    // its own children go with it
    void this.stopUnder(l.unit.name);
    this.deps.changed();
  }

  /** Stops every child below `parent` (a service or a child), deepest first. */
  async stopUnder(parent: string): Promise<void> {
    const below = [...this.live.values()].filter((l) => l.unit.name.startsWith(`${parent}/`));
    below.sort((a, b) => b.unit.depth - a.unit.depth);
    await Promise.all(below.map((l) => this.stopOne(l)));
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.live.values()].map((l) => this.stopOne(l)));
  }

  /** stop signal to the child's group, its root's stop_timeout, then SIGKILL to the group. */
  private stopOne(l: Live): Promise<void> {
    if (l.stopping) return l.stopping;
    const { platform } = this.deps;
    const pid = l.unit.pid;
    l.stopping = (async () => {
      if (!platform.kill(-pid, l.stopSignal)) platform.kill(pid, l.stopSignal);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = await Promise.race([
        l.child.exit.then(() => false),
        new Promise<boolean>((r) => (timer = setTimeout(() => r(true), l.stopTimeout))),
      ]);
      clearTimeout(timer);
      // whatever is left of its group (also after a clean exit of the main process)
      platform.kill(-pid, "SIGKILL");
      if (timedOut) await l.child.exit;
    })();
    return l.stopping;
  }
}
