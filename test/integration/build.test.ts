// Integration: client.build against the real engine (classic builder, no registry).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AbortedError,
  BuildError,
  HarpoonError,
  IMAGE_LABEL,
  MANAGED_LABEL,
  type BuildEvent,
  type Harpoon,
} from 'harpoon';
import { buildBusybox, RUN_ID, TEST_LABEL, testLabels } from '../helpers/engine.ts';
import { containersFrom, engineTests, eventually, rejection } from '../helpers/integration.ts';

let base = '';
const tempDirs: string[] = [];
const it = await engineTests({
  ready: async (client) => {
    base = await buildBusybox(client);
  },
  after: async () => {
    for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
  },
});

/** Runs `cmd` in `image` and returns its stdout. */
async function stdoutOf(client: Harpoon, image: string, cmd: string[]): Promise<string> {
  const { stdout } = await client.run({ image, cmd, labels: testLabels });
  return stdout;
}

function steps(events: BuildEvent[]) {
  return events.flatMap((e) => (e.type === 'step' ? [e.step] : []));
}

it('builds from in-memory lines: a sha256 image id, labelled and tagged', async (client) => {
  const tags = [`harpoon-test-build:${RUN_ID}`, `harpoon-test-build:${RUN_ID}-second`];
  // FROM scratch: whatever labels the image has came from this build, not from a base.
  const result = await client.build({
    dockerfile: ['FROM scratch', 'COPY hello.txt /hello.txt'],
    files: { 'hello.txt': `hello ${RUN_ID}\n` },
    tags,
    labels: testLabels,
  });
  assert.match(result.imageId, /^sha256:[0-9a-f]{64}$/);
  assert.equal(result.tags, tags);
  assert.ok(result.log.length > 0, 'the build log is kept');

  const info = await client.inspectImage(result.imageId);
  assert.is(info.Id, result.imageId);
  assert.is(info.Config.Labels?.[IMAGE_LABEL], 'true');
  // Images never carry harpoon=true: containers made from them by other tools would inherit it.
  assert.is(info.Config.Labels?.[MANAGED_LABEL], undefined);
  assert.is(info.Config.Labels?.[TEST_LABEL], RUN_ID);
  for (const tag of tags) assert.ok(info.RepoTags.includes(tag), `tagged ${tag}: ${info.RepoTags.join(', ')}`);
  // Each tag resolves to the very same image.
  assert.is((await client.inspectImage(tags[1]!)).Id, result.imageId);
  assert.ok(await client.imageExists(tags[0]!));
});

it('a single tag given as a string is applied', async (client) => {
  const tag = `harpoon-test-build:${RUN_ID}-single`;
  const { imageId, tags } = await client.build({
    dockerfile: [`FROM ${base}`, 'RUN echo single > /single'],
    tags: tag,
    labels: testLabels,
  });
  assert.equal(tags, [tag]);
  assert.is((await client.inspectImage(tag)).Id, imageId);
});

it('buildArgs reach ARG and show in the log', async (client) => {
  const value = `hello-${RUN_ID}`;
  const { log } = await client.build({
    dockerfile: [`FROM ${base}`, 'ARG GREETING=unset', 'RUN echo "greeting=$GREETING"'],
    buildArgs: { GREETING: value },
    labels: testLabels,
  });
  assert.ok(log.includes(`greeting=${value}`), `log: ${log.join('\n')}`);
  assert.not.ok(log.includes('greeting=unset'));
});

it('labels option: the caller labels plus the managed label', async (client) => {
  const labels = { ...testLabels, 'harpoon.test.colour': 'blue', 'harpoon.test.spaced': 'a value with spaces' };
  const { imageId } = await client.build({ dockerfile: ['FROM scratch', 'COPY x /x'], files: { x: 'x' }, labels });
  const got = (await client.inspectImage(imageId)).Config.Labels ?? {};
  assert.is(got['harpoon.test.colour'], 'blue');
  assert.is(got['harpoon.test.spaced'], 'a value with spaces');
  assert.is(got[IMAGE_LABEL], 'true');
  assert.is(got[TEST_LABEL], RUN_ID);
});

it('target stops at the named stage of a multi-stage build', async (client) => {
  const dockerfile = [
    `FROM ${base} AS base`,
    'RUN echo base > /base.txt',
    'FROM base AS final',
    'RUN echo final > /final.txt',
  ];
  const partial = await client.build({ dockerfile, target: 'base', labels: testLabels });
  const whole = await client.build({ dockerfile, labels: testLabels });
  assert.is.not(partial.imageId, whole.imageId);

  const partialFiles = (await stdoutOf(client, partial.imageId, ['ls', '/'])).split('\n');
  assert.ok(partialFiles.includes('base.txt'), partialFiles.join(' '));
  assert.not.ok(partialFiles.includes('final.txt'), 'the final stage did not run');

  const wholeFiles = (await stdoutOf(client, whole.imageId, ['ls', '/'])).split('\n');
  assert.ok(wholeFiles.includes('base.txt'));
  assert.ok(wholeFiles.includes('final.txt'));
  // The labels land on the target stage's image.
  assert.is((await client.inspectImage(partial.imageId)).Config.Labels?.[IMAGE_LABEL], 'true');
});

async function contextDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'harpoon-build-test-'));
  tempDirs.push(dir);
  await mkdir(join(dir, 'sub'));
  await mkdir(join(dir, 'logs'));
  await writeFile(join(dir, 'keep.txt'), 'keep\n');
  await writeFile(join(dir, 'secret.txt'), 'secret\n');
  await writeFile(join(dir, 'sub', 'keep2.txt'), 'keep2\n');
  await writeFile(join(dir, 'sub', 'scratch.tmp'), 'tmp\n');
  await writeFile(join(dir, 'logs', 'a.log'), 'log\n');
  await writeFile(join(dir, '.dockerignore'), '# comment\nsecret.txt\nlogs\n**/*.tmp\n');
  return dir;
}

it('context directory: .dockerignore honoured, the Dockerfile sent', async (client) => {
  const dir = await contextDir();
  await writeFile(join(dir, 'Dockerfile'), `FROM ${base}\nCOPY . /ctx\n`);
  const { imageId } = await client.build({ directory: dir, labels: testLabels });
  const found = (await stdoutOf(client, imageId, ['find', '/ctx'])).trim().split('\n').sort();
  for (const present of ['/ctx/Dockerfile', '/ctx/keep.txt', '/ctx/sub', '/ctx/sub/keep2.txt']) {
    assert.ok(found.includes(present), `${present} missing from ${found.join(' ')}`);
  }
  for (const absent of ['/ctx/secret.txt', '/ctx/logs', '/ctx/logs/a.log', '/ctx/sub/scratch.tmp']) {
    assert.not.ok(found.includes(absent), `${absent} should have been ignored: ${found.join(' ')}`);
  }
  assert.is(await stdoutOf(client, imageId, ['cat', '/ctx/sub/keep2.txt']), 'keep2\n');
});

it('context directory with in-memory Dockerfile lines: the side Dockerfile is not copied', async (client) => {
  const dir = await contextDir();
  const { imageId } = await client.build({
    directory: dir,
    dockerfile: [`FROM ${base}`, 'COPY . /ctx'],
    labels: testLabels,
  });
  const found = (await stdoutOf(client, imageId, ['find', '/ctx'])).trim().split('\n');
  assert.ok(found.includes('/ctx/keep.txt'), found.join(' '));
  assert.not.ok(found.includes('/ctx/secret.txt'), found.join(' '));
  assert.not.ok(
    found.some((path) => path.includes('harpoon.Dockerfile')),
    `side Dockerfile copied: ${found.join(' ')}`,
  );
});

it('progress: iteration yields the steps 1..N in order; onProgress sees the same events', async (client) => {
  const dockerfile = [`FROM ${base}`, `RUN echo progress-${RUN_ID}`, 'RUN echo two', 'ENV DONE=1'];
  const seen: BuildEvent[] = [];
  const task = client.build({ dockerfile, labels: testLabels, noCache: true, onProgress: (event) => seen.push(event) });
  const iterated: BuildEvent[] = [];
  for await (const event of task) iterated.push(event);
  const { imageId } = await task;

  const got = steps(iterated);
  assert.ok(got.length >= dockerfile.length, `steps: ${JSON.stringify(got)}`);
  const total = got[0]!.total;
  assert.equal(
    got.map((s) => s.number),
    Array.from({ length: total }, (_, i) => i + 1),
  );
  for (const step of got) assert.is(step.total, total);
  // The Dockerfile's own lines come first, in order (the engine may append LABEL steps).
  assert.equal(
    got.slice(0, dockerfile.length).map((s) => s.instruction),
    dockerfile,
  );
  assert.ok(
    iterated.some((e) => e.type === 'output' && e.text === `progress-${RUN_ID}`),
    'RUN output is an event',
  );
  assert.ok(
    iterated.some((e) => e.type === 'image' && e.imageId === imageId),
    'the image id is an event',
  );
  assert.equal(seen, iterated);
});

it('progress: a second iteration (after the build settled) replays every event', async (client) => {
  const task = client.build({ dockerfile: [`FROM ${base}`, 'RUN echo replay'], labels: testLabels });
  await task;
  const first: BuildEvent[] = [];
  for await (const event of task) first.push(event);
  const second: BuildEvent[] = [];
  for await (const event of task) second.push(event);
  assert.ok(steps(first).length >= 2);
  assert.equal(second, first);
});

it('RUN false → BuildError at that step, with the log so far', async (client) => {
  const err = await rejection(
    client.build({ dockerfile: [`FROM ${base}`, 'RUN true', 'RUN false'], labels: testLabels }),
  );
  assert.instance(err, BuildError);
  const e = err as BuildError;
  assert.is(e.code, 'BUILD_FAILED');
  assert.ok(e.step, 'the failing step is known');
  assert.is(e.step!.number, 3);
  assert.is(e.step!.instruction, 'RUN false');
  assert.is(e.line, undefined);
  assert.ok(e.log.length > 0);
  assert.ok(e.log.includes('Step 3/' + e.step!.total + ' : RUN false'), e.log.join('\n'));
  assert.match(e.detail, /non-zero code: 1/);
  assert.match(e.message, /step 3\/\d+ \(RUN false\)/);
  // forcerm: the failed step's container is removed too.
  assert.ok(
    await eventually(async () => (await containersFrom(client, base, true)).length === 0, 5000),
    'no container left by the failed build',
  );
});

it('missing COPY source → BuildError pointing at the COPY', async (client) => {
  const err = await rejection(
    client.build({
      dockerfile: [`FROM ${base}`, 'COPY nope.txt /nope.txt'],
      files: { 'other.txt': 'x' },
      labels: testLabels,
    }),
  );
  assert.instance(err, BuildError);
  const e = err as BuildError;
  assert.is(e.step?.number, 2);
  assert.is(e.step?.instruction, 'COPY nope.txt /nope.txt');
  assert.match(e.detail, /nope\.txt/);
});

it('unknown base image (no registry) → BuildError at step 1 naming the image', async (client) => {
  const started = Date.now();
  const err = await rejection(
    client.build({ dockerfile: ['FROM harpoon-no-such-image:nope', 'RUN true'], labels: testLabels }),
  );
  assert.instance(err, BuildError);
  const e = err as BuildError;
  assert.is(e.step?.number, 1);
  assert.is(e.step?.instruction, 'FROM harpoon-no-such-image:nope');
  assert.match(e.message, /harpoon-no-such-image/);
  assert.ok(Date.now() - started < 30_000);
});

it('malformed line → BuildError with the line number and no step', async (client) => {
  const err = await rejection(client.build({ dockerfile: [`FROM ${base}`, 'BOGUS x'], labels: testLabels }));
  assert.instance(err, BuildError);
  const e = err as BuildError;
  assert.is(e.line, 2);
  assert.is(e.step, undefined);
  assert.match(e.message, /line 2/);
  assert.match(e.detail, /BOGUS/i);
});

it('the same in-memory spec built twice gives the same image id', async (client) => {
  const spec = () => ({
    dockerfile: [`FROM ${base}`, 'COPY data/ /data/', 'RUN cat /data/a.txt > /copy.txt'],
    files: { 'data/a.txt': `a ${RUN_ID}\n`, 'data/b.bin': Buffer.from([0, 1, 2, 255]) },
    labels: testLabels,
  });
  const first = await client.build(spec());
  // Let the clock move: an mtime taken from "now" would change the context.
  await new Promise((resolve) => setTimeout(resolve, 1100));
  const second = await client.build(spec());
  assert.is(second.imageId, first.imageId);
  assert.ok(
    second.log.some((line) => line.includes('Using cache')),
    'the second build hit the cache',
  );
  // And a different content is a different image (so equality above means something).
  const changed = await client.build({
    ...spec(),
    files: { 'data/a.txt': `b ${RUN_ID}\n`, 'data/b.bin': Buffer.from([0, 1, 2, 255]) },
  });
  assert.is.not(changed.imageId, first.imageId);
});

it('AbortSignal: aborting a running build rejects quickly and leaves no container running', async (client) => {
  const controller = new AbortController();
  let abortedAt = 0;
  const task = client.build({
    dockerfile: [`FROM ${base}`, `RUN sleep 30 # ${RUN_ID}`],
    labels: testLabels,
    noCache: true,
    signal: controller.signal,
    onProgress: (event) => {
      // Abort once the RUN's container is running.
      if (event.type === 'output' && event.text.startsWith(' ---> Running in') && !abortedAt) {
        setTimeout(() => {
          abortedAt = Date.now();
          controller.abort();
        }, 300);
      }
    },
  });
  const started = Date.now();
  const err = await rejection(task);
  assert.ok(abortedAt > 0, `the build got to RUN before failing: ${String(err)}`);
  assert.instance(err, AbortedError);
  assert.instance(err, HarpoonError);
  assert.ok(Date.now() - abortedAt < 5000, `rejected ${Date.now() - abortedAt} ms after the abort`);
  assert.ok(Date.now() - started < 15_000);
  const stopped = await eventually(async () => (await containersFrom(client, base)).length === 0, 10_000);
  assert.ok(stopped, `still running: ${JSON.stringify(await containersFrom(client, base))}`);
  // forcerm: and nothing is left at all once the engine has cleaned up.
  assert.ok(await eventually(async () => (await containersFrom(client, base, true)).length === 0, 10_000));
});

it('an already-aborted signal rejects before anything is sent', async (client) => {
  const controller = new AbortController();
  controller.abort();
  const err = await rejection(
    client.build({ dockerfile: [`FROM ${base}`, 'RUN true'], labels: testLabels, signal: controller.signal }),
  );
  assert.instance(err, AbortedError);
});

test.run();
