// Proxy header hygiene without an engine: hop-by-hop headers stop at the proxy, X-Forwarded-*
// describe the real client (checked on real IncomingMessages from a local server), and
// redirects under path routing keep the client under the prefix.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { rewriteLocation, upstreamHeaders, withoutHopByHop } from '../../src/proxy/headers.ts';
import { checkFraming, isWebSocketUpgrade, overflowStatus } from '../../src/proxy/framing.ts';
import { clientHost, clientProto, type LocationContext } from '../../src/proxy/headers.ts';

// --- a real server to make real IncomingMessages ---------------------------------------------

/**
 * Send `head` (request line and header lines, no trailing blank line) over a raw socket to a
 * local server, and return what `inspect` made of the IncomingMessage while it was live.
 */
async function onRequest<T>(head: string[], inspect: (req: IncomingMessage) => T): Promise<T> {
  let result: { value: T } | { error: unknown } | undefined;
  const server = http.createServer((req, res) => {
    try {
      result = { value: inspect(req) };
    } catch (error) {
      result = { error };
    }
    res.writeHead(204, { connection: 'close' });
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => socket.end(`${head.join('\r\n')}\r\n\r\n`));
      socket.on('error', reject);
      socket.on('data', () => {});
      socket.on('close', () => resolve());
    });
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  if (!result) throw new Error('the server saw no request');
  if ('error' in result) throw result.error;
  return result.value;
}

/** upstreamHeaders for a GET with these extra header lines, plus the request's own headers after. */
function forwarded(lines: string[], options: { trustProxy: boolean; publicPrefix: string }, upgrade = false) {
  return onRequest(['GET /docker/web/x HTTP/1.1', 'Host: localhost:8000', ...lines], (req) => {
    const before = structuredClone(req.headers);
    const headers = upstreamHeaders(req, options, upgrade);
    // The client's headers are left as they were (the proxy logs them and hands them to `next`).
    assert.equal(req.headers, before);
    return { headers, remote: req.socket.remoteAddress };
  });
}

const untrusted = { trustProxy: false, publicPrefix: '/docker/web' };
const trusted = { trustProxy: true, publicPrefix: '/docker/web' };

const SPOOFED = [
  'X-Forwarded-For: 6.6.6.6',
  'X-Forwarded-Proto: https',
  'X-Forwarded-Host: evil.example',
  'X-Forwarded-Port: 443',
  'X-Forwarded-Prefix: /admin',
  'Forwarded: for=6.6.6.6;proto=https;host=evil.example',
  'X-Real-IP: 6.6.6.6',
];

// --- withoutHopByHop ----------------------------------------------------------------------------

test('hop-by-hop headers are removed; end-to-end headers are kept', () => {
  const headers: IncomingHttpHeaders = {
    host: 'localhost:8000',
    connection: 'keep-alive',
    'keep-alive': 'timeout=5',
    'proxy-connection': 'keep-alive',
    'proxy-authenticate': 'Basic',
    'proxy-authorization': 'Basic Zm9vOmJhcg==',
    te: 'trailers',
    trailer: 'x-checksum',
    'transfer-encoding': 'chunked',
    upgrade: 'websocket',
    accept: 'text/html',
    authorization: 'Bearer end-to-end',
    cookie: 'a=1',
    'content-type': 'application/json',
    'x-custom': 'kept',
  };
  assert.equal(withoutHopByHop(headers), {
    host: 'localhost:8000',
    accept: 'text/html',
    authorization: 'Bearer end-to-end',
    cookie: 'a=1',
    'content-type': 'application/json',
    'x-custom': 'kept',
  });
  // The input is not changed.
  assert.is(headers.connection, 'keep-alive');
  assert.is(headers['proxy-connection'], 'keep-alive');
});

test('headers named in Connection are removed too (any case, any spacing)', () => {
  const headers: IncomingHttpHeaders = {
    connection: 'close, X-Secret ,  x-trace-id,,Keep-Alive',
    'x-secret': 's',
    'x-trace-id': 't',
    'keep-alive': '1',
    'x-other': 'o',
  };
  assert.equal(withoutHopByHop(headers), { 'x-other': 'o' });
  // Connection given as several values.
  const many = { connection: ['x-a', 'X-B'], 'x-a': '1', 'x-b': '2', 'x-c': '3' } as unknown as IncomingHttpHeaders;
  assert.equal(withoutHopByHop(many), { 'x-c': '3' });
  // A Connection header cannot remove what is not there, nor anything when empty.
  assert.equal(withoutHopByHop({ connection: '', 'x-a': '1' }), { 'x-a': '1' });
  assert.equal(withoutHopByHop({ connection: 'x-missing', 'x-a': '1' }), { 'x-a': '1' });
});

test('response headers (OutgoingHttpHeaders) keep arrays and numbers', () => {
  const headers = {
    'set-cookie': ['a=1', 'b=2'],
    'content-length': 12,
    connection: 'keep-alive',
    'keep-alive': 'timeout=5',
    'transfer-encoding': 'chunked',
  };
  assert.equal(withoutHopByHop(headers), { 'set-cookie': ['a=1', 'b=2'], 'content-length': 12 });
});

test('a WebSocket handshake keeps Connection: Upgrade and Upgrade, and nothing else hop-by-hop', () => {
  const headers: IncomingHttpHeaders = {
    host: 'localhost:8000',
    connection: 'keep-alive, Upgrade, X-Hop',
    upgrade: 'websocket',
    'x-hop': 'dropped',
    'proxy-connection': 'keep-alive',
    'keep-alive': '300',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'sec-websocket-version': '13',
    'sec-websocket-protocol': 'chat',
  };
  assert.equal(withoutHopByHop(headers, { upgrade: true }), {
    host: 'localhost:8000',
    'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'sec-websocket-version': '13',
    'sec-websocket-protocol': 'chat',
    connection: 'Upgrade',
    upgrade: 'websocket',
  });
  // Without the option, the handshake headers go too.
  const plain = withoutHopByHop(headers);
  assert.is(plain.connection, undefined);
  assert.is(plain.upgrade, undefined);
});

// --- upstreamHeaders ----------------------------------------------------------------------------

test('upstreamHeaders: X-Forwarded-* describe the real client; hop-by-hop headers are gone', async () => {
  const { headers, remote } = await forwarded(
    [
      'Accept: */*',
      'Connection: keep-alive, X-Hop',
      'X-Hop: 1',
      'Proxy-Connection: keep-alive',
      'Keep-Alive: 5',
      'Cookie: a=1',
    ],
    untrusted,
  );
  assert.is(remote, '127.0.0.1');
  assert.equal(headers, {
    host: 'localhost:8000',
    accept: '*/*',
    cookie: 'a=1',
    'x-forwarded-for': '127.0.0.1',
    'x-forwarded-proto': 'http',
    'x-forwarded-host': 'localhost:8000',
    'x-forwarded-prefix': '/docker/web',
  });
});

test("upstreamHeaders: a client's own X-Forwarded-*, Forwarded and X-Real-IP are replaced, not appended to", async () => {
  const { headers } = await forwarded(SPOOFED, untrusted);
  assert.is(headers['x-forwarded-for'], '127.0.0.1');
  assert.is(headers['x-forwarded-proto'], 'http');
  assert.is(headers['x-forwarded-host'], 'localhost:8000');
  assert.is(headers['x-forwarded-prefix'], '/docker/web');
  assert.is(headers['x-forwarded-port'], undefined);
  assert.is(headers.forwarded, undefined);
  assert.is(headers['x-real-ip'], undefined);
  // Header names in any case, repeated.
  const { headers: repeated } = await forwarded(
    ['x-FORWARDED-for: 6.6.6.6', 'X-Forwarded-For: 7.7.7.7', 'X-REAL-IP: 6.6.6.6', 'FORWARDED: for=6.6.6.6'],
    untrusted,
  );
  assert.is(repeated['x-forwarded-for'], '127.0.0.1');
  assert.is(repeated['x-real-ip'], undefined);
  assert.is(repeated.forwarded, undefined);
});

test('upstreamHeaders under host routing: no X-Forwarded-Prefix, even a spoofed one', async () => {
  const { headers } = await forwarded(['X-Forwarded-Prefix: /admin'], { trustProxy: false, publicPrefix: '' });
  assert.is(headers['x-forwarded-prefix'], undefined);
  assert.not.ok('x-forwarded-prefix' in headers);
});

test("upstreamHeaders with trustProxy: X-Forwarded-For is appended to; proto and host are the front proxy's", async () => {
  const { headers } = await forwarded(SPOOFED, trusted);
  assert.is(headers['x-forwarded-for'], '6.6.6.6, 127.0.0.1');
  assert.is(headers['x-forwarded-proto'], 'https');
  assert.is(headers['x-forwarded-host'], 'evil.example');
  assert.is(headers['x-forwarded-port'], '443');
  assert.is(headers.forwarded, 'for=6.6.6.6;proto=https;host=evil.example');
  assert.is(headers['x-real-ip'], '6.6.6.6');
  // The front proxy's prefix, then the one this proxy serves under.
  assert.is(headers['x-forwarded-prefix'], '/admin/docker/web');
});

test('upstreamHeaders with trustProxy: chains and repeated headers; the first proto and host win', async () => {
  const { headers } = await forwarded(
    [
      'X-Forwarded-For: 1.1.1.1, 10.0.0.1',
      'X-Forwarded-For: 10.0.0.2',
      'X-Forwarded-Proto: https, http',
      'X-Forwarded-Host: app.example, inner.example',
    ],
    trusted,
  );
  assert.is(headers['x-forwarded-for'], '1.1.1.1, 10.0.0.1, 10.0.0.2, 127.0.0.1');
  assert.is(headers['x-forwarded-proto'], 'https');
  assert.is(headers['x-forwarded-host'], 'app.example');
});

test("upstreamHeaders with trustProxy but nothing claimed: the connection's own facts", async () => {
  const { headers } = await forwarded([], trusted);
  assert.is(headers['x-forwarded-for'], '127.0.0.1');
  assert.is(headers['x-forwarded-proto'], 'http');
  assert.is(headers['x-forwarded-host'], 'localhost:8000');
  // Empty claims count as none.
  const { headers: empty } = await forwarded(['X-Forwarded-Proto:', 'X-Forwarded-Host:'], trusted);
  assert.is(empty['x-forwarded-proto'], 'http');
  assert.is(empty['x-forwarded-host'], 'localhost:8000');
});

test('upstreamHeaders for a WebSocket handshake: ws/wss, Connection: Upgrade and Upgrade kept', async () => {
  const handshake = [
    'Connection: Upgrade, keep-alive',
    'Upgrade: websocket',
    'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version: 13',
    'Proxy-Connection: keep-alive',
  ];
  const { headers } = await forwarded(handshake, untrusted, true);
  assert.is(headers.connection, 'Upgrade');
  assert.is(headers.upgrade, 'websocket');
  assert.is(headers['sec-websocket-key'], 'dGhlIHNhbXBsZSBub25jZQ==');
  assert.is(headers['proxy-connection'], undefined);
  assert.is(headers['x-forwarded-proto'], 'ws');
  assert.is(headers['x-forwarded-for'], '127.0.0.1');
  // Behind a TLS-terminating front proxy: wss.
  const { headers: behind } = await forwarded([...handshake, 'X-Forwarded-Proto: https'], trusted, true);
  assert.is(behind['x-forwarded-proto'], 'wss');
  // A spoofed proto from an untrusted client changes nothing.
  const { headers: spoofed } = await forwarded([...handshake, 'X-Forwarded-Proto: https'], untrusted, true);
  assert.is(spoofed['x-forwarded-proto'], 'ws');
});

test('upstreamHeaders: without a Host header, X-Forwarded-Host is empty', async () => {
  const headers = await onRequest(['GET / HTTP/1.0'], (req) => upstreamHeaders(req, untrusted));
  assert.is(headers.host, undefined);
  assert.is(headers['x-forwarded-host'], '');
  assert.is(headers['x-forwarded-for'], '127.0.0.1');
});

test('clientProto and clientHost: TLS sockets are https; claims count only when trusted', async () => {
  const tls = {
    headers: { host: 'secure.example', 'x-forwarded-proto': 'http', 'x-forwarded-host': 'other.example' },
    socket: { remoteAddress: '192.0.2.7', encrypted: true },
  } as unknown as IncomingMessage;
  assert.is(clientProto(tls, false), 'https');
  assert.is(clientProto(tls, true), 'http');
  assert.is(clientHost(tls, false), 'secure.example');
  assert.is(clientHost(tls, true), 'other.example');
  const headers = upstreamHeaders(tls, untrusted);
  assert.is(headers['x-forwarded-proto'], 'https');
  assert.is(headers['x-forwarded-for'], '192.0.2.7');
  assert.is(upstreamHeaders(tls, untrusted, true)['x-forwarded-proto'], 'wss');
  // A socket that has lost its address (already closed): an empty X-Forwarded-For, no crash.
  const gone = { headers: { host: 'a' }, socket: {} } as unknown as IncomingMessage;
  assert.is(upstreamHeaders(gone, untrusted)['x-forwarded-for'], '');
  // On a real plain connection.
  const real = await onRequest(
    ['GET / HTTP/1.1', 'Host: Web.Docker.Localhost:8000', 'X-Forwarded-Proto: https'],
    (req) => [clientProto(req, false), clientHost(req, false), clientProto(req, true)],
  );
  assert.equal(real, ['http', 'Web.Docker.Localhost:8000', 'https']);
});

// --- rewriteLocation ----------------------------------------------------------------------------

const pathCtx: LocationContext = {
  publicPrefix: '/docker/web',
  stripped: true,
  publicOrigin: 'http://127.0.0.1:8000',
  upstreamOrigin: 'http://127.0.0.1:49153',
};

test('rewriteLocation: an absolute path gets the prefix (query and fragment kept)', () => {
  assert.is(rewriteLocation('/', pathCtx), '/docker/web/');
  assert.is(rewriteLocation('/login', pathCtx), '/docker/web/login');
  assert.is(rewriteLocation('/login?next=/home#top', pathCtx), '/docker/web/login?next=/home#top');
  // A path that merely starts like the prefix is still the app's own.
  assert.is(rewriteLocation('/docker/webx/', pathCtx), '/docker/web/docker/webx/');
  assert.is(rewriteLocation('/docker', pathCtx), '/docker/web/docker');
});

test('rewriteLocation: an already-prefixed path is unchanged', () => {
  assert.is(rewriteLocation('/docker/web', pathCtx), '/docker/web');
  assert.is(rewriteLocation('/docker/web/', pathCtx), '/docker/web/');
  assert.is(rewriteLocation('/docker/web/login?x=1', pathCtx), '/docker/web/login?x=1');
});

test('rewriteLocation: prefix not stripped → the app already knows its paths; absolute paths unchanged', () => {
  const whole = { ...pathCtx, stripped: false };
  assert.is(rewriteLocation('/login', whole), '/login');
  assert.is(rewriteLocation('/docker/web/login', whole), '/docker/web/login');
  // The upstream's origin still becomes the proxy's.
  assert.is(
    rewriteLocation('http://127.0.0.1:49153/docker/web/login', whole),
    'http://127.0.0.1:8000/docker/web/login',
  );
});

test("rewriteLocation: the container's published origin → the public origin plus the prefix", () => {
  assert.is(rewriteLocation('http://127.0.0.1:49153/login', pathCtx), 'http://127.0.0.1:8000/docker/web/login');
  assert.is(
    rewriteLocation('http://127.0.0.1:49153/login?a=1&b=2#frag', pathCtx),
    'http://127.0.0.1:8000/docker/web/login?a=1&b=2#frag',
  );
  assert.is(rewriteLocation('http://127.0.0.1:49153', pathCtx), 'http://127.0.0.1:8000/docker/web/');
  assert.is(rewriteLocation('http://127.0.0.1:49153/docker/web/x', pathCtx), 'http://127.0.0.1:8000/docker/web/x');
  // IPv6 upstreams.
  const v6 = { ...pathCtx, upstreamOrigin: 'http://[::1]:49153' };
  assert.is(rewriteLocation('http://[::1]:49153/a', v6), 'http://127.0.0.1:8000/docker/web/a');
  assert.is(rewriteLocation('http://[0:0:0:0:0:0:0:1]:49153/a', v6), 'http://127.0.0.1:8000/docker/web/a');
});

test('rewriteLocation: the public origin without the prefix → prefixed; with it → unchanged', () => {
  assert.is(rewriteLocation('http://127.0.0.1:8000/login', pathCtx), 'http://127.0.0.1:8000/docker/web/login');
  assert.is(
    rewriteLocation('http://127.0.0.1:8000/docker/web/login', pathCtx),
    'http://127.0.0.1:8000/docker/web/login',
  );
  assert.is(rewriteLocation('http://127.0.0.1:8000/docker/web', pathCtx), 'http://127.0.0.1:8000/docker/web');
});

test('rewriteLocation: origins compare as URLs do (host case, default ports)', () => {
  const port80 = { ...pathCtx, publicOrigin: 'http://Proxy.Example:80', upstreamOrigin: 'http://127.0.0.1:80' };
  assert.is(rewriteLocation('http://127.0.0.1/login', port80), 'http://Proxy.Example:80/docker/web/login');
  assert.is(rewriteLocation('http://proxy.example/login', port80), 'http://Proxy.Example:80/docker/web/login');
  assert.is(rewriteLocation('HTTP://PROXY.EXAMPLE:80/login', port80), 'http://Proxy.Example:80/docker/web/login');
  const tls = { ...pathCtx, publicOrigin: 'https://proxy.example' };
  assert.is(rewriteLocation('https://proxy.example:443/a', tls), 'https://proxy.example/docker/web/a');
  // Same host, other scheme or port: another origin, unchanged.
  assert.is(rewriteLocation('http://proxy.example/a', tls), 'http://proxy.example/a');
  assert.is(rewriteLocation('http://127.0.0.1:8001/a', pathCtx), 'http://127.0.0.1:8001/a');
  assert.is(rewriteLocation('https://127.0.0.1:49153/a', pathCtx), 'https://127.0.0.1:49153/a');
});

test('rewriteLocation: other hosts, scheme-relative and relative references are unchanged', () => {
  for (const location of [
    'https://evil.example/x',
    'http://evil.example/x',
    'http://localhost:49153/x',
    '//evil.example/x',
    '//127.0.0.1:49153/x',
    'login',
    './login',
    '../up',
    '?page=2',
    '#section',
    '',
    'mailto:someone@example.com',
    'javascript:alert(1)',
    'data:text/plain,hi',
    'http://',
  ]) {
    assert.is(rewriteLocation(location, pathCtx), location, location);
  }
});

test('rewriteLocation under host routing: no prefix, origins still rewritten', () => {
  const hostCtx: LocationContext = {
    publicPrefix: '',
    stripped: true,
    publicOrigin: 'http://web.docker.localhost:8000',
    upstreamOrigin: 'http://127.0.0.1:49153',
  };
  assert.is(rewriteLocation('/login', hostCtx), '/login');
  assert.is(rewriteLocation('/docker/web/login', hostCtx), '/docker/web/login');
  assert.is(rewriteLocation('http://127.0.0.1:49153/login?x=1', hostCtx), 'http://web.docker.localhost:8000/login?x=1');
  assert.is(
    rewriteLocation('http://web.docker.localhost:8000/login', hostCtx),
    'http://web.docker.localhost:8000/login',
  );
  assert.is(rewriteLocation('https://evil.example/x', hostCtx), 'https://evil.example/x');
  assert.is(rewriteLocation('//evil.example/x', hostCtx), '//evil.example/x');
  assert.is(rewriteLocation('login', hostCtx), 'login');
});

// --- framing: the proxy's, never the client's --------------------------------------------------

test('Connection cannot name framing, Host or the X-Forwarded-* the proxy sets: they stay', () => {
  const headers: IncomingHttpHeaders = {
    connection: 'close, content-length, host, x-forwarded-for, x-other',
    'content-length': '12',
    host: 'a',
    'x-forwarded-for': '1.2.3.4',
    'x-other': 'o',
  };
  assert.equal(withoutHopByHop(headers), { 'content-length': '12', host: 'a', 'x-forwarded-for': '1.2.3.4' });
});

test('upstreamHeaders: framing from the parse (length or chunked), never from the client; Expect dropped', async () => {
  const length = await onRequest(
    ['POST /docker/web/x HTTP/1.1', 'Host: h', 'Content-Length: 0', 'Expect: 100-continue'],
    (req) => upstreamHeaders(req, { ...untrusted, framing: { kind: 'length', length: 0 } }),
  );
  assert.is(length['content-length'], '0');
  assert.is(length.expect, undefined);
  assert.is(length['transfer-encoding'], undefined);
  const chunked = await onRequest(
    ['GET /docker/web/x HTTP/1.1', 'Host: h', 'Transfer-Encoding: chunked', 'Connection: transfer-encoding'],
    (req) => upstreamHeaders(req, { ...untrusted, framing: { kind: 'chunked' } }),
  );
  assert.is(chunked['transfer-encoding'], 'chunked');
  assert.is(chunked['content-length'], undefined);
  const none = await onRequest(['GET /docker/web/x HTTP/1.1', 'Host: h'], (req) => upstreamHeaders(req, untrusted));
  assert.is(none['content-length'], undefined);
  assert.is(none['transfer-encoding'], undefined);
});

test('upstreamHeaders: header names with underscores are dropped unless allowed', async () => {
  const lines = ['GET /docker/web/x HTTP/1.1', 'Host: h', 'X_Real_IP: 6.6.6.6', 'X-Plain: 1'];
  const dropped = await onRequest(lines, (req) => upstreamHeaders(req, untrusted));
  assert.is(dropped.x_real_ip, undefined);
  assert.is(dropped['x-plain'], '1');
  const kept = await onRequest(lines, (req) => upstreamHeaders(req, { ...untrusted, underscoresInHeaders: true }));
  assert.is(kept.x_real_ip, '6.6.6.6');
});

test('checkFraming: none, length, chunked; two Hosts 400; other codings 501', async () => {
  const check = (lines: string[]) => onRequest(['POST / HTTP/1.1', ...lines], (req) => checkFraming(req));
  assert.equal(await check(['Host: h']), { ok: true, framing: { kind: 'none' } });
  assert.equal(await check(['Host: h', 'Content-Length: 0']), { ok: true, framing: { kind: 'length', length: 0 } });
  assert.equal(await check(['Host: h', 'Transfer-Encoding: Chunked']), { ok: true, framing: { kind: 'chunked' } });
  const twoHosts = await check(['Host: h', 'host: other']);
  assert.is(twoHosts.ok, false);
  assert.is(!twoHosts.ok && twoHosts.status, 400);
  const gzip = await check(['Host: h', 'Transfer-Encoding: gzip, chunked']);
  assert.is(!gzip.ok && gzip.status, 501);
});

test('overflowStatus: the request line overflowing is 414, headers 431', () => {
  assert.is(overflowStatus(Buffer.from(`GET /${'a'.repeat(20_000)}`)), 414);
  assert.is(overflowStatus(Buffer.from(`GET /${'a'.repeat(9_000)} HTTP/1.1\r\nHost: h\r\n`)), 414);
  assert.is(overflowStatus(Buffer.from(`GET / HTTP/1.1\r\nCookie: ${'c'.repeat(20_000)}`)), 431);
  assert.is(overflowStatus(undefined), 431);
});

test('isWebSocketUpgrade: GET with Upgrade: websocket only', async () => {
  const check = (lines: string[]) => onRequest(lines, (req) => isWebSocketUpgrade(req));
  assert.is(await check(['GET / HTTP/1.1', 'Host: h', 'Connection: Upgrade', 'Upgrade: WebSocket']), true);
  assert.is(await check(['GET / HTTP/1.1', 'Host: h', 'Connection: Upgrade', 'Upgrade: h2c']), false);
  assert.is(
    await check(['POST / HTTP/1.1', 'Host: h', 'Connection: Upgrade', 'Upgrade: websocket', 'Content-Length: 0']),
    false,
  );
});

test.run();
