// Input delivery into a created (not yet started) container: the JSON and the extra files go
// in as one tar through the archive API (PUT /containers/{id}/archive). No host path, no
// bind mount, no ssh: it works the same on a remote engine.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack } from 'tar-stream';
import type { Container } from '../core/container/container.ts';
import type { Engine } from '../core/engine.ts';
import { InvalidInputError } from '../core/errors.ts';
import type { NormalizedSpec } from './spec.ts';

interface Entry {
  /** Absolute path in the container. */
  path: string;
  mode: number;
  content?: Buffer;
  source?: string;
  size: number;
}

/** What the spec puts into the container before start (empty when nothing needs copying). */
export async function inputEntries(spec: NormalizedSpec): Promise<Entry[]> {
  const entries: Entry[] = [];
  if (spec.inputMode === 'file' && spec.inputBytes) {
    entries.push({ path: spec.inputPath, mode: 0o644, content: spec.inputBytes, size: spec.inputBytes.length });
  }
  for (const [i, file] of spec.files.entries()) {
    if (file.content) {
      entries.push({ path: file.path, mode: file.mode, content: file.content, size: file.content.length });
      continue;
    }
    const source = file.source as string;
    const info = await stat(source).catch(() => undefined);
    if (!info) throw new InvalidInputError(`files[${i}].source`, `${source} does not exist on this machine`);
    if (!info.isFile()) throw new InvalidInputError(`files[${i}].source`, `${source} is not a regular file`);
    entries.push({ path: file.path, mode: file.mode, source, size: info.size });
  }
  const seen = new Set<string>();
  for (const entry of entries) {
    if (seen.has(entry.path)) throw new InvalidInputError('files', `two inputs would land at ${entry.path}`);
    seen.add(entry.path);
  }
  return entries;
}

/** Stream the entries into the container as one tar, extracted at "/". */
export async function putInputs(
  engine: Engine,
  container: Container,
  entries: Entry[],
  signal?: AbortSignal,
): Promise<void> {
  if (entries.length === 0) return;
  const pack = tarPack();
  const writing = (async () => {
    for (const entry of entries) {
      // Parent directories are created by the engine as it extracts.
      const header = {
        name: entry.path.slice(1),
        mode: entry.mode,
        size: entry.size,
        mtime: new Date(),
        uid: 0,
        gid: 0,
      };
      if (entry.content) {
        pack.entry(header, entry.content);
      } else {
        await pipeline(createReadStream(entry.source as string), pack.entry(header));
      }
    }
    pack.finalize();
  })();
  writing.catch((err) => pack.destroy(err));
  const res = await engine.streamRequest(
    {
      method: 'PUT',
      path: `/containers/${container.id}/archive?path=%2F`,
      headers: { 'Content-Type': 'application/x-tar' },
      ...(signal ? { signal } : {}),
    },
    pack as unknown as Readable,
    { container: container.name ?? container.id, action: 'Copying the input into the container' },
  );
  res.resume();
  await writing;
}
