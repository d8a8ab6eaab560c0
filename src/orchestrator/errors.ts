// The orchestrator's run errors. (Config errors are UnitConfigError, in config/.)
import { HarpoonError } from '../core/errors.ts';
import type { Order } from './model.ts';

/** An order failed: which one, on which container, written where, and why. The run stopped there. */
export class OrderError extends HarpoonError {
  readonly step: number;
  readonly order: Order;
  readonly reason: string;
  constructor(step: number, order: Order, reason: string, options?: { cause?: unknown }) {
    const what =
      order.container === undefined ? `${order.command} on this machine` : `${order.command} ${order.container}`;
    super(
      'ORDER_FAILED',
      `${order.source.file} line ${order.source.line}: order ${step} (${what}) failed: ${reason}`,
      options,
    );
    this.step = step;
    this.order = order;
    this.reason = reason;
  }
}
