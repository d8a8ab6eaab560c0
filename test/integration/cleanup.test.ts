// Integration: listManaged / removeManaged against the real engine. Scoped by labels, and
// never touching anything without harpoon's label.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ContainerNotFoundError, managedLabels, MANAGED_LABEL, type Harpoon } from 'harpoon';
import { buildBusybox, cleanupRun, RUN_ID, TEST_LABEL, testLabels } from '../helpers/engine.ts';
import { containerExists, engineTests, rejection, runContainers, runImages, sweepImages } from '../helpers/integration.ts';

let base = '';
const it = await engineTests({
  ready: async (client) => {
    base = await buildBusybox(client);
  },
});

const SET = 'harpoon.test.set';
const setA = { ...testLabels, [SET]: `A-${RUN_ID}` };
const setB = { ...testLabels, [SET]: `B-${RUN_ID}` };

const ids = (items: Array<{ id: string }>) => items.map((i) => i.id).sort();


/**
 * Resolves once the wall clock is in a later second than the image's creation: the engine
 * lists images by a Created time in whole seconds, and removeManaged orders by it (see the
 * skipped BUG test below), so a child built in the same second as its parent is avoided here.
 */
async function afterCreationSecond(client: Harpoon, image: string): Promise<void> {
  const created = Date.parse((await client.inspectImage(image)).Created);
  const wait = Math.floor(created / 1000) * 1000 + 1000 - Date.now() + 20;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

it('removeManaged(labels) removes exactly that set; other sets and foreign containers survive', async (client) => {
  await afterCreationSecond(client, base);
  const a1 = await client.createContainer({ image: base, cmd: ['sleep', '60'], labels: setA });
  const a2 = await client.createContainer({ image: base, cmd: ['sleep', '60'], labels: setA });
  await a1.start(); // a running one must go too (forced)
  const { imageId: imageA } = await client.build({ dockerfile: [`FROM ${base}`, 'RUN echo a > /a'], labels: setA, tags: `harpoon-test-cleanup-a:${RUN_ID}` });
  const b1 = await client.createContainer({ image: base, cmd: ['sleep', '60'], labels: setB });
  // A volume and a network carrying set A and harpoon's label (made with dockerode: harpoon has no API for them).
  const volumeName = `harpoon-test-vol-${RUN_ID}`;
  await client.docker.createVolume({ Name: volumeName, Labels: managedLabels(setA) });
  const network = await client.docker.createNetwork({ Name: `harpoon-test-net-${RUN_ID}`, Labels: managedLabels(setA) });
  // FOREIGN: created through dockerode directly, without harpoon's labels.
  const foreign = await client.docker.createContainer({ Image: base, Cmd: ['sleep', '60'], Labels: { 'harpoon.test.foreign': RUN_ID } });
  try {
    await foreign.start();

    const listedA = await client.listManaged(setA);
    assert.equal(ids(listedA.containers), [a1.id, a2.id].sort());
    assert.equal(ids(listedA.images), [imageA]);
    assert.equal(listedA.volumes, [volumeName]);
    assert.equal(ids(listedA.networks), [network.id]);
    const running = listedA.containers.find((c) => c.id === a1.id);
    assert.is(running?.state, 'running');
    assert.is(running?.image, base);
    assert.ok(listedA.images[0]!.tags.includes(`harpoon-test-cleanup-a:${RUN_ID}`));

    const listedB = await client.listManaged(setB);
    assert.equal(ids(listedB.containers), [b1.id]);
    assert.equal(listedB.images, []);

    // The foreign container is in neither set (that it is listed at all is the BUG test below).
    for (const listing of [listedA, listedB]) {
      assert.not.ok(listing.containers.some((c) => c.id === foreign.id), 'the foreign container is not in set A or B');
    }
    const all = await client.listManaged(testLabels);
    for (const id of [a1.id, a2.id, b1.id]) assert.ok(all.containers.some((c) => c.id === id));
    assert.ok(all.images.some((i) => i.tags.includes(base)), 'the base image is managed too');

    const removed = await client.removeManaged(setA);
    assert.equal(ids(removed.containers), [a1.id, a2.id].sort());
    assert.equal(ids(removed.images), [imageA]);
    assert.equal(removed.volumes, [volumeName]);

    assert.not.ok(await containerExists(client, a1.id), 'A running container removed');
    assert.not.ok(await containerExists(client, a2.id), 'A created container removed');
    assert.not.ok(await client.imageExists(imageA), 'A image removed');
    assert.not.ok(await client.imageExists(`harpoon-test-cleanup-a:${RUN_ID}`));
    assert.is((await client.docker.listVolumes({ filters: JSON.stringify({ name: [volumeName] }) })).Volumes?.length ?? 0, 0, 'A volume removed');
    assert.is((await client.docker.listNetworks({ filters: JSON.stringify({ id: [network.id] }) })).length, 0, 'A network removed');
    assert.equal(await client.listManaged(setA), { containers: [], images: [], volumes: [], networks: [] });

    assert.ok(await containerExists(client, b1.id), 'B container survives');
    assert.ok(await client.imageExists(base), 'the base image (not in set A) survives');
    const foreignInfo = await foreign.inspect();
    assert.is(foreignInfo.State.Running, true, 'the foreign container survives, still running');
    assert.is(foreignInfo.Config.Labels['harpoon.test.foreign'], RUN_ID);

    const removedB = await client.removeManaged(setB);
    assert.equal(ids(removedB.containers), [b1.id]);
    assert.not.ok(await containerExists(client, b1.id));
    assert.ok((await foreign.inspect()).State.Running, 'the foreign container survives B too');
  } finally {
    await foreign.remove({ force: true }).catch(() => {});
    await client.docker.getVolume(volumeName).remove().catch(() => {});
    await network.remove().catch(() => {});
  }
  assert.is(await containerExists(client, foreign.id), false);
});

// Regression (was a bug): every image harpoon built carried `harpoon=true` (src/core/build/build.ts always adds
// managedLabels), and the engine copies an image's labels into every container created from
// it. So a container made from a harpoon-built image by anything else (plain dockerode, the
// docker CLI) is "managed": listManaged() lists it and removeManaged() / cleanupRun force-removes
// it, contrary to src/core/labels.ts ("found and removed later without ever touching what
// harpoon did not create"). Un-skip once containers are told apart from their image's labels.
it('a container created outside harpoon from a harpoon-built image is not managed', async (client) => {
  const foreign = await client.docker.createContainer({ Image: base, Cmd: ['sleep', '60'], Labels: { 'harpoon.test.foreign': RUN_ID } });
  try {
    await foreign.start();
    // Images carry harpoon.image, not harpoon, so the container inherits nothing that says "managed".
    const inherited = (await foreign.inspect()).Config.Labels[MANAGED_LABEL];
    for (const listing of [await client.listManaged(testLabels), await client.listManaged()]) {
      assert.not.ok(listing.containers.some((c) => c.id === foreign.id), `the foreign container is listed as managed (its ${MANAGED_LABEL} label: ${inherited})`);
    }
  } finally {
    await foreign.remove({ force: true }).catch(() => {});
  }
});

it('removeManaged on an empty set is a no-op', async (client) => {
  const none = { ...testLabels, [SET]: `nothing-${RUN_ID}` };
  assert.equal(await client.removeManaged(none), { containers: [], images: [], volumes: [], networks: [] });
});

// Regression (was a bug): src/core/cleanup.ts removeManaged ordered images "newest first" by the engine's Created,
// which is whole seconds; a child image built within the same second as its parent may be
// listed (and removed) after it, and the engine refuses the parent with HTTP 409 "conflict:
// unable to delete … (cannot be forced) - image has dependent child images". removeManaged
// then rejects and leaves the rest (the child, and later images) in place. Seen while writing
// these tests: cleanupRun failed after build.test.ts built FROM the base in the base's second.
// Un-skip once removeManaged orders images by their parent chain (or retries 409s).
it('removeManaged removes a parent and a child image built in the same second', async (client) => {
  const attempts = 8;
  const failures: string[] = [];
  for (let i = 0; i < attempts; i++) {
    const set = { ...testLabels, [SET]: `tie-${i}-${RUN_ID}` };
    const parentTag = `harpoon-test-tie:${RUN_ID}-${i}`;
    try {
      await client.build({ dockerfile: [`FROM ${base}`, `RUN echo parent ${i} > /p`], labels: set, tags: parentTag });
      await client.build({ dockerfile: [`FROM ${parentTag}`, 'RUN echo child > /c'], labels: set });
      try {
        await client.removeManaged(set);
      } catch (err) {
        failures.push(`attempt ${i}: ${(err as Error).message}`);
      }
      assert.equal((await client.listManaged(set)).images, [], `attempt ${i}: images left (${failures.at(-1) ?? "no error"})`);
    } finally {
      await sweepImages(client, set);
    }
  }
  assert.equal(failures, []);
});

it('after cleanupRun nothing with this run\'s test label is left', async (client) => {
  // Leave things behind on purpose: a running container, a stopped one, a built image.
  await afterCreationSecond(client, base);
  const running = await client.createContainer({ image: base, cmd: ['sleep', '60'], labels: testLabels });
  await running.start();
  await client.run({ image: base, cmd: ['true'], remove: false, labels: testLabels });
  const { imageId } = await client.build({ dockerfile: [`FROM ${base}`, 'RUN echo left > /left'], labels: testLabels });
  assert.ok((await runContainers(client)).length >= 2);
  assert.ok((await runImages(client)).some((i) => i.Id === imageId));

  await cleanupRun(client);

  assert.equal(await runContainers(client), [], 'containers left');
  assert.equal(await runImages(client), [], 'images left');
  // Not even intermediate images (they inherit the label from the base).
  const intermediate = await client.docker.listImages({ all: true, filters: JSON.stringify({ label: [`${TEST_LABEL}=${RUN_ID}`] }) });
  assert.equal(intermediate, [], 'intermediate images left');
  assert.equal(await client.listManaged(testLabels), { containers: [], images: [], volumes: [], networks: [] });
  const err = await rejection(running.inspect());
  assert.instance(err, ContainerNotFoundError);
});

test.run();
