// What the proxy answers itself, without an engine: availability for every engine state, the
// not-ready answers, how they are sent (HTML or JSON, Retry-After, HEAD, WebSocket handshakes),
// and the admin endpoint. Sending is checked over real local HTTP connections.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { type Route } from 'harpoon';
import { DEFAULT_ADMIN_PATH } from '../../src/proxy/admin.ts';
import { availability, type Availability } from '../../src/proxy/answers.ts';
import { checkAdminOptions, routeSummary, serveAdmin, type AdminOptions } from '../../src/proxy/admin.ts';
import type { Visit } from '../../src/launcher/activity.ts';
import { fillPage, notReadyAnswer, rejectUpgrade, sendAnswer, type Answer } from '../../src/proxy/answers.ts';

function makeRoute(overrides: Partial<Route> = {}): Route {
  return {
    id: 'f00dfeed0123456789abcdef',
    name: 'web',
    status: 'running',
    exitCode: 0,
    oomKilled: false,
    startedAt: new Date('2025-01-02T03:04:05Z'),
    containerPort: 80,
    upstream: 'http://127.0.0.1:49153',
    requests: 0,
    labels: {},
    tty: false,
    launched: true,
    ...overrides,
  };
}

function withoutUpstream(route: Route): Route {
  const { upstream: _unused, ...rest } = route;
  return rest;
}

// --- a real server and client -------------------------------------------------------------------

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

interface Local {
  port: number;
  close(): Promise<void>;
}

async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  onUpgrade?: (req: IncomingMessage, socket: import('node:stream').Duplex) => void,
): Promise<Local> {
  const server = http.createServer(handler);
  if (onUpgrade) server.on('upgrade', (req, socket) => onUpgrade(req, socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function request(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'GET',
        path: options.path ?? '/',
        headers: options.headers ?? {},
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Serve every request with `handler`, make one request, and close. */
async function once(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  options: Parameters<typeof request>[1] = {},
): Promise<Reply> {
  const local = await serve(handler);
  try {
    return await request(local.port, options);
  } finally {
    await local.close();
  }
}

const answerOnce = (answer: Answer, options: Parameters<typeof request>[1] = {}) =>
  once((req, res) => sendAnswer(req, res, answer), options);

// --- availability ---------------------------------------------------------------------------------

test('availability: no route, or one being removed → gone', () => {
  assert.equal(availability(undefined), { kind: 'gone' });
  assert.equal(availability(makeRoute({ status: 'removing' })), { kind: 'gone' });
});

test('availability: created and restarting → starting', () => {
  assert.equal(availability(makeRoute({ status: 'created' })), {
    kind: 'starting',
    reason: 'created, not started yet',
  });
  assert.equal(availability(withoutUpstream(makeRoute({ status: 'created' }))), {
    kind: 'starting',
    reason: 'created, not started yet',
  });
  assert.equal(availability(makeRoute({ status: 'restarting', exitCode: 1 })), {
    kind: 'starting',
    reason: 'restarting',
  });
});

test('availability: paused → paused', () => {
  assert.equal(availability(makeRoute({ status: 'paused' })), { kind: 'paused', reason: 'paused' });
});

test('availability: running → ready with its upstream, unless the health check or the port says otherwise', () => {
  assert.equal(availability(makeRoute()), { kind: 'ready', upstream: 'http://127.0.0.1:49153' });
  assert.equal(availability(makeRoute({ health: 'healthy' })), { kind: 'ready', upstream: 'http://127.0.0.1:49153' });
  assert.equal(availability(makeRoute({ health: 'starting' })), {
    kind: 'starting',
    reason: 'its health check has not passed yet',
  });
  assert.equal(availability(makeRoute({ health: 'unhealthy' })), { kind: 'failed', reason: 'running but unhealthy' });
  assert.equal(availability(withoutUpstream(makeRoute({ containerPort: 8080 }))), {
    kind: 'failed',
    reason: 'running, but port 8080 is not published',
  });
  // The health check is judged before the port.
  assert.equal(availability(withoutUpstream(makeRoute({ health: 'starting' }))), {
    kind: 'starting',
    reason: 'its health check has not passed yet',
  });
});

test("availability: exited, dead and unknown states → failed, with code, OOM and the engine's error", () => {
  assert.equal(availability(makeRoute({ status: 'exited', exitCode: 0 })), {
    kind: 'failed',
    reason: 'exited with code 0',
  });
  assert.equal(availability(makeRoute({ status: 'exited', exitCode: 1 })), {
    kind: 'failed',
    reason: 'exited with code 1',
  });
  assert.equal(availability(makeRoute({ status: 'exited', exitCode: 137, oomKilled: true })), {
    kind: 'failed',
    reason: 'exited with code 137; killed for lack of memory',
  });
  assert.equal(availability(makeRoute({ status: 'dead', exitCode: 255 })), {
    kind: 'failed',
    reason: 'dead with code 255',
  });
  // Killed by a signal, not for memory: said in words (docker stop's SIGKILL, or kill -9).
  assert.equal(availability(makeRoute({ status: 'exited', exitCode: 137 })), {
    kind: 'failed',
    reason: 'exited with code 137: it was killed (SIGKILL: out of memory, or stopped by force)',
  });
  assert.equal(availability(makeRoute({ status: 'exited', exitCode: 143 })), {
    kind: 'failed',
    reason: 'exited with code 143: it was stopped (SIGTERM)',
  });
  assert.equal(
    availability(
      makeRoute({ status: 'exited', exitCode: 127, error: 'exec: "srv": executable file not found in $PATH' }),
    ),
    {
      kind: 'failed',
      reason: 'exited with code 127; exec: "srv": executable file not found in $PATH',
    },
  );
  assert.equal(availability(makeRoute({ status: 'exited', exitCode: 137, oomKilled: true, error: 'x' })), {
    kind: 'failed',
    reason: 'exited with code 137; killed for lack of memory; x',
  });
  assert.equal(availability(makeRoute({ status: 'something-new', exitCode: 0 })), {
    kind: 'failed',
    reason: 'something-new with code 0',
  });
});

// --- page templates ---------------------------------------------------------------------------

test('fillPage: placeholders filled and HTML-escaped; unknown ones left', () => {
  const answer = notReadyAnswer('web', { kind: 'starting', reason: '<script>alert(1)</script>' }, 3);
  const html = fillPage(
    '<h1>{{ name }} {{status}}</h1><p>{{reason}}</p><meta content="{{retryAfter}}">{{other}}',
    answer,
  );
  assert.is(html, '<h1>web 503</h1><p>&#60;script&#62;alert(1)&#60;/script&#62;</p><meta content="3">{{other}}');
});

// --- notReadyAnswer -------------------------------------------------------------------------------

test('notReadyAnswer: gone → 404 not_found', () => {
  assert.equal(notReadyAnswer('web', { kind: 'gone' }, 2), {
    status: 404,
    error: 'not_found',
    container: 'web',
    message: 'No container named "web" is served here.',
  });
});

test('notReadyAnswer: starting → 503 with Retry-After', () => {
  assert.equal(notReadyAnswer('web', { kind: 'starting', reason: 'restarting' }, 2), {
    status: 503,
    error: 'starting',
    container: 'web',
    reason: 'restarting',
    retryAfter: 2,
    message: '"web" is starting (restarting). Try again in a moment.',
  });
  assert.is(notReadyAnswer('web', { kind: 'starting', reason: 'x' }, 30).retryAfter, 30);
});

test('notReadyAnswer: paused → 503 with a Retry-After of at least 10 s', () => {
  assert.equal(notReadyAnswer('web', { kind: 'paused', reason: 'paused' }, 2), {
    status: 503,
    error: 'paused',
    container: 'web',
    reason: 'paused',
    retryAfter: 10,
    message: '"web" is paused.',
  });
  assert.is(notReadyAnswer('web', { kind: 'paused', reason: 'paused' }, 60).retryAfter, 60);
});

test('notReadyAnswer: failed → 502 with the reason, no Retry-After', () => {
  const answer = notReadyAnswer('web', { kind: 'failed', reason: 'exited with code 1' }, 2);
  assert.equal(answer, {
    status: 502,
    error: 'failed',
    container: 'web',
    reason: 'exited with code 1',
    message: '"web" is not serving: exited with code 1.',
  });
  assert.is(answer.retryAfter, undefined);
});

test('notReadyAnswer for every non-ready availability', () => {
  const states: Array<[Route | undefined, number]> = [
    [undefined, 404],
    [makeRoute({ status: 'removing' }), 404],
    [makeRoute({ status: 'created' }), 503],
    [makeRoute({ status: 'restarting' }), 503],
    [makeRoute({ status: 'paused' }), 503],
    [makeRoute({ health: 'starting' }), 503],
    [makeRoute({ health: 'unhealthy' }), 502],
    [withoutUpstream(makeRoute()), 502],
    [makeRoute({ status: 'exited', exitCode: 1 }), 502],
    [makeRoute({ status: 'exited', exitCode: 137, oomKilled: true }), 502],
    [makeRoute({ status: 'dead' }), 502],
  ];
  for (const [route, status] of states) {
    const state = availability(route);
    assert.is.not(state.kind, 'ready');
    const answer = notReadyAnswer('web', state as Exclude<Availability, { kind: 'ready' }>, 2);
    assert.is(answer.status, status, `${route?.status}/${route?.health}`);
    assert.is(answer.retryAfter !== undefined, status === 503, `${route?.status}/${route?.health}`);
  }
});

// --- sendAnswer -----------------------------------------------------------------------------------

const starting = notReadyAnswer('web', { kind: 'starting', reason: 'created, not started yet' }, 3);
const failed = notReadyAnswer('web', { kind: 'failed', reason: 'exited with code 1' }, 3);

test('sendAnswer: JSON by default, with status, error, message, container and retryAfter', async () => {
  const reply = await answerOnce(starting);
  assert.is(reply.status, 503);
  assert.is(reply.headers['content-type'], 'application/json; charset=utf-8');
  assert.is(reply.headers['retry-after'], '3');
  assert.is(reply.headers['cache-control'], 'no-store');
  assert.is(reply.headers['content-length'], String(Buffer.byteLength(reply.body)));
  assert.ok(reply.body.endsWith('\n'));
  assert.equal(JSON.parse(reply.body), {
    status: 503,
    error: 'starting',
    message: '"web" is starting (created, not started yet). Try again in a moment.',
    container: 'web',
    retryAfter: 3,
  });
});

test('sendAnswer: JSON for API clients (Accept: application/json, */*) and without Retry-After when none', async () => {
  for (const accept of ['application/json', '*/*', 'application/xhtml+xml', 'text/plain']) {
    const reply = await answerOnce(failed, { headers: { accept } });
    assert.is(reply.status, 502, accept);
    assert.is(reply.headers['content-type'], 'application/json; charset=utf-8', accept);
    assert.is(reply.headers['retry-after'], undefined, accept);
    assert.equal(JSON.parse(reply.body), {
      status: 502,
      error: 'failed',
      message: '"web" is not serving: exited with code 1.',
      container: 'web',
    });
  }
  // No container: no container field.
  const bare = await answerOnce({ status: 404, error: 'not_found', message: 'Nothing is served here.' });
  assert.equal(JSON.parse(bare.body), { status: 404, error: 'not_found', message: 'Nothing is served here.' });
});

test('sendAnswer: HTML with a meta refresh for browsers when starting', async () => {
  const reply = await answerOnce(starting, {
    headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
  });
  assert.is(reply.status, 503);
  assert.is(reply.headers['content-type'], 'text/html; charset=utf-8');
  assert.is(reply.headers['retry-after'], '3');
  assert.is(reply.headers['content-length'], String(Buffer.byteLength(reply.body)));
  assert.ok(reply.body.startsWith('<!doctype html>'));
  assert.ok(reply.body.includes('<meta http-equiv="refresh" content="3">'));
  assert.ok(reply.body.includes('<title>Starting…</title>'));
  assert.ok(reply.body.includes('This page reloads by itself.'));
  // The message is escaped.
  assert.ok(reply.body.includes('&#34;web&#34; is starting (created, not started yet). Try again in a moment.'));
});

test('sendAnswer: HTML without a refresh for answers that will not change by themselves', async () => {
  const reply = await answerOnce(failed, { headers: { accept: 'text/html' } });
  assert.is(reply.status, 502);
  assert.is(reply.headers['content-type'], 'text/html; charset=utf-8');
  assert.is(reply.headers['retry-after'], undefined);
  assert.not.ok(reply.body.includes('http-equiv="refresh"'));
  assert.not.ok(reply.body.includes('reloads by itself'));
  assert.ok(reply.body.includes('<title>502 Bad Gateway</title>'));
});

test('sendAnswer: HTML escapes everything that comes from outside', async () => {
  const reply = await answerOnce(
    { status: 400, error: 'bad_request', message: '"<script>alert(\'x\')</script>" & more' },
    { headers: { accept: 'text/html' } },
  );
  assert.not.ok(reply.body.includes('<script>'));
  assert.ok(reply.body.includes('&#34;&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;&#34; &#38; more'));
});

test('sendAnswer: HEAD gets the headers only', async () => {
  const json = await answerOnce(starting, { method: 'HEAD' });
  assert.is(json.status, 503);
  assert.is(json.body, '');
  assert.is(json.headers['retry-after'], '3');
  assert.is(json.headers['content-type'], 'application/json; charset=utf-8');
  assert.ok(Number(json.headers['content-length']) > 0);
  const html = await answerOnce(starting, { method: 'HEAD', headers: { accept: 'text/html' } });
  assert.is(html.body, '');
  assert.is(html.headers['content-type'], 'text/html; charset=utf-8');
});

test('sendAnswer: the same answer for every method', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    const reply = await answerOnce(starting, { method });
    assert.is(reply.status, 503, method);
    assert.is(JSON.parse(reply.body).error, 'starting', method);
  }
});

test('sendAnswer after the response has started: the connection is cut, not a second head', async () => {
  const local = await serve((req, res) => {
    res.writeHead(200, { 'content-length': 100 });
    res.write('partial');
    setTimeout(() => sendAnswer(req, res, failed), 20);
  });
  try {
    const outcome = await new Promise<{ status: number; body: string; complete: boolean }>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: local.port, agent: false }, (res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('error', () => {});
        res.on('close', () => resolve({ status: res.statusCode!, body, complete: res.complete }));
      });
      req.on('error', reject);
    });
    assert.equal(outcome, { status: 200, body: 'partial', complete: false });
  } finally {
    await local.close();
  }
});

// --- rejectUpgrade ----------------------------------------------------------------------------------

/** A WebSocket handshake to a server that rejects it; the raw response. */
async function rejectedHandshake(answer: Answer, headers: Record<string, string> = {}): Promise<Reply> {
  const local = await serve(
    (_req, res) => res.end('not an upgrade'),
    (req, socket) => rejectUpgrade(req, socket, answer),
  );
  try {
    return await new Promise<Reply>((resolve, reject) => {
      const req = http.request({
        host: '127.0.0.1',
        port: local.port,
        path: '/docker/web/ws',
        agent: false,
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
          'sec-websocket-version': '13',
          ...headers,
        },
      });
      req.on('upgrade', () => reject(new Error('the handshake was accepted')));
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
      });
      req.on('error', reject);
      req.end();
    });
  } finally {
    await local.close();
  }
}

test('rejectUpgrade: a full HTTP answer on the socket, then close', async () => {
  const reply = await rejectedHandshake(starting);
  assert.is(reply.status, 503);
  assert.is(reply.headers['retry-after'], '3');
  assert.is(reply.headers.connection, 'close');
  assert.is(reply.headers['cache-control'], 'no-store');
  assert.is(reply.headers['content-type'], 'application/json; charset=utf-8');
  assert.is(reply.headers['content-length'], String(Buffer.byteLength(reply.body)));
  assert.equal(JSON.parse(reply.body), {
    status: 503,
    error: 'starting',
    message: starting.message,
    container: 'web',
    retryAfter: 3,
  });
  const html = await rejectedHandshake(failed, { accept: 'text/html' });
  assert.is(html.status, 502);
  assert.is(html.headers['retry-after'], undefined);
  assert.is(html.headers['content-type'], 'text/html; charset=utf-8');
  assert.ok(html.body.includes('<title>502 Bad Gateway</title>'));
});

test('rejectUpgrade on a stream: status line, headers, body; a socket no longer writable is destroyed', async () => {
  const req = { headers: {} } as IncomingMessage;
  const socket = new PassThrough();
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve) => socket.on('end', () => resolve()));
  rejectUpgrade(req, socket, { status: 404, error: 'not_found', message: 'Connect to /docker/web/' });
  await ended;
  const text = Buffer.concat(chunks).toString('utf8');
  const [head, body] = text.split('\r\n\r\n') as [string, string];
  assert.equal(head.split('\r\n'), [
    'HTTP/1.1 404 Not Found',
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    'cache-control: no-store',
    'connection: close',
  ]);
  assert.equal(JSON.parse(body), { status: 404, error: 'not_found', message: 'Connect to /docker/web/' });
  assert.not.ok(socket.writable);

  const closed = new PassThrough();
  closed.end();
  assert.not.ok(closed.writable);
  rejectUpgrade(req, closed, starting);
  assert.ok(closed.destroyed);

  // A status Node has no phrase for still makes a status line.
  const odd = new PassThrough();
  let oddText = '';
  odd.on('data', (chunk: Buffer) => (oddText += chunk.toString()));
  const oddEnded = new Promise<void>((resolve) => odd.on('end', () => resolve()));
  rejectUpgrade(req, odd, { status: 599, error: 'x', message: 'y' });
  await oddEnded;
  assert.ok(oddText.startsWith('HTTP/1.1 599 \r\n'), JSON.stringify(oddText.slice(0, 20)));
});

// --- admin ----------------------------------------------------------------------------------------

const TOKEN = 'an-admin-token-0123456789';
const admin: AdminOptions = { token: TOKEN };

const table = (): Route[] => [
  makeRoute({
    name: 'api',
    id: 'a1',
    requests: 3,
    lastActivity: new Date('2025-05-06T07:08:09.010Z'),
    health: 'healthy',
  }),
  withoutUpstream(makeRoute({ name: 'web', id: 'b2', status: 'exited', exitCode: 1 })),
];

/** A server that serves the admin endpoint, and says 'next' for anything else. */
const visits: Record<string, Visit[]> = {
  api: [
    {
      time: '2025-05-06T07:08:09.010Z',
      method: 'GET',
      path: '/docker/api/',
      status: 200,
      remote: '127.0.0.1',
      user: 'ann',
    },
  ],
};

async function adminOnce(
  options: Parameters<typeof request>[1],
  adminOptions: AdminOptions = admin,
  routes: () => Route[] = table,
): Promise<Reply> {
  return once((req, res) => {
    void serveAdmin(req, res, adminOptions, {
      routes,
      history: async (name) => visits[name] ?? (name === 'web' ? [] : undefined),
    }).then((bytes) => {
      if (bytes === undefined) res.end('next');
    });
  }, options);
}

test("admin: a container's history at <path>/<name>/history; 404 for names not served", async () => {
  const auth = { authorization: `Bearer ${TOKEN}` };
  const api = await adminOnce({ path: '/_harpoon/routes/api/history', headers: auth });
  assert.is(api.status, 200);
  assert.equal(JSON.parse(api.body), { name: 'api', visits: visits.api });
  assert.equal(JSON.parse((await adminOnce({ path: '/_harpoon/routes/web/history?limit=0', headers: auth })).body), {
    name: 'web',
    visits: [],
  });
  assert.is((await adminOnce({ path: '/_harpoon/routes/nope/history', headers: auth })).status, 404);
  assert.is((await adminOnce({ path: '/_harpoon/routes/%E0%A4%A/history', headers: auth })).status, 404);
  assert.is((await adminOnce({ path: '/_harpoon/routes/api/history' })).status, 401, 'behind the token too');
});

test('checkAdminOptions: a token of at least 16 characters', () => {
  checkAdminOptions({ token: 'x'.repeat(16) });
  checkAdminOptions({ token: TOKEN, path: '/admin' });
  for (const token of ['', 'short', 'x'.repeat(15)])
    assert.throws(() => checkAdminOptions({ token }), /at least 16 characters/, token);
  assert.throws(() => checkAdminOptions({} as AdminOptions), /at least 16 characters/);
  assert.throws(() => checkAdminOptions({ token: 1234567890123456789 as unknown as string }), /at least 16 characters/);
});

test('admin: other paths are not the admin endpoint', async () => {
  for (const path of [
    '/',
    '/docker/web/',
    '/_harpoon',
    '/_harpoon/routes/',
    '/_harpoon/routesx',
    '/x/_harpoon/routes',
  ]) {
    const reply = await adminOnce({ path, headers: { authorization: `Bearer ${TOKEN}` } });
    assert.is(reply.body, 'next', path);
  }
});

test('admin: 401 without a token, with a wrong one, or with another scheme', async () => {
  const cases: Array<Record<string, string>> = [
    {},
    { authorization: '' },
    { authorization: 'Bearer' },
    { authorization: 'Bearer ' },
    { authorization: 'Bearer wrong-token-0123456789' },
    { authorization: `Bearer ${TOKEN}x` },
    { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
    { authorization: `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}` },
    { authorization: TOKEN },
    { 'x-token': TOKEN },
  ];
  for (const headers of cases) {
    const reply = await adminOnce({ path: DEFAULT_ADMIN_PATH, headers });
    assert.is(reply.status, 401, JSON.stringify(headers));
    assert.is(reply.headers['www-authenticate'], 'Bearer');
    assert.is(reply.headers['content-type'], 'application/json; charset=utf-8');
    assert.is(reply.headers['cache-control'], 'no-store');
    const body = JSON.parse(reply.body);
    assert.is(body.error, 'unauthorized');
    assert.not.ok(reply.body.includes('api'), 'no routes leak');
  }
  // The token in the query string does not count either.
  const query = await adminOnce({ path: `${DEFAULT_ADMIN_PATH}?token=${TOKEN}` });
  assert.is(query.status, 401);
  // Unauthorized writes are refused as unauthorized, before the method is considered.
  const post = await adminOnce({ method: 'POST', path: DEFAULT_ADMIN_PATH });
  assert.is(post.status, 401);
});

test('admin: 405 for anything but GET and HEAD, even with the right token', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    const reply = await adminOnce({ method, path: DEFAULT_ADMIN_PATH, headers: { authorization: `Bearer ${TOKEN}` } });
    assert.is(reply.status, 405, method);
    assert.is(reply.headers.allow, 'GET, HEAD');
    assert.is(JSON.parse(reply.body).error, 'method_not_allowed');
  }
});

test('admin: 200 with the route table as JSON for the right token', async () => {
  const reply = await adminOnce({ path: DEFAULT_ADMIN_PATH, headers: { authorization: `Bearer ${TOKEN}` } });
  assert.is(reply.status, 200);
  assert.is(reply.headers['content-type'], 'application/json; charset=utf-8');
  assert.is(reply.headers['cache-control'], 'no-store');
  assert.is(reply.headers['content-length'], String(Buffer.byteLength(reply.body)));
  assert.equal(JSON.parse(reply.body), {
    routes: [
      {
        name: 'api',
        id: 'a1',
        status: 'running',
        health: 'healthy',
        upstream: 'http://127.0.0.1:49153',
        requests: 3,
        lastActivity: '2025-05-06T07:08:09.010Z',
      },
      { name: 'web', id: 'b2', status: 'exited', upstream: null, requests: 0, lastActivity: null },
    ],
  });
  // The scheme in any case, extra spaces, a query string.
  for (const authorization of [`bearer ${TOKEN}`, `BEARER   ${TOKEN}  `]) {
    const again = await adminOnce({ path: `${DEFAULT_ADMIN_PATH}?pretty=1`, headers: { authorization } });
    assert.is(again.status, 200, authorization);
  }
  // An empty table.
  const empty = await adminOnce(
    { path: DEFAULT_ADMIN_PATH, headers: { authorization: `Bearer ${TOKEN}` } },
    admin,
    () => [],
  );
  assert.equal(JSON.parse(empty.body), { routes: [] });
});

test('admin: HEAD gets the headers only; a custom path moves the endpoint', async () => {
  const head = await adminOnce({
    method: 'HEAD',
    path: DEFAULT_ADMIN_PATH,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  assert.is(head.status, 200);
  assert.is(head.body, '');
  assert.ok(Number(head.headers['content-length']) > 0);
  const custom: AdminOptions = { token: TOKEN, path: '/ops/routes' };
  assert.is(
    (await adminOnce({ path: '/ops/routes', headers: { authorization: `Bearer ${TOKEN}` } }, custom)).status,
    200,
  );
  assert.is((await adminOnce({ path: '/ops/routes' }, custom)).status, 401);
  assert.is(
    (await adminOnce({ path: DEFAULT_ADMIN_PATH, headers: { authorization: `Bearer ${TOKEN}` } }, custom)).body,
    'next',
  );
});

test('routeSummary: what the admin endpoint shows of a route', () => {
  assert.equal(routeSummary(makeRoute()), {
    name: 'web',
    id: 'f00dfeed0123456789abcdef',
    status: 'running',
    upstream: 'http://127.0.0.1:49153',
    requests: 0,
    lastActivity: null,
  });
  assert.equal(routeSummary(makeRoute({ health: 'starting', requests: 7, lastActivity: new Date(0) })), {
    name: 'web',
    id: 'f00dfeed0123456789abcdef',
    status: 'running',
    health: 'starting',
    upstream: 'http://127.0.0.1:49153',
    requests: 7,
    lastActivity: '1970-01-01T00:00:00.000Z',
  });
  // Nothing about the engine's error or exit code: the endpoint is for traffic, not diagnosis.
  const summary = routeSummary(makeRoute({ status: 'exited', exitCode: 1, error: 'boom' }));
  assert.not.ok('error' in summary);
  assert.not.ok('exitCode' in summary);
});

test.run();
