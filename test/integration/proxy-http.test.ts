// Integration: HTTP through the proxy to real containers (the echo app, a node server in a
// FROM-scratch image): every method with a body, both routings, header hygiene, redirects,
// streaming both ways with bounded memory, timeouts, activity, access events, admin.
import { createHash } from 'node:crypto';
import http from 'node:http';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { FileActivityStore, startProxyServer, type AccessEvent } from 'harpoon';
import { testLabels } from '../helpers/engine.ts';
import { namer } from '../helpers/launcher.ts';
import { echoed, HOST_SUFFIX, launchEcho, proxyTests, send } from '../helpers/proxy.ts';

const { it, fixture } = await proxyTests('harpoon-proxy-http');
const name = namer('hp');
let app = '';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

it('launches the echo app behind the proxy', async () => {
  app = (await launchEcho(fixture.launcher, name('echo'))).name;
  const reply = await send(fixture.proxy.url, `/docker/${app}/`);
  assert.is(reply.status, 200);
  assert.is(reply.body.toString(), 'echo app');
});

for (const method of ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
  it(`${method} with a body round-trips by path and by host`, async () => {
    const body = Buffer.from(`${method} body ✓ ${'x'.repeat(1000)}`);
    const viaPath = await send(fixture.proxy.url, `/docker/${app}/echo/a%20b?q=1&r=%2F`, {
      method,
      body,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
    });
    assert.is(viaPath.status, 200);
    assert.equal(viaPath.body, body);
    assert.is(echoed(viaPath).method, method);
    assert.is(echoed(viaPath).url, '/echo/a%20b?q=1&r=%2F', 'the prefix is stripped, the rest passes byte for byte');
    assert.is(viaPath.headers['content-type'], 'text/plain; charset=utf-8');
    const viaHost = await send(fixture.proxy.url, '/echo/h?x=1', {
      method,
      body,
      host: `${app}${HOST_SUFFIX}:${fixture.proxy.port}`,
    });
    assert.is(viaHost.status, 200);
    assert.equal(viaHost.body, body);
    assert.is(echoed(viaHost).url, '/echo/h?x=1', 'host routing passes the path unchanged');
  });
}

it('HEAD passes through without a body', async () => {
  const reply = await send(fixture.proxy.url, `/docker/${app}/`, { method: 'HEAD' });
  assert.is(reply.status, 200);
  assert.is(reply.body.length, 0);
});

it('X-Forwarded-* describe the real client: spoofed values are replaced', async () => {
  const reply = await send(fixture.proxy.url, `/docker/${app}/echo`, {
    headers: {
      'x-forwarded-for': '6.6.6.6',
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'evil.example',
      'x-forwarded-prefix': '/evil',
      forwarded: 'for=6.6.6.6',
      'x-real-ip': '6.6.6.6',
    },
  });
  const { headers } = echoed(reply);
  assert.is(headers['x-forwarded-for'], '127.0.0.1');
  assert.is(headers['x-forwarded-proto'], 'http');
  assert.is(headers['x-forwarded-host'], `127.0.0.1:${fixture.proxy.port}`);
  assert.is(headers['x-forwarded-prefix'], `/docker/${app}`);
  assert.is(headers.forwarded, undefined);
  assert.is(headers['x-real-ip'], undefined);
  assert.is(headers.host, `127.0.0.1:${fixture.proxy.port}`, 'the Host header is the one the client sent');
  const viaHost = echoed(
    await send(fixture.proxy.url, '/echo', {
      host: `${app}${HOST_SUFFIX}`,
      headers: { 'x-forwarded-prefix': '/evil' },
    }),
  ).headers;
  assert.is(viaHost['x-forwarded-prefix'], undefined, 'host routing has no prefix');
  assert.is(viaHost['x-forwarded-host'], `${app}${HOST_SUFFIX}`);
});

it('behind a trusted front proxy, X-Forwarded-For is extended and proto/host kept', async () => {
  const trusted = await startProxyServer(fixture.client, {
    port: 0,
    labels: testLabels,
    trustProxy: true,
    activity: false,
  });
  try {
    const reply = await send(trusted.url, `/docker/${app}/echo`, {
      headers: { 'x-forwarded-for': '203.0.113.7', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'apps.example' },
    });
    const { headers } = echoed(reply);
    assert.is(headers['x-forwarded-for'], '203.0.113.7, 127.0.0.1');
    assert.is(headers['x-forwarded-proto'], 'https');
    assert.is(headers['x-forwarded-host'], 'apps.example');
  } finally {
    await trusted.close();
  }
});

it('hop-by-hop headers stop at the proxy, both ways', async () => {
  const reply = await send(fixture.proxy.url, `/docker/${app}/echo`, {
    headers: {
      connection: 'keep-alive, x-secret-hop',
      'x-secret-hop': 'no',
      'keep-alive': 'timeout=5',
      te: 'trailers',
      'proxy-authorization': 'Basic Zm9vOmJhcg==',
      'proxy-connection': 'keep-alive',
      'x-end-to-end': 'yes',
    },
  });
  const { headers } = echoed(reply);
  for (const hop of ['x-secret-hop', 'keep-alive', 'te', 'proxy-authorization', 'proxy-connection'])
    assert.is(headers[hop], undefined, `${hop} must not reach the app`);
  assert.is(headers['x-end-to-end'], 'yes');
  // The proxy may describe its own keep-alive (timeout=5); the app's (timeout=7) stays between app and proxy.
  assert.is.not(reply.headers['keep-alive'], 'timeout=7', "the app's keep-alive header stays between app and proxy");
  assert.ok(
    [undefined, 'timeout=5'].includes(reply.headers['keep-alive'] as string | undefined),
    String(reply.headers['keep-alive']),
  );
});

it('redirects under path routing keep the client under the prefix', async () => {
  const relative = await send(fixture.proxy.url, `/docker/${app}/redirect?to=/elsewhere?x=1`);
  assert.is(relative.status, 302);
  assert.is(relative.headers.location, `/docker/${app}/elsewhere?x=1`);
  const absolute = await send(fixture.proxy.url, `/docker/${app}/redirect-abs`);
  assert.is(
    absolute.headers.location,
    `http://127.0.0.1:${fixture.proxy.port}/docker/${app}/echo/landed`,
    'the app built it from the Host header: it gets the prefix',
  );
  const info = await fixture.launcher.get(app);
  const upstream = await send(
    fixture.proxy.url,
    `/docker/${app}/redirect?to=${encodeURIComponent(`${info!.url}/inner`)}`,
  );
  assert.is(
    upstream.headers.location,
    `http://127.0.0.1:${fixture.proxy.port}/docker/${app}/inner`,
    'a link to the published port is moved behind the proxy',
  );
  const external = await send(
    fixture.proxy.url,
    `/docker/${app}/redirect?to=${encodeURIComponent('https://example.org/x')}`,
  );
  assert.is(external.headers.location, 'https://example.org/x');
  const missingSlash = await send(fixture.proxy.url, `/docker/${app}?a=1`, { method: 'POST', body: 'x' });
  assert.is(missingSlash.status, 308, 'method-preserving redirect to the slash form');
  assert.is(missingSlash.headers.location, `/docker/${app}/?a=1`);
});

it('a 5 MB upload streams to the app and back unchanged', async () => {
  const body = Buffer.alloc(5 * 1024 * 1024);
  for (let i = 0; i < body.length; i++) body[i] = (i * 7) % 256;
  const reply = await send(fixture.proxy.url, `/docker/${app}/echo/upload`, { method: 'POST', body });
  assert.is(reply.status, 200);
  assert.is(sha256(reply.body), sha256(body));
});

it('a 100 MB response streams through with bounded proxy memory', async () => {
  const size = 100 * 1024 * 1024;
  global.gc?.();
  const before = process.memoryUsage();
  let peak = 0;
  const sample = setInterval(() => {
    const now = process.memoryUsage();
    peak = Math.max(peak, now.rss - before.rss, now.arrayBuffers - before.arrayBuffers);
  }, 20);
  const hash = createHash('sha256');
  let received = 0;
  const expected = createHash('sha256');
  const pattern = Buffer.alloc(251 * 1024);
  for (let i = 0; i < pattern.length; i++) pattern[i] = i % 251;
  for (let left = size; left > 0; left -= pattern.length)
    expected.update(left >= pattern.length ? pattern : pattern.subarray(0, left));
  try {
    await new Promise<void>((resolve, reject) => {
      const req = http.get(
        { host: '127.0.0.1', port: fixture.proxy.port, path: `/docker/${app}/bytes?n=${size}`, agent: false },
        (res) => {
          assert.is(res.statusCode, 200);
          assert.is(res.headers['content-length'], String(size));
          res.on('data', (chunk: Buffer) => {
            received += chunk.length;
            hash.update(chunk);
            // A slow reader: pause now and then so backpressure has to reach the container.
            if (received % (8 * 1024 * 1024) < chunk.length) {
              res.pause();
              setTimeout(() => res.resume(), 30);
            }
          });
          res.on('end', resolve);
          res.on('error', reject);
        },
      );
      req.on('error', reject);
    });
  } finally {
    clearInterval(sample);
  }
  assert.is(received, size);
  assert.is(hash.digest('hex'), expected.digest('hex'));
  assert.ok(
    peak < 48 * 1024 * 1024,
    `memory grew by ${(peak / 1048576).toFixed(1)} MB while 100 MB passed (want < 48 MB)`,
  );
});

it('a silent app gets a 504 after the timeout; a refused one a clear error', async () => {
  const quick = await startProxyServer(fixture.client, {
    port: 0,
    labels: testLabels,
    timeoutMs: 800,
    activity: false,
  });
  try {
    const started = Date.now();
    const reply = await send(quick.url, `/docker/${app}/hold`, { headers: { accept: 'application/json' } });
    assert.is(reply.status, 504);
    assert.ok(Date.now() - started >= 750, 'not before the timeout');
    const json = JSON.parse(reply.body.toString());
    assert.is(json.error, 'timeout');
    assert.is(json.container, app);
    // A slow answer inside the timeout passes.
    assert.is((await send(quick.url, `/docker/${app}/slow?ms=300`)).status, 200);
  } finally {
    await quick.close();
  }
});

it("the app's own status codes and bodies pass unchanged", async () => {
  for (const code of [201, 204, 404, 418, 500, 503]) {
    const reply = await send(fixture.proxy.url, `/docker/${app}/status?code=${code}`);
    assert.is(reply.status, code);
    assert.is(reply.headers['x-harpoon-proxy-error'], undefined, 'not an answer of the proxy');
  }
});

it('requests record activity (for purge --inactive) and emit access events', async () => {
  const events: AccessEvent[] = [];
  const onAccess = (event: AccessEvent) => events.push(event);
  fixture.proxy.proxy.on('access', onAccess);
  try {
    const id = (await fixture.launcher.get(app))!.id;
    const store = new FileActivityStore(`${fixture.stateDir}/activity`);
    const before = (await store.lastActivity(id))?.getTime() ?? 0;
    // The proxy writes the record at most once a second per container.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await send(fixture.proxy.url, `/docker/${app}/echo/logged`, { method: 'PUT', body: 'twelve bytes' });
    await send(fixture.proxy.url, '/docker/no-such-app-here/');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const last = await store.lastActivity(id);
    assert.ok(
      last && last.getTime() > before && Date.now() - last.getTime() < 5_000,
      'the activity record was touched',
    );
    const ok = events.find((e) => e.url === `/docker/${app}/echo/logged`);
    assert.ok(ok, 'an access event for the request');
    assert.is(ok!.method, 'PUT');
    assert.is(ok!.status, 200);
    assert.is(ok!.bytes, 12);
    assert.is(ok!.container, app);
    assert.is(ok!.via, 'path');
    assert.is(ok!.remote, '127.0.0.1');
    assert.type(ok!.durationMs, 'number');
    const missing = events.find((e) => e.url === '/docker/no-such-app-here/');
    assert.is(missing?.status, 404);
    assert.is(missing?.error, 'not_found');
    const route = fixture.proxy.proxy.routes.list().find((r) => r.name === app);
    assert.ok(route && route.requests > 0 && route.lastActivity);
  } finally {
    fixture.proxy.proxy.off('access', onAccess);
  }
});

it('the admin endpoint is off by default, and token-protected when on', async () => {
  const off = await send(fixture.proxy.url, '/_harpoon/routes');
  assert.is(off.status, 404);
  const token = 'test-token-0123456789abcdef';
  const admin = await startProxyServer(fixture.client, {
    port: 0,
    labels: testLabels,
    activity: false,
    admin: { token },
  });
  try {
    assert.is((await send(admin.url, '/_harpoon/routes')).status, 401);
    assert.is(
      (await send(admin.url, '/_harpoon/routes', { headers: { authorization: 'Bearer wrong-token-0123456789' } }))
        .status,
      401,
    );
    const listed = await send(admin.url, '/_harpoon/routes', { headers: { authorization: `Bearer ${token}` } });
    assert.is(listed.status, 200);
    const routes = JSON.parse(listed.body.toString()).routes as Array<{
      name: string;
      status: string;
      upstream: string;
    }>;
    const mine = routes.find((r) => r.name === app);
    assert.ok(mine, 'the app is listed');
    assert.is(mine!.status, 'running');
    assert.match(mine!.upstream, /^http:\/\/127\.0\.0\.1:\d+$/);
  } finally {
    await admin.close();
  }
});

it('bad options are refused with the field named', async () => {
  for (const [options, field] of [
    [{ pathPrefix: '/' }, 'pathPrefix'],
    [{ hostSuffix: 'bad suffix' }, 'hostSuffix'],
    [{ pathPrefix: false as const }, 'pathPrefix'],
    [{ timeoutMs: -1 }, 'timeoutMs'],
    [{ admin: { token: 'short' } }, 'admin.token'],
  ] as const) {
    try {
      await startProxyServer(fixture.client, { port: 0, ...options });
      assert.unreachable(`${JSON.stringify(options)} should be refused`);
    } catch (err) {
      assert.is((err as { code?: string }).code, 'INVALID_INPUT', String(err));
      assert.is((err as { field?: string }).field, field);
    }
  }
});

test.run();
