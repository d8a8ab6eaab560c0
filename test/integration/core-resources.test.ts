// Integration: named volumes and networks made by harpoon: created with the label, the same one
// handed back when asked again, foreign ones (no harpoon label) never adopted nor removed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CommandNotFoundError, ForeignResourceError, MANAGED_LABEL, ResourceNotFoundError } from 'harpoon';
import { buildBusybox, RUN_ID, testLabels } from '../helpers/engine.ts';
import { engineTests, rejection } from '../helpers/integration.ts';

let base = '';
const it = await engineTests({
  ready: async (client) => {
    base = await buildBusybox(client);
  },
});

it('createVolume labels it, is idempotent, and the volume holds data across containers; removeVolume removes it', async (client) => {
  const name = `harpoon-test-vol-${RUN_ID}`;
  const first = await client.createVolume({ name, labels: testLabels });
  assert.is(first.Name, name);
  assert.is(first.Labels[MANAGED_LABEL], 'true');
  assert.is(first.Labels['harpoon.test'], RUN_ID);
  const again = await client.createVolume({ name, labels: testLabels });
  assert.is(again.Name, name);
  assert.is(again.Mountpoint, first.Mountpoint);
  assert.is((await client.inspectVolume(name)).Labels[MANAGED_LABEL], 'true');
  assert.ok((await client.listManaged(testLabels)).volumes.includes(name));

  await client.run({
    image: base,
    cmd: ['sh', '-c', 'echo kept > /v/file'],
    labels: testLabels,
    hostConfig: { Binds: [`${name}:/v`] },
  });
  const read = await client.run({
    image: base,
    cmd: ['cat', '/v/file'],
    labels: testLabels,
    hostConfig: { Binds: [`${name}:/v`] },
  });
  assert.is(read.stdout, 'kept\n');

  await client.removeVolume(name);
  assert.instance(await rejection(client.inspectVolume(name)), ResourceNotFoundError);
  await client.removeVolume(name, { ifExists: true });
  const missing = await rejection(client.removeVolume(name));
  assert.instance(missing, ResourceNotFoundError);
  assert.is((missing as ResourceNotFoundError).code, 'RESOURCE_NOT_FOUND');
});

it('a volume without the harpoon label is refused by createVolume and removeVolume, and left alone', async (client) => {
  const name = `harpoon-test-foreign-vol-${RUN_ID}`;
  await client.docker.createVolume({ Name: name, Labels: { 'harpoon.test.foreign': RUN_ID } });
  try {
    const err = await rejection(client.createVolume({ name, labels: testLabels }));
    assert.instance(err, ForeignResourceError);
    assert.is((err as ForeignResourceError).code, 'FOREIGN_RESOURCE');
    assert.is((err as ForeignResourceError).resourceName, name);
    assert.is((err as ForeignResourceError).kind, 'volume');
    assert.instance(await rejection(client.removeVolume(name)), ForeignResourceError);
    assert.instance(await rejection(client.removeVolume(name, { ifExists: true })), ForeignResourceError);
    const still = await client.inspectVolume(name);
    assert.is(still.Labels[MANAGED_LABEL], undefined);
  } finally {
    await client.docker.getVolume(name).remove();
  }
});

it('createNetwork labels it (internal too), is idempotent; removeNetwork removes it', async (client) => {
  const name = `harpoon-test-net-${RUN_ID}`;
  const first = await client.createNetwork({ name, labels: testLabels, internal: true });
  try {
    assert.is(first.Name, name);
    assert.is(first.Internal, true);
    assert.is(first.Labels[MANAGED_LABEL], 'true');
    const again = await client.createNetwork({ name, labels: testLabels, internal: true });
    assert.is(again.Id, first.Id);
    assert.is((await client.inspectNetwork(name)).Id, first.Id);
    assert.equal(
      (await client.listManaged(testLabels)).networks.map((n) => n.id),
      [first.Id],
    );
    // Only one network of that name exists.
    const same = await client.docker.listNetworks({ filters: JSON.stringify({ name: [name] }) });
    assert.is(same.filter((n) => n.Name === name).length, 1);
  } finally {
    await client.removeNetwork(name);
  }
  assert.instance(await rejection(client.inspectNetwork(name)), ResourceNotFoundError);
  await client.removeNetwork(name, { ifExists: true });
  assert.instance(await rejection(client.removeNetwork(name)), ResourceNotFoundError);
});

it('a network without the harpoon label is refused by createNetwork and removeNetwork, and left alone', async (client) => {
  const name = `harpoon-test-foreign-net-${RUN_ID}`;
  const foreign = await client.docker.createNetwork({ Name: name, Labels: { 'harpoon.test.foreign': RUN_ID } });
  try {
    const err = await rejection(client.createNetwork({ name, labels: testLabels }));
    assert.instance(err, ForeignResourceError);
    assert.is((err as ForeignResourceError).kind, 'network');
    assert.instance(await rejection(client.removeNetwork(name)), ForeignResourceError);
    const same = await client.docker.listNetworks({ filters: JSON.stringify({ name: [name] }) });
    assert.equal(
      same.filter((n) => n.Name === name).map((n) => n.Id),
      [foreign.id],
    );
  } finally {
    await foreign.remove();
  }
});

it('startContainer creates and starts (docker run -d); one that cannot start is removed again', async (client) => {
  const name = `harpoon-test-started-${RUN_ID}`;
  const started = await client.startContainer({ image: base, name, cmd: ['sleep', '30'], labels: testLabels });
  try {
    assert.is((await started.inspect()).State.Running, true);
  } finally {
    await started.remove({ force: true });
  }
  const err = await rejection(
    client.startContainer({ image: base, name, cmd: ['/no/such/program'], labels: testLabels }),
  );
  assert.instance(err, CommandNotFoundError);
  const left = await client.engine.docker.listContainers({ all: true, filters: { name: [name] } });
  assert.equal(left, [], 'the container that failed to start was removed');
});

test.run();
