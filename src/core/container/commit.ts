// `docker commit`: a new image from a container's file system and configuration.
//
// Images harpoon makes carry imageLabels() and never MANAGED_LABEL (see labels.ts), but a
// commit copies the container's configuration, labels included, and the container carries
// harpoon=true. The engine merges the container's labels into any config the commit sends,
// for every key the config lacks, so leaving MANAGED_LABEL out is not enough: it is sent
// EMPTY (harpoon=""), which no managed filter (harpoon=true) matches. The image label is
// added by a `LABEL` change (the engine's commit has no labels parameter).
import type { Engine } from '../engine.ts';
import { InvalidInputError } from '../errors.ts';
import { IMAGE_LABEL, imageLabels, MANAGED_LABEL, MANAGED_VALUE } from '../labels.ts';
import { readBody } from '../transport.ts';

/** How to commit a container: the repository and tag, message, author, Dockerfile changes, pause. */
export interface CommitOptions {
  /** Repository to tag the image with (e.g. "myapp"); untagged without it. */
  repository?: string;
  /** Tag (default "latest" when a repository is given). */
  tag?: string;
  /** The commit message (the image's Comment). */
  message?: string;
  author?: string;
  /** Dockerfile instructions applied to the image: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, USER, VOLUME, WORKDIR. */
  changes?: string[];
  /** Pause the container while committing (default true, as the engine does). */
  pause?: boolean;
  signal?: AbortSignal;
}

/** `docker commit`: a new image from a container, labelled as harpoon's; returns the image id. */
export async function commitContainer(engine: Engine, container: string, options: CommitOptions = {}): Promise<string> {
  if (!container) throw new InvalidInputError('container', 'a container id or name is required');
  if (options.tag && !options.repository) throw new InvalidInputError('tag', 'a tag needs a repository');
  const signal = options.signal ? { signal: options.signal } : {};
  const ctx = { container, action: 'Committing the container' };
  const inspected = await engine.call((d) => d.getContainer(container).inspect(), ctx);
  const config = {
    ...inspected.Config,
    Labels: { ...imageLabels(inspected.Config.Labels ?? {}), [MANAGED_LABEL]: '' },
  };
  const query = new URLSearchParams({ container, pause: options.pause === false ? '0' : '1' });
  if (options.repository) query.set('repo', options.repository);
  if (options.repository) query.set('tag', options.tag ?? 'latest');
  if (options.message) query.set('comment', options.message);
  if (options.author) query.set('author', options.author);
  for (const change of [...(options.changes ?? []), `LABEL ${IMAGE_LABEL}=${MANAGED_VALUE}`])
    query.append('changes', change);
  const res = await engine.request(
    {
      method: 'POST',
      path: `/commit?${query}`,
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(config),
      ...signal,
    },
    ctx,
  );
  const { Id } = JSON.parse(await readBody(res)) as { Id: string };
  return Id;
}
