// Integration: the archive API (getArchive / putArchive), pause / unpause / rename, and commit,
// against the real engine.
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { extract, pack } from 'tar-stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ArchivePathNotFoundError,
  ContainerNotFoundError,
  IMAGE_LABEL,
  MANAGED_LABEL,
  type Container,
  type Harpoon,
} from 'harpoon';
import { buildBusybox, RUN_ID, testLabels } from '../helpers/engine.ts';
import { engineTests, rejection } from '../helpers/integration.ts';

let base = '';
const it = await engineTests({
  ready: async (client) => {
    base = await buildBusybox(client);
  },
});

interface TarEntry {
  name: string;
  type: string | null | undefined;
  mode: number | undefined;
  linkname: string | null | undefined;
  data: Buffer;
}

async function entriesOf(tar: Readable): Promise<TarEntry[]> {
  const out: TarEntry[] = [];
  const ex = extract();
  ex.on('entry', (header, stream, next) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: unknown) => void chunks.push(c as Buffer));
    stream.on('end', () => {
      out.push({
        name: header.name,
        type: header.type,
        mode: header.mode,
        linkname: header.linkname,
        data: Buffer.concat(chunks),
      });
      next();
    });
  });
  await new Promise<void>((resolve, reject) => {
    ex.on('finish', resolve);
    ex.on('error', reject);
    tar.on('error', reject);
    tar.pipe(ex);
  });
  return out;
}

async function sleeper(client: Harpoon, script = 'true'): Promise<Container> {
  const c = await client.createContainer({
    image: base,
    cmd: ['sh', '-c', `${script}; exec sleep 300`],
    labels: testLabels,
  });
  await c.start();
  return c;
}

async function sh(c: Container, script: string): Promise<string> {
  const r = await c.exec(['sh', '-c', script]);
  assert.is(r.exitCode, 0, `${script}: ${r.stderr}`);
  return r.stdout;
}

it('getArchive → putArchive round trip between two containers keeps content, modes and symlinks', async (client) => {
  const binary = randomBytes(70_000).toString('hex').slice(0, 1000);
  const from = await sleeper(
    client,
    `mkdir -p /data/sub/deep && printf '${binary}' > /data/sub/deep/bin && : > /data/empty && echo hello > /data/a.txt && chmod 600 /data/a.txt && ln -s a.txt /data/link`,
  );
  const to = await sleeper(client, 'mkdir -p /copy');
  try {
    const tar = await from.getArchive('/data');
    await to.putArchive('/copy', tar);
    const list = (c: Container, dir: string) =>
      sh(
        c,
        `cd ${dir} && find . | sort && ls -ln ./a.txt ./link | cut -c1-10 && cat a.txt && readlink link && md5sum sub/deep/bin empty | cut -d' ' -f1`,
      );
    assert.is(await list(to, '/copy/data'), await list(from, '/data'));

    // A Buffer works too, and a single file comes as one entry named after it.
    const file = await entriesOf(await from.getArchive('/data/a.txt'));
    assert.equal(
      file.map((e) => e.name),
      ['a.txt'],
    );
    assert.is(file[0]!.mode! & 0o777, 0o600);
    const p = pack();
    p.entry({ name: 'note.txt', mode: 0o640 }, 'from a buffer\n');
    p.finalize();
    const chunks: Buffer[] = [];
    for await (const c of p as unknown as AsyncIterable<Buffer>) chunks.push(c);
    await to.putArchive('/copy', Buffer.concat(chunks));
    assert.is(await sh(to, 'cat /copy/note.txt; stat -c %a /copy/note.txt'), 'from a buffer\n640\n');
  } finally {
    await from.remove({ force: true });
    await to.remove({ force: true });
  }
});

it('getArchive names the top entry after the last element of the path, and works on a stopped container', async (client) => {
  const c = await client.createContainer({
    image: base,
    cmd: ['sh', '-c', 'mkdir -p /srv/www && echo hi > /srv/www/index.html'],
    labels: testLabels,
  });
  try {
    await c.start();
    assert.is(await c.wait(), 0);
    const names = (await entriesOf(await c.getArchive('/srv/www'))).map((e) => `${e.type}:${e.name}`);
    assert.equal(names, ['directory:www/', 'file:www/index.html']);
    const dot = (await entriesOf(await c.getArchive('/srv/www/.'))).map((e) => e.name);
    assert.equal(dot, ['./', './index.html']);
  } finally {
    await c.remove({ force: true });
  }
});

it('a missing path is an ArchivePathNotFoundError naming container and path; a missing container is ContainerNotFoundError', async (client) => {
  const c = await client.createContainer({
    image: base,
    cmd: ['true'],
    name: `harpoon-test-archive-${RUN_ID}`,
    labels: testLabels,
  });
  try {
    const named = client.container(`harpoon-test-archive-${RUN_ID}`);
    const err = await rejection(named.getArchive('/no/such/path'));
    assert.instance(err, ArchivePathNotFoundError);
    assert.is((err as ArchivePathNotFoundError).code, 'PATH_NOT_FOUND');
    assert.is((err as ArchivePathNotFoundError).path, '/no/such/path');
    assert.is((err as ArchivePathNotFoundError).container, `harpoon-test-archive-${RUN_ID}`);
    assert.match((err as Error).message, /no\/such\/path/);

    const put = await rejection(named.putArchive('/no/such/dir', Buffer.alloc(1024)));
    assert.instance(put, ArchivePathNotFoundError);
    assert.is((put as ArchivePathNotFoundError).path, '/no/such/dir');

    const gone = await rejection(client.container(`harpoon-test-missing-${RUN_ID}`).getArchive('/'));
    assert.instance(gone, ContainerNotFoundError);
  } finally {
    await c.remove({ force: true });
  }
});

it('pause / unpause / rename', async (client) => {
  const name = `harpoon-test-pause-${RUN_ID}`;
  const c = await client.createContainer({ image: base, cmd: ['sleep', '300'], name, labels: testLabels });
  const handle = client.container(name);
  try {
    await c.start();
    await handle.pause();
    assert.is((await c.inspect()).State.Status, 'paused');
    await handle.unpause();
    assert.is((await c.inspect()).State.Status, 'running');
    await handle.rename(`${name}-renamed`);
    assert.is(handle.name, `${name}-renamed`);
    assert.is((await handle.inspect()).Name, `/${name}-renamed`);
    assert.is((await c.inspect()).Id, (await handle.inspect()).Id);
  } finally {
    await c.remove({ force: true });
  }
});

it('commit makes an image with the image label (not the managed one) and the changes applied', async (client) => {
  const c = await sleeper(client, 'echo committed > /marker');
  try {
    const repository = `harpoon-test-commit-${RUN_ID}`;
    const id = await client.commit(c.id, {
      repository,
      tag: 'v1',
      message: 'a test commit',
      author: 'harpoon tests',
      changes: ['ENV COMMITTED=yes', 'CMD ["cat", "/marker"]'],
    });
    assert.match(id, /^sha256:/);
    const image = await client.inspectImage(`${repository}:v1`);
    assert.is(image.Id, id);
    assert.is(image.Config.Labels?.[IMAGE_LABEL], 'true');
    // The engine merges the container's labels into the commit; harpoon blanks the managed one.
    assert.is(image.Config.Labels?.[MANAGED_LABEL], '');
    assert.is(
      (await client.listManaged(testLabels)).images.some((i) => i.id === id),
      true,
    );
    assert.is(image.Config.Labels?.['harpoon.test'], RUN_ID); // the container's other labels stay
    assert.ok(image.Config.Env?.includes('COMMITTED=yes'));
    assert.equal(image.Config.Cmd, ['cat', '/marker']);
    assert.is(image.Comment, 'a test commit');
    assert.is(image.Author, 'harpoon tests');
    // The container kept running (paused only during the commit), and the image has its file.
    assert.is((await c.inspect()).State.Status, 'running');
    const run = await client.run({ image: id, labels: testLabels });
    assert.is(run.stdout, 'committed\n');
  } finally {
    await c.remove({ force: true });
  }
});

test.run();
