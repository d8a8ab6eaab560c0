// A run's plan: the orders left after variant filtering, each with the earlier orders it waits
// for and why. Orders on independent containers run in parallel; an order waits for every
// earlier order on the same container or on one it depends on (or that depends on it), and a
// host order waits for everything before it and holds everything after it.
import type { Order, Unit } from '../model.ts';
import { dependencyClosure, relation } from './dependencies.ts';

/** One order of a plan, with the earlier steps it waits for and why. */
export interface Step {
  /** 1-based, in file order. */
  number: number;
  order: Order;
  /** Steps this one waits for, with the reason, reduced to the nearest ones. */
  waitsFor: Array<{ step: number; why: string }>;
}

/** A run's plan: the steps left after variant filtering, and the orders skipped. */
export interface Plan {
  unit: Unit;
  variants: string[];
  steps: Step[];
  /** Orders left out because none of their variants was asked for. */
  skipped: Order[];
}

/** Orders without variants always run; the others only when one of theirs is asked for. */
export function selectOrders(orders: Order[], variants: string[]): { kept: Order[]; skipped: Order[] } {
  const kept: Order[] = [];
  const skipped: Order[] = [];
  for (const order of orders) {
    if (order.variants.length === 0 || order.variants.some((v) => variants.includes(v))) kept.push(order);
    else skipped.push(order);
  }
  return { kept, skipped };
}

/** An order in words: "start web", "execute on host". */
export function describeOrder(order: Order): string {
  return order.container === undefined ? `${order.command} on host` : `${order.command} ${order.container}`;
}

/** The plan of a unit for these variants: which orders run, and what each waits for. */
export function planRun(unit: Unit, variants: string[] = []): Plan {
  const { kept, skipped } = selectOrders(unit.orders, variants);
  const closure = dependencyClosure(unit);
  const steps: Step[] = [];
  // ancestors[i]: every step that step i waits for, directly or not (to drop redundant waits).
  const ancestors: Set<number>[] = [];
  kept.forEach((order, i) => {
    const candidates: Array<{ step: number; why: string }> = [];
    for (let j = i - 1; j >= 0; j--) {
      const earlier = kept[j]!;
      let why: string | undefined;
      if (order.container === undefined) why = 'a host order runs after everything before it';
      else if (earlier.container === undefined) why = 'after the host order';
      else why = relation(closure, order.container, earlier.container);
      if (why !== undefined) candidates.push({ step: j, why });
    }
    const all = new Set<number>();
    const waitsFor: Array<{ step: number; why: string }> = [];
    // Nearest first: a candidate already reached through a nearer one is redundant.
    for (const candidate of candidates) {
      if (all.has(candidate.step)) continue;
      waitsFor.push({ step: candidate.step + 1, why: candidate.why });
      all.add(candidate.step);
      for (const a of ancestors[candidate.step]!) all.add(a);
    }
    ancestors.push(all);
    steps.push({ number: i + 1, order, waitsFor: waitsFor.reverse() });
  });
  return { unit, variants, steps, skipped };
}
