// Find and remove what harpoon created: containers, volumes and networks carrying
// harpoon=true, images carrying harpoon.image=true (and, when given, the caller's labels too).
// Nothing without those labels is ever listed or touched.
//
// The engine holds things in a fixed way, so removal follows it: a running container holds its
// image even against force, and an image holds its parent ("image has dependent child images",
// never forceable). So containers go first and are waited for until gone, then images go
// children first along their parent chain (not by Created, which is whole seconds and ties).
import { engineMessageOf } from './engine-errors.ts';
import type { Engine } from './engine.ts';
import { ImageInUseError, TimeoutError, type ImageInUse } from './errors.ts';
import { imageLabels, labelFilters, managedLabels, type Labels } from './labels.ts';

/** One image listManaged found. */
export interface ManagedImage {
  id: string;
  tags: string[];
  /** Seconds since the epoch, as the engine lists it. */
  created: number;
  /** The parent image's id (classic builder and commit set it; loaded and BuildKit images have none). */
  parent: string | undefined;
}

/** What carries harpoon's labels on an engine: containers, images, volumes and networks. */
export interface ManagedResources {
  containers: Array<{ id: string; name: string; image: string; state: string }>;
  /** In removal order: every image before its parent. */
  images: ManagedImage[];
  volumes: string[];
  networks: Array<{ id: string; name: string }>;
}

/** Everything on the engine carrying harpoon's labels (and these labels, if given). */
export async function listManaged(engine: Engine, labels: Labels = {}): Promise<ManagedResources> {
  const filters = JSON.stringify({ label: labelFilters(managedLabels(labels)) });
  const imageFilters = JSON.stringify({ label: labelFilters(imageLabels(labels)) });
  const [containers, images, volumes, networks] = await engine.call((d) =>
    Promise.all([
      d.listContainers({ all: true, filters }),
      // all: intermediate layers of a build carry the labels too once a LABEL step ran.
      d.listImages({ all: true, filters: imageFilters }),
      d.listVolumes({ filters }),
      d.listNetworks({ filters }),
    ]),
  );
  return {
    containers: containers.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      image: c.Image,
      state: c.State,
    })),
    images: childrenFirst(
      images.map((i) => ({
        id: i.Id,
        tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'),
        created: i.Created,
        parent: i.ParentId || undefined,
      })),
    ),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name),
    networks: networks.map((n) => ({ id: n.Id, name: n.Name })),
  };
}

/**
 * Every image before its parent (a topological order over `parent` within the set). Images
 * the chain does not order (no parent info, or unrelated) go newest first, then by id, so the
 * order is stable.
 */
export function childrenFirst(images: ManagedImage[]): ManagedImage[] {
  const ids = new Set(images.map((i) => i.id));
  const children = new Map<string, number>();
  for (const i of images) if (i.parent && ids.has(i.parent)) children.set(i.parent, (children.get(i.parent) ?? 0) + 1);
  const byId = new Map(images.map((i) => [i.id, i]));
  const newestFirst = (a: ManagedImage, b: ManagedImage) =>
    b.created - a.created || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  let ready = images.filter((i) => !children.get(i.id)).sort(newestFirst);
  const ordered: ManagedImage[] = [];
  while (ready.length) {
    const image = ready.shift()!;
    ordered.push(image);
    const parent = image.parent ? byId.get(image.parent) : undefined;
    if (parent) {
      const left = children.get(parent.id)! - 1;
      children.set(parent.id, left);
      if (left === 0) ready = [...ready, parent].sort(newestFirst);
    }
  }
  // A parent cycle cannot happen on a real engine; keep whatever it would leave out rather than drop it.
  if (ordered.length < images.length) ordered.push(...images.filter((i) => !ordered.includes(i)).sort(newestFirst));
  return ordered;
}

const statusOf = (err: unknown) => (err as { statusCode?: number }).statusCode;
const inProgress = (err: unknown) => /already in progress/i.test((err as Error).message ?? '');

/** How long to wait for a removal someone else started (AutoRemove, a concurrent call) to end. */
const REMOVAL_WAIT_MS = 30_000;

/**
 * Remove every managed container (forced, with anonymous volumes), image, volume and network.
 * Throws ImageInUseError, after removing everything else, if an image is held by what is not
 * in the set (a container or child image without these labels): that is never removed.
 */
export async function removeManaged(engine: Engine, labels: Labels = {}): Promise<ManagedResources> {
  const found = await listManaged(engine, labels);
  const action = 'Removing managed resources';
  await Promise.all(found.containers.map((c) => removeContainer(engine, c.id)));
  const refused = await removeImages(engine, found.images);
  const ignoreGone = (err: unknown) => {
    if (statusOf(err) !== 404) throw engine.error(err, { action });
  };
  await Promise.all(found.volumes.map((name) => engine.docker.getVolume(name).remove().catch(ignoreGone)));
  await Promise.all(found.networks.map((n) => engine.docker.getNetwork(n.id).remove().catch(ignoreGone)));
  if (refused.length) throw new ImageInUseError(refused);
  return found;
}

/** Force-remove a container and return only once it is gone (so its image is free). */
async function removeContainer(engine: Engine, id: string): Promise<void> {
  const container = engine.docker.getContainer(id);
  const ctx = { container: id, action: `Removing managed container ${id.slice(0, 12)}` };
  try {
    await container.remove({ force: true, v: true });
    return; // the engine answers once the container is removed
  } catch (err) {
    if (statusOf(err) === 404) return;
    if (!inProgress(err)) throw engine.error(err, ctx);
  }
  // Another removal is under way (AutoRemove after it exited, a concurrent caller): until it ends
  // the container still holds its image, so wait for it instead of treating it as gone.
  const signal = AbortSignal.timeout(REMOVAL_WAIT_MS);
  try {
    await container.wait({ condition: 'removed', abortSignal: signal });
  } catch (err) {
    if (signal.aborted)
      throw new TimeoutError(
        `Waiting for the removal of container ${id.slice(0, 12)} (started elsewhere)`,
        REMOVAL_WAIT_MS,
      );
    if (statusOf(err) !== 404) throw engine.error(err, ctx);
  }
  // "removed" also fires when that other removal failed: then remove it ourselves, once.
  await container.remove({ force: true, v: true }).catch((err: unknown) => {
    if (statusOf(err) !== 404) throw engine.error(err, ctx);
  });
}

/** Remove images in the given (children-first) order; returns the ones something outside the set holds. */
async function removeImages(engine: Engine, images: ManagedImage[]): Promise<ImageInUse[]> {
  const byId = new Map(images.map((i) => [i.id, i]));
  const held = new Set<string>(); // ancestors of a refused image: each would be refused for its child
  const refused: ImageInUse[] = [];
  for (const image of images) {
    if (held.has(image.id)) continue;
    const refusal = await removeImage(engine, image);
    if (!refusal) continue;
    refused.push(refusal);
    for (let p = image.parent; p && byId.has(p) && !held.has(p); p = byId.get(p)!.parent) held.add(p);
  }
  return refused;
}

/** Force-remove one image; undefined once it is gone, else what holds it. */
async function removeImage(engine: Engine, image: ManagedImage): Promise<ImageInUse | undefined> {
  for (let attempt = 0; ; attempt++) {
    try {
      // Removing a child also prunes its untagged parents, so a later id may be gone already (404).
      await engine.docker.getImage(image.id).remove({ force: true });
      return undefined;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      if (statusOf(err) !== 409)
        throw engine.error(err, { image: image.id, action: `Removing managed image ${image.tags[0] ?? image.id}` });
      const holders = await holdersOf(engine, image.id);
      // Nothing holds it any more (it was let go meanwhile): one more try, then report what the engine said.
      if (holders.containers.length || holders.children.length || attempt > 0) {
        return { image: image.id, tags: image.tags, ...holders, detail: engineMessageOf(err) };
      }
    }
  }
}

/** Running containers of exactly this image, and images whose parent it is. */
async function holdersOf(engine: Engine, id: string): Promise<{ containers: string[]; children: string[] }> {
  const [containers, images] = await engine.call((d) =>
    Promise.all([d.listContainers({ filters: JSON.stringify({ ancestor: [id] }) }), d.listImages({ all: true })]),
  );
  return {
    containers: containers
      .filter((c) => c.ImageID === id)
      .map((c) => `${(c.Names[0] ?? '').replace(/^\//, '')} (${c.Id.slice(0, 12)})`),
    children: images
      .filter((i) => i.ParentId === id)
      .map((i) => (i.RepoTags ?? []).find((t) => t !== '<none>:<none>') ?? i.Id.slice(7, 19)),
  };
}
