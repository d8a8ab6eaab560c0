// backup and restore: the container's volumes to a tar on this machine and back (backup/ does the work).
import { isAbsolute, join, resolve } from 'node:path';
import { OrderFailure } from '../apply/failure.ts';
import { ownContainerState } from '../apply/state.ts';
import { backupContainer, restoreContainer } from '../backup/index.ts';
import { containerOf, type OrderContext, type OrderOutcome } from './context.ts';

function archivePath(ctx: OrderContext): string {
  const spec = containerOf(ctx);
  const dir = ctx.order.args.backupDir ?? 'backups';
  const name = ctx.order.args.backupName ?? `${spec.unit}-${spec.name}.tar`;
  return join(isAbsolute(dir) ? dir : resolve(ctx.confDir, dir), name);
}

async function presentContainer(ctx: OrderContext): Promise<string> {
  const spec = containerOf(ctx);
  const state = await ownContainerState(ctx.client, spec);
  if (state.status === 'missing') throw new OrderFailure(`${spec.engineName} does not exist; create it first`);
  return state.id;
}

function pathsOf(ctx: OrderContext): string[] {
  const spec = containerOf(ctx);
  const paths = ctx.order.args.paths ?? spec.creation.volumes.filter((v) => v.kind === 'volume').map((v) => v.target);
  if (!paths.length) throw new OrderFailure(`${spec.name} holds no unit volumes; give \`paths\` to back up`);
  return paths;
}

export async function backupOrder(ctx: OrderContext): Promise<OrderOutcome> {
  const id = await presentContainer(ctx);
  const file = archivePath(ctx);
  const result = await backupContainer(ctx.client, id, {
    paths: pathsOf(ctx),
    file,
    pause: ctx.order.args.pause ?? true,
    signal: ctx.signal,
  });
  return `backed up ${result.files} files (${result.bytes} bytes) to ${file}`;
}

export async function restoreOrder(ctx: OrderContext): Promise<OrderOutcome> {
  const id = await presentContainer(ctx);
  const file = archivePath(ctx);
  const result = await restoreContainer(ctx.client, id, {
    file,
    merge: Boolean(ctx.order.args.merge),
    signal: ctx.signal,
  });
  return `restored ${result.files} files into ${result.paths.join(', ')} from ${file}${ctx.order.args.merge ? ' (merged)' : ''}`;
}
