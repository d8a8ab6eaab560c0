// Integration: backupContainer / restoreContainer against the real engine. A busybox container
// with two labelled named volumes holding varied files; every file's sha256, mode, owner and
// symlink target compared inside the container after a restore.
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AbortedError, type Container, type Harpoon } from 'harpoon';
import {
  backupContainer,
  BackupError,
  restoreContainer,
  type BackupEvent,
  type BackupManifest,
} from '../../src/orchestrator/backup/index.ts';
import { buildBusybox, RUN_ID, testLabels } from '../helpers/engine.ts';
import { engineTests, rejection } from '../helpers/integration.ts';

let base = '';
let dir = '';
const it = await engineTests({
  ready: async (client) => {
    base = await buildBusybox(client);
    dir = await mkdtemp(join(tmpdir(), 'harpoon-backup-'));
  },
  after: async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  },
});

const DATA = '/srv/data';
const CACHE = '/var/cache/app';
const LONG = `${'a-rather-long-directory-name-'.repeat(3)}end/${'and-a-long-file-name-'.repeat(4)}.txt`;

const POPULATE = [
  `cd ${DATA}`,
  'mkdir -p nested/deep/er "with space"',
  'head -c 100000 /dev/urandom > bin.dat',
  ': > empty',
  'echo hello > nested/deep/er/hi.txt',
  'printf secret > secret && chmod 600 secret',
  'ln -s nested/deep/er/hi.txt link',
  'ln -s /etc/absolute-target dangling',
  'chown 1000:1001 nested/deep/er/hi.txt',
  'chmod 750 nested/deep',
  'touch -d "2020-01-02 03:04:05" nested/deep/er/hi.txt',
  'echo spaced > "with space/file one.txt"',
  `mkdir -p "$(dirname ${LONG})" && echo long > ${LONG}`,
  `cd ${CACHE}`,
  'head -c 5000 /dev/urandom > cache.bin',
].join(' && ');

/** Every entry of both volumes: name, mode, owner, type; sha256 of files; symlink targets; file mtimes. */
const SNAPSHOT = `for r in ${DATA} ${CACHE}; do find "$r" -mindepth 1 | sort | while read -r f; do
  stat -c '%n %a %u %g %F' "$f"
  if [ -L "$f" ]; then echo "-> $(readlink "$f")"; elif [ -f "$f" ]; then sha256sum "$f"; stat -c 'mtime %Y' "$f"; fi
done; done`;

async function sh(c: Container, script: string): Promise<string> {
  const r = await c.exec(['sh', '-c', script]);
  assert.is(r.exitCode, 0, `${script}: ${r.stderr}`);
  return r.stdout;
}

interface App {
  container: Container;
  volumes: string[];
}

let seq = 0;
async function makeApp(client: Harpoon, start = true): Promise<App> {
  const n = ++seq;
  const volumes = [`harpoon-test-backup-data-${RUN_ID}-${n}`, `harpoon-test-backup-cache-${RUN_ID}-${n}`];
  for (const name of volumes) await client.createVolume({ name, labels: testLabels });
  const container = await client.createContainer({
    image: base,
    cmd: ['sleep', '300'],
    name: `harpoon-test-backup-${RUN_ID}-${n}`,
    labels: testLabels,
    hostConfig: { Binds: [`${volumes[0]}:${DATA}`, `${volumes[1]}:${CACHE}`] },
  });
  if (start) await container.start();
  return { container, volumes };
}

async function dropApp(client: Harpoon, app: App): Promise<void> {
  await app.container.remove({ force: true, ifExists: true });
  for (const name of app.volumes) await client.removeVolume(name, { ifExists: true });
}

/** The pause / unpause events the engine recorded for the container since `sinceMs`. */
async function pauseEvents(client: Harpoon, id: string, sinceMs: number): Promise<string[]> {
  const since = Math.floor(sinceMs / 1000) - 1;
  const filters = encodeURIComponent(JSON.stringify({ container: [id], event: ['pause', 'unpause'] }));
  const res = await client.engine.request({
    method: 'GET',
    path: `/events?since=${since}&until=${Math.ceil(Date.now() / 1000)}&filters=${filters}`,
  });
  let text = '';
  for await (const chunk of res) text += String(chunk);
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { Action: string; timeNano: number })
    .filter((e) => e.timeNano / 1e6 >= sinceMs)
    .map((e) => e.Action);
}

const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

it('backup a running container (paused while read), restore into a fresh container and volumes: every file identical', async (client) => {
  const source = await makeApp(client);
  let target: App | undefined;
  try {
    await sh(source.container, POPULATE);
    const before = await sh(source.container, SNAPSHOT);
    const file = join(dir, 'nested', 'dir', 'app.tar');
    const events: BackupEvent[] = [];
    const result = await backupContainer(client, source.container.id, {
      file,
      onProgress: (e) => events.push(e),
    });
    // The container was paused while read, and is running (not paused) again.
    const state = (await source.container.inspect()).State;
    assert.is(state.Running, true);
    assert.is(state.Paused, false);

    assert.is(result.file, file);
    assert.is(result.manifest, `${file}.manifest.json`);
    assert.is(result.bytes, (await stat(file)).size);
    assert.is(result.files, 7);
    assert.not.ok(await stat(`${file}.partial`).catch(() => false));
    assert.equal(
      events.filter((e) => e.type === 'path').map((e) => (e as { path: string }).path),
      [DATA, CACHE],
    );
    assert.is((events.filter((e) => e.type === 'bytes').at(-1) as { bytes: number }).bytes, result.bytes);

    const manifest = JSON.parse(await readFile(result.manifest, 'utf8')) as BackupManifest;
    assert.is(manifest.container, `harpoon-test-backup-${RUN_ID}-1`);
    assert.is(manifest.image, base);
    assert.equal(manifest.paths, [DATA, CACHE]);
    assert.ok(!Number.isNaN(Date.parse(manifest.created)));
    assert.is(manifest.archiveSha256, await sha256(file));
    // The manifest's per-file sha256 match sha256sum inside the container.
    for (const [name, digest] of Object.entries(manifest.files)) {
      assert.is(await sh(source.container, `sha256sum "/${name}" | cut -d' ' -f1`), `${digest}\n`, name);
    }
    assert.ok(manifest.files['srv/data/bin.dat']);
    assert.ok(manifest.files['srv/data/empty']);
    assert.ok(manifest.files[`srv/data/${LONG}`]);

    // Wipe everything, recreate empty, restore into the running container.
    await dropApp(client, source);
    target = await makeApp(client);
    assert.is(await sh(target.container, `find ${DATA} ${CACHE} -mindepth 1`), '');
    const restored = await restoreContainer(client, target.container.id, { file, labels: testLabels });
    assert.equal(restored, { paths: [DATA, CACHE], files: 7 });
    assert.fixture(await sh(target.container, SNAPSHOT), before);
  } finally {
    await dropApp(client, source);
    if (target) await dropApp(client, target);
  }
});

it('restore empties the targets first (stray file gone), running or stopped (helper removed); merge keeps it', async (client) => {
  const app = await makeApp(client);
  try {
    await sh(app.container, POPULATE);
    const before = await sh(app.container, SNAPSHOT);
    const file = join(dir, 'stray.tar');
    await backupContainer(client, app.container.id, { file });

    // Running: emptied by exec.
    await sh(
      app.container,
      `echo stray > ${DATA}/stray.txt && mkdir -p ${CACHE}/stray/dir && rm ${DATA}/secret && echo changed > ${DATA}/empty`,
    );
    await restoreContainer(client, app.container.id, { file, labels: testLabels });
    assert.fixture(await sh(app.container, SNAPSHOT), before);

    // Merge: the stray file stays, the changed file is back.
    await sh(app.container, `echo stray > ${DATA}/stray.txt && echo changed > ${DATA}/empty`);
    await restoreContainer(client, app.container.id, { file, merge: true, labels: testLabels });
    assert.is(await sh(app.container, `cat ${DATA}/stray.txt; wc -c < ${DATA}/empty`), 'stray\n0\n');

    // Stopped: emptied by a helper container of the same image with its volumes, removed after.
    await app.container.kill();
    await app.container.wait();
    const restored = await restoreContainer(client, app.container.id, { file, labels: testLabels });
    assert.is(restored.files, 7);
    const helpers = await client.docker.listContainers({
      all: true,
      filters: JSON.stringify({ label: ['harpoon.backup.helper'] }),
    });
    assert.is(helpers.filter((h) => h.Labels['harpoon.test'] === RUN_ID).length, 0);
    await app.container.start();
    assert.fixture(await sh(app.container, SNAPSHOT), before);
  } finally {
    await dropApp(client, app);
  }
});

it('a tampered archive is refused before anything is touched', async (client) => {
  const app = await makeApp(client);
  try {
    await sh(app.container, POPULATE);
    const file = join(dir, 'tampered.tar');
    await backupContainer(client, app.container.id, { file });
    await sh(app.container, `echo stray > ${DATA}/stray.txt`);
    const now = await sh(app.container, SNAPSHOT);

    const bytes = await readFile(file);
    bytes[bytes.length - 2048 - 700] ^= 0xff; // inside the last file's content
    await writeFile(file, bytes);
    const err = await rejection(restoreContainer(client, app.container.id, { file, labels: testLabels }));
    assert.instance(err, BackupError);
    assert.is((err as BackupError).code, 'BACKUP_FAILED');
    assert.is((err as BackupError).file, file);
    assert.is((err as BackupError).container, `harpoon-test-backup-${RUN_ID}-${seq}`);
    assert.match((err as Error).message, /does not match its manifest/);
    assert.fixture(await sh(app.container, SNAPSHOT), now);

    // No manifest at all: refused too.
    const orphan = join(dir, 'no-manifest.tar');
    await writeFile(orphan, bytes);
    const missing = await rejection(restoreContainer(client, app.container.id, { file: orphan }));
    assert.instance(missing, BackupError);
    assert.match((missing as Error).message, /manifest/);
  } finally {
    await dropApp(client, app);
  }
});

it('the container is paused exactly while it is read (pause: false leaves it running); a stopped container backs up too', async (client) => {
  const app = await makeApp(client);
  try {
    await sh(app.container, POPULATE);
    // The engine's own record: one pause, then one unpause, around the reading.
    const since = Date.now();
    const order: string[] = [];
    await backupContainer(client, app.container.id, {
      file: join(dir, 'paused.tar'),
      onProgress: (e) => {
        if (e.type === 'path') order.push(`read ${e.path}`);
      },
    });
    assert.is((await app.container.inspect()).State.Status, 'running');
    const events = await pauseEvents(client, app.container.id, since);
    assert.equal(events, ['pause', 'unpause']);
    assert.equal(order, [`read ${DATA}`, `read ${CACHE}`]);

    const states: Array<Promise<string>> = [];
    const since2 = Date.now();
    await backupContainer(client, app.container.id, {
      file: join(dir, 'unpaused.tar'),
      pause: false,
      onProgress: (e) => {
        if (e.type === 'path') states.push(app.container.inspect().then((i) => i.State.Status));
      },
    });
    assert.equal(await Promise.all(states), ['running', 'running']);
    assert.equal((await pauseEvents(client, app.container.id, since2)).length, 0);

    const snapshot = await sh(app.container, SNAPSHOT);
    await app.container.stop({ timeoutSeconds: 0 });
    const file = join(dir, 'stopped.tar');
    const result = await backupContainer(client, app.container.id, { file, paths: [`${DATA}/`] });
    assert.is(result.files, 6);
    assert.is((await app.container.inspect()).State.Status, 'exited');
    const manifest = JSON.parse(await readFile(result.manifest, 'utf8')) as BackupManifest;
    assert.equal(manifest.paths, [DATA]);
    assert.ok(Object.keys(manifest.files).every((f) => f.startsWith('srv/data/')));

    // The stopped backup restores into the running container's DATA only; CACHE untouched.
    await app.container.start();
    await sh(app.container, `rm -rf ${DATA}/nested && echo extra > ${CACHE}/extra`);
    await restoreContainer(client, app.container.id, { file, labels: testLabels });
    await sh(app.container, `rm ${CACHE}/extra`);
    assert.fixture(await sh(app.container, SNAPSHOT), snapshot);
  } finally {
    await dropApp(client, app);
  }
});

it('a missing path is a BackupError naming container, path and file, and leaves no archive; the container is unpaused', async (client) => {
  const app = await makeApp(client);
  try {
    const file = join(dir, 'missing.tar');
    const err = await rejection(backupContainer(client, app.container.id, { file, paths: [DATA, '/no/such/dir'] }));
    assert.instance(err, BackupError);
    assert.is((err as BackupError).path, '/no/such/dir');
    assert.is((err as BackupError).file, file);
    assert.is((err as BackupError).container, `harpoon-test-backup-${RUN_ID}-${seq}`);
    assert.not.ok(await stat(file).catch(() => false));
    assert.not.ok(await stat(`${file}.partial`).catch(() => false));
    assert.not.ok(await stat(`${file}.manifest.json`).catch(() => false));
    assert.is((await app.container.inspect()).State.Status, 'running');

    const nested = await rejection(
      backupContainer(client, app.container.id, { file, paths: [DATA, `${DATA}/nested`] }),
    );
    assert.instance(nested, BackupError);
    assert.match((nested as Error).message, /inside/);
  } finally {
    await dropApp(client, app);
  }
});

it('an aborted backup is an AbortedError, leaves no archive, and unpauses the container', async (client) => {
  const app = await makeApp(client);
  try {
    await sh(app.container, POPULATE);
    const file = join(dir, 'aborted.tar');
    const controller = new AbortController();
    const err = await rejection(
      backupContainer(client, app.container.id, {
        file,
        signal: controller.signal,
        onProgress: (e) => {
          if (e.type === 'path' && e.path === CACHE) controller.abort();
        },
      }),
    );
    assert.instance(err, AbortedError);
    assert.not.ok(await stat(file).catch(() => false));
    assert.not.ok(await stat(`${file}.partial`).catch(() => false));
    assert.is((await app.container.inspect()).State.Status, 'running');
  } finally {
    await dropApp(client, app);
  }
});

test.run();
