// createBuildContext: the tar the engine receives, read back entry by entry with tar-stream.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  chmodSync,
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { extract, type Header } from 'tar-stream';
import { InvalidInputError, type ContextSpec } from 'harpoon';
import { createBuildContext } from '../../src/core/build/context.ts';
import { CONTEXT_MTIME, SIDE_DOCKERFILE } from '../../src/core/build/context.ts';
import { parseDockerignore } from '../../src/core/build/dockerignore.ts';

interface Entry {
  header: Header;
  content: Buffer;
}

async function tarBytes(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

async function untar(bytes: Buffer): Promise<Entry[]> {
  const ex = extract();
  ex.end(bytes);
  const entries: Entry[] = [];
  for await (const entry of ex) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(Buffer.from(chunk as Uint8Array));
    entries.push({ header: entry.header, content: Buffer.concat(chunks) });
  }
  return entries;
}

async function entriesOf(spec: ContextSpec): Promise<Entry[]> {
  return untar(await tarBytes(createBuildContext(spec).stream));
}

const names = (entries: Entry[]) => entries.map((e) => e.header.name);
const sortedNames = (entries: Entry[]) => names(entries).sort();
function byName(entries: Entry[], name: string): Entry {
  const found = entries.filter((e) => e.header.name === name);
  assert.is(
    found.length,
    1,
    `expected exactly one entry "${name}", found ${found.length} in ${JSON.stringify(names(entries))}`,
  );
  return found[0]!;
}

function assertNormalized(entries: Entry[]): void {
  for (const { header } of entries) {
    assert.is(header.uid, 0, `${header.name} uid`);
    assert.is(header.gid, 0, `${header.name} gid`);
    assert.is(header.mtime.getTime(), CONTEXT_MTIME.getTime(), `${header.name} mtime`);
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.unreachable('expected the promise to reject');
  return undefined;
}

function syncThrow(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.unreachable('expected a throw');
  return undefined;
}

/** A temporary context directory, removed by the caller via cleanup(). */
function tempDir(files: Record<string, string>): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'harpoon-ctx-'));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// --- in-memory only -----------------------------------------------------------------------

test('in-memory lines only → a single "Dockerfile" entry, text ending in "\\n"', async () => {
  const { stream, dockerfileName } = createBuildContext({ dockerfile: ['FROM scratch', 'COPY a /a'] });
  assert.is(dockerfileName, 'Dockerfile');
  const entries = await untar(await tarBytes(stream));
  assert.equal(names(entries), ['Dockerfile']);
  const [df] = entries;
  assert.is(df!.content.toString('utf8'), 'FROM scratch\nCOPY a /a\n');
  assert.is(df!.header.type, 'file');
  assert.is(df!.header.mode, 0o644);
  assert.is(df!.header.size, df!.content.length);
  assertNormalized(entries);
});

test('a string Dockerfile gets one trailing newline, never two; array and string forms agree', async () => {
  const fromString = await entriesOf({ dockerfile: 'FROM scratch\nCOPY a /a' });
  const fromArray = await entriesOf({ dockerfile: ['FROM scratch', 'COPY a /a'] });
  assert.is(fromString[0]!.content.toString(), 'FROM scratch\nCOPY a /a\n');
  assert.equal(fromString[0]!.content, fromArray[0]!.content);
  const already = await entriesOf({ dockerfile: 'FROM scratch\n' });
  assert.is(already[0]!.content.toString(), 'FROM scratch\n');
});

test('in-memory files: modes, nested paths, parent directory entries, byte contents', async () => {
  const binary = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
  const entries = await entriesOf({
    dockerfile: 'FROM scratch',
    files: {
      'bin/run.sh': { content: '#!/bin/sh\necho hi\n', mode: 0o755 },
      'a/b/c/data.bin': binary,
      'top.txt': 'top',
      'a/b/other.txt': { content: Buffer.from('other') },
    },
  });
  assert.equal(sortedNames(entries), [
    'Dockerfile',
    'a/',
    'a/b/',
    'a/b/c/',
    'a/b/c/data.bin',
    'a/b/other.txt',
    'bin/',
    'bin/run.sh',
    'top.txt',
  ]);
  assertNormalized(entries);
  const run = byName(entries, 'bin/run.sh');
  assert.is(run.header.mode, 0o755);
  assert.is(run.content.toString(), '#!/bin/sh\necho hi\n');
  assert.is(byName(entries, 'top.txt').header.mode, 0o644);
  assert.is(byName(entries, 'a/b/other.txt').header.mode, 0o644);
  assert.equal(byName(entries, 'a/b/c/data.bin').content, binary);
  for (const dir of ['a/', 'a/b/', 'a/b/c/', 'bin/']) {
    assert.is(byName(entries, dir).header.type, 'directory');
    assert.is(byName(entries, dir).header.mode, 0o755);
  }
  // A parent directory comes before anything inside it.
  const order = names(entries);
  assert.ok(order.indexOf('a/') < order.indexOf('a/b/'));
  assert.ok(order.indexOf('a/b/c/') < order.indexOf('a/b/c/data.bin'));
});

test('in-memory paths are normalised (backslashes, "./", "x/../")', async () => {
  const entries = await entriesOf({
    dockerfile: 'FROM scratch',
    files: { './x/./y.txt': 'y', 'p\\q.txt': 'q', 'r/../s.txt': 's' },
  });
  assert.equal(sortedNames(entries), ['Dockerfile', 'p/', 'p/q.txt', 's.txt', 'x/', 'x/y.txt']);
});

test('bad paths → InvalidInputError naming the field', () => {
  for (const bad of ['../x', '/abs', 'a/../../x', '..', '.', '']) {
    const err = syncThrow(() => createBuildContext({ dockerfile: 'FROM scratch', files: { [bad]: 'x' } }));
    assert.instance(err, InvalidInputError, `path ${JSON.stringify(bad)}`);
    const e = err as InvalidInputError;
    assert.is(e.field, `files["${bad}"]`);
    assert.ok(e.message.startsWith(`files["${bad}"]: `), e.message);
  }
  const df = syncThrow(() => createBuildContext({ directory: '/tmp', dockerfilePath: '../Dockerfile' }));
  assert.instance(df, InvalidInputError);
  assert.is((df as InvalidInputError).field, 'dockerfilePath');
  assert.match((df as InvalidInputError).message, 'dockerfilePath');
});

test('neither Dockerfile lines nor a directory → InvalidInputError', () => {
  const err = syncThrow(() => createBuildContext({ files: { a: 'b' } }));
  assert.instance(err, InvalidInputError);
  assert.is((err as InvalidInputError).field, 'dockerfile');
});

// --- a context directory ------------------------------------------------------------------

test('a directory with .dockerignore: ignored files and dirs left out, exceptions kept, Dockerfile and .dockerignore always in', async () => {
  const { dir, cleanup } = tempDir({
    Dockerfile: 'FROM scratch\nCOPY . /\n',
    '.dockerignore': [
      '# build junk',
      '*.log',
      '',
      'build/',
      'node_modules',
      'secret',
      '!secret/keep.txt',
      'Dockerfile',
      '.dockerignore',
    ].join('\n'),
    'app.js': 'console.log(1)\n',
    'debug.log': 'ignored',
    'sub/nested.log': 'kept: *.log only matches at the top',
    'sub/code.js': 'code',
    'build/out.bin': 'ignored',
    'build/deep/x.o': 'ignored',
    'node_modules/pkg/index.js': 'ignored',
    'secret/a.txt': 'ignored',
    'secret/keep.txt': 'kept by exception',
  });
  try {
    const { stream, dockerfileName } = createBuildContext({ directory: dir });
    assert.is(dockerfileName, 'Dockerfile');
    const entries = await untar(await tarBytes(stream));
    assert.equal(sortedNames(entries), [
      '.dockerignore',
      'Dockerfile',
      'app.js',
      'secret/',
      'secret/keep.txt',
      'sub/',
      'sub/code.js',
      'sub/nested.log',
    ]);
    assertNormalized(entries);
    assert.is(byName(entries, 'Dockerfile').content.toString(), 'FROM scratch\nCOPY . /\n');
    assert.is(byName(entries, 'secret/keep.txt').content.toString(), 'kept by exception');
    assert.is(byName(entries, 'secret/').header.type, 'directory');
    assert.is(byName(entries, 'sub/nested.log').content.toString(), 'kept: *.log only matches at the top');
    // The directory's .dockerignore travels unchanged.
    assert.match(byName(entries, '.dockerignore').content.toString(), '!secret/keep.txt');
  } finally {
    cleanup();
  }
});

test('without exceptions, an ignored directory is left out whole', async () => {
  const { dir, cleanup } = tempDir({
    Dockerfile: 'FROM scratch\n',
    '.dockerignore': 'node_modules\n/dist/\n',
    'index.js': 'x',
    'node_modules/a/b/c.js': 'x',
    'dist/bundle.js': 'x',
    'src/dist/keep.js': 'kept: /dist is anchored at the root',
  });
  try {
    const entries = await entriesOf({ directory: dir });
    assert.equal(sortedNames(entries), [
      '.dockerignore',
      'Dockerfile',
      'index.js',
      'src/',
      'src/dist/',
      'src/dist/keep.js',
    ]);
  } finally {
    cleanup();
  }
});

test('file and directory modes come from disk', async () => {
  const { dir, cleanup } = tempDir({ Dockerfile: 'FROM scratch\n', 'tools/run.sh': '#!/bin/sh\n', 'tools/data': 'd' });
  try {
    chmodSync(join(dir, 'tools/run.sh'), 0o755);
    chmodSync(join(dir, 'tools/data'), 0o600);
    chmodSync(join(dir, 'tools'), 0o750);
    const entries = await entriesOf({ directory: dir });
    assert.is(byName(entries, 'tools/run.sh').header.mode, 0o755);
    assert.is(byName(entries, 'tools/data').header.mode, 0o600);
    assert.is(byName(entries, 'tools/').header.mode, 0o750);
    assert.is(byName(entries, 'tools/').header.type, 'directory');
    assertNormalized(entries);
  } finally {
    cleanup();
  }
});

test("in-memory Dockerfile next to a directory → SIDE_DOCKERFILE, and listed in the tar's .dockerignore", async () => {
  const { dir, cleanup } = tempDir({
    Dockerfile: 'FROM on-disk\n',
    '.dockerignore': '*.log\n',
    'app.js': 'app',
    'x.log': 'ignored',
  });
  try {
    const { stream, dockerfileName } = createBuildContext({
      directory: dir,
      dockerfile: ['FROM alpine', 'COPY . /app'],
    });
    assert.is(dockerfileName, SIDE_DOCKERFILE);
    assert.is(SIDE_DOCKERFILE, '.harpoon.Dockerfile');
    const entries = await untar(await tarBytes(stream));
    assert.equal(sortedNames(entries), ['.dockerignore', SIDE_DOCKERFILE, 'Dockerfile', 'app.js']);
    assert.is(byName(entries, SIDE_DOCKERFILE).content.toString(), 'FROM alpine\nCOPY . /app\n');
    // The directory's own Dockerfile is just another file now.
    assert.is(byName(entries, 'Dockerfile').content.toString(), 'FROM on-disk\n');
    const ignore = parseDockerignore(byName(entries, '.dockerignore').content.toString());
    assert.ok(ignore.includes('*.log'), "the directory's rules are kept");
    assert.ok(ignore.includes(SIDE_DOCKERFILE), 'the side Dockerfile is listed');
  } finally {
    cleanup();
  }
});

test('in-memory Dockerfile next to a directory without .dockerignore → a .dockerignore listing only the side Dockerfile', async () => {
  const { dir, cleanup } = tempDir({ 'app.js': 'app' });
  try {
    const entries = await entriesOf({ directory: dir, dockerfile: 'FROM scratch' });
    assert.equal(sortedNames(entries), ['.dockerignore', SIDE_DOCKERFILE, 'app.js']);
    assert.equal(parseDockerignore(byName(entries, '.dockerignore').content.toString()), [SIDE_DOCKERFILE]);
  } finally {
    cleanup();
  }
});

test('an in-memory file overrides the same path in the directory (appears once, in-memory content)', async () => {
  const { dir, cleanup } = tempDir({
    Dockerfile: 'FROM scratch\n',
    'app.js': 'on disk',
    'conf/settings.json': '{"disk":true}',
    'conf/other.json': '{}',
  });
  try {
    const entries = await entriesOf({
      directory: dir,
      files: { 'app.js': { content: 'in memory', mode: 0o600 }, 'conf/settings.json': '{"memory":true}' },
    });
    assert.equal(sortedNames(entries), ['Dockerfile', 'app.js', 'conf/', 'conf/other.json', 'conf/settings.json']);
    const app = byName(entries, 'app.js');
    assert.is(app.content.toString(), 'in memory');
    assert.is(app.header.mode, 0o600);
    assert.is(byName(entries, 'conf/settings.json').content.toString(), '{"memory":true}');
    assert.is(byName(entries, 'conf/other.json').content.toString(), '{}');
  } finally {
    cleanup();
  }
});

test('symlinks are stored as symlinks, not followed', async () => {
  const { dir, cleanup } = tempDir({ Dockerfile: 'FROM scratch\n', 'real.txt': 'real', 'lib/a.js': 'a' });
  try {
    symlinkSync('real.txt', join(dir, 'link.txt'));
    symlinkSync('lib', join(dir, 'liblink'));
    symlinkSync('/nonexistent/target', join(dir, 'dangling'));
    const entries = await entriesOf({ directory: dir });
    assert.equal(sortedNames(entries), [
      'Dockerfile',
      'dangling',
      'lib/',
      'lib/a.js',
      'liblink',
      'link.txt',
      'real.txt',
    ]);
    const link = byName(entries, 'link.txt');
    assert.is(link.header.type, 'symlink');
    assert.is(link.header.linkname, 'real.txt');
    assert.is(link.content.length, 0);
    assert.is(byName(entries, 'liblink').header.type, 'symlink');
    assert.is(byName(entries, 'liblink').header.linkname, 'lib');
    assert.is(byName(entries, 'dangling').header.linkname, '/nonexistent/target');
    assertNormalized(entries);
  } finally {
    cleanup();
  }
});

test('a custom dockerfilePath inside the directory', async () => {
  const { dir, cleanup } = tempDir({ 'docker/Dev.Dockerfile': 'FROM dev\n', 'app.js': 'a' });
  try {
    const { stream, dockerfileName } = createBuildContext({ directory: dir, dockerfilePath: 'docker/Dev.Dockerfile' });
    assert.is(dockerfileName, 'docker/Dev.Dockerfile');
    const entries = await untar(await tarBytes(stream));
    assert.is(byName(entries, 'docker/Dev.Dockerfile').content.toString(), 'FROM dev\n');
  } finally {
    cleanup();
  }
});

test('a Dockerfile inside an ignored directory is kept when the ignore file has exceptions', async () => {
  const { dir, cleanup } = tempDir({
    '.dockerignore': 'docker\n!keep.me\n',
    'docker/Dev.Dockerfile': 'FROM dev\n',
    'docker/other': 'ignored',
    'app.js': 'a',
  });
  try {
    const entries = await entriesOf({ directory: dir, dockerfilePath: 'docker/Dev.Dockerfile' });
    assert.equal(sortedNames(entries), ['.dockerignore', 'app.js', 'docker/', 'docker/Dev.Dockerfile']);
  } finally {
    cleanup();
  }
});

// Regression (was a bug): src/core/build/context.ts walk(): `if (ignored && !rules.hasExceptions) continue;` skips an
// ignored directory whole, before alwaysKeep is consulted for files inside it. With
// .dockerignore "docker" and dockerfilePath "docker/Dev.Dockerfile" (and no "!" lines) the
// Dockerfile is never written and fill() rejects with
//   InvalidInputError "dockerfilePath: no docker/Dev.Dockerfile in <dir>; ..."
// although the file exists. The docker CLI (TrimBuildFilesFromExcludes) adds "!<dockerfile>" so
// the Dockerfile is always sent. (The test above shows it works once any "!" line exists.)
test('a Dockerfile inside an ignored directory is always sent (no exceptions in .dockerignore)', async () => {
  const { dir, cleanup } = tempDir({
    '.dockerignore': 'docker\n',
    'docker/Dev.Dockerfile': 'FROM dev\n',
    'app.js': 'a',
  });
  try {
    const entries = await entriesOf({ directory: dir, dockerfilePath: 'docker/Dev.Dockerfile' });
    assert.equal(sortedNames(entries), ['.dockerignore', 'app.js', 'docker/', 'docker/Dev.Dockerfile']);
  } finally {
    cleanup();
  }
});

/** Either the spec is refused with InvalidInputError, or the tar names each path once. */
async function refusedOrUnique(spec: ContextSpec): Promise<Entry[] | undefined> {
  let entries: Entry[];
  try {
    entries = await entriesOf(spec);
  } catch (err) {
    assert.instance(err, InvalidInputError);
    return undefined;
  }
  const all = names(entries);
  assert.equal(all, [...new Set(all)], `duplicate entries in ${JSON.stringify(all)}`);
  return entries;
}

// Regression (was a bug): src/core/build/context.ts fill(): the in-memory Dockerfile is added and recorded in
// `written`, but the loop over memoryFiles never checks `written`, so
// { dockerfile: 'FROM a', files: { Dockerfile: 'FROM b' } } gives a tar with TWO "Dockerfile"
// entries ("FROM a\n" then "FROM b"); extraction keeps the last, so the given lines are silently
// replaced. Expected: one entry, or an InvalidInputError for the clash.
test('files["Dockerfile"] next to Dockerfile lines does not produce two Dockerfile entries', async () => {
  await refusedOrUnique({ dockerfile: 'FROM a', files: { Dockerfile: 'FROM b' } });
});

// Regression (was a bug): src/core/build/context.ts fill(): with Dockerfile lines next to a directory, the generated
// .dockerignore (listing SIDE_DOCKERFILE) is written, then files[".dockerignore"] is written again
// as a second ".dockerignore" entry. The later one wins on extraction, so SIDE_DOCKERFILE is no
// longer ignored and `COPY . .` copies .harpoon.Dockerfile; the in-memory rules are also not
// applied to the directory walk (which used the directory's own .dockerignore).
test('files[".dockerignore"] next to a directory and Dockerfile lines: one .dockerignore that still lists the side Dockerfile', async () => {
  const { dir, cleanup } = tempDir({ 'app.js': 'a', 'x.log': 'l' });
  try {
    const entries = await refusedOrUnique({
      directory: dir,
      dockerfile: 'FROM scratch',
      files: { '.dockerignore': '*.log\n' },
    });
    if (entries) {
      const rules = parseDockerignore(byName(entries, '.dockerignore').content.toString());
      assert.ok(rules.includes(SIDE_DOCKERFILE));
    }
  } finally {
    cleanup();
  }
});

// Regression (was a bug): src/core/build/context.ts createBuildContext(): files { a: 'x', 'a/b': 'y' } is accepted and
// the tar holds a regular file "a" and then a directory "a/" (with "a/b" inside). Expected: an
// InvalidInputError, since "a" cannot be both a file and a directory.
test('a path used both as a file and as a parent directory is refused', async () => {
  const err = await rejection(
    (async () => {
      await entriesOf({ dockerfile: 'FROM scratch', files: { a: 'x', 'a/b': 'y' } });
    })(),
  );
  assert.instance(err, InvalidInputError);
});

test('a directory without a Dockerfile (and no lines) → the stream fails with InvalidInputError', async () => {
  const { dir, cleanup } = tempDir({ 'app.js': 'a' });
  try {
    const { stream } = createBuildContext({ directory: dir });
    const err = await rejection(tarBytes(stream));
    assert.instance(err, InvalidInputError);
    assert.is((err as InvalidInputError).field, 'dockerfilePath');
    assert.match((err as InvalidInputError).message, 'Dockerfile');
    assert.match((err as InvalidInputError).message, dir);
  } finally {
    cleanup();
  }
});

test('a directory that does not exist (or is a file) → InvalidInputError on the stream', async () => {
  const missing = join(tmpdir(), `harpoon-missing-${process.pid}-${Date.now()}`);
  const err = await rejection(tarBytes(createBuildContext({ directory: missing }).stream));
  assert.instance(err, InvalidInputError);
  assert.is((err as InvalidInputError).field, 'directory');
  assert.match((err as InvalidInputError).message, missing);

  const { dir, cleanup } = tempDir({ 'file.txt': 'x' });
  try {
    const notDir = await rejection(
      tarBytes(createBuildContext({ directory: join(dir, 'file.txt'), dockerfile: 'FROM scratch' }).stream),
    );
    assert.instance(notDir, InvalidInputError);
    assert.is((notDir as InvalidInputError).field, 'directory');
  } finally {
    cleanup();
  }
});

test('determinism: identical specs give byte-identical tars', async () => {
  const files = { 'b.txt': 'b', 'a/x.bin': Buffer.from([1, 2, 3]), 'run.sh': { content: 'x', mode: 0o755 } };
  const mem1 = await tarBytes(createBuildContext({ dockerfile: ['FROM scratch', 'COPY . /'], files }).stream);
  const mem2 = await tarBytes(createBuildContext({ dockerfile: ['FROM scratch', 'COPY . /'], files }).stream);
  assert.ok(mem1.length > 0);
  assert.ok(mem1.equals(mem2), 'in-memory contexts differ');
  // The order files are given in does not matter either.
  const reordered = { 'run.sh': files['run.sh'], 'a/x.bin': files['a/x.bin'], 'b.txt': files['b.txt'] };
  const mem3 = await tarBytes(
    createBuildContext({ dockerfile: ['FROM scratch', 'COPY . /'], files: reordered }).stream,
  );
  assert.ok(mem1.equals(mem3), 'file order changed the tar');

  const { dir, cleanup } = tempDir({
    Dockerfile: 'FROM scratch\n',
    '.dockerignore': '*.tmp\n',
    'z.txt': 'z',
    'a/b/c.txt': 'c',
    'q.tmp': 'q',
  });
  try {
    const d1 = await tarBytes(createBuildContext({ directory: dir, files: { 'extra.txt': 'e' } }).stream);
    const d2 = await tarBytes(createBuildContext({ directory: dir, files: { 'extra.txt': 'e' } }).stream);
    assert.ok(d1.equals(d2), 'directory contexts differ');
    // A different content must give a different tar (the comparison can fail).
    writeFileSync(join(dir, 'z.txt'), 'Z');
    const d3 = await tarBytes(createBuildContext({ directory: dir, files: { 'extra.txt': 'e' } }).stream);
    assert.not.ok(d1.equals(d3));
  } finally {
    cleanup();
  }
});

test('streaming: a 50 MB file in the context directory is streamed through', async () => {
  const { dir, cleanup } = tempDir({ Dockerfile: 'FROM scratch\n' });
  const size = 50 * 1024 * 1024 + 123;
  try {
    const fd = openSync(join(dir, 'big.bin'), 'w');
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    for (let written = 0; written < size; ) {
      const n = Math.min(chunk.length, size - written);
      writeSync(fd, chunk, 0, n);
      written += n;
    }
    closeSync(fd);

    let total = 0;
    let chunks = 0;
    let largest = 0;
    for await (const piece of createBuildContext({ directory: dir }).stream) {
      const len = (piece as Uint8Array).length;
      total += len;
      chunks++;
      largest = Math.max(largest, len);
    }
    assert.ok(total > size, `tar is ${total} bytes, file is ${size}`);
    // Padded to 512-byte blocks, plus headers and the two end blocks: not much more.
    assert.ok(total < size + 16 * 1024, `tar is ${total} bytes`);
    // It arrived in many pieces, not as one buffer holding the whole file.
    assert.ok(chunks > 10, `only ${chunks} chunks`);
    assert.ok(largest < size, 'the whole file came as a single chunk');
  } finally {
    cleanup();
  }
});

test.run();
