// Integration: the proxy as a hostile client meets it, in raw bytes. The upstream is the echo
// app (a keep-alive Node server that logs every request line it parses), so a body that
// reached it unframed would show up in its log as a second request: request smuggling into
// the shared upstream pool. Also: duplicate Host, odd transfer codings, underscore headers,
// h2c upgrades, slow and oversized requests, bare-LF upstream answers, silent WebSockets,
// a thousand idle connections, and a container removed mid-response.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { connect, type Socket } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import WebSocket from 'ws';
import { startProxyServer } from 'harpoon';
import { testLabels } from '../helpers/engine.ts';
import { eventually } from '../helpers/integration.ts';
import { namer } from '../helpers/launcher.ts';
import { echoed, launchEcho, proxyTests, send } from '../helpers/proxy.ts';

const { it, fixture } = await proxyTests('harpoon-proxy-framing');
const name = namer('hf');
let app = '';
let direct = '';

interface RawReply {
  /** Everything the proxy sent before it closed the connection. */
  text: string;
  statuses: number[];
}

/** Write `bytes` to the proxy on a fresh connection and read until it closes (or `ms` pass). */
function raw(bytes: string | Buffer, ms = 10_000): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const socket = connect(fixture.proxy.port, '127.0.0.1', () => socket.write(bytes));
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('latin1');
      resolve({ text, statuses: [...text.matchAll(/^HTTP\/1\.1 (\d{3}) /gm)].map((m) => Number(m[1])) });
    };
    const timer = setTimeout(() => socket.destroy(), ms);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', done);
    socket.on('error', (err) => ((err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
  });
}

const host = () => `127.0.0.1:${fixture.proxy.port}`;

/** The request lines the echo app has parsed so far (asked directly, not through the proxy). */
async function parsedByApp(): Promise<string[]> {
  const reply = await send(direct, '/_parsed');
  return JSON.parse(reply.body.toString()) as string[];
}

/** A request the attacker hides in a body; it must never be parsed by the app. */
function smuggled(marker: string, method = 'GET'): string {
  return `${method} /echo/smuggled-${marker} HTTP/1.1\r\nHost: ${host()}\r\nX-Smuggled: yes\r\n\r\n`;
}

/** After an attack: a plain request over the pool must get its own answer, and the app parsed no smuggled line. */
async function assertNothingSmuggled(marker: string): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const followUp = await send(fixture.proxy.url, `/docker/${app}/echo/follow-up-${marker}-${i}`);
    assert.is(followUp.status, 200);
    assert.is(
      echoed(followUp).url,
      `/echo/follow-up-${marker}-${i}`,
      'the next user gets the answer to its own request',
    );
  }
  const lines = await parsedByApp();
  assert.ok(lines.includes(`GET /echo/follow-up-${marker}-0`), 'the log is the app the proxy talks to');
  const hidden = lines.filter((line) => line.includes(`smuggled-${marker}`));
  assert.equal(hidden, [], 'no request hidden in a body reached the app');
}

const chunked = (body: string) => `${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`;

it('launches the echo app (a keep-alive server that logs what it parses)', async () => {
  const launched = await launchEcho(fixture.launcher, name('echo'));
  app = launched.name;
  direct = launched.url;
  assert.is((await send(fixture.proxy.url, `/docker/${app}/`)).status, 200);
});

for (const method of ['GET', 'HEAD', 'DELETE', 'OPTIONS', 'POST', 'PUT', 'PATCH']) {
  it(`${method} with a chunked body: framed upstream, nothing smuggled`, async () => {
    const marker = randomBytes(4).toString('hex');
    const hidden = smuggled(marker);
    const reply = await raw(
      `${method} /docker/${app}/echo/te-${marker} HTTP/1.1\r\nHost: ${host()}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunked(hidden)}`,
    );
    assert.equal(reply.statuses, [200], reply.text.slice(0, 300));
    // The echo app pipes the body back: it read the hidden request as a body, framed.
    if (method !== 'HEAD') assert.ok(reply.text.includes(hidden), 'the app read the body as a body');
    await assertNothingSmuggled(marker);
  });

  it(`${method} with Connection: content-length: the length stays, nothing smuggled`, async () => {
    const marker = randomBytes(4).toString('hex');
    const hidden = smuggled(marker, 'POST');
    const reply = await raw(
      `${method} /docker/${app}/echo/cl-${marker} HTTP/1.1\r\nHost: ${host()}\r\nConnection: close, content-length, host, x-forwarded-for\r\nContent-Length: ${hidden.length}\r\n\r\n${hidden}`,
    );
    assert.equal(reply.statuses, [200], reply.text.slice(0, 300));
    if (method !== 'HEAD') assert.ok(reply.text.includes(hidden));
    await assertNothingSmuggled(marker);
  });
}

it("the proxy's framing headers reach the app; the client's Expect does not", async () => {
  const marker = randomBytes(4).toString('hex');
  const reply = await raw(
    `GET /docker/${app}/echo/h-${marker} HTTP/1.1\r\nHost: ${host()}\r\nTransfer-Encoding: chunked\r\nConnection: close, x-forwarded-for\r\n\r\n${chunked('abc')}`,
  );
  const headers = JSON.parse(
    Buffer.from(/x-echo-headers: (\S+)/i.exec(reply.text)![1]!, 'base64').toString(),
  ) as Record<string, string>;
  assert.is(headers['transfer-encoding'], 'chunked');
  assert.is(headers['x-forwarded-for'], '127.0.0.1', "a Connection token cannot skip the proxy's own X-Forwarded-For");
  const viaLength = echoed(
    await send(fixture.proxy.url, `/docker/${app}/echo/len`, {
      method: 'DELETE',
      body: 'twelve bytes',
      headers: { expect: '100-continue' },
    }),
  );
  assert.is(viaLength.headers['content-length'], '12');
  assert.is(viaLength.headers.expect, undefined);
  assert.is(viaLength.headers['transfer-encoding'], undefined);
});

it('two Host headers, both framings, or a transfer coding other than chunked are refused before the app', async () => {
  const marker = randomBytes(4).toString('hex');
  const twoHosts = await raw(
    `GET /docker/${app}/echo/two-${marker} HTTP/1.1\r\nHost: ${host()}\r\nHost: other.example\r\nConnection: close\r\n\r\n`,
  );
  assert.equal(twoHosts.statuses, [400], twoHosts.text);
  assert.match(twoHosts.text, /more than one Host header/);
  const both = await raw(
    `POST /docker/${app}/echo/both-${marker} HTTP/1.1\r\nHost: ${host()}\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunked('hello')}`,
  );
  assert.equal(both.statuses, [400], both.text);
  const gzip = await raw(
    `POST /docker/${app}/echo/gz-${marker} HTTP/1.1\r\nHost: ${host()}\r\nTransfer-Encoding: gzip, chunked\r\nConnection: close\r\n\r\n${chunked('hello')}`,
  );
  assert.equal(gzip.statuses, [501], gzip.text);
  const lines = await parsedByApp();
  assert.equal(
    lines.filter((line) => line.includes(marker)),
    [],
    'none of them reached the app',
  );
});

it('header names with underscores are dropped (X_Real_IP), unless the proxy is told to pass them', async () => {
  const reply = await raw(
    `GET /docker/${app}/echo/u HTTP/1.1\r\nHost: ${host()}\r\nX_Real_IP: 6.6.6.6\r\nX-Dashed: kept\r\nConnection: close\r\n\r\n`,
  );
  const headers = JSON.parse(
    Buffer.from(/x-echo-headers: (\S+)/i.exec(reply.text)![1]!, 'base64').toString(),
  ) as Record<string, string>;
  assert.is(headers.x_real_ip, undefined);
  assert.is(headers['x-dashed'], 'kept');
  const passing = await startProxyServer(fixture.client, {
    port: 0,
    labels: testLabels,
    activity: false,
    underscoresInHeaders: true,
  });
  try {
    const viaPassing = echoed(await send(passing.url, `/docker/${app}/echo/u`, { headers: { x_custom_thing: 'yes' } }));
    assert.is(viaPassing.headers.x_custom_thing, 'yes');
  } finally {
    await passing.close();
  }
});

it('a non-WebSocket Upgrade (h2c) is served as a plain request', async () => {
  const reply = await raw(
    `GET /docker/${app}/echo/h2c HTTP/1.1\r\nHost: ${host()}\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n`,
  );
  assert.equal(reply.statuses, [200], reply.text);
  assert.match(reply.text, /x-echo-url: \/echo\/h2c/i);
  const withBody = await raw(
    `POST /docker/${app}/echo/h2c-body HTTP/1.1\r\nHost: ${host()}\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\nContent-Length: 11\r\n\r\nhello world`,
  );
  assert.equal(withBody.statuses, [200], withBody.text);
  assert.ok(withBody.text.endsWith('hello world') || /hello world\r\n0\r\n\r\n$/.test(withBody.text), withBody.text);
  const notRouted = await raw(
    `GET /nowhere HTTP/1.1\r\nHost: ${host()}\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\n`,
  );
  assert.equal(notRouted.statuses, [404]);
  // And the way users meet it: curl --http2 against a plain-HTTP URL offers h2c.
  // (Asynchronously: the proxy runs in this process, and a spawnSync would block it.)
  const curl = await new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve, reject) => {
    execFile(
      'curl',
      ['-sS', '--http2', '-o', '-', '-w', '\n%{http_code}', `${fixture.proxy.url}/docker/${app}/`],
      { encoding: 'utf8', timeout: 15_000 },
      (err, stdout, stderr) => {
        if ((err as NodeJS.ErrnoException | null)?.code === 'ENOENT')
          return reject(new Error('curl is not installed (Debian: apt-get install curl)'));
        resolve({ stdout, stderr, code: err ? ((err as { code?: number }).code ?? null) : 0 });
      },
    );
  });
  assert.is(curl.stdout, 'echo app\n200', `exit ${curl.code}: ${curl.stderr}`);
});

it('an over-long URL gets 414, over-long headers 431, garbage 400', async () => {
  const long = await raw(`GET /docker/${app}/${'a'.repeat(70_000)} HTTP/1.1\r\nHost: ${host()}\r\n\r\n`);
  assert.equal(long.statuses, [414], long.text.slice(0, 200));
  const big = await raw(`GET /docker/${app}/ HTTP/1.1\r\nHost: ${host()}\r\nCookie: ${'c'.repeat(20_000)}\r\n\r\n`);
  assert.equal(big.statuses, [431], big.text.slice(0, 200));
  const garbage = await raw('NOT HTTP AT ALL\r\n\r\n');
  assert.equal(garbage.statuses, [400]);
});

it('a client too slow with its headers (slowloris) gets 408, and others are served meanwhile', async () => {
  const strict = await startProxyServer(fixture.client, {
    port: 0,
    labels: testLabels,
    activity: false,
    headersTimeoutMs: 1_000,
  });
  try {
    const port = strict.port;
    const started = Date.now();
    const slow = new Promise<string>((resolve) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write(`GET /docker/${app}/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-A: 1\r\n`),
      );
      let text = '';
      // A header line now and then, never the blank line that ends them.
      const drip = setInterval(() => socket.writable && socket.write('X-Drip: 1\r\n'), 200);
      socket.on('data', (chunk) => (text += chunk.toString()));
      socket.on('close', () => {
        clearInterval(drip);
        resolve(text);
      });
      socket.on('error', () => {});
    });
    const other = await send(strict.url, `/docker/${app}/`);
    assert.is(other.status, 200, 'a well-behaved client is served while the slow one drips');
    const text = await slow;
    assert.match(text, /^HTTP\/1\.1 408 /);
    assert.ok(Date.now() - started < 4_000, `408 after ${Date.now() - started} ms`);
  } finally {
    await strict.close();
  }
});

it('an app answering with bare LF line ends is passed on, re-framed', async () => {
  const reply = await send(fixture.proxy.url, `/docker/${app}/lf-only`);
  assert.is(reply.status, 200);
  assert.is(reply.body.toString(), 'lf-only');
  assert.is(reply.headers['content-type'], 'text/plain');
});

it('a WebSocket whose peers fall silent is closed after the idle timeout; a talking one is not', async () => {
  const short = await startProxyServer(fixture.client, {
    port: 0,
    labels: testLabels,
    activity: false,
    tunnelIdleTimeoutMs: 800,
  });
  try {
    const open = (url: string) =>
      new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(url);
        ws.once('message', () => resolve(ws)); // the echo app's hello
        ws.once('error', reject);
      });
    const url = `${short.url.replace(/^http/, 'ws')}/docker/${app}/ws`;
    const silent = await open(url);
    const talking = await open(url);
    const ping = setInterval(() => talking.send('still here'), 200);
    const closedAt = await new Promise<number>((resolve) => silent.once('close', () => resolve(Date.now())));
    const openedAt = Date.now();
    assert.ok(talking.readyState === WebSocket.OPEN, 'traffic keeps a tunnel open');
    clearInterval(ping);
    const talkingClosed = await new Promise<number>((resolve) => talking.once('close', () => resolve(Date.now())));
    assert.ok(talkingClosed - openedAt >= 500, 'and once it falls silent, it goes too');
    assert.ok(closedAt > 0);
  } finally {
    await short.close();
  }
});

it('1,000 idle connections and a slowloris are timed out, and do not starve a normal client', async () => {
  const strict = await startProxyServer(fixture.client, {
    port: 0,
    labels: testLabels,
    activity: false,
    headersTimeoutMs: 2_000,
  });
  const sockets: Socket[] = [];
  try {
    const closedAt: number[] = [];
    const started = Date.now();
    await Promise.all(
      Array.from(
        { length: 1000 },
        () =>
          new Promise<void>((resolve, reject) => {
            const socket = connect(strict.port, '127.0.0.1', () => resolve());
            socket.on('error', () => {});
            socket.on('close', () => closedAt.push(Date.now() - started));
            socket.once('error', reject);
            sockets.push(socket);
          }),
      ),
    );
    // A slowloris among them: a header line every 300 ms, never the end of the headers.
    const loris = connect(strict.port, '127.0.0.1', () =>
      loris.write(`GET /docker/${app}/ HTTP/1.1\r\nHost: 127.0.0.1\r\n`),
    );
    let lorisReply = '';
    loris.on('data', (chunk) => (lorisReply += chunk.toString()));
    loris.on('error', () => {});
    const drip = setInterval(() => loris.writable && loris.write('X-Drip: 1\r\n'), 300);
    const lorisClosed = new Promise<void>((resolve) => loris.once('close', () => resolve()));
    const t0 = Date.now();
    const normal = await send(strict.url, `/docker/${app}/`);
    assert.is(normal.status, 200);
    assert.ok(
      Date.now() - t0 < 2_000,
      `a normal request is served at once beside 1,001 idle ones (${Date.now() - t0} ms)`,
    );
    await lorisClosed;
    clearInterval(drip);
    assert.match(lorisReply, /^HTTP\/1\.1 408 /);
    assert.ok(
      await eventually(async () => closedAt.length === 1000, 10_000, 100),
      `${closedAt.length} of 1000 idle connections closed by the proxy`,
    );
    assert.ok(
      Math.max(...closedAt) < 8_000,
      `all within the headers timeout and a check interval (${Math.max(...closedAt)} ms)`,
    );
    // The deadline is for the client's headers only: an app slower than it is still waited for.
    const slow = await send(strict.url, `/docker/${app}/slow?ms=3000`);
    assert.equal([slow.status, slow.body.toString()], [200, 'slow done']);
  } finally {
    for (const socket of sockets) socket.destroy();
    await strict.close();
  }
});

it('a container removed mid-response: the client sees a cut response, and the proxy keeps no socket to it', async () => {
  const victim = await launchEcho(fixture.launcher, name('victim'));
  const { status, cut } = await new Promise<{ status: number; cut: boolean }>((resolve, reject) => {
    const req = http.get(`${fixture.proxy.url}/docker/${victim.name}/slow-bytes`, (res) => {
      let removing = false;
      res.on('data', () => {
        if (removing) return;
        removing = true;
        void fixture.client.container(victim.name).remove({ force: true });
      });
      res.on('error', () => resolve({ status: res.statusCode ?? 0, cut: true }));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, cut: !res.complete }));
    });
    req.on('error', reject);
  });
  assert.is(status, 200);
  assert.ok(cut, 'the response is cut, not passed off as complete');
  assert.ok(
    await eventually(async () => fixture.proxy.proxy.upstreamSockets().active === 0, 10_000, 100),
    JSON.stringify(fixture.proxy.proxy.upstreamSockets()),
  );
  const after = await send(fixture.proxy.url, `/docker/${victim.name}/`);
  assert.is(after.status, 404, 'and the route is gone');
});

test.run();
