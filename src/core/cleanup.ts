// Find and remove what harpoon created: everything carrying the managed label (and, when
// given, the caller's own labels too). Nothing without the label is ever listed or touched.
import type { Engine } from './engine.ts';
import { labelFilters, managedLabels, type Labels } from './labels.ts';

export interface ManagedResources {
  containers: Array<{ id: string; name: string; image: string; state: string }>;
  images: Array<{ id: string; tags: string[]; created: number }>;
  volumes: string[];
  networks: Array<{ id: string; name: string }>;
}

export async function listManaged(engine: Engine, labels: Labels = {}): Promise<ManagedResources> {
  const filters = JSON.stringify({ label: labelFilters(managedLabels(labels)) });
  const [containers, images, volumes, networks] = await engine.call((d) =>
    Promise.all([
      d.listContainers({ all: true, filters }),
      d.listImages({ filters }),
      d.listVolumes({ filters }),
      d.listNetworks({ filters }),
    ]),
  );
  return {
    containers: containers.map((c) => ({ id: c.Id, name: (c.Names[0] ?? '').replace(/^\//, ''), image: c.Image, state: c.State })),
    // Newest first: a child image must go before the image it was built FROM.
    images: images
      .map((i) => ({ id: i.Id, tags: (i.RepoTags ?? []).filter((t) => t !== '<none>:<none>'), created: i.Created }))
      .sort((a, b) => b.created - a.created),
    volumes: (volumes.Volumes ?? []).map((v) => v.Name),
    networks: networks.map((n) => ({ id: n.Id, name: n.Name })),
  };
}

/** Remove every managed container (forced, with anonymous volumes), image, volume and network. */
export async function removeManaged(engine: Engine, labels: Labels = {}): Promise<ManagedResources> {
  const found = await listManaged(engine, labels);
  const gone = (err: unknown) => {
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== 404 && !/already in progress/i.test((err as Error).message)) throw err;
  };
  await Promise.all(found.containers.map((c) => engine.docker.getContainer(c.id).remove({ force: true, v: true }).catch(gone)));
  for (const image of found.images) {
    await engine.docker.getImage(image.id).remove({ force: true }).catch(gone);
  }
  await Promise.all(found.volumes.map((name) => engine.docker.getVolume(name).remove().catch(gone)));
  await Promise.all(found.networks.map((n) => engine.docker.getNetwork(n.id).remove().catch(gone)));
  return found;
}
