// `docker tag`: POST /images/{name}/tag?repo=&tag= — one more name for an existing image.
import type { Engine } from '../engine.ts';
import { InvalidInputError } from '../errors.ts';
import { readBody } from '../transport.ts';
import { parseReference, refPath } from './reference.ts';

/** Tag `source` (a name or id) as `target` ("repo[:tag]", tag "latest" if left out); returns the full target. */
export async function tagImage(engine: Engine, source: string, target: string): Promise<string> {
  parseReference(source, 'source');
  const { repository, tag = 'latest', digest } = parseReference(target, 'target');
  if (digest) throw new InvalidInputError('target', `"${target}" has a digest; a tag is REPOSITORY[:TAG]`);
  const query = new URLSearchParams({ repo: repository, tag });
  const res = await engine.request(
    { method: 'POST', path: `/images/${refPath(source)}/tag?${query}` },
    { image: source, action: `Tagging ${source} as ${repository}:${tag}` },
  );
  await readBody(res);
  return `${repository}:${tag}`;
}
