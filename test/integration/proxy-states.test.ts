// Integration: what the proxy answers for containers that cannot serve (starting 503,
// failed 502, unknown 404, for every method), that foreign containers are unreachable, and
// that the route table follows the engine's events (stop, start, rename) without per-request
// look-ups.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { type Harpoon } from 'harpoon';
import { LAUNCHER_LABEL, PORT_LABEL } from '../../src/launcher/labels.ts';
import { RUN_ID, TEST_LABEL, testLabels } from '../helpers/engine.ts';
import { eventually } from '../helpers/integration.ts';
import { namer } from '../helpers/launcher.ts';
import { HOST_SUFFIX, proxyTests, send, TEST_WEBAPP, type Reply } from '../helpers/proxy.ts';

const run = promisify(execFile);
const { it, fixture } = await proxyTests('harpoon-proxy-states');
const name = namer('ps');
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'];

const json = (reply: Reply) =>
  JSON.parse(reply.body.toString()) as {
    status: number;
    error: string;
    message: string;
    container?: string;
    retryAfter?: number;
  };

/** Every method, by path and by host, gets `status` (and the JSON `error` word, but for HEAD). */
async function expectForEveryMethod(app: string, status: number, error: string, check?: (reply: Reply) => void) {
  for (const method of METHODS) {
    const body = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(method) ? '{"x":1}' : undefined;
    for (const [path, host] of [
      [`/docker/${app}/some/path?q=1`, undefined],
      ['/some/path', `${app}${HOST_SUFFIX}`],
    ] as const) {
      const reply = await send(fixture.proxy.url, path, {
        method,
        ...(body ? { body } : {}),
        ...(host ? { host } : {}),
        headers: { accept: 'application/json' },
      });
      assert.is(reply.status, status, `${method} ${host ?? ''}${path}`);
      if (method === 'HEAD') assert.is(reply.body.length, 0);
      else assert.is(json(reply).error, error, `${method} ${path}: ${reply.body}`);
      check?.(reply);
    }
  }
}

it('an unknown name gets 404 for every method', async () => {
  await expectForEveryMethod(name('nobody'), 404, 'not_found');
});

it('a starting app gets 503 with Retry-After for every method, then serves', async () => {
  const app = name('slow');
  // httpd comes up 5 s after the container starts; ready: false returns right after start.
  await fixture.launcher.launch({
    image: TEST_WEBAPP,
    name: app,
    cmd: ['sh', '-c', 'sleep 5; exec /app/start'],
    ready: false,
  });
  await expectForEveryMethod(app, 503, 'starting', (reply) => assert.is(reply.headers['retry-after'], '2'));
  const page = await send(fixture.proxy.url, `/docker/${app}/`, {
    headers: { accept: 'text/html,application/xhtml+xml' },
  });
  assert.is(page.status, 503);
  assert.match(page.headers['content-type'] ?? '', /text\/html/);
  assert.match(page.body.toString(), /<meta http-equiv="refresh" content="2">/);
  assert.match(page.body.toString(), /is starting/);
  assert.ok(
    await eventually(async () => (await send(fixture.proxy.url, `/docker/${app}/`)).status === 200, 15_000, 200),
    'serves once httpd listens',
  );
});

it('a created, not yet started container is "starting"', async () => {
  const app = name('created');
  // What the launcher has made between create and start (its labels, not started).
  await fixture.client.createContainer({
    image: TEST_WEBAPP,
    name: app,
    labels: { ...testLabels, [LAUNCHER_LABEL]: 'true', [PORT_LABEL]: '80' },
  });
  const reply = await send(fixture.proxy.url, `/docker/${app}/`, { method: 'POST', body: 'x' });
  assert.is(reply.status, 503);
  assert.match(json(reply).message, /created, not started yet/);
});

it('a failed app gets 502 with its state for every method', async () => {
  const app = name('fails');
  await fixture.launcher
    .launch({ image: TEST_WEBAPP, name: app, cmd: ['sh', '-c', 'echo bye; exit 3'], ready: false, keepOnFailure: true })
    .catch(() => {});
  assert.ok(
    await eventually(async () => (await fixture.client.container(app).inspect()).State.Status === 'exited', 10_000),
  );
  await expectForEveryMethod(app, 502, 'failed', (reply) => {
    if (reply.body.length) assert.match(json(reply).message, /exited with code 3/);
  });
});

async function dockerRunForeign(client: Harpoon, containerName: string, labels: string[]) {
  // Made with the docker CLI, as another tool would: not through harpoon at all.
  const args = [
    'run',
    '-d',
    '--name',
    containerName,
    '-p',
    '127.0.0.1::80',
    ...labels.flatMap((l) => ['--label', l]),
    TEST_WEBAPP,
  ];
  await run('docker', args, { env: { ...process.env, DOCKER_HOST: 'unix:///var/run/docker.sock' } });
  const info = await client.container(containerName).inspect();
  assert.ok(info.State.Running);
}

it('foreign containers are unreachable, even with managed-looking names and labels', async () => {
  const plain = name('foreign');
  const managedOnly = name('foreign');
  const otherRun = name('foreign');
  await dockerRunForeign(fixture.client, plain, [`${TEST_LABEL}=${RUN_ID}`]);
  // harpoon's core label but not the launcher's: a container harpoon made, not one it launched.
  await dockerRunForeign(fixture.client, managedOnly, [`${TEST_LABEL}=${RUN_ID}`, 'harpoon=true']);
  // Launched-looking, but outside the proxy's label scope (another test run's).
  await dockerRunForeign(fixture.client, otherRun, [
    `${TEST_LABEL}=${RUN_ID}`,
    'harpoon=true',
    `${LAUNCHER_LABEL}=true`,
    'harpoon.test.scope=other',
  ]);
  const scoped = await (await import('harpoon')).startProxyServer(fixture.client, {
    port: 0,
    labels: { ...testLabels, 'harpoon.test.scope': 'mine' },
    activity: false,
  });
  try {
    for (const app of [plain, managedOnly]) {
      assert.is((await send(fixture.proxy.url, `/docker/${app}/`)).status, 404, `${app} by path`);
      assert.is((await send(fixture.proxy.url, '/', { host: `${app}${HOST_SUFFIX}` })).status, 404, `${app} by host`);
    }
    assert.is((await send(scoped.url, `/docker/${otherRun}/`)).status, 404, 'outside the label scope');
    // By id, or an id prefix, is not a route either (inspect would accept those).
    const id = (await fixture.client.container(plain).inspect()).Id;
    assert.is((await send(fixture.proxy.url, `/docker/${id.slice(0, 12)}/`)).status, 404);
  } finally {
    await scoped.close();
    // Not harpoon's (plain has no harpoon label), so removeManaged leaves it: the test removes what it made.
    for (const app of [plain, managedOnly, otherRun])
      await fixture.client.docker
        .getContainer(app)
        .remove({ force: true })
        .catch(() => {});
  }
});

it('the route table follows stop, start and rename from engine events', async () => {
  const app = name('moves');
  await fixture.launcher.launch({ image: TEST_WEBAPP, name: app });
  assert.is((await send(fixture.proxy.url, `/docker/${app}/`)).status, 200);
  const routes = fixture.proxy.proxy.routes;
  assert.ok(routes.synced, 'following events');
  const route = () => routes.list().find((r) => r.name === app);
  assert.match(route()!.upstream ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);

  await fixture.client.container(app).stop({ timeoutSeconds: 1 });
  assert.ok(
    await eventually(async () => route()?.status === 'exited', 5_000, 25),
    'the table saw the stop without a request',
  );
  assert.is((await send(fixture.proxy.url, `/docker/${app}/`)).status, 502);

  await fixture.client.container(app).start();
  assert.ok(await eventually(async () => route()?.status === 'running', 5_000, 25), 'the table saw the start');
  assert.ok(
    await eventually(async () => (await send(fixture.proxy.url, `/docker/${app}/`)).status === 200, 10_000, 100),
    'serves again',
  );
  assert.match(route()!.upstream ?? '', /^http:\/\/127\.0\.0\.1:\d+$/, 'the new published port');

  const renamed = `${app}-renamed`;
  await fixture.client.docker.getContainer(app).rename({ name: renamed });
  assert.ok(
    await eventually(async () => routes.list().some((r) => r.name === renamed) && !route(), 5_000, 25),
    'the table saw the rename',
  );
  assert.is((await send(fixture.proxy.url, `/docker/${app}/`)).status, 404, 'the old name is gone');
  assert.is((await send(fixture.proxy.url, `/docker/${renamed}/`)).status, 200, 'the new name serves');
  assert.is((await send(fixture.proxy.url, '/', { host: `${renamed}${HOST_SUFFIX}` })).status, 200);

  await fixture.client.container(renamed).remove({ force: true });
  assert.ok(
    await eventually(async () => !routes.list().some((r) => r.name === renamed), 5_000, 25),
    'the table saw the removal',
  );
  assert.is((await send(fixture.proxy.url, `/docker/${renamed}/`)).status, 404);
});

it('steady-state requests make no engine look-ups', async () => {
  const app = name('steady');
  await fixture.launcher.launch({ image: TEST_WEBAPP, name: app });
  await send(fixture.proxy.url, `/docker/${app}/`);
  // Count every container handle the client hands out (each inspect goes through one).
  const original = fixture.client.container.bind(fixture.client);
  let lookups = 0;
  fixture.client.container = (idOrName: string) => {
    lookups++;
    return original(idOrName);
  };
  try {
    for (let i = 0; i < 30; i++) assert.is((await send(fixture.proxy.url, `/docker/${app}/`)).status, 200);
    assert.is(lookups, 0, 'served from the route table');
    // An unknown name costs one look-up, then is remembered briefly.
    for (let i = 0; i < 20; i++) assert.is((await send(fixture.proxy.url, `/docker/${app}-missing/`)).status, 404);
    assert.is(lookups, 1, 'misses are cached');
  } finally {
    fixture.client.container = original;
  }
});

test.run();
