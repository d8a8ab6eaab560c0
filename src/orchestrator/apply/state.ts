// What the engine has for a unit container, and what `create` would do about it. Read-only, so
// `--dry-run` can print the same decisions the run makes.
import type { Harpoon } from '../../core/client.ts';
import { ContainerNotFoundError, ImageNotFoundError } from '../../core/errors.ts';
import { MANAGED_LABEL, MANAGED_VALUE } from '../../core/labels.ts';
import { CONFIG_HASH_LABEL, UNIT_CONTAINER_LABEL, UNIT_LABEL, type ContainerSpec, type Unit } from '../model.ts';
import { OrderFailure } from './failure.ts';
import { configHash } from './hash.ts';

export type ContainerState =
  | { status: 'missing' }
  /** A container of that name that this unit did not create: never touched. */
  | { status: 'foreign'; id: string; owner: string }
  | {
      status: 'present';
      id: string;
      running: boolean;
      paused: boolean;
      state: string;
      hash: string | undefined;
      imageId: string;
    };

export async function containerState(client: Harpoon, spec: ContainerSpec): Promise<ContainerState> {
  let info;
  try {
    info = await client.container(spec.engineName).inspect();
  } catch (err) {
    if (err instanceof ContainerNotFoundError) return { status: 'missing' };
    throw err;
  }
  const labels = info.Config.Labels ?? {};
  if (
    labels[MANAGED_LABEL] !== MANAGED_VALUE ||
    labels[UNIT_LABEL] !== spec.unit ||
    labels[UNIT_CONTAINER_LABEL] !== spec.name
  ) {
    const owner = labels[UNIT_LABEL]
      ? `unit ${labels[UNIT_LABEL]}`
      : labels[MANAGED_LABEL] === MANAGED_VALUE
        ? 'harpoon, outside any unit'
        : 'something other than harpoon';
    return { status: 'foreign', id: info.Id, owner };
  }
  return {
    status: 'present',
    id: info.Id,
    running: info.State.Running,
    paused: info.State.Paused,
    state: info.State.Status,
    hash: labels[CONFIG_HASH_LABEL],
    imageId: info.Image,
  };
}

/** The state of a container this unit created (or missing); one it did not create fails the order. */
export async function ownContainerState(
  client: Harpoon,
  spec: ContainerSpec,
): Promise<Exclude<ContainerState, { status: 'foreign' }>> {
  const state = await containerState(client, spec);
  if (state.status === 'foreign')
    throw new OrderFailure(`${spec.engineName} belongs to ${state.owner}; harpoon leaves it alone`);
  return state;
}

export interface CreateDecision {
  action: 'create' | 'recreate' | 'keep' | 'refuse';
  reason: string;
  hash: string;
  state: ContainerState;
}

/** Create when missing; recreate when the config hash or the image behind the name changed; else keep. */
export async function decideCreate(client: Harpoon, unit: Unit, spec: ContainerSpec): Promise<CreateDecision> {
  const hash = configHash(unit, spec);
  const state = await containerState(client, spec);
  if (state.status === 'foreign') {
    return {
      action: 'refuse',
      reason: `a container named ${spec.engineName} already exists and belongs to ${state.owner}; harpoon leaves it alone: remove or rename it`,
      hash,
      state,
    };
  }
  if (state.status === 'missing') return { action: 'create', reason: 'missing', hash, state };
  if (state.hash !== hash)
    return {
      action: 'recreate',
      reason: `its configuration changed (config hash ${state.hash ?? 'none'} → ${hash})`,
      hash,
      state,
    };
  let imageId: string | undefined;
  try {
    imageId = (await client.inspectImage(spec.creation.image)).Id;
  } catch (err) {
    if (!(err instanceof ImageNotFoundError)) throw err;
  }
  if (imageId !== undefined && imageId !== state.imageId) {
    return {
      action: 'recreate',
      reason: `its image ${spec.creation.image} changed (${short(state.imageId)} → ${short(imageId)})`,
      hash,
      state,
    };
  }
  return { action: 'keep', reason: 'unchanged', hash, state };
}

const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);
