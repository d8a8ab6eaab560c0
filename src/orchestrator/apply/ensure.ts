// Make a unit container exist with its current configuration: create its volumes and networks,
// then create it, or recreate it safely (the new container is created before the old one is
// removed, so a bad configuration leaves the old one in place), or leave it alone.
import { randomBytes } from 'node:crypto';
import type { Harpoon } from '../../core/client.ts';
import type { ContainerOptions } from '../../core/container/container.ts';
import type { ContainerSpec, Unit } from '../model.ts';
import { containerOptions, networkName, unitLabels } from './container-options.ts';
import { OrderFailure } from './failure.ts';
import { decideCreate } from './state.ts';

export interface Ensured {
  id: string;
  /** What was done and why, for the step's line. */
  outcome: string;
  running: boolean;
}

export async function ensureResources(client: Harpoon, spec: ContainerSpec): Promise<void> {
  for (const volume of spec.creation.volumes) {
    if (volume.kind === 'volume') await client.createVolume({ name: volume.source, labels: unitLabels(spec.unit) });
  }
  for (const network of spec.creation.networks) {
    await client.createNetwork({ name: networkName(spec.unit, network), labels: unitLabels(spec.unit) });
  }
}

/**
 * `stopTimeoutSeconds`: how long a running old container gets to stop when it is recreated. The
 * start order passes its own `timeout` (it used to be a fixed 10 s, so a `timeout: 1` start of a
 * container ignoring SIGTERM still waited 10 s on every recreate).
 */
export async function ensureContainer(
  client: Harpoon,
  unit: Unit,
  spec: ContainerSpec,
  signal?: AbortSignal,
  stopTimeoutSeconds = 10,
): Promise<Ensured> {
  const decision = await decideCreate(client, unit, spec);
  const { state } = decision;
  if (decision.action === 'refuse') throw new OrderFailure(decision.reason);
  if (decision.action === 'keep' && state.status === 'present') {
    return { id: state.id, outcome: 'unchanged, left alone', running: state.running };
  }
  await ensureResources(client, spec);
  if (decision.action === 'create') {
    const created = await createFor(client, spec, {
      ...containerOptions(unit, spec, decision.hash),
      ...(signal ? { signal } : {}),
    });
    await connectExtraNetworks(client, spec, created.id);
    return { id: created.id, outcome: 'created', running: false };
  }
  // Recreate: new one under a temporary name first, then stop and remove the old, then rename.
  const old = state.status === 'present' ? state : undefined;
  const temporary = `${spec.engineName}-new-${randomBytes(3).toString('hex')}`;
  const created = await createFor(client, spec, {
    ...containerOptions(unit, spec, decision.hash, temporary),
    ...(signal ? { signal } : {}),
  });
  try {
    await connectExtraNetworks(client, spec, created.id);
    if (old) {
      const previous = client.container(old.id);
      if (old.running) await previous.stop({ timeoutSeconds: stopTimeoutSeconds });
      await previous.remove({ force: true, ifExists: true });
    }
    await created.rename(spec.engineName);
  } catch (err) {
    await created.remove({ force: true, ifExists: true }).catch(() => {});
    throw err;
  }
  return { id: created.id, outcome: `recreated: ${decision.reason}`, running: false };
}

/** Create, with the engine's terse refusals turned into what to write in the unit file. */
async function createFor(client: Harpoon, spec: ContainerSpec, options: ContainerOptions) {
  try {
    return await client.createContainer(options);
  } catch (err) {
    if (err instanceof Error && /No command specified/i.test(err.message)) {
      throw new OrderFailure(
        `the image ${spec.creation.image} has no CMD and ${spec.name} gives no creation.command; add one, e.g. command: [sh, -c, "echo ${spec.name}"]`,
      );
    }
    throw err;
  }
}

async function connectExtraNetworks(client: Harpoon, spec: ContainerSpec, id: string): Promise<void> {
  // The first network is the container's NetworkMode; the others are joined after creation.
  for (const network of spec.creation.networks.slice(1)) {
    await client.engine.call((d) => d.getNetwork(networkName(spec.unit, network)).connect({ Container: id }), {
      container: spec.engineName,
      action: `Connecting to network ${network}`,
    });
  }
}
