// tag, commit, push: the container's image under other names, and out to a registry.
import { OrderFailure } from '../apply/failure.ts';
import { ownContainerState } from '../apply/state.ts';
import { containerOf, type OrderContext, type OrderOutcome } from './context.ts';

const imageOf = (ctx: OrderContext) => {
  const spec = containerOf(ctx);
  return spec.build?.tag ?? spec.creation.image;
};

export async function tagOrder(ctx: OrderContext): Promise<OrderOutcome> {
  const target = ctx.order.args.tag;
  if (!target) throw new OrderFailure('tag needs `tag`: the name to add, e.g. 127.0.0.1:5000/site-web:1');
  const full = await ctx.client.tagImage(imageOf(ctx), target);
  return `tagged ${imageOf(ctx)} as ${full}`;
}

export async function commitOrder(ctx: OrderContext): Promise<OrderOutcome> {
  const spec = containerOf(ctx);
  const state = await ownContainerState(ctx.client, spec);
  if (state.status === 'missing') throw new OrderFailure(`${spec.engineName} does not exist: nothing to commit`);
  const args = ctx.order.args;
  const target = args.tag ?? `${spec.engineName}:committed`;
  const colon = target.lastIndexOf(':');
  const hasTag = colon > target.lastIndexOf('/');
  const imageId = await ctx.client.commit(state.id, {
    repository: hasTag ? target.slice(0, colon) : target,
    tag: hasTag ? target.slice(colon + 1) : 'latest',
    ...(args.message ? { message: args.message } : {}),
    ...(args.author ? { author: args.author } : {}),
    ...(args.changes ? { changes: args.changes } : {}),
  });
  return `committed ${spec.engineName} as ${target} (${imageId.replace(/^sha256:/, '').slice(0, 12)})`;
}

export async function pushOrder(ctx: OrderContext): Promise<OrderOutcome> {
  const ref = ctx.order.args.tag ?? imageOf(ctx);
  const task = ctx.client.pushImage(ref, {
    signal: ctx.signal,
    onProgress: (event) => {
      if (event.type === 'progress' && /^(Pushed|Layer already exists|Mounted from)/.test(event.status))
        ctx.emit({ type: 'output', text: `${event.id}: ${event.status}` });
    },
  });
  const result = await task;
  return `pushed ${ref} (${result.repository}@${result.digest})`;
}
