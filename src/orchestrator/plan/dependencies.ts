// Which containers of a unit depend on which, and why: the edges that order their work.
// volumes_from, links, network_mode container:X and `after` are edges; sharing a user-defined
// network is not (the network is created before any container needs it).
import type { ContainerSpec, Unit } from '../model.ts';

export interface Edge {
  from: string;
  to: string;
  why: string;
}

/** Direct dependencies of a container: what must exist (or be done) before it. */
export function directDependencies(spec: ContainerSpec): Edge[] {
  const c = spec.creation;
  const edges: Edge[] = [
    ...c.volumesFrom.map((to) => ({ from: spec.name, to, why: `${spec.name} mounts ${to}'s volumes` })),
    ...Object.keys(c.links).map((to) => ({ from: spec.name, to, why: `${spec.name} links to ${to}` })),
    ...spec.after.map((to) => ({ from: spec.name, to, why: `${spec.name} comes after ${to}` })),
  ];
  if (c.networkMode?.startsWith('container:')) {
    const to = c.networkMode.slice('container:'.length);
    edges.push({ from: spec.name, to, why: `${spec.name} shares ${to}'s network` });
  }
  return edges;
}

/** For each container, every container it depends on, directly or not, with the first reason found. */
export function dependencyClosure(unit: Unit): Map<string, Map<string, string>> {
  const closure = new Map<string, Map<string, string>>();
  const visit = (name: string, seen: Set<string>): Map<string, string> => {
    const known = closure.get(name);
    if (known) return known;
    const result = new Map<string, string>();
    const spec = unit.containers.get(name);
    if (spec && !seen.has(name)) {
      seen.add(name);
      for (const edge of directDependencies(spec)) {
        if (!result.has(edge.to)) result.set(edge.to, edge.why);
        for (const [deeper, why] of visit(edge.to, seen)) if (!result.has(deeper)) result.set(deeper, why);
      }
      seen.delete(name);
    }
    closure.set(name, result);
    return result;
  };
  for (const name of unit.containers.keys()) visit(name, new Set());
  return closure;
}

/** Why work on `a` must wait for work on `b` written earlier (undefined: they are independent). */
export function relation(closure: Map<string, Map<string, string>>, a: string, b: string): string | undefined {
  if (a === b) return `same container`;
  return closure.get(a)?.get(b) ?? closure.get(b)?.get(a);
}
