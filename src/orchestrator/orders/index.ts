// Every order, by its name in a unit file.
import type { OrderCommand } from '../model.ts';
import { checkOrder } from './check.ts';
import type { OrderContext, OrderOutcome } from './context.ts';
import { executeOrder } from './execute.ts';
import { commitOrder, pushOrder, tagOrder } from './images.ts';
import { buildOrder, createOrder, removeImageOrder, removeOrder, startOrder, stopOrder } from './lifecycle.ts';
import { backupOrder, restoreOrder } from './volumes.ts';

export const ORDERS: Record<OrderCommand, (ctx: OrderContext) => Promise<OrderOutcome>> = {
  build: buildOrder,
  create: createOrder,
  start: startOrder,
  stop: stopOrder,
  backup: backupOrder,
  restore: restoreOrder,
  remove: removeOrder,
  remove_image: removeImageOrder,
  execute: executeOrder,
  tag: tagOrder,
  commit: commitOrder,
  push: pushOrder,
  check: checkOrder,
};

export type { OrderContext, OrderEvent, OrderOutcome } from './context.ts';
