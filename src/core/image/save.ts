// `docker save`: GET /images/get?names=… streams one tar archive holding the images (layers,
// configs, tags). Nothing is buffered: the caller reads the stream (to a file, or straight
// into another engine's load).
import type { Readable } from 'node:stream';
import type { Engine } from '../engine.ts';
import { InvalidInputError } from '../errors.ts';
import { parseReference } from './reference.ts';

/** Options of `docker save`: an abort signal. */
export interface SaveOptions {
  /** Aborting destroys the stream (an AbortError on it), or rejects if it has not begun. */
  signal?: AbortSignal;
}

/**
 * The archive of one or more images (names or ids), as a stream. Resolves when the engine
 * starts answering: an unknown image rejects with ImageNotFoundError before any byte arrives.
 * A saved name keeps its tag in the archive; a saved id has none.
 */
export async function saveImages(
  engine: Engine,
  refs: string | string[],
  options: SaveOptions = {},
): Promise<Readable> {
  const names = Array.isArray(refs) ? refs : [refs];
  if (names.length === 0) throw new InvalidInputError('refs', 'name at least one image to save');
  const query = new URLSearchParams();
  for (const name of names) {
    parseReference(name, 'refs');
    query.append('names', name);
  }
  return engine.request(
    {
      method: 'GET',
      path: `/images/get?${query}`,
      headers: { Accept: 'application/x-tar' },
      ...(options.signal ? { signal: options.signal } : {}),
    },
    { image: names.join(', '), action: 'Saving the image' },
  );
}
