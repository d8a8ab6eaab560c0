// Integration: what django_docker_engine's proxy gave its users, against real containers:
// an authorization hook per request (allow / deny / redirect, with the container's labels),
// forward auth to an auth service on loopback, static header checks, the logs endpoint, custom
// please-wait and error pages, and routing opt-ins for containers started by hand.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import {
  FileActivityStore,
  forwardAuth,
  type Visit,
  requireHeaders,
  startProxyServer,
  type AccessEvent,
  type ProxyServerOptions,
  type RunningProxy,
} from 'harpoon';
import { cliEnv, harpoonCli, showResult } from '../helpers/cli.ts';
import { testLabels } from '../helpers/engine.ts';
import { namer } from '../helpers/launcher.ts';
import { echoed, ECHO_PORT, launchEcho, proxyTests, send, sendUntil, TEST_ECHO } from '../helpers/proxy.ts';

const { it, fixture } = await proxyTests('harpoon-proxy-auth');
const name = namer('ha');
let alice = '';
let aliceDirect = '';

/** A proxy of this run with these options (activity in the fixture's private store); closed by `body`'s end. */
async function withProxy(options: ProxyServerOptions, body: (proxy: RunningProxy) => Promise<void>): Promise<void> {
  const proxy = await startProxyServer(fixture.client, {
    port: 0,
    labels: testLabels,
    activity: new FileActivityStore(`${fixture.stateDir}/activity`),
    ...options,
  });
  try {
    await body(proxy);
  } finally {
    await proxy.close();
  }
}

const parsedByApp = async (): Promise<string[]> => JSON.parse((await send(aliceDirect, '/_parsed')).body.toString());

it('launches an app owned by alice (label harpoon.owner=alice)', async () => {
  const app = await launchEcho(fixture.launcher, name('alice'), { labels: { 'harpoon.owner': 'alice' } });
  alice = app.name;
  aliceDirect = app.url;
});

it("authorize: the hook sees the route's labels; a denied request never reaches the app and records no activity", async () => {
  const seen: string[] = [];
  const events: AccessEvent[] = [];
  await withProxy(
    {
      authorize: (req, route) => {
        seen.push(`${route.name}:${route.labels['harpoon.owner']}`);
        const who = String(req.headers['x-user'] ?? '');
        if (!who) return { action: 'redirect', location: '/login?next=' + encodeURIComponent(req.url ?? '/') };
        return who === route.labels['harpoon.owner']
          ? { action: 'allow', user: who }
          : { action: 'deny', message: `${who} does not own ${route.name}` };
      },
    },
    async (proxy) => {
      proxy.proxy.on('access', (event) => events.push(event));
      const store = new FileActivityStore(`${fixture.stateDir}/activity`);
      const before = await store.lastActivity((await fixture.launcher.get(alice))!.id);

      const denied = await send(proxy.url, `/docker/${alice}/echo/denied-by-hook`, {
        headers: { 'x-user': 'mallory' },
      });
      assert.is(denied.status, 403);
      assert.match(denied.body.toString(), /mallory does not own/);
      assert.not.ok(
        (await parsedByApp()).some((line) => line.includes('denied-by-hook')),
        'the app never saw it',
      );
      assert.equal(await store.lastActivity((await fixture.launcher.get(alice))!.id), before, 'no activity recorded');
      assert.is(proxy.proxy.routes.list().find((r) => r.name === alice)?.requests ?? 0, 0);

      const redirect = await send(proxy.url, `/docker/${alice}/echo/x?y=1`);
      assert.is(redirect.status, 302);
      assert.is(redirect.headers.location, `/login?next=${encodeURIComponent(`/docker/${alice}/echo/x?y=1`)}`);

      const allowed = await send(proxy.url, `/docker/${alice}/echo/allowed`, {
        headers: { 'x-user': 'alice', 'x-forwarded-user': 'root' },
      });
      assert.is(allowed.status, 200);
      assert.is(echoed(allowed).headers['x-forwarded-user'], 'alice', "the hook's user, never the client's claim");
      assert.ok(seen.includes(`${alice}:alice`));
      assert.ok(
        events.some((e) => e.status === 200 && e.user === 'alice'),
        'the access event names the user',
      );
      assert.ok(events.some((e) => e.status === 403 && e.container === alice));

      const noClaim = await send(proxy.url, `/docker/${alice}/echo/x`, { headers: { 'x-user': 'alice' } });
      assert.is(echoed(noClaim).headers['x-forwarded-user'], 'alice');
    },
  );
});

it('authorize applies to WebSocket handshakes; a hook that throws denies with 500 (fail closed)', async () => {
  await withProxy(
    {
      authorize: (req) =>
        req.headers['x-boom'] ? Promise.reject(new Error('boom')) : req.headers['x-user'] === 'alice',
    },
    async (proxy) => {
      const ws = `${proxy.url.replace(/^http/, 'ws')}/docker/${alice}/ws`;
      const status = await new Promise<number>((resolve, reject) => {
        const client = new WebSocket(ws);
        client.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        client.once('open', () => reject(new Error('a denied handshake opened')));
        client.once('error', () => {});
      });
      assert.is(status, 403);
      const opened = await new Promise<boolean>((resolve) => {
        const client = new WebSocket(ws, { headers: { 'x-user': 'alice' } });
        client.once('message', () => {
          client.close();
          resolve(true);
        });
        client.once('error', () => resolve(false));
      });
      assert.ok(opened, 'an allowed handshake opens');
      const boom = await send(proxy.url, `/docker/${alice}/echo/boom`, { headers: { 'x-boom': '1' } });
      assert.is(boom.status, 500);
      assert.match(boom.body.toString(), /authorization hook failed: boom/);
    },
  );
});

it('forwardAuth: a sub-request to the auth service (cookie, X-Forwarded-*) decides: 2xx allows, 401 passes its page, 3xx redirects', async () => {
  const asked: http.IncomingHttpHeaders[] = [];
  const auth = http.createServer((req, res) => {
    asked.push(req.headers);
    const cookie = String(req.headers.cookie ?? '');
    if (cookie.includes('session=bob')) res.writeHead(204, { 'x-forwarded-user': 'bob' }).end();
    else if (cookie.includes('session=expired')) res.writeHead(302, { location: 'http://127.0.0.1:9/login' }).end();
    else if (cookie.includes('session=weird')) res.writeHead(418).end();
    else
      res
        .writeHead(401, { 'www-authenticate': 'Bearer realm="apps"', 'content-type': 'text/html' })
        .end('<p>please log in</p>');
  });
  await new Promise<void>((resolve) => auth.listen(0, '127.0.0.1', resolve));
  const authUrl = `http://127.0.0.1:${(auth.address() as AddressInfo).port}/check`;
  try {
    await withProxy({ authorize: forwardAuth(authUrl) }, async (proxy) => {
      const ok = await send(proxy.url, `/docker/${alice}/echo/fa?q=1`, {
        method: 'POST',
        body: 'secret body',
        headers: { cookie: 'session=bob' },
      });
      assert.is(ok.status, 200);
      assert.is(ok.body.toString(), 'secret body');
      assert.is(echoed(ok).headers['x-forwarded-user'], 'bob');
      const sub = asked.at(-1)!;
      assert.is(sub['x-forwarded-method'], 'POST');
      assert.is(sub['x-forwarded-uri'], `/docker/${alice}/echo/fa?q=1`);
      assert.is(sub['x-forwarded-host'], `127.0.0.1:${proxy.port}`);
      assert.is(sub['x-forwarded-for'], '127.0.0.1');
      assert.is(sub['x-harpoon-container'], alice);
      assert.is(sub['content-length'], undefined, 'no body goes to the auth service');

      const login = await send(proxy.url, `/docker/${alice}/echo/fa-denied`);
      assert.is(login.status, 401);
      assert.is(login.headers['www-authenticate'], 'Bearer realm="apps"');
      assert.is(login.body.toString(), '<p>please log in</p>');
      const expired = await send(proxy.url, `/docker/${alice}/echo/fa-expired`, {
        headers: { cookie: 'session=expired' },
      });
      assert.is(expired.status, 302);
      assert.is(expired.headers.location, 'http://127.0.0.1:9/login');
      const weird = await send(proxy.url, `/docker/${alice}/echo/fa-weird`, { headers: { cookie: 'session=weird' } });
      assert.is(weird.status, 500, 'an unexpected answer denies');
      const lines = await parsedByApp();
      assert.not.ok(
        lines.some((line) => /fa-(denied|expired|weird)/.test(line)),
        'denied requests never reached the app',
      );
    });
    // The auth service down: fail closed.
    await new Promise<void>((resolve) => auth.close(() => resolve()));
    auth.closeAllConnections();
    await withProxy({ authorize: forwardAuth(authUrl, { timeoutMs: 2_000 }) }, async (proxy) => {
      const down = await send(proxy.url, `/docker/${alice}/echo/fa-down`);
      assert.is(down.status, 500);
      assert.match(down.body.toString(), /authorization service could not decide/);
    });
  } finally {
    auth.close();
  }
});

it('requireHeaders: a static check (a secret a front proxy adds)', async () => {
  await withProxy({ authorize: requireHeaders({ 'X-Front-Secret': 's3cret-s3cret' }) }, async (proxy) => {
    assert.is((await send(proxy.url, `/docker/${alice}/echo/h`)).status, 401);
    assert.is(
      (await send(proxy.url, `/docker/${alice}/echo/h`, { headers: { 'x-front-secret': 'wrong' } })).status,
      401,
    );
    assert.is(
      (await send(proxy.url, `/docker/${alice}/echo/h`, { headers: { 'x-front-secret': 's3cret-s3cret' } })).status,
      200,
    );
  });
});

it('logs endpoint: the recent log as text or JSON, followed live, behind the same authorization; off by default', async () => {
  assert.is(
    (await send(fixture.proxy.url, `/docker/${alice}/docker-logs`)).status,
    404,
    'off by default: the path goes to the app (which says 404)',
  );
  await withProxy({ logsPath: 'docker-logs', authorize: (req) => req.headers['x-user'] === 'alice' }, async (proxy) => {
    const headers = { 'x-user': 'alice' };
    assert.is((await send(proxy.url, `/docker/${alice}/docker-logs`)).status, 403);
    const text = await send(proxy.url, `/docker/${alice}/docker-logs`, { headers });
    assert.is(text.status, 200);
    assert.match(text.body.toString(), /echo: listening on 8080/);
    assert.is(text.headers['content-type'], 'text/plain; charset=utf-8');
    const json = await send(proxy.url, `/docker/${alice}/docker-logs?format=json&tail=all`, { headers });
    const lines = json.body
      .toString()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { stream: string; line: string });
    assert.ok(lines.some((l) => l.stream === 'stdout' && l.line === 'echo: listening on 8080'));
    assert.is((await send(proxy.url, `/docker/${alice}/docker-logs?tail=x`, { headers })).status, 400);
    assert.is(
      (await send(proxy.url, `/docker/${alice}/docker-logs`, { headers, method: 'POST', body: '' })).status,
      405,
    );

    // follow=1: a line the app prints now arrives on the open response.
    const marker = `marker-${Date.now()}`;
    const followed = await new Promise<string>((resolve, reject) => {
      const req = http.get(`${proxy.url}/docker/${alice}/docker-logs?follow=1&tail=0`, { headers }, (res) => {
        let seen = '';
        res.on('data', (chunk: Buffer) => {
          seen += chunk.toString();
          if (seen.includes(marker)) {
            req.destroy();
            resolve(seen);
          }
        });
        void send(aliceDirect, `/log?line=${marker}`);
      });
      req.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
      setTimeout(() => reject(new Error('the followed log never showed the new line')), 10_000).unref();
    });
    assert.ok(followed.includes(marker));
    assert.not.ok(followed.includes('listening on'), 'tail=0: only new lines');
  });
});

it('the logs endpoint serves a container that is not serving (exited), where the app path says 502', async () => {
  const broken = await fixture.launcher.launch({
    image: TEST_ECHO,
    name: name('exits'),
    containerPort: ECHO_PORT,
    cmd: ['/usr/bin/node', '-e', 'console.log("about to fail"); process.exit(3)'],
    ready: false,
    labels: {},
  });
  await withProxy({ logsPath: '/_logs/' }, async (proxy) => {
    const reply = await sendUntil(proxy.url, `/docker/${broken.name}/`, 502);
    assert.is(reply.status, 502);
    const logs = await send(proxy.url, `/docker/${broken.name}/_logs`);
    assert.is(logs.status, 200);
    assert.is(logs.body.toString(), 'about to fail\n');
  });
});

it('custom pages: the please-wait page (with {{name}}, {{reason}}, {{retryAfter}}) and 404; JSON for API clients as before', async () => {
  const quiet = await fixture.launcher.launch({
    image: TEST_ECHO,
    name: name('quiet'),
    containerPort: ECHO_PORT,
    cmd: ['/usr/bin/node', '-e', 'setTimeout(() => {}, 120000)'],
    ready: false,
  });
  const waitPage =
    '<!doctype html><title>Wait for {{name}}</title><p>{{name}}: {{reason}}; again in {{retryAfter}} s</p>';
  await withProxy(
    { waitPage, pages: { 404: '<h1>No app called {{name}}</h1>' }, retryAfterSeconds: 3 },
    async (proxy) => {
      const html = { accept: 'text/html,application/xhtml+xml' };
      const waiting = await send(proxy.url, `/docker/${quiet.name}/`, { headers: html });
      assert.is(waiting.status, 503);
      assert.is(
        waiting.body.toString(),
        `<!doctype html><title>Wait for ${quiet.name}</title><p>${quiet.name}: the app is not accepting connections yet; again in 3 s</p>`,
      );
      assert.is(waiting.headers['retry-after'], '3');
      assert.is(waiting.headers.refresh, '3', 'a custom page refreshes by header');
      const api = await send(proxy.url, `/docker/${quiet.name}/`, { headers: { accept: 'application/json' } });
      assert.is(api.status, 503);
      assert.is(JSON.parse(api.body.toString()).error, 'starting');
      const missing = await send(proxy.url, '/docker/no-such-app-here/', { headers: html });
      assert.is(missing.status, 404);
      assert.is(missing.body.toString(), '<h1>No app called no-such-app-here</h1>');
    },
  );
});

it('containers started by hand: routed with routeLabels (harpoon.route=true) or unmanaged, never by default', async () => {
  const byHand = async (label: Record<string, string>) =>
    fixture.client.startContainer({
      image: TEST_ECHO,
      name: name(`hand${Object.keys(label).length}`),
      labels: { ...testLabels, ...label },
      hostConfig: { PortBindings: { [`${ECHO_PORT}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: '' }] } },
    });
  const opted = await byHand({ 'harpoon.route': 'true' });
  const plain = await byHand({});
  try {
    const optedName = (await opted.inspect()).Name.slice(1);
    const plainName = (await plain.inspect()).Name.slice(1);
    assert.is(
      (await send(fixture.proxy.url, `/docker/${optedName}/`)).status,
      404,
      'the default proxy serves launched containers only',
    );
    await withProxy({ routeLabels: { 'harpoon.route': 'true' } }, async (proxy) => {
      const reply = await sendUntil(proxy.url, `/docker/${optedName}/`, 200);
      assert.is(reply.status, 200);
      assert.is(reply.body.toString(), 'echo app');
      assert.is((await send(proxy.url, `/docker/${plainName}/`)).status, 404, 'no label, no route');
      assert.is((await send(proxy.url, `/docker/${alice}/`)).status, 200, 'launched containers still served');
    });
    await withProxy({ unmanaged: true }, async (proxy) => {
      assert.is((await sendUntil(proxy.url, `/docker/${plainName}/`, 200)).status, 200);
    });
  } finally {
    await Promise.all([opted.remove({ force: true }), plain.remove({ force: true })]);
  }
});

it('history: the last visits (time, method, path, status, remote, user) in the activity store, bounded; on the admin endpoint, the launcher and `harpoon launched --history`', async () => {
  const token = 'history-admin-token-0123456789';
  await withProxy(
    {
      admin: { token },
      authorize: (req) => (req.headers['x-user'] ? { action: 'allow', user: String(req.headers['x-user']) } : false),
    },
    async (proxy) => {
      const marker = `h${Date.now()}`;
      assert.is(
        (await send(proxy.url, `/docker/${alice}/echo/${marker}-1`, { headers: { 'x-user': 'alice' } })).status,
        200,
      );
      assert.is(
        (
          await send(proxy.url, `/docker/${alice}/echo/${marker}-2?x=1`, {
            method: 'POST',
            body: 'b',
            headers: { 'x-user': 'bob' },
          })
        ).status,
        200,
      );
      assert.is((await send(proxy.url, `/docker/${alice}/echo/${marker}-denied`)).status, 403);
      const reply = await send(proxy.url, `/_harpoon/routes/${alice}/history`, {
        headers: { authorization: `Bearer ${token}` },
      });
      assert.is(reply.status, 200);
      const { name: named, visits } = JSON.parse(reply.body.toString()) as { name: string; visits: Visit[] };
      assert.is(named, alice);
      const mine = visits.filter((v) => v.path.includes(marker));
      assert.equal(
        mine.map((v) => [v.method, v.path, v.status, v.remote, v.user]),
        [
          ['GET', `/docker/${alice}/echo/${marker}-1`, 200, '127.0.0.1', 'alice'],
          ['POST', `/docker/${alice}/echo/${marker}-2?x=1`, 200, '127.0.0.1', 'bob'],
        ],
        'the denied request is not a visit',
      );
      assert.ok(!Number.isNaN(Date.parse(mine[0]!.time)));
      assert.is(
        (
          await send(proxy.url, `/_harpoon/routes/no-such-app/history`, {
            headers: { authorization: `Bearer ${token}` },
          })
        ).status,
        404,
      );
    },
  );
  // Written to disk, so other processes see it: the launcher, and the CLI.
  const fromLauncher = await fixture.launcher.history(alice);
  assert.ok(fromLauncher.some((v) => v.user === 'bob'));
  const cli = await harpoonCli(['launched', '--history', alice, '--json'], {
    env: cliEnv({ HARPOON_STATE_DIR: fixture.stateDir }),
  });
  assert.is(cli.code, 0, showResult(cli));
  assert.ok((JSON.parse(cli.stdout) as Visit[]).some((v) => v.user === 'bob' && v.method === 'POST'));
  const table = await harpoonCli(['launched', '--history', alice], {
    env: cliEnv({ HARPOON_STATE_DIR: fixture.stateDir }),
  });
  assert.match(table.stdout, /^TIME\s+METHOD\s+PATH\s+STATUS\s+REMOTE\s+USER\n/);
  assert.match(table.stdout, /POST\s+\/docker\/\S+-2\?x=1\s+200\s+127\.0\.0\.1\s+bob/);
});

it('history is bounded: a store keeps the newest maxVisits', async () => {
  const store = new FileActivityStore(`${fixture.stateDir}/bounded`, { maxVisits: 5 });
  const id = (await fixture.launcher.get(alice))!.id;
  for (let i = 0; i < 40; i++) {
    store.recordVisit(id, {
      time: new Date().toISOString(),
      method: 'GET',
      path: `/v${i}`,
      status: 200,
      remote: '127.0.0.1',
    });
    if (i % 7 === 0) await store.flush();
  }
  await store.flush();
  assert.equal(
    (await store.history(id)).map((v) => v.path),
    ['/v35', '/v36', '/v37', '/v38', '/v39'],
  );
  await store.forget(id);
  assert.equal(await store.history(id), []);
});

test.run();
