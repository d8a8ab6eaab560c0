// Find and remove what harpoon created: containers, volumes and networks carrying
// harpoon=true, images carrying harpoon.image=true (and, when given, the caller's labels too).
// Nothing without those labels is ever listed or touched.
import type { Engine } from './engine.ts';
import { imageLabels, labelFilters, managedLabels, type Labels } from './labels.ts';

/** What carries harpoon's labels on an engine: containers, images, volumes and networks. */
export interface ManagedResources {
  containers: Array<{ id: string; name: string; image: string; state: string }>;
  images: Array<{ id: string; tags: string[]; created: number }>;
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
    containers: containers.map((c) => ({ id: c.Id, name: (c.Names[0] ?? '').replace(/^\//, ''), image: c.Image, state: c.State })),
    images: images
      .map((i) => ({ id: i.Id, tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'), created: i.Created }))
      .sort((a, b) => b.created - a.created),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name),
    networks: networks.map((n) => ({ id: n.Id, name: n.Name })),
  };
}

const isGone = (err: unknown) =>
  (err as { statusCode?: number }).statusCode === 404 || /already in progress/i.test((err as Error).message ?? '');
const hasChildren = (err: unknown) => (err as { statusCode?: number }).statusCode === 409 && /child images/i.test((err as Error).message ?? '');

/** Remove every managed container (forced, with anonymous volumes), image, volume and network. */
export async function removeManaged(engine: Engine, labels: Labels = {}): Promise<ManagedResources> {
  const found = await listManaged(engine, labels);
  const ignoreGone = (err: unknown) => {
    if (!isGone(err)) throw engine.error(err, { action: 'Removing managed resources' });
  };
  await Promise.all(found.containers.map((c) => engine.docker.getContainer(c.id).remove({ force: true, v: true }).catch(ignoreGone)));

  // Children before parents. "Created" is in whole seconds, so the order is only a first guess:
  // an image refused for having children is tried again after the others are gone.
  let pending = found.images.map((i) => i.id);
  while (pending.length) {
    const refused: string[] = [];
    let lastRefusal: unknown;
    for (const id of pending) {
      await engine.docker
        .getImage(id)
        .remove({ force: true })
        .catch((err: unknown) => {
          if (hasChildren(err)) {
            refused.push(id);
            lastRefusal = err;
          } else ignoreGone(err);
        });
    }
    if (refused.length === pending.length) throw engine.error(lastRefusal, { action: 'Removing managed images' });
    pending = refused;
  }

  await Promise.all(found.volumes.map((name) => engine.docker.getVolume(name).remove().catch(ignoreGone)));
  await Promise.all(found.networks.map((n) => engine.docker.getNetwork(n.id).remove().catch(ignoreGone)));
  return found;
}
