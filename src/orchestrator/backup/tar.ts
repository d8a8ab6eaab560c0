// Re-packing tar entries from one archive into another under new names: the engine's archive
// API names entries after the last element of the path (GET /srv/www gives `www/...`), the
// backup file stores them under the absolute path (`srv/www/...`), and a restore hands the
// engine `www/...` again to extract in `/srv`.
import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract, type Header, type Pack } from 'tar-stream';

/** Where an entry goes: its new name, or undefined to leave it out. */
export type Rename = (name: string) => string | undefined;

export interface RepackedFile {
  /** The name in the new archive. */
  name: string;
  sha256: string;
  size: number;
}

/**
 * Copy every entry of `source` that `rename` keeps into `pack` (not finalized), headers kept:
 * mode, uid/gid, names, mtime, symlink targets, xattrs and other PAX records. Resolves once
 * the whole source has been read; each regular file is reported with its sha256.
 */
export async function repack(
  source: Readable,
  pack: Pack,
  rename: Rename,
  onFile?: (file: RepackedFile) => void,
): Promise<void> {
  const ex = extract();
  // If the consumer of `pack` goes away (the engine refused the upload), stop reading.
  const onClose = () => ex.destroy(new Error('the archive being written was closed'));
  pack.once('close', onClose);
  ex.on('entry', (header, stream, next) => {
    const name = rename(header.name);
    if (name === undefined) {
      stream.on('end', next);
      stream.resume();
      return;
    }
    const out: Header = { ...header, name, pax: cleanPax(header.pax) };
    // A hard link's target is another entry of the archive: it moves with it.
    if (header.type === 'link' && header.linkname) out.linkname = rename(header.linkname) ?? header.linkname;
    if (header.type !== 'file' && header.type !== 'contiguous-file') {
      stream.resume();
      pack.entry({ ...out, size: 0 }, Buffer.alloc(0), (err) => (err ? ex.destroy(err) : next()));
      return;
    }
    const hash = createHash('sha256');
    let size = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        size += chunk.length;
        callback(null, chunk);
      },
    });
    pipeline(stream, hashing, pack.entry(out)).then(
      () => {
        onFile?.({ name, sha256: hash.digest('hex'), size });
        next();
      },
      (err: Error) => ex.destroy(err),
    );
  });
  try {
    await pipeline(source, ex);
  } finally {
    pack.off('close', onClose);
  }
}

/** PAX records minus the ones the new header rewrites (the path and link target). */
function cleanPax(pax: unknown): Record<string, string> | null {
  if (!pax || typeof pax !== 'object') return null;
  const { path: _path, linkpath: _linkpath, ...rest } = pax as Record<string, string>;
  return Object.keys(rest).length ? rest : null;
}

/** Entry names of a GET archive of `path` (top entry: its base name) → names under the absolute path. */
export function toStored(path: string): Rename {
  const base = posix.basename(path);
  const stored = path.slice(1);
  return (name) => {
    const clean = name.replace(/^\.\//, '');
    if (clean === base || clean === `${base}/`) return clean.endsWith('/') ? `${stored}/` : stored;
    if (clean.startsWith(`${base}/`)) return stored + clean.slice(base.length);
    return undefined;
  };
}

/** Stored names under `path` → names relative to its parent (a PUT archive into the parent); others dropped. */
export function fromStored(path: string): Rename {
  const base = posix.basename(path);
  const stored = path.slice(1);
  return (name) => {
    if (name === stored || name === `${stored}/`) return base + name.slice(stored.length);
    if (name.startsWith(`${stored}/`)) return base + name.slice(stored.length);
    return undefined;
  };
}

/**
 * Absolute, normalized container paths, without duplicates. Refuses "/" and paths inside one
 * another (their entries would be stored twice, and emptying the outer one reaches into the inner).
 */
export function normalizePaths(paths: string[]): { paths: string[]; problem?: string } {
  const out: string[] = [];
  for (const raw of paths) {
    if (!raw.startsWith('/')) return { paths: out, problem: `${raw} is not an absolute path` };
    const path = posix.normalize(raw).replace(/\/+$/, '');
    if (path === '' || path === '/')
      return { paths: out, problem: 'the root directory cannot be backed up; give the paths of its volumes' };
    if (!out.includes(path)) out.push(path);
  }
  for (const a of out) {
    const outer = out.find((b) => b !== a && a.startsWith(`${b}/`));
    if (outer) return { paths: out, problem: `${a} is inside ${outer}; give one or the other` };
  }
  return { paths: out };
}
