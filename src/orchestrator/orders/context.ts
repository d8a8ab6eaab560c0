// What every order gets: the engine, the unit, where it runs from, and where to report.
import type { Harpoon } from '../../core/client.ts';
import type { ContainerSpec, Order, Unit } from '../model.ts';
import type { CheckResult } from '../checks/result.ts';
import { OrderFailure } from '../apply/failure.ts';

export type OrderEvent =
  /** A line of output of the order's work (build steps, an execute's output), for the terminal. */
  { type: 'output'; text: string } | { type: 'check'; result: CheckResult };

export interface OrderContext {
  client: Harpoon;
  unit: Unit;
  order: Order;
  confDir: string;
  signal: AbortSignal;
  emit: (event: OrderEvent) => void;
  /** This process has a terminal to lend to an interactive order. */
  interactive: boolean;
  /** A create or start tells the runner its container exists: dependents may create theirs. */
  containerReady?: () => void;
  /** A start waits here, after creating its container, for the steps it waits for to be done. */
  dependenciesDone?: () => Promise<void>;
}

/** The order's result: one short line of what was done, e.g. "created", "unchanged, left alone". */
export type OrderOutcome = string;

export function containerOf(ctx: OrderContext): ContainerSpec {
  const name = ctx.order.container;
  const spec = name === undefined ? undefined : ctx.unit.containers.get(name);
  if (!spec) throw new OrderFailure(`${ctx.order.command} needs a container of the unit`);
  return spec;
}
