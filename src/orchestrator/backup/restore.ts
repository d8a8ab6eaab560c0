// Restore: a backup archive back into a container's paths. The archive is checked against its
// manifest before anything is touched; unless merging, each target path is emptied first
// (its contents, the directory itself stays), then refilled through the archive API.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { posix, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, pack as tarPack } from 'tar-stream';
import type { Harpoon } from '../../core/client.ts';
import type { Container } from '../../core/container/container.ts';
import { AbortedError, throwIfAborted } from '../../core/errors.ts';
import type { Labels } from '../../core/labels.ts';
import { manifestPath, type BackupEvent, type BackupManifest } from './backup.ts';
import { BackupError } from './errors.ts';
import { fromStored, normalizePaths, repack } from './tar.ts';

/** A restore: the archive (its manifest beside it), merge or empty first, helper labels, progress. */
export interface RestoreOptions {
  /** The archive written by backupContainer (its manifest beside it). */
  file: string;
  /** Keep what is in the target paths and write the archive over it (default false: emptied first). */
  merge?: boolean | undefined;
  /** Labels for the temporary helper container (a stopped target is emptied through one); harpoon's is always added. */
  labels?: Labels | undefined;
  signal?: AbortSignal | undefined;
  /** Called with every progress event. */
  onProgress?: ((event: BackupEvent) => void) | undefined;
}

/** A finished restore: the paths and the number of files written. */
export interface RestoreResult {
  paths: string[];
  /** Regular files written. */
  files: number;
}

/** Empties each directory argument, keeping the directory; a missing path or a file is left alone. */
const EMPTY_SCRIPT =
  'for p; do if [ -d "$p" ] && [ ! -L "$p" ]; then find "$p" -mindepth 1 -maxdepth 1 -exec rm -rf {} + || exit 1; fi; done';

/** A backup archive back into a container's paths, checked against its manifest before anything is touched. */
export async function restoreContainer(
  client: Harpoon,
  container: string,
  options: RestoreOptions,
): Promise<RestoreResult> {
  const file = resolve(options.file);
  const signal = options.signal;
  let name: string;
  let current: string | undefined;
  const fail = (reason: string, path?: string, cause?: unknown) =>
    new BackupError(
      { container: name, file, path, reason, action: 'restore' },
      cause === undefined ? undefined : { cause },
    );

  const info = await client.container(container).inspect();
  name = info.Name.replace(/^\//, '') || info.Id;
  // 1. The manifest and the archive, checked before anything is touched.
  const manifest = await readManifest(file, fail);
  await verifyArchive(file, manifest, fail);
  const handle = client.container(info.Id);
  let files = 0;
  try {
    throwIfAborted(signal, 'The restore');
    // 2. Empty the targets.
    if (!options.merge) {
      if (info.State.Paused) throw fail('the container is paused; unpause it (or restore with merge)');
      if (info.State.Running) {
        const result = await handle.exec(['sh', '-c', EMPTY_SCRIPT, 'sh', ...manifest.paths], signal ? { signal } : {});
        if (result.exitCode !== 0)
          throw fail(
            `emptying the paths failed (exit ${result.exitCode}): ${result.stderr.trim() || result.stdout.trim()}`,
          );
      } else {
        const mounted = new Set(info.Mounts.map((m) => m.Destination.replace(/\/+$/, '')));
        const unmounted = manifest.paths.find((p) => !mounted.has(p));
        if (unmounted)
          throw fail(
            'the container is stopped and this path is not one of its volumes, so it cannot be emptied; start it, or restore with merge',
            unmounted,
          );
        await emptyWithHelper(client, info.Id, info.Image, manifest.paths, options.labels ?? {}, signal, fail);
      }
    }
    // 3. One tar per path, entries relative to its parent, extracted there.
    for (const path of manifest.paths) {
      current = path;
      throwIfAborted(signal, 'The restore');
      options.onProgress?.({ type: 'path', path });
      files += await putPath(handle, file, path, signal);
    }
  } catch (err) {
    if (err instanceof BackupError) throw err;
    if (signal?.aborted) throw new AbortedError('The restore', signal.reason);
    throw fail((err as Error).message ?? String(err), current, err);
  }
  return { paths: manifest.paths, files };
}

async function readManifest(file: string, fail: (reason: string) => BackupError): Promise<BackupManifest> {
  let text: string;
  try {
    text = await readFile(manifestPath(file), 'utf8');
  } catch (err) {
    throw fail(`cannot read the manifest ${manifestPath(file)}: ${(err as Error).message}`);
  }
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(text) as BackupManifest;
  } catch (err) {
    throw fail(`the manifest ${manifestPath(file)} is not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(manifest.paths) || typeof manifest.archiveSha256 !== 'string') {
    throw fail(`the manifest ${manifestPath(file)} lacks paths or archiveSha256`);
  }
  const { paths, problem } = normalizePaths(manifest.paths);
  if (problem) throw fail(`the manifest's paths are unusable: ${problem}`);
  return { ...manifest, paths };
}

/** The archive's sha256 must match the manifest, and every entry must belong to one of its paths. */
async function verifyArchive(
  file: string,
  manifest: BackupManifest,
  fail: (reason: string) => BackupError,
): Promise<void> {
  const hash = createHash('sha256');
  const stray: string[] = [];
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const name = header.name;
    const inside = manifest.paths.some((p) => {
      const stored = p.slice(1);
      return name === stored || name === `${stored}/` || name.startsWith(`${stored}/`);
    });
    if (!inside || name.split('/').includes('..')) stray.push(name);
    stream.on('end', next);
    stream.resume();
  });
  const source = createReadStream(file);
  source.on('data', (chunk) => hash.update(chunk));
  try {
    await pipeline(source, ex);
  } catch (err) {
    const digest = hash.digest('hex');
    if (digest !== manifest.archiveSha256)
      throw fail(
        `the archive does not match its manifest (sha256 ${digest}, manifest says ${manifest.archiveSha256}); nothing was changed`,
      );
    throw fail(`cannot read the archive: ${(err as Error).message}`);
  }
  const digest = hash.digest('hex');
  if (digest !== manifest.archiveSha256) {
    throw fail(
      `the archive does not match its manifest (sha256 ${digest}, manifest says ${manifest.archiveSha256}); nothing was changed`,
    );
  }
  if (stray.length)
    throw fail(
      `the archive holds entries outside the manifest's paths (${stray.slice(0, 3).join(', ')}); nothing was changed`,
    );
}

/** A stopped container: a temporary container of the same image, with its volumes, empties them. */
async function emptyWithHelper(
  client: Harpoon,
  containerId: string,
  image: string,
  paths: string[],
  labels: Labels,
  signal: AbortSignal | undefined,
  fail: (reason: string, path?: string, cause?: unknown) => BackupError,
): Promise<void> {
  let helper: Container | undefined;
  try {
    helper = await client.createContainer({
      image,
      entrypoint: ['sh', '-c', EMPTY_SCRIPT, 'sh'],
      cmd: paths,
      user: '0',
      labels: { ...labels, 'harpoon.backup.helper': containerId.slice(0, 12) },
      hostConfig: { VolumesFrom: [containerId] },
      ...(signal ? { signal } : {}),
    });
    const { exit } = await helper.registerWait('next-exit', signal ? { signal } : {});
    await helper.start(signal ? { signal } : {});
    const status = await exit;
    if (status.exitCode !== 0) {
      const logs = await helper.logs({ tail: 20 }).catch(() => ({ stdout: '', stderr: '' }));
      throw fail(
        `the helper container emptying the paths exited with ${status.exitCode}: ${(logs.stderr || logs.stdout).trim()}`,
      );
    }
  } finally {
    await helper?.remove({ force: true, ifExists: true });
  }
}

/** PUT the entries stored under `path` into its parent; resolves to the regular files written. */
async function putPath(
  handle: Container,
  file: string,
  path: string,
  signal: AbortSignal | undefined,
): Promise<number> {
  let files = 0;
  const pack = tarPack();
  const feeding = (async () => {
    await repack(createReadStream(file), pack, fromStored(path), () => {
      files++;
    });
    pack.finalize();
  })();
  feeding.catch((err: Error) => pack.destroy(err));
  try {
    await handle.putArchive(posix.dirname(path), pack as unknown as Readable, signal ? { signal } : {});
  } catch (err) {
    pack.destroy();
    await feeding.catch(() => {});
    throw err;
  }
  await feeding;
  return files;
}
