// build, create, start, stop, remove: a container's life, as compose would live it, one order at a time.
import { ImageNotFoundError } from '../../core/errors.ts';
import { OrderFailure } from '../apply/failure.ts';
import { ensureContainer } from '../apply/ensure.ts';
import { ownContainerState } from '../apply/state.ts';
import { waitForStartup } from '../checks/startup.ts';
import { containerOf, type OrderContext, type OrderOutcome } from './context.ts';
import { IMAGE_LABEL, MANAGED_LABEL, MANAGED_VALUE } from '../../core/labels.ts';
import { UNIT_LABEL } from '../model.ts';

export async function buildOrder(ctx: OrderContext): Promise<OrderOutcome> {
  const spec = containerOf(ctx);
  const build = spec.build;
  if (!build) throw new OrderFailure(`${spec.name} has no build section (it runs the image ${spec.creation.image})`);
  const task = ctx.client.build({
    ...(build.path ? { directory: build.path } : {}),
    ...(build.dockerfile ? { dockerfile: build.dockerfile } : {}),
    tags: build.tag,
    buildArgs: build.args,
    labels: { ...build.labels, [UNIT_LABEL]: spec.unit },
    ...(build.target ? { target: build.target } : {}),
    ...(ctx.order.args.noCache ? { noCache: true } : {}),
    ...(ctx.order.args.pull ? { pull: true } : {}),
    signal: ctx.signal,
    onProgress: (event) => {
      if (event.type === 'step')
        ctx.emit({ type: 'output', text: `Step ${event.step.number}/${event.step.total}: ${event.step.instruction}` });
    },
  });
  const { imageId } = await task;
  return `built ${build.tag} (${imageId.replace(/^sha256:/, '').slice(0, 12)})`;
}

export async function createOrder(ctx: OrderContext): Promise<OrderOutcome> {
  const ensured = await ensureContainer(ctx.client, ctx.unit, containerOf(ctx), ctx.signal);
  return ensured.outcome;
}

/** Create or recreate as needed, start unless running (restart: true restarts), then wait as startup says. */
export async function startOrder(ctx: OrderContext): Promise<OrderOutcome> {
  const spec = containerOf(ctx);
  // The order's stop timeout also applies to stopping the old container of a recreate.
  const ensured = await ensureContainer(ctx.client, ctx.unit, spec, ctx.signal, ctx.order.args.timeout ?? 10);
  // Dependents may create their containers now; this one starts once its own waits are done.
  ctx.containerReady?.();
  await ctx.dependenciesDone?.();
  const container = ctx.client.container(ensured.id);
  let what: string;
  if (ensured.running && !ctx.order.args.restart) {
    return ensured.outcome === 'unchanged, left alone'
      ? 'running, unchanged: left alone'
      : `running (${ensured.outcome})`;
  }
  // Fractional: output the old process wrote earlier in this same second must not satisfy wait_log.
  const since = Date.now() / 1000;
  if (ensured.running) {
    await container.stop({ timeoutSeconds: ctx.order.args.timeout ?? 10 });
    what = 'restarted';
  } else {
    what = ensured.outcome === 'unchanged, left alone' ? 'started' : `${ensured.outcome}, started`;
  }
  await container.start({ signal: ctx.signal });
  const waited = await waitForStartup(ctx.client, spec.engineName, spec.startup, { signal: ctx.signal, since });
  return waited ? `${what}; ${waited}` : what;
}

export async function stopOrder(ctx: OrderContext): Promise<OrderOutcome> {
  const spec = containerOf(ctx);
  const state = await ownContainerState(ctx.client, spec);
  if (state.status === 'missing') return 'not there: nothing to stop';
  if (!state.running) return `already stopped (${state.state})`;
  await ctx.client.container(state.id).stop({ timeoutSeconds: ctx.order.args.timeout ?? 10 });
  return 'stopped';
}

/** Remove the container; a container holding unit volumes only with `v: true`, and its volumes with it. */
export async function removeOrder(ctx: OrderContext): Promise<OrderOutcome> {
  const spec = containerOf(ctx);
  const volumes = spec.creation.volumes.filter((v) => v.kind === 'volume').map((v) => v.source);
  if (volumes.length && !ctx.order.args.v) {
    throw new OrderFailure(
      `${spec.name} holds the volume${volumes.length > 1 ? 's' : ''} ${volumes.join(', ')}; it is kept. Add \`v: true\` to the order to remove ${volumes.length > 1 ? 'them' : 'it'} with the container`,
    );
  }
  const state = await ownContainerState(ctx.client, spec);
  if (state.status === 'present') await ctx.client.container(state.id).remove({ force: true, ifExists: true });
  const removed: string[] = [];
  for (const name of volumes) {
    if (await removeUnitVolume(ctx, name, spec.unit)) removed.push(name);
  }
  const what = state.status === 'present' ? 'removed' : 'not there';
  return removed.length ? `${what}, with volume${removed.length > 1 ? 's' : ''} ${removed.join(', ')}` : what;
}

/** A unit volume goes only when it carries this unit's label and no other container uses it. */
async function removeUnitVolume(ctx: OrderContext, name: string, unit: string): Promise<boolean> {
  let info;
  try {
    info = await ctx.client.inspectVolume(name);
  } catch {
    return false;
  }
  const labels = info.Labels ?? {};
  if (labels[MANAGED_LABEL] !== MANAGED_VALUE || labels[UNIT_LABEL] !== unit) return false;
  const users = await ctx.client.engine.call((d) => d.listContainers({ all: true, filters: { volume: [name] } }), {
    action: `Listing the users of volume ${name}`,
  });
  if (users.length)
    throw new OrderFailure(
      `the volume ${name} is still used by ${users.map((u) => u.Names[0]?.slice(1)).join(', ')}; remove those first`,
    );
  await ctx.client.removeVolume(name, { ifExists: true });
  return true;
}

/** Remove the container's image, only one harpoon built (never an image it did not make). */
export async function removeImageOrder(ctx: OrderContext): Promise<OrderOutcome> {
  const spec = containerOf(ctx);
  const ref = spec.build?.tag ?? spec.creation.image;
  let info;
  try {
    info = await ctx.client.inspectImage(ref);
  } catch (err) {
    if (err instanceof ImageNotFoundError) return `${ref} not there`;
    throw err;
  }
  if (info.Config?.Labels?.[IMAGE_LABEL] !== MANAGED_VALUE)
    throw new OrderFailure(`${ref} was not built by harpoon; it is left alone`);
  await ctx.client.removeImage(ref, { force: Boolean(ctx.order.args.force) });
  return `removed ${ref}`;
}
