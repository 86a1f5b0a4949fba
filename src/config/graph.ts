// The depends_on graph: its errors (unknown names, self-dependency, cycles printed as the real
// path), start order (dependencies first, ties by name) and the lookups the supervisor needs.
import { type ConfigError, pathOf } from "./errors.ts";
import { show } from "../model/parsed.ts";
import { suggest } from "../model/suggest.ts";

/** Service name → the names it depends on, as written. */
export type Dependencies = Readonly<Record<string, readonly string[]>>;

/** Every problem in the graph; empty when it can be ordered. */
export function checkDependencies(deps: Dependencies): ConfigError[] {
  const names = Object.keys(deps).sort();
  const errors: ConfigError[] = [];
  for (const name of names) {
    deps[name]!.forEach((dep, i) => {
      const path = pathOf(["services", name, "depends_on", i]);
      if (dep === name) errors.push({ path, message: `${show(name)} depends on itself`, hint: "remove this entry" });
      else if (!(dep in deps)) {
        const near = suggest(dep, names.filter((n) => n !== name));
        const hint = near ? `did you mean ${show(near)}?` : `services are: ${names.join(", ")}`;
        errors.push({ path, message: `unknown service ${show(dep)}`, hint });
      }
    });
  }
  for (const cycle of findCycles(deps)) {
    const [first, second] = cycle;
    const i = deps[first!]!.indexOf(second!);
    errors.push({
      path: pathOf(["services", first!, "depends_on", i]),
      message: `dependency cycle: ${cycle.join(" -> ")}`,
      hint: "remove one of these dependencies",
    });
  }
  return errors;
}

/** Edges to known services other than itself, duplicates removed, sorted. */
function edges(deps: Dependencies, name: string): string[] {
  return [...new Set(deps[name] ?? [])].filter((d) => d !== name && d in deps).sort();
}

/**
 * One cycle per strongly connected component (Tarjan), as the path a -> b -> … -> a that
 * starts at the component's first name and is shortest from there: deterministic and real.
 */
function findCycles(deps: Dependencies): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  // Iterative (an explicit stack of [node, its edges, next edge]): a chain of 100k services
  // must not overflow the call stack.
  const visit = (root: string): void => {
    const frames: [string, string[], number][] = [];
    const enter = (v: string) => {
      index.set(v, index.size);
      low.set(v, index.get(v)!);
      stack.push(v);
      onStack.add(v);
      frames.push([v, edges(deps, v), 0]);
    };
    enter(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const [v, out] = frame;
      if (frame[2] < out.length) {
        const w = out[frame[2]++]!;
        if (!index.has(w)) enter(w);
        else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low.set(parent[0], Math.min(low.get(parent[0])!, low.get(v)!));
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        if (component.length > 1) components.push(component.sort());
      }
    }
  };
  for (const name of Object.keys(deps).sort()) if (!index.has(name)) visit(name);
  return components.sort((a, b) => (a[0]! < b[0]! ? -1 : 1)).map((c) => shortestCycle(deps, c));
}

/** Breadth-first from the component's first name back to itself, staying inside it. */
function shortestCycle(deps: Dependencies, component: string[]): string[] {
  const start = component[0]!;
  const inside = new Set(component);
  const previous = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const v = queue[head]!;
    for (const w of edges(deps, v)) {
      if (w === start) {
        const path = [start];
        for (let at: string | undefined = v; at !== start && at !== undefined; at = previous.get(at)) path.splice(1, 0, at);
        return [...path, start];
      }
      if (inside.has(w) && !previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start]; // unreachable for a real component
}

/** Start order: every service after its dependencies; among those ready at once, by name. */
export function startOrder(deps: Dependencies): string[] {
  const waiting = new Map<string, number>();
  for (const name of Object.keys(deps)) waiting.set(name, edges(deps, name).length);
  const ready = [...waiting].filter(([, n]) => n === 0).map(([name]) => name).sort();
  const order: string[] = [];
  const dependents = dependentsIndex(deps);
  for (let next = 0; next < ready.length; next++) {
    const name = ready[next]!;
    order.push(name);
    for (const d of dependents.get(name) ?? []) {
      const left = waiting.get(d)! - 1;
      waiting.set(d, left);
      if (left === 0) insertSorted(ready, d, next + 1);
    }
  }
  return order;
}

/** name → the services that depend on it (sorted), built once: O(edges), not O(services²). */
function dependentsIndex(deps: Dependencies): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const n of Object.keys(deps).sort())
    for (const d of edges(deps, n)) {
      const list = out.get(d);
      if (list) list.push(n);
      else out.set(d, [n]);
    }
  return out;
}

/** Inserts `item` into the sorted tail list[from…]. */
function insertSorted(list: string[], item: string, from: number): void {
  let at = list.length;
  while (at > from && list[at - 1]! > item) at--;
  list.splice(at, 0, item);
}

/** Stop order: the reverse of the start order, so dependents stop before what they use. */
export function stopOrder(deps: Dependencies): string[] {
  return startOrder(deps).reverse();
}

/** Services that name `name` in depends_on, sorted. */
export function dependentsOf(deps: Dependencies, name: string): string[] {
  return Object.keys(deps).filter((n) => edges(deps, n).includes(name)).sort();
}

/** Every service that depends on `name` directly or through others, in stop order. */
export function allDependentsOf(deps: Dependencies, name: string): string[] {
  const found = new Set<string>();
  const dependents = dependentsIndex(deps);
  const queue = [name];
  while (queue.length > 0)
    for (const d of dependents.get(queue.pop()!) ?? []) {
      if (found.has(d)) continue;
      found.add(d);
      queue.push(d);
    }
  return stopOrder(deps).filter((n) => found.has(n));
}

/** Dependencies of a resolved config's services, for the functions above. */
export function dependenciesOf(services: Readonly<Record<string, { depends_on: readonly string[] }>>): Dependencies {
  return Object.fromEntries(Object.entries(services).map(([name, s]) => [name, s.depends_on]));
}
