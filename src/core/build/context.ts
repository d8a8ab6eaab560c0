// The build context as a tar stream (tar-stream), produced lazily as the engine reads it:
// a large context directory is never held in memory. Entries are owned by 0:0 with a fixed
// mtime so that identical inputs give identical contexts, and the build cache stays warm.
import { createReadStream, type Stats } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack, type Header, type Pack } from 'tar-stream';
import { InvalidInputError } from '../errors.ts';
import { ignoreRules, parseDockerignore, type IgnoreRules } from './dockerignore.ts';

export const CONTEXT_MTIME = new Date('2000-01-01T00:00:00Z');
/** Name of an in-memory Dockerfile sent next to a context directory (kept out of COPY via .dockerignore). */
export const SIDE_DOCKERFILE = '.harpoon.Dockerfile';

/** A file of the build context held in memory, with its permission bits. */
export interface InMemoryFile {
  content: string | Buffer;
  /** Permission bits, e.g. 0o755 for a script. Default 0o644. */
  mode?: number;
}

/** The build context: Dockerfile lines, in-memory files, and/or a directory (with its .dockerignore). */
export interface ContextSpec {
  /** Dockerfile lines (or one string). Omit to use the context directory's own Dockerfile. */
  dockerfile?: string | string[];
  /** Extra files by context-relative path. */
  files?: Record<string, string | Buffer | InMemoryFile>;
  /** A directory whose contents are sent, honouring its .dockerignore. */
  directory?: string;
  /** The Dockerfile inside `directory` when `dockerfile` is not given. Default "Dockerfile". */
  dockerfilePath?: string;
}

export interface BuildContext {
  stream: Readable;
  /** The Dockerfile's path inside the context, for the engine's `dockerfile` parameter. */
  dockerfileName: string;
}

export function dockerfileText(dockerfile: string | string[]): string {
  const text = Array.isArray(dockerfile) ? dockerfile.join('\n') : dockerfile;
  return text.endsWith('\n') ? text : `${text}\n`;
}

/** Validates a context-relative path: relative, inside the context, posix separators. */
export function contextPath(field: string, path: string): string {
  const clean = posix.normalize(path.replace(/\\/g, '/'));
  if (clean.startsWith('/') || clean === '..' || clean.startsWith('../') || clean === '.' || clean === '') {
    throw new InvalidInputError(
      field,
      `"${path}" must be a relative path inside the build context (no leading "/" or "..")`,
    );
  }
  return clean;
}

/** The tar stream the engine builds from, made from a ContextSpec. */
export function createBuildContext(spec: ContextSpec): BuildContext {
  if (spec.dockerfile === undefined && spec.directory === undefined) {
    throw new InvalidInputError('dockerfile', 'give Dockerfile lines, a context directory with a Dockerfile, or both');
  }
  const memoryFiles = new Map<string, InMemoryFile>();
  for (const [path, value] of Object.entries(spec.files ?? {})) {
    const file = typeof value === 'string' || Buffer.isBuffer(value) ? { content: value } : value;
    memoryFiles.set(contextPath(`files["${path}"]`, path), file);
  }
  const dockerfileName =
    spec.dockerfile === undefined
      ? contextPath('dockerfilePath', spec.dockerfilePath ?? 'Dockerfile')
      : spec.directory === undefined
        ? 'Dockerfile'
        : SIDE_DOCKERFILE;

  if (spec.dockerfile !== undefined && memoryFiles.has(dockerfileName)) {
    throw new InvalidInputError(
      `files["${dockerfileName}"]`,
      'clashes with the Dockerfile lines given as `dockerfile`; drop one of them',
    );
  }
  for (const path of memoryFiles.keys()) {
    const parent = parentsOf(path).find((dir) => memoryFiles.has(dir));
    if (parent)
      throw new InvalidInputError(
        `files["${path}"]`,
        `"${parent}" is also given as a file; a path cannot be both a file and a directory`,
      );
  }

  const pack = tarPack();
  fill(pack, spec, memoryFiles, dockerfileName).then(
    () => pack.finalize(),
    (err) => pack.destroy(err),
  );
  // tar-stream speaks streamx; hand callers a plain Node stream (backpressure is kept).
  return { stream: Readable.from(pack, { objectMode: false }), dockerfileName };
}

type EntryHeader = Partial<Header> & Pick<Header, 'name'>;

function addEntry(pack: Pack, header: EntryHeader, content?: Buffer | string): Promise<void> {
  return new Promise((resolve, reject) => {
    const full: EntryHeader = { uid: 0, gid: 0, uname: '', gname: '', mtime: CONTEXT_MTIME, ...header };
    pack.entry(full, content ?? '', (err) => (err ? reject(err) : resolve()));
  });
}

function parentsOf(path: string): string[] {
  const parts = path.split('/').slice(0, -1);
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

async function fill(
  pack: Pack,
  spec: ContextSpec,
  memoryFiles: Map<string, InMemoryFile>,
  dockerfileName: string,
): Promise<void> {
  const written = new Set<string>();
  const dirsWritten = new Set<string>();
  const addParents = async (path: string) => {
    for (const dir of parentsOf(path)) {
      if (dirsWritten.has(dir)) continue;
      dirsWritten.add(dir);
      await addEntry(pack, { name: `${dir}/`, type: 'directory', mode: 0o755 });
    }
  };

  let ignoreText: string | undefined;
  const memoryIgnore = memoryFiles.get('.dockerignore');
  if (memoryIgnore) {
    ignoreText = memoryIgnore.content.toString();
    memoryFiles.delete('.dockerignore');
  } else if (spec.directory !== undefined) {
    ignoreText = await readFile(join(spec.directory, '.dockerignore'), 'utf8').catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return undefined;
      if (err.code === 'ENOTDIR' || err.code === 'EISDIR')
        throw new InvalidInputError('directory', `${spec.directory}: ${err.message}`);
      throw err;
    });
  }
  if (spec.directory !== undefined) {
    const st = await lstat(spec.directory).catch(() => undefined);
    if (!st?.isDirectory()) throw new InvalidInputError('directory', `${spec.directory} is not a directory`);
  }

  if (spec.dockerfile !== undefined) {
    await addEntry(pack, { name: dockerfileName, mode: 0o644 }, Buffer.from(dockerfileText(spec.dockerfile)));
    written.add(dockerfileName);
    if (dockerfileName === SIDE_DOCKERFILE) {
      // Listed in .dockerignore, the engine drops it from the context after reading it,
      // so `COPY . .` never copies it (the docker CLI does the same for `-f -`).
      ignoreText = `${ignoreText ?? ''}\n${SIDE_DOCKERFILE}\n`;
    }
  }
  if (ignoreText !== undefined && (dockerfileName === SIDE_DOCKERFILE || memoryIgnore)) {
    await addEntry(pack, { name: '.dockerignore', mode: memoryIgnore?.mode ?? 0o644 }, Buffer.from(ignoreText));
    written.add('.dockerignore');
  }

  for (const [path, file] of [...memoryFiles].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await addParents(path);
    const content = typeof file.content === 'string' ? Buffer.from(file.content) : file.content;
    await addEntry(pack, { name: path, mode: file.mode ?? 0o644 }, content);
    written.add(path);
  }

  if (spec.directory !== undefined) {
    const rules = ignoreRules(parseDockerignore(ignoreText ?? ''));
    // The Dockerfile and .dockerignore always travel, even when .dockerignore lists them.
    const alwaysKeep = new Set([dockerfileName, '.dockerignore']);
    await writeDirectory(
      pack,
      spec.directory,
      walkContext(spec.directory, '', rules, alwaysKeep, new Set(written), dirsWritten),
      written,
    );
    if (spec.dockerfile === undefined && !written.has(dockerfileName)) {
      throw new InvalidInputError(
        'dockerfilePath',
        `no ${dockerfileName} in ${spec.directory}; add one or pass Dockerfile lines`,
      );
    }
  }
}

type ContextEntry =
  | { type: 'directory'; path: string; mode: number }
  | { type: 'symlink'; path: string; mode: number; linkname: string }
  | { type: 'file'; path: string; mode: number; size: number };

/** Files up to this size are read whole, ahead of the tar writer; larger ones are streamed. */
const READ_AHEAD_MAX_FILE = 1 << 20;
/** How many entries may be read ahead of the writer (bounds memory to ~16 MiB). */
const READ_AHEAD = 16;
const STAT_BATCH = 64;

/** The directory's entries in tar order, after .dockerignore; `skip` holds paths already written. */
async function* walkContext(
  root: string,
  rel: string,
  rules: IgnoreRules,
  alwaysKeep: Set<string>,
  skip: Set<string>,
  dirsWritten: Set<string>,
): AsyncGenerator<ContextEntry> {
  const names = (await readdir(join(root, rel))).sort();
  for (let i = 0; i < names.length; i += STAT_BATCH) {
    const batch = names.slice(i, i + STAT_BATCH).map((name) => (rel ? `${rel}/${name}` : name));
    const stats = await Promise.all(batch.map((path) => lstat(join(root, path))));
    for (const [index, path] of batch.entries()) {
      if (skip.has(path)) continue; // an in-memory file of the same path wins
      const st: Stats = stats[index]!;
      const ignored = rules.ignores(path) && !alwaysKeep.has(path);
      if (st.isDirectory()) {
        // An ignored directory is skipped whole unless an exception could keep something
        // inside, or it holds a file that always travels (the Dockerfile).
        const holdsKept = [...alwaysKeep].some((kept) => kept.startsWith(`${path}/`));
        if (ignored && !rules.hasExceptions && !holdsKept) continue;
        if (!ignored && !dirsWritten.has(path)) {
          dirsWritten.add(path);
          yield { type: 'directory', path, mode: st.mode & 0o7777 };
        }
        yield* walkContext(root, path, rules, alwaysKeep, skip, dirsWritten);
        continue;
      }
      if (ignored) continue;
      // Kept inside an ignored directory by an exception: its parents must exist in the tar.
      for (const dir of parentsOf(path)) {
        if (dirsWritten.has(dir)) continue;
        dirsWritten.add(dir);
        yield { type: 'directory', path: dir, mode: 0o755 };
      }
      const mode = st.mode & 0o7777;
      if (st.isSymbolicLink()) yield { type: 'symlink', path, mode, linkname: await readlink(join(root, path)) };
      else if (st.isFile()) yield { type: 'file', path, mode, size: st.size };
      // Sockets, fifos and devices are skipped, as the docker CLI does.
    }
  }
}

/**
 * Write the walked entries in order, reading small files ahead of the writer so the disk
 * is never idle while the engine reads (one file at a time was 1.3x slower than the CLI).
 */
async function writeDirectory(
  pack: Pack,
  root: string,
  entries: AsyncIterable<ContextEntry>,
  written: Set<string>,
): Promise<void> {
  const queue: Array<{ entry: ContextEntry; content?: Promise<Buffer> }> = [];
  const writeHead = async () => {
    const { entry, content } = queue.shift()!;
    if (entry.type === 'directory')
      await addEntry(pack, { name: `${entry.path}/`, type: 'directory', mode: entry.mode });
    else if (entry.type === 'symlink')
      await addEntry(pack, { name: entry.path, type: 'symlink', linkname: entry.linkname, mode: entry.mode });
    else if (content) await addEntry(pack, { name: entry.path, mode: entry.mode }, await content);
    else {
      await new Promise<void>((resolve, reject) => {
        const sink = pack.entry(
          {
            name: entry.path,
            size: entry.size,
            mode: entry.mode,
            uid: 0,
            gid: 0,
            uname: '',
            gname: '',
            mtime: CONTEXT_MTIME,
          },
          (err) => (err ? reject(err) : resolve()),
        );
        pipeline(createReadStream(join(root, entry.path), { highWaterMark: READ_AHEAD_MAX_FILE }), sink).catch(reject);
      });
    }
    written.add(entry.path);
  };
  for await (const entry of entries) {
    const content =
      entry.type === 'file' && entry.size <= READ_AHEAD_MAX_FILE ? readFile(join(root, entry.path)) : undefined;
    content?.catch(() => {}); // surfaced when written
    queue.push({ entry, ...(content ? { content } : {}) });
    if (queue.length >= READ_AHEAD) await writeHead();
  }
  while (queue.length) await writeHead();
}
