// Integration: listManaged / removeManaged against the real engine. Scoped by labels, and
// never touching anything without harpoon's label.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ContainerNotFoundError, ImageInUseError, MANAGED_LABEL, type Harpoon } from 'harpoon';
import { managedLabels } from '../../src/core/labels.ts';
import { buildBusybox, cleanupRun, RUN_ID, TEST_LABEL, testLabels } from '../helpers/engine.ts';
import { containerExists, engineTests, rejection, runContainers, runImages } from '../helpers/integration.ts';

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

it('removeManaged(labels) removes exactly that set; other sets and foreign containers survive', async (client) => {
  const a1 = await client.createContainer({ image: base, cmd: ['sleep', '60'], labels: setA });
  const a2 = await client.createContainer({ image: base, cmd: ['sleep', '60'], labels: setA });
  await a1.start(); // a running one must go too (forced)
  const { imageId: imageA } = await client.build({
    dockerfile: [`FROM ${base}`, 'RUN echo a > /a'],
    labels: setA,
    tags: `harpoon-test-cleanup-a:${RUN_ID}`,
  });
  const b1 = await client.createContainer({ image: base, cmd: ['sleep', '60'], labels: setB });
  // A volume and a network carrying set A and harpoon's label (made with dockerode: harpoon has no API for them).
  const volumeName = `harpoon-test-vol-${RUN_ID}`;
  await client.docker.createVolume({ Name: volumeName, Labels: managedLabels(setA) });
  const network = await client.docker.createNetwork({
    Name: `harpoon-test-net-${RUN_ID}`,
    Labels: managedLabels(setA),
  });
  // FOREIGN: created through dockerode directly, without harpoon's labels.
  const foreign = await client.docker.createContainer({
    Image: base,
    Cmd: ['sleep', '60'],
    Labels: { 'harpoon.test.foreign': RUN_ID },
  });
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
      assert.not.ok(
        listing.containers.some((c) => c.id === foreign.id),
        'the foreign container is not in set A or B',
      );
    }
    const all = await client.listManaged(testLabels);
    for (const id of [a1.id, a2.id, b1.id]) assert.ok(all.containers.some((c) => c.id === id));
    assert.ok(
      all.images.some((i) => i.tags.includes(base)),
      'the base image is managed too',
    );

    const removed = await client.removeManaged(setA);
    assert.equal(ids(removed.containers), [a1.id, a2.id].sort());
    assert.equal(ids(removed.images), [imageA]);
    assert.equal(removed.volumes, [volumeName]);

    assert.not.ok(await containerExists(client, a1.id), 'A running container removed');
    assert.not.ok(await containerExists(client, a2.id), 'A created container removed');
    assert.not.ok(await client.imageExists(imageA), 'A image removed');
    assert.not.ok(await client.imageExists(`harpoon-test-cleanup-a:${RUN_ID}`));
    assert.is(
      (await client.docker.listVolumes({ filters: JSON.stringify({ name: [volumeName] }) })).Volumes?.length ?? 0,
      0,
      'A volume removed',
    );
    assert.is(
      (await client.docker.listNetworks({ filters: JSON.stringify({ id: [network.id] }) })).length,
      0,
      'A network removed',
    );
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
    await client.docker
      .getVolume(volumeName)
      .remove()
      .catch(() => {});
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
  const foreign = await client.docker.createContainer({
    Image: base,
    Cmd: ['sleep', '60'],
    Labels: { 'harpoon.test.foreign': RUN_ID },
  });
  try {
    await foreign.start();
    // Images carry harpoon.image, not harpoon, so the container inherits nothing that says "managed".
    const inherited = (await foreign.inspect()).Config.Labels[MANAGED_LABEL];
    for (const listing of [await client.listManaged(testLabels), await client.listManaged()]) {
      assert.not.ok(
        listing.containers.some((c) => c.id === foreign.id),
        `the foreign container is listed as managed (its ${MANAGED_LABEL} label: ${inherited})`,
      );
    }
  } finally {
    await foreign.remove({ force: true }).catch(() => {});
  }
});

it('removeManaged on an empty set is a no-op', async (client) => {
  const none = { ...testLabels, [SET]: `nothing-${RUN_ID}` };
  assert.equal(await client.removeManaged(none), { containers: [], images: [], volumes: [], networks: [] });
});

/**
 * Builds a tagged parent FROM the base, then a child FROM the parent's tag whose steps commit
 * within one wall-clock second (Created, as the engine lists it, is whole seconds): the child's
 * Parent is an intermediate image of the same build, carrying the set's labels (inherited from
 * the tagged parent), so one build gives a parent and child of the same second. A build of ENV
 * steps (a commit each, no container run) takes a few hundred ms even on a loaded machine; it
 * starts at the top of a second and is tried again, up to `attempts` times, if it straddled one.
 */
async function parentAndChildInOneSecond(client: Harpoon, set: Record<string, string>, attempts = 10) {
  for (let i = 0; i < attempts; i++) {
    const parentTag = `harpoon-test-tie:${RUN_ID}-parent-${i}`;
    const childTag = `harpoon-test-tie:${RUN_ID}-child-${i}`;
    const parent = await client.build({
      dockerfile: [`FROM ${base}`, `ENV TIE=parent-${i}`],
      labels: set,
      tags: parentTag,
    });
    await new Promise((resolve) => setTimeout(resolve, 1000 - (Date.now() % 1000) + 5));
    const child = await client.build({
      dockerfile: [`FROM ${parentTag}`, `ENV TIE=child-${i}`, 'ENV TIE2=child'],
      labels: set,
      tags: childTag,
    });
    const listed = await client.listManaged(set);
    const image = (id: string | undefined) => listed.images.find((candidate) => candidate.id === id);
    const childImage = image(child.imageId);
    const tied = image(childImage?.parent);
    if (childImage && tied && tied.created === childImage.created)
      return { parent: parent.imageId, child: child.imageId, tied: tied.id, childTag, listed };
    await client.removeManaged(set);
  }
  throw new Error(`no parent and child committed within one second in ${attempts} attempts (engine too slow?)`);
}

// Regression (was a bug): removeManaged ordered images "newest first" by Created, whole seconds, so
// a parent and child built in one second came in either order and the engine refused the parent
// (HTTP 409 "image has dependent child images"); test helpers swept instead. Now images go by the
// parent chain, and containers (a running one holds its image even against force) go first.
it('removeManaged removes a parent and child image built in one second, with a running container of the child', async (client) => {
  const set = { ...testLabels, [SET]: `tie-${RUN_ID}` };
  const { parent, child, tied, childTag, listed } = await parentAndChildInOneSecond(client, set);
  assert.is((await client.inspectImage(childTag)).Parent !== '', true, 'the classic builder records the parent chain');
  const order = listed.images.map((i) => i.id);
  assert.ok(
    order.indexOf(child) < order.indexOf(tied),
    'listManaged lists the child before its parent of the same second',
  );
  assert.ok(order.indexOf(tied) < order.indexOf(parent), 'and that one before the tagged parent it was built FROM');
  // Every listed image (intermediate ones too) before its parent, by the engine's own Parent.
  const parents = await Promise.all(listed.images.map(async (image) => (await client.inspectImage(image.id)).Parent));
  listed.images.forEach((image, i) => {
    if (order.includes(parents[i]!))
      assert.ok(i < order.indexOf(parents[i]!), `${image.id} is listed before its parent ${parents[i]}`);
  });
  assert.equal(
    listed.images.map((i) => i.parent),
    parents.map((p) => p || undefined),
    'listManaged gives each image its parent',
  );
  const running = await client.createContainer({ image: childTag, cmd: ['sleep', '60'], labels: set });
  await running.start();

  const removed = await client.removeManaged(set);
  assert.equal(ids(removed.containers), [running.id]);
  assert.ok(removed.images.some((i) => i.id === parent) && removed.images.some((i) => i.id === child));
  assert.equal(await client.listManaged(set), { containers: [], images: [], volumes: [], networks: [] });
  const everything = await client.docker.listImages({
    all: true,
    filters: JSON.stringify({ label: [`${SET}=${set[SET]}`] }),
  });
  assert.equal(everything, [], 'no image (intermediate ones included) with these labels is left');
  assert.not.ok(await containerExists(client, running.id));
});

// A container harpoon did not make (no harpoon label), running from a managed image: removeManaged
// must not touch it, and must say so with a typed error instead of a bare 409 or a retry loop.
it('removeManaged leaves an image a foreign container runs, names it in an ImageInUseError, removes the rest', async (client) => {
  const set = { ...testLabels, [SET]: `held-${RUN_ID}` };
  const heldTag = `harpoon-test-held:${RUN_ID}`;
  const { imageId: held } = await client.build({
    dockerfile: [`FROM ${base}`, 'ENV HELD=1'],
    labels: set,
    tags: heldTag,
  });
  const { imageId: free } = await client.build({ dockerfile: [`FROM ${base}`, 'ENV FREE=1'], labels: set });
  const mine = await client.createContainer({ image: heldTag, cmd: ['sleep', '60'], labels: set });
  await mine.start();
  const foreign = await client.docker.createContainer({
    Image: heldTag,
    Cmd: ['sleep', '60'],
    Labels: { 'harpoon.test.foreign': RUN_ID },
  });
  try {
    await foreign.start();
    const started = Date.now();
    const err = await rejection(client.removeManaged(set));
    assert.instance(err, ImageInUseError);
    const inUse = err as ImageInUseError;
    assert.is(inUse.code, 'IMAGE_IN_USE');
    assert.equal(
      inUse.images.map((i) => i.image),
      [held],
    );
    assert.ok(inUse.images[0]!.tags.includes(heldTag));
    assert.ok(
      inUse.images[0]!.containers.some((c) => c.includes(foreign.id.slice(0, 12))),
      inUse.message,
    );
    assert.match(inUse.message, heldTag);
    assert.match(inUse.message, foreign.id.slice(0, 12));
    assert.ok(Date.now() - started < 10_000, 'refused at once, not after retries');

    assert.ok((await foreign.inspect()).State.Running, 'the foreign container is left running');
    assert.ok(await client.imageExists(held), 'its image stays');
    assert.not.ok(await client.imageExists(free), 'the free image went');
    assert.not.ok(await containerExists(client, mine.id), 'the managed container went');
  } finally {
    await foreign.remove({ force: true });
  }
  await client.removeManaged(set);
  assert.equal(await client.listManaged(set), { containers: [], images: [], volumes: [], networks: [] });
});

// A child image outside the set (built FROM a managed image, its labels set to another set): the
// engine never lets a parent go before its child, so removeManaged reports it and keeps the chain.
it('removeManaged leaves the chain under a child image of another set, naming the child in an ImageInUseError', async (client) => {
  const set = { ...testLabels, [SET]: `parent-${RUN_ID}` };
  const other = { ...testLabels, [SET]: `child-${RUN_ID}` };
  const parentTag = `harpoon-test-chain:${RUN_ID}-parent`;
  const childTag = `harpoon-test-chain:${RUN_ID}-child`;
  const { imageId: parent } = await client.build({
    dockerfile: [`FROM ${base}`, 'ENV CHAIN=parent'],
    labels: set,
    tags: parentTag,
  });
  await client.build({ dockerfile: [`FROM ${parentTag}`, 'ENV CHAIN=child'], labels: other, tags: childTag });

  const err = await rejection(client.removeManaged(set));
  assert.instance(err, ImageInUseError);
  const inUse = err as ImageInUseError;
  assert.is(inUse.images.length, 1, inUse.message);
  assert.equal(inUse.images[0]!.children, [childTag], inUse.message);
  assert.match(inUse.message, childTag);
  assert.ok(await client.imageExists(parent), 'the parent stays under its child');
  assert.ok(await client.imageExists(childTag));

  await client.removeManaged(other);
  await client.removeManaged(set);
  for (const labels of [set, other]) assert.equal((await client.listManaged(labels)).images, []);
});

it("after cleanupRun nothing with this run's test label is left", async (client) => {
  // Leave things behind on purpose: a running container, a stopped one, a built image.
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
  const intermediate = await client.docker.listImages({
    all: true,
    filters: JSON.stringify({ label: [`${TEST_LABEL}=${RUN_ID}`] }),
  });
  assert.equal(intermediate, [], 'intermediate images left');
  assert.equal(await client.listManaged(testLabels), { containers: [], images: [], volumes: [], networks: [] });
  const err = await rejection(running.inspect());
  assert.instance(err, ContainerNotFoundError);
});

test.run();
