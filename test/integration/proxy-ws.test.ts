// Integration: WebSockets through the proxy to the echo app (a node server in a FROM-scratch
// image), by path and by host; handshakes to containers that cannot serve get the HTTP
// answers; and aborted requests leave no sockets behind.
import { readdirSync } from 'node:fs';
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { eventually } from '../helpers/integration.ts';
import { namer } from '../helpers/launcher.ts';
import { HOST_SUFFIX, launchEcho, proxyTests, send, TEST_WEBAPP } from '../helpers/proxy.ts';

const { it, fixture } = await proxyTests('harpoon-proxy-ws');
const name = namer('pw');
let app = '';

interface Hello {
  hello: boolean;
  url: string;
  headers: Record<string, string>;
}

/** Open a WebSocket through the proxy; resolves with the socket and the app's hello message. */
function open(path: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; hello: Hello }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${fixture.proxy.port}${path}`, { headers });
    ws.once('message', (data) => resolve({ ws, hello: JSON.parse(data.toString()) }));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) =>
      reject(
        Object.assign(new Error(`HTTP ${res.statusCode}`), {
          statusCode: res.statusCode,
          retryAfter: res.headers['retry-after'],
        }),
      ),
    );
  });
}

function roundTrip(ws: WebSocket, data: string | Buffer): Promise<{ data: Buffer; binary: boolean }> {
  return new Promise((resolve) => {
    ws.once('message', (reply, binary) => resolve({ data: reply as Buffer, binary }));
    ws.send(data);
  });
}

function closed(ws: WebSocket): Promise<number> {
  return new Promise((resolve) => {
    ws.once('close', (code) => resolve(code));
    ws.close(1000);
  });
}

it('launches the echo app', async () => {
  app = (await launchEcho(fixture.launcher, name('echo'))).name;
});

it('a WebSocket echoes through path routing, prefix stripped, client headers replaced', async () => {
  const { ws, hello } = await open(`/docker/${app}/chat?room=1`, { 'x-forwarded-for': '6.6.6.6', 'x-custom': 'kept' });
  try {
    assert.is(hello.url, '/chat?room=1');
    assert.is(hello.headers['x-forwarded-for'], '127.0.0.1', 'spoofed X-Forwarded-For replaced');
    assert.is(hello.headers['x-forwarded-proto'], 'ws');
    assert.is(hello.headers['x-forwarded-prefix'], `/docker/${app}`);
    assert.is(hello.headers['x-custom'], 'kept');
    const text = await roundTrip(ws, 'héllo ✓');
    assert.is(text.binary, false);
    assert.is(text.data.toString(), 'héllo ✓');
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    big[12345] = 42;
    const binary = await roundTrip(ws, big);
    assert.is(binary.binary, true);
    assert.equal(binary.data, big);
  } finally {
    assert.is(await closed(ws), 1000);
  }
});

it('a WebSocket echoes through host routing', async () => {
  const { ws, hello } = await open('/live', { host: `${app}${HOST_SUFFIX}:${fixture.proxy.port}` });
  try {
    assert.is(hello.url, '/live');
    assert.is(hello.headers['x-forwarded-prefix'], undefined);
    assert.is((await roundTrip(ws, 'by host')).data.toString(), 'by host');
  } finally {
    await closed(ws);
  }
});

it('50 WebSockets at once, and each closes cleanly', async () => {
  const sockets = await Promise.all(Array.from({ length: 50 }, (_, i) => open(`/docker/${app}/n${i}`)));
  const replies = await Promise.all(sockets.map(({ ws }, i) => roundTrip(ws, `message ${i}`)));
  replies.forEach((reply, i) => assert.is(reply.data.toString(), `message ${i}`));
  await Promise.all(sockets.map(({ ws }) => closed(ws)));
  assert.ok(await eventually(async () => (await connections()) === 0, 5_000, 50), 'no client connection left open');
});

it('handshakes to unknown and starting containers get 404 and 503', async () => {
  const unknown = await open(`/docker/${name('nobody')}/`).catch((err) => err);
  assert.is(unknown.statusCode, 404);
  const slow = name('slow');
  await fixture.launcher.launch({ image: TEST_WEBAPP, name: slow, cmd: ['sh', '-c', 'sleep 30'], ready: false });
  const starting = await open(`/docker/${slow}/`).catch((err) => err);
  assert.is(starting.statusCode, 503);
  assert.is(starting.retryAfter, '2');
  const byHost = await open('/', { host: `${name('nobody')}${HOST_SUFFIX}` }).catch((err) => err);
  assert.is(byHost.statusCode, 404);
});

function connections(): Promise<number> {
  return new Promise((resolve, reject) =>
    fixture.proxy.server.getConnections((err, count) => (err ? reject(err) : resolve(count))),
  );
}

const openFds = () => readdirSync('/proc/self/fd').length;

/** Send a request head and part of a body (or read part of a response), then vanish. */
function abortMidway(kind: 'upload' | 'download'): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(fixture.proxy.port, '127.0.0.1');
    const done = () => {
      socket.destroy();
      resolve();
    };
    socket.on('error', done);
    socket.on('close', done);
    if (kind === 'upload') {
      socket.write(`POST /docker/${app}/echo HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: ${1024 * 1024}\r\n\r\n`);
      socket.write(Buffer.alloc(64 * 1024, 1));
      // The app streams the body back: once some of it is here, both directions are in flight.
      socket.once('data', () => setTimeout(done, 5));
      setTimeout(done, 2_000);
    } else {
      socket.write(`GET /docker/${app}/bytes?n=${64 * 1024 * 1024} HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`);
      socket.once('data', () => setTimeout(done, 5));
      setTimeout(done, 2_000);
    }
  });
}

it('500 requests aborted mid-body leave no open sockets behind', async () => {
  // Warm up the pool so the fd baseline includes idle upstream connections.
  await send(fixture.proxy.url, `/docker/${app}/echo`, { method: 'POST', body: 'warm' });
  const fdsBefore = openFds();
  const jobs = Array.from({ length: 500 }, (_, i): 'upload' | 'download' => (i % 2 ? 'upload' : 'download'));
  for (let i = 0; i < jobs.length; i += 50) await Promise.all(jobs.slice(i, i + 50).map(abortMidway));
  assert.ok(
    await eventually(async () => (await connections()) === 0, 10_000, 50),
    `client connections left: ${await connections()}`,
  );
  assert.ok(
    await eventually(async () => fixture.proxy.proxy.upstreamSockets().active === 0, 10_000, 50),
    `upstream sockets still in use: ${JSON.stringify(fixture.proxy.proxy.upstreamSockets())}`,
  );
  const pooled = fixture.proxy.proxy.upstreamSockets().idle;
  assert.ok(
    await eventually(async () => openFds() <= fdsBefore + pooled + 5, 10_000, 100),
    `open fds: before ${fdsBefore}, now ${openFds()} (idle pool ${pooled})`,
  );
  // And the proxy still works.
  const reply = await send(fixture.proxy.url, `/docker/${app}/echo`, { method: 'POST', body: 'still fine' });
  assert.is(reply.body.toString(), 'still fine');
});

test.run();
