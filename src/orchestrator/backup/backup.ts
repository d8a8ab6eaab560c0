// Backup: a container's volumes (or given paths) into ONE tar file on this machine, with a
// manifest beside it. Read through the archive API, so it works the same on a remote engine
// and for a stopped container; a running one is paused while it is read (by default).
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack } from 'tar-stream';
import type { Harpoon } from '../../core/client.ts';
import { AbortedError, throwIfAborted } from '../../core/errors.ts';
import { BackupError } from './errors.ts';
import { normalizePaths, repack, toStored } from './tar.ts';

/** Progress of a backup or restore: a path begun, or bytes moved. */
export type BackupEvent = { type: 'path'; path: string } | { type: 'bytes'; bytes: number };

/** A backup: the archive to write, the paths (default: the container's mounts), pausing, progress. */
export interface BackupOptions {
  /** The archive to write (its directory is created); the manifest goes to `<file>.manifest.json`. */
  file: string;
  /** Absolute paths in the container; default: the destinations of its mounts (volumes and binds). */
  paths?: string[] | undefined;
  /** Pause a running container while it is read (default true); it is unpaused on every way out. */
  pause?: boolean | undefined;
  signal?: AbortSignal | undefined;
  /** Called with every progress event. */
  onProgress?: ((event: BackupEvent) => void) | undefined;
}

/** What `<file>.manifest.json` holds. */
export interface BackupManifest {
  version: 1;
  /** The container's name (or id if it has none). */
  container: string;
  containerId: string;
  /** The image the container was created from, as written (Config.Image), and its id. */
  image: string;
  imageId: string;
  /** When the backup was taken (ISO 8601). */
  created: string;
  /** The absolute paths archived; their entries are stored without the leading slash. */
  paths: string[];
  /** sha256 (hex) of the whole archive file. */
  archiveSha256: string;
  /** Every regular file: stored name → sha256 (hex) of its content. */
  files: Record<string, string>;
}

/** A finished backup: the archive and manifest files, the archive's size, the files archived. */
export interface BackupResult {
  file: string;
  manifest: string;
  /** Size of the archive file. */
  bytes: number;
  /** Regular files archived. */
  files: number;
}

/** The manifest written beside an archive: `<file>.manifest.json`. */
export const manifestPath = (file: string) => `${file}.manifest.json`;

/** A container's volumes (or given paths) into one tar file on this machine, with a sha256 manifest. */
export async function backupContainer(
  client: Harpoon,
  container: string,
  options: BackupOptions,
): Promise<BackupResult> {
  const file = resolve(options.file);
  const info = await client.container(container).inspect();
  const name = info.Name.replace(/^\//, '') || info.Id;
  const fail = (reason: string, path?: string, cause?: unknown) =>
    new BackupError(
      { container: name, file, path, reason, action: 'backup' },
      cause === undefined ? undefined : { cause },
    );
  // Sorted: the engine lists mounts in no fixed order, and archives should not differ by it.
  const { paths, problem } = normalizePaths(options.paths ?? info.Mounts.map((m) => m.Destination).sort());
  if (problem) throw fail(problem);
  if (!paths.length) throw fail('the container has no volumes or bind mounts; give the paths to back up');

  const handle = client.container(info.Id);
  const signal = options.signal;
  const partial = `${file}.partial`;
  const manifestFile = manifestPath(file);
  const files: Record<string, string> = {};
  const hash = createHash('sha256');
  let bytes = 0;
  let paused = false;
  let current: string | undefined;
  try {
    throwIfAborted(signal, 'The backup');
    await mkdir(dirname(file), { recursive: true });
    if ((options.pause ?? true) && info.State.Running && !info.State.Paused) {
      await handle.pause();
      paused = true;
    }
    const pack = tarPack();
    const counting = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        bytes += chunk.length;
        options.onProgress?.({ type: 'bytes', bytes });
        callback(null, chunk);
      },
    });
    const writing = pipeline(pack, counting, createWriteStream(partial));
    writing.catch(() => {});
    try {
      for (const path of paths) {
        current = path;
        throwIfAborted(signal, 'The backup');
        options.onProgress?.({ type: 'path', path });
        const tar = await handle.getArchive(path, signal ? { signal } : {});
        await repack(tar, pack, toStored(path), (f) => {
          files[f.name] = f.sha256;
        });
      }
      current = undefined;
      pack.finalize();
      await writing;
    } catch (err) {
      pack.destroy(err as Error);
      await writing.catch(() => {});
      throw err;
    }
  } catch (err) {
    await rm(partial, { force: true });
    if (err instanceof BackupError) throw err;
    if (signal?.aborted) throw new AbortedError('The backup', signal.reason);
    throw fail((err as Error).message ?? String(err), current, err);
  } finally {
    if (paused) await handle.unpause();
  }

  const manifest: BackupManifest = {
    version: 1,
    container: name,
    containerId: info.Id,
    image: info.Config.Image,
    imageId: info.Image,
    created: new Date().toISOString(),
    paths,
    archiveSha256: hash.digest('hex'),
    files,
  };
  try {
    // The archive first: a failure between the two leaves a manifest that no longer matches
    // (restore refuses it), never a manifest describing a half-written archive.
    await writeFile(`${manifestFile}.partial`, `${JSON.stringify(manifest, null, 2)}\n`);
    await rename(partial, file);
    await rename(`${manifestFile}.partial`, manifestFile);
  } catch (err) {
    await rm(partial, { force: true });
    await rm(`${manifestFile}.partial`, { force: true });
    throw fail(`writing the archive failed: ${(err as Error).message}`, undefined, err);
  }
  return { file, manifest: manifestFile, bytes, files: Object.keys(files).length };
}
