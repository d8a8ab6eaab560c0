// Integration: the engine restarts while the proxy runs. The events stream drops; the proxy
// says so, reconnects, and resyncs its route table: no stale route serves. An app the restart
// stopped is answered as stopped, and once started again (on a new published port) it is
// served there within seconds. This file stops and starts the local dockerd (as root, with
// scripts/engine.sh), so it runs on its own: the suite runs test files one after another.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Launcher, startProxyServer } from 'harpoon';
import { testLabels } from '../helpers/engine.ts';
import { engineTests, eventually } from '../helpers/integration.ts';
import { namer } from '../helpers/launcher.ts';
import { buildEchoApp, ECHO_PORT } from '../helpers/echo-app.ts';
import { send, sendUntil, TEST_ECHO } from '../helpers/proxy.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const PIDFILE = '/var/run/docker.pid';
const name = namer('hr');
const local = !process.env.DOCKER_HOST || process.env.DOCKER_HOST === 'unix:///var/run/docker.sock';
const canRestart = local && process.getuid?.() === 0 && existsSync(PIDFILE);
if (!canRestart && process.env.CI === 'true')
  throw new Error('the engine-restart test needs the local dockerd (root, /var/run/docker.pid) under CI');

const it = await engineTests({
  ready: (client) => buildEchoApp(client, { tag: TEST_ECHO, labels: testLabels }).then(() => undefined),
});
const maybe = canRestart ? it : (title: string) => test.skip(title);

/** Stop the local dockerd and wait for it to go; then start it again as CI does. */
function restartEngine(): void {
  const pid = Number(readFileSync(PIDFILE, 'utf8'));
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    try {
      process.kill(pid, 0);
    } catch {
      break;
    }
    execFileSync('sleep', ['0.2']);
  }
  execFileSync('bash', [join(ROOT, 'scripts/engine.sh')], { stdio: 'ignore', timeout: 120_000 });
}

maybe(
  'an engine restart: the proxy reconnects, answers the stopped app as stopped, then serves it on its new port',
  async (client) => {
    // No crash reaper here: the test removes what it made itself, after the restart.
    const launcher = new Launcher(client, { labels: testLabels, reap: false });
    const proxy = await startProxyServer(client, { port: 0, labels: testLabels, activity: false });
    const notes: string[] = [];
    proxy.proxy.routes.on('unsynced', () => notes.push('unsynced'));
    proxy.proxy.routes.on('synced', () => notes.push('synced'));
    const app = await launcher.launch({ image: TEST_ECHO, name: name('app'), containerPort: ECHO_PORT });
    try {
      assert.is((await send(proxy.url, `/docker/${app.name}/`)).status, 200);
      const before = (await fixturePort(client, app.name))!;

      restartEngine();
      const back = Date.now();
      assert.ok(
        await eventually(async () => notes.includes('synced'), 20_000, 100),
        `the proxy resynced (${notes.join(', ')})`,
      );
      const stopped = await send(proxy.url, `/docker/${app.name}/`);
      assert.is(stopped.status, 502, `the restart stopped the app: ${stopped.body}`);
      assert.match(JSON.parse(stopped.body.toString()).message, /exited with code/);

      await client.container(app.name).start();
      const reply = await sendUntil(proxy.url, `/docker/${app.name}/`, 200, 30_000 - (Date.now() - back));
      assert.is(reply.status, 200, 'served again');
      assert.is(reply.body.toString(), 'echo app');
      const after = await fixturePort(client, app.name);
      const route = proxy.proxy.routes.list().find((r) => r.name === app.name);
      assert.is(route?.upstream, `http://127.0.0.1:${after}`, `the route follows the new port (was ${before})`);
      assert.ok(Date.now() - back < 30_000);
    } finally {
      await proxy.close();
      await launcher.remove(app.name).catch(() => {});
      await launcher.close();
    }
  },
);

async function fixturePort(client: import('harpoon').Harpoon, container: string): Promise<string | undefined> {
  const info = await client.container(container).inspect();
  return info.NetworkSettings.Ports?.[`${ECHO_PORT}/tcp`]?.[0]?.HostPort;
}

test.run();
