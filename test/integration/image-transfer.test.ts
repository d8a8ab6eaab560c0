// Integration: moving images between two engines (save piped into load), and save/load/tag
// themselves. Needs the second engine of scripts/engine2.sh (its own network namespace).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import {
  AbortedError,
  Harpoon,
  EngineError,
  ImageNotFoundError,
  LoadError,
  type LoadEvent,
  type TransferEvent,
} from 'harpoon';
import { buildBusybox, RUN_ID, TEST_LABEL, testLabels } from '../helpers/engine.ts';
import { cleanupRunFully, engineTests, rejection, runImages } from '../helpers/integration.ts';
import { buildDataImage, imageIdOn, secondEngineOrSkip } from '../helpers/image.ts';

let base = '';
const client2 = await secondEngineOrSkip();
const onEngine1 = await engineTests({
  ready: async (client) => {
    base = await buildBusybox(client);
  },
  after: async () => {
    if (client2) await cleanupRunFully(client2);
  },
});

/** A test that needs both engines: skipped (counted) when the second one is missing outside CI. */
function it(name: string, body: (client: Harpoon, client2: Harpoon) => Promise<void>): void {
  if (client2) onEngine1(name, (client) => body(client, client2));
  else test.skip(name);
}

const name = (suffix: string) => `harpoon-test-transfer:${RUN_ID}-${suffix}`;

async function sha256Of(client: Harpoon, image: string): Promise<string> {
  const { stdout } = await client.run({ image, cmd: ['sha256sum', '/data'], labels: testLabels });
  return stdout.split(' ')[0]!;
}

it('transfers an image: same id on arrival, bytes and load progress, and it runs there', async (client, client2) => {
  const tag = name('first');
  const imageId = await buildDataImage(client, base, tag, 3);
  assert.is(await imageIdOn(client2, imageId), undefined, 'not on the second engine yet');

  const events: TransferEvent[] = [];
  const task = client.transferImage(client2, tag, { onProgress: (e) => events.push(e) });
  const iterated: TransferEvent[] = [];
  for await (const event of task) iterated.push(event);
  const result = await task;

  assert.is(result.imageId, imageId);
  assert.ok(result.sent);
  assert.equal(result.tagged, [tag]);
  assert.is(await imageIdOn(client2, tag), imageId, 'the name resolves to the same id on the second engine');
  assert.equal(iterated, events, 'onProgress and iteration see the same events');

  const start = events.find((e) => e.type === 'start');
  assert.ok(
    start && start.type === 'start' && start.total === (await client.inspectImage(imageId)).Size,
    'start: total is the image size',
  );
  const bytes = events.flatMap((e) => (e.type === 'bytes' ? [e] : []));
  assert.ok(bytes.length >= 2, `bytes events: ${bytes.length}`);
  for (let i = 1; i < bytes.length; i++) assert.ok(bytes[i]!.bytes >= bytes[i - 1]!.bytes, 'bytes only grow');
  const last = bytes.at(-1)!;
  assert.ok(last.done && last.bytes === result.bytes && last.total === result.bytes, 'the last bytes event is exact');
  assert.ok(result.bytes > 3 * 1024 * 1024, `at least the random data moved: ${result.bytes}`);
  const load = events.flatMap((e) => (e.type === 'load' ? [e.event] : [])) as LoadEvent[];
  assert.ok(
    load.some((e) => e.type === 'progress' && e.status === 'Loading layer' && typeof e.total === 'number'),
    'per-layer load progress',
  );
  assert.ok(
    load.some((e) => e.type === 'loaded' && e.imageId === imageId),
    'the archive (saved by id) loaded as that id',
  );
  const order = events.map((e) => e.type).filter((t) => t !== 'bytes' && t !== 'load');
  assert.equal(order, ['start', 'verified', 'tagged']);

  // The same content, and it runs on the second engine (no network there: none needed).
  assert.is(await sha256Of(client2, tag), await sha256Of(client, tag));
  const { stdout } = await client2.run({ image: tag, cmd: ['cat', '/tag'], labels: testLabels });
  assert.is(stdout, `${tag}\n`);
  // Labels travel with the image: the second engine's cleanup finds it.
  assert.is((await client2.inspectImage(tag)).Config.Labels?.[TEST_LABEL], RUN_ID);

  // Again: nothing is sent.
  const again: TransferEvent[] = [];
  const second = await client.transferImage(client2, tag, { onProgress: (e) => again.push(e) });
  assert.not.ok(second.sent);
  assert.is(second.bytes, 0);
  assert.equal(second.tagged, []);
  assert.equal(
    again.map((e) => e.type),
    ['skipped'],
  );
  const skipped = again[0]!;
  assert.ok(skipped.type === 'skipped' && skipped.imageId === imageId && skipped.reason.includes(imageId));
});

it('the destination has the image under another name: only the name is added', async (client, client2) => {
  const tag = name('renamed');
  const imageId = await buildDataImage(client, base, tag, 1);
  await client.transferImage(client2, tag);
  const other = await client.tagImage(tag, name('other'));
  assert.is(other, name('other'));

  const events: TransferEvent[] = [];
  const result = await client.transferImage(client2, other, { onProgress: (e) => events.push(e) });
  assert.not.ok(result.sent);
  assert.equal(result.tagged, [other]);
  assert.equal(
    events.map((e) => e.type),
    ['skipped', 'tagged'],
  );
  assert.is(await imageIdOn(client2, other), imageId);
});

it('transfer by id: the image arrives without a name', async (client, client2) => {
  const tag = name('by-id');
  const imageId = await buildDataImage(client, base, tag, 1);
  const result = await client.transferImage(client2, imageId.slice('sha256:'.length, 'sha256:'.length + 12));
  assert.ok(result.sent);
  assert.equal(result.tagged, []);
  assert.is(await imageIdOn(client2, imageId), imageId);
  assert.is(await imageIdOn(client2, tag), undefined, 'no name was given on the destination');
});

it('an abort mid-way rejects with AbortedError and leaves nothing loaded; a retry then works', async (client, client2) => {
  const tag = name('abort');
  const imageId = await buildDataImage(client, base, tag, 40);
  const controller = new AbortController();
  let bytesAtAbort = 0;
  const task = client.transferImage(client2, tag, {
    signal: controller.signal,
    onProgress: (e) => {
      if (e.type === 'bytes' && !controller.signal.aborted) {
        bytesAtAbort = e.bytes;
        controller.abort(new Error('test abort'));
      }
    },
  });
  const err = await rejection(task);
  assert.instance(err, AbortedError);
  assert.ok(bytesAtAbort > 0 && bytesAtAbort < 40 * 1024 * 1024, `aborted after ${bytesAtAbort} bytes`);

  // The engine unpacks the whole archive before it registers anything: nothing half-loaded.
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.is(await imageIdOn(client2, imageId), undefined, 'the image is not on the second engine');
  assert.is(await imageIdOn(client2, tag), undefined);
  assert.not.ok((await runImages(client2)).some((i) => i.Id === imageId));

  const retry = await client.transferImage(client2, tag);
  assert.ok(retry.sent);
  assert.is(await imageIdOn(client2, tag), imageId);
});

it('a source that fails mid-archive: the error names the source, and nothing is loaded', async (client, client2) => {
  const tag = name('cut');
  const imageId = await buildDataImage(client, base, tag, 8);
  // A proxy in front of engine 1 that cuts the save (GET /images/get) after 1 MB.
  const dir = await mkdtemp(join(tmpdir(), 'harpoon-cut-'));
  const socketPath = join(dir, 'engine.sock');
  const upstreamPath = (client.endpoint as { socketPath: string }).socketPath;
  const proxy = createServer((down) => {
    const up = connect(upstreamPath);
    let saving = false;
    let sent = 0;
    down.on('data', (chunk: Buffer) => {
      if (chunk.toString('latin1').includes('/images/get')) saving = true;
      up.write(chunk);
    });
    up.on('data', (chunk: Buffer) => {
      sent += chunk.length;
      if (saving && sent > 1024 * 1024) {
        up.destroy();
        down.destroy();
      } else down.write(chunk);
    });
    up.on('error', () => down.destroy());
    down.on('error', () => up.destroy());
    up.on('end', () => down.end());
    down.on('end', () => up.end());
  });
  await new Promise<void>((resolve) => proxy.listen(socketPath, resolve));
  try {
    const viaProxy = await Harpoon.connect({ host: `unix://${socketPath}` });
    const err = await rejection(viaProxy.transferImage(client2, tag));
    assert.instance(err, EngineError);
    assert.match((err as Error).message, /^The source engine \(unix:\/\/.*broke off the archive/);
    assert.ok((err as Error).message.includes(socketPath), `names the source engine: ${(err as Error).message}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.is(await imageIdOn(client2, imageId), undefined, 'nothing loaded on the destination');
  } finally {
    await new Promise((resolve) => proxy.close(resolve));
    await rm(dir, { recursive: true, force: true });
  }
});

it('an already-aborted signal rejects before anything is sent', async (client, client2) => {
  const controller = new AbortController();
  controller.abort();
  const events: TransferEvent[] = [];
  const err = await rejection(
    client.transferImage(client2, base, { signal: controller.signal, onProgress: (e) => events.push(e) }),
  );
  assert.instance(err, AbortedError);
  assert.equal(events, []);
});

it('a missing image is ImageNotFoundError, and nothing is sent', async (client, client2) => {
  const events: TransferEvent[] = [];
  const err = await rejection(client.transferImage(client2, name('missing'), { onProgress: (e) => events.push(e) }));
  assert.instance(err, ImageNotFoundError);
  assert.is((err as ImageNotFoundError).code, 'IMAGE_NOT_FOUND');
  assert.equal(events, []);
});

it('saveImage + loadImage: one archive of two images, loaded with their names', async (client, client2) => {
  const a = name('archive-a');
  const b = name('archive-b');
  const idA = await buildDataImage(client, base, a, 1);
  const idB = await buildDataImage(client, base, b, 1);
  const archive = await client.saveImage([a, b]);
  const events: LoadEvent[] = [];
  const loaded = await client2.loadImage(archive, { onProgress: (e) => events.push(e) });
  const byId = new Map(loaded.images.map((i) => [i.id, i.tags]));
  assert.equal(byId.get(idA), [a]);
  assert.equal(byId.get(idB), [b]);
  assert.ok(loaded.log.includes(`Loaded image: ${a}`), loaded.log.join('\n'));
  assert.equal(events.filter((e) => e.type === 'loaded').length, 2);
  assert.is(await imageIdOn(client2, b), idB);
});

it('saveImage of a missing image is ImageNotFoundError before any byte', async (client) => {
  const err = await rejection(client.saveImage([base, name('nowhere')]));
  assert.instance(err, ImageNotFoundError);
});

it('loadImage of a broken archive is a LoadError; a truncated one loads nothing', async (client, client2) => {
  const garbage = await rejection(client2.loadImage(Buffer.from('this is not a tar archive\n'.repeat(100))));
  assert.instance(garbage, LoadError);
  assert.is((garbage as LoadError).code, 'LOAD_FAILED');

  const tag = name('truncated');
  const imageId = await buildDataImage(client, base, tag, 2);
  const chunks: Buffer[] = [];
  for await (const chunk of await client.saveImage(tag)) chunks.push(chunk as Buffer);
  const whole = Buffer.concat(chunks);
  const events: LoadEvent[] = [];
  const err = await rejection(
    client2.loadImage(Readable.from([whole.subarray(0, Math.floor(whole.length / 2))]), {
      onProgress: (e) => events.push(e),
    }),
  );
  assert.instance(err, LoadError);
  assert.match((err as LoadError).detail, /EOF|tar/i);
  assert.ok(events.some((e) => e.type === 'error'));
  assert.is(await imageIdOn(client2, imageId), undefined);

  // The whole archive, as a Buffer, loads.
  const loaded = await client2.loadImage(whole);
  assert.equal(loaded.images, [{ id: imageId, tags: [tag] }]);
});

it('tagImage: a missing source is ImageNotFoundError; a tag defaults to latest', async (client) => {
  assert.instance(await rejection(client.tagImage(name('ghost'), name('ghost-2'))), ImageNotFoundError);
  const target = `harpoon-test-transfer-${RUN_ID}`;
  assert.is(await client.tagImage(base, target), `${target}:latest`);
  assert.is(await imageIdOn(client, `${target}:latest`), await imageIdOn(client, base));
});

test.run();
