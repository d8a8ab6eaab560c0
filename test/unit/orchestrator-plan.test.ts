// The plan: which orders wait for which and why, variant filtering, and the config hash.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ContainerSpec } from '../../src/orchestrator/model.ts';
import { configHash } from '../../src/orchestrator/apply/hash.ts';
import { type Order, type OrderCommand, type Unit } from '../../src/orchestrator/model.ts';
import { planRun } from '../../src/orchestrator/plan/plan.ts';
import { parseTarget } from '../../src/orchestrator/plan/target.ts';

function container(
  name: string,
  creation: Partial<ContainerSpec['creation']> = {},
  after: string[] = [],
): ContainerSpec {
  return {
    name,
    unit: 'u',
    engineName: `u-${name}`,
    creation: {
      image: `img-${name}`,
      env: {},
      labels: {},
      volumes: [],
      volumesFrom: [],
      ports: [],
      links: {},
      networks: [],
      tty: false,
      stdinOpen: false,
      ...creation,
    },
    startup: { waitHealthy: false, timeoutSeconds: 60 },
    checks: [],
    after,
    source: { file: 'units/u/start.yaml', line: 1 },
  };
}

function order(containerName: string | undefined, command: OrderCommand, variants: string[] = []): Order {
  return {
    ...(containerName !== undefined ? { container: containerName } : {}),
    command,
    variants,
    args: {},
    source: { file: 'units/u/start.yaml', line: 10 },
  };
}

function unit(containers: ContainerSpec[], orders: Order[]): Unit {
  return {
    name: 'u',
    command: 'start',
    containers: new Map(containers.map((c) => [c.name, c])),
    orders,
    derived: false,
    source: { file: 'units/u/start.yaml', line: 1 },
  };
}

// Two chains: a <- b (volumes_from) <- c (links), and d <- e (after).
const chains = () =>
  unit(
    [
      container('a'),
      container('b', { volumesFrom: ['a'] }),
      container('c', { links: { b: 'bee' } }),
      container('d'),
      container('e', {}, ['d']),
    ],
    [order('a', 'create'), order('d', 'create'), order('b', 'start'), order('e', 'start'), order('c', 'start')],
  );

test('independent chains: each order waits only for its own chain, with the reason', () => {
  const plan = planRun(chains());
  const waits = plan.steps.map((s) => s.waitsFor);
  assert.equal(waits[0], []); // create a
  assert.equal(waits[1], []); // create d: independent of a, runs alongside it
  assert.equal(waits[2], [{ step: 1, why: "b mounts a's volumes" }]);
  assert.equal(waits[3], [{ step: 2, why: 'e comes after d' }]);
  // c depends on b directly and on a through b: only the nearest wait is listed.
  assert.equal(waits[4], [{ step: 3, why: 'c links to b' }]);
});

test('a host order waits for everything before it and holds everything after it', () => {
  const u = chains();
  u.orders.splice(2, 0, order(undefined, 'execute'));
  const plan = planRun(u);
  assert.equal(
    plan.steps[2]!.waitsFor.map((w) => w.step),
    [1, 2],
  );
  // b and e wait for it directly; c waits for b, which already waited for it.
  assert.equal(plan.steps[3]!.waitsFor, [{ step: 3, why: 'after the host order' }]);
  assert.equal(plan.steps[4]!.waitsFor, [{ step: 3, why: 'after the host order' }]);
  assert.equal(plan.steps[5]!.waitsFor, [{ step: 4, why: 'c links to b' }]);
});

test('orders on the same container keep their order; network_mode container:X is a dependency', () => {
  const u = unit(
    [container('a'), container('b', { networkMode: 'container:a' })],
    [order('b', 'create'), order('a', 'start'), order('b', 'start'), order('b', 'stop')],
  );
  const plan = planRun(u);
  assert.equal(plan.steps[1]!.waitsFor, [{ step: 1, why: "b shares a's network" }]);
  assert.equal(plan.steps[2]!.waitsFor, [{ step: 2, why: "b shares a's network" }]);
  assert.equal(plan.steps[3]!.waitsFor, [{ step: 3, why: 'same container' }]);
});

test('variants: orders without variants always run, the others only when asked for', () => {
  const u = unit(
    [container('a')],
    [order('a', 'start'), order('a', 'execute', ['debug']), order('a', 'check', ['check', 'ci'])],
  );
  assert.equal(
    planRun(u).steps.map((s) => s.order.command),
    ['start'],
  );
  assert.equal(planRun(u).skipped.length, 2);
  assert.equal(
    planRun(u, ['ci']).steps.map((s) => s.order.command),
    ['start', 'check'],
  );
  assert.equal(
    planRun(u, ['debug', 'check']).steps.map((s) => s.number),
    [1, 2, 3],
  );
});

test('config hash: stable over map order and defaults, changed by what matters', () => {
  const u = chains();
  const base = container('x', { env: { A: '1', B: '2' } });
  const reordered = container('x', { env: { B: '2', A: '1' }, restart: 'no' });
  assert.is(configHash(u, base), configHash(u, reordered));
  assert.match(configHash(u, base), /^h1-[0-9a-f]{16}$/);
  assert.is.not(configHash(u, base), configHash(u, container('x', { env: { A: '1', B: '3' } })));
  assert.is.not(
    configHash(u, base),
    configHash(
      u,
      container('x', { env: { A: '1', B: '2' }, ports: [{ hostIp: '127.0.0.1', containerPort: 80, protocol: 'tcp' }] }),
    ),
  );
  assert.is.not(configHash(u, base), configHash(u, { ...base, creation: { ...base.creation, image: 'other' } }));
});

test('UNIT/COMMAND[:variant…] targets, and clear errors for bad ones', () => {
  assert.equal(parseTarget('site/test:check:ci'), { unit: 'site', command: 'test', variants: ['check', 'ci'] });
  assert.equal(parseTarget('site/start'), { unit: 'site', command: 'start', variants: [] });
  assert.throws(() => parseTarget('site'), /"site" is not UNIT\/COMMAND\[:variant…\]: a part is empty/);
  assert.throws(() => parseTarget('site/start:'), /a part is empty/);
  assert.throws(() => parseTarget('si te/start'), /"si te" is not a name/);
});

test.run();
