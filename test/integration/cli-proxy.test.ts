// Integration: `harpoon proxy` as a real process against the real engine. The apps are
// launched with the launcher library (this run's labels, one case label each); the proxy
// is scoped by --label to one case, so it never serves anything else on the engine. All
// traffic goes to 127.0.0.1 (host routing only sets the Host header).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { waitFor, type Harpoon, type Launcher } from 'harpoon';
import { RUN_ID, testLabels } from '../helpers/engine.ts';
import { containerExists, eventually } from '../helpers/integration.ts';
import { caseLabels, launcherTests, namer, TEST_WEBAPP } from '../helpers/launcher.ts';
import { HARPOON, ROOT } from '../helpers/pty.ts';

const CASE_KEY = 'harpoon.test.case';
const SCOPE = caseLabels('proxy');
const OUTSIDE = caseLabels('proxy-outside');
const SUFFIX = '.docker.localhost';
const TOKEN = `t0k-${RUN_ID}-${'x'.repeat(16)}`;
const INPUT = `{"run": "${RUN_ID}", "text": "h\u00e9llo"}\n`;

let launcher: Launcher | undefined;
const { it } = await launcherTests('harpoon-cli-proxy', (l) => (launcher = l));
const nameFor = namer('hp');

/** A `harpoon proxy` child process: its output, line by line, and its exit. */
class ProxyProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(args: string[], env: NodeJS.ProcessEnv = process.env, globals: string[] = []) {
    const [file, ...pre] = HARPOON;
    this.child = spawn(file!, [...pre, ...globals, 'proxy', ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.on('data', (chunk: Buffer) => (this.stdout += chunk.toString('utf8')));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
    running.add(this);
    void this.exited.then(() => running.delete(this));
  }

  get lines(): string[] {
    return this.stdout.split('\n').filter(Boolean);
  }

  /** The stdout JSON lines after the first (the access log under --json). */
  access(): Array<Record<string, unknown>> {
    return this.lines.slice(1).map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  async until<T>(what: string, check: () => T | undefined, ms = 30_000): Promise<T> {
    let found: T | undefined;
    const ok = await eventually(async () => (found = check()) !== undefined || this.child.exitCode !== null, ms, 25);
    if (!ok || found === undefined) throw new Error(`harpoon proxy: no ${what}\n${this.show()}`);
    return found;
  }

  /** With --json: the port from the first stdout line. */
  async jsonPort(): Promise<number> {
    const first = await this.until('first stdout line', () =>
      this.stdout.includes('\n') ? this.stdout.slice(0, this.stdout.indexOf('\n')) : undefined,
    );
    const parsed = JSON.parse(first) as { listening: string; port: number; workers?: number };
    // One process: {listening, port}; several (--workers, default one per core): and workers.
    assert.equal(
      Object.keys(parsed).sort(),
      parsed.workers === undefined ? ['listening', 'port'] : ['listening', 'port', 'workers'],
    );
    assert.is(parsed.listening, `http://127.0.0.1:${parsed.port}`);
    assert.ok(parsed.port > 0);
    return parsed.port;
  }

  /** Without --json: the port from the listening line on stderr. */
  async stderrPort(): Promise<number> {
    const match = await this.until(
      'listening line',
      () => /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(this.stderr) ?? undefined,
    );
    return Number(match[1]);
  }

  /** Signal it and wait for the exit (SIGKILL after `ms`). */
  async stop(
    signal: NodeJS.Signals = 'SIGTERM',
    ms = 15_000,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
    const started = Date.now();
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), ms);
    const result = await this.exited;
    clearTimeout(timer);
    return { ...result, ms: Date.now() - started };
  }

  show(): string {
    return `exit ${this.child.exitCode}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`;
  }
}

const running = new Set<ProxyProcess>();
test.after(async () => {
  for (const p of running) {
    p.child.kill('SIGKILL');
    await p.exited;
  }
});

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request to the proxy on 127.0.0.1 (a fresh connection); `host` sets the Host header only. */
function get(
  port: number,
  path: string,
  options: { host?: string; headers?: Record<string, string> } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: '127.0.0.1',
        port,
        path,
        agent: false,
        timeout: 15_000,
        headers: { ...(options.host ? { host: options.host } : {}), ...options.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
  });
}

/** Whether something accepts connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// The apps: one in the proxy's scope, one launched but outside it, one managed but not launched.
const inScope = nameFor('web');
const outside = nameFor('other');
const notLaunched = nameFor('plain');
const wsApp = nameFor('ws');
let proxy: ProxyProcess | undefined;
let port = 0;

async function removeQuietly(client: Harpoon, ...names: string[]): Promise<void> {
  for (const name of names)
    await client
      .container(name)
      .remove({ force: true })
      .catch(() => {});
}

it('proxy --port 0 --json --label --host-suffix: the first stdout line is {"listening", "port"}', async () => {
  await launcher!.launch({ image: TEST_WEBAPP, name: inScope, labels: SCOPE, inputText: INPUT });
  await launcher!.launch({ image: TEST_WEBAPP, name: outside, labels: OUTSIDE, inputText: INPUT });
  proxy = new ProxyProcess([
    '--port',
    '0',
    '--json',
    '--label',
    `${CASE_KEY}=${SCOPE[CASE_KEY]}`,
    '--host-suffix',
    SUFFIX,
  ]);
  port = await proxy.jsonPort();
  assert.not.match(proxy.stderr, /listening/, 'under --json the listening line is on stdout only');
  assert.ok(await accepts(port));
});

it("path routing: /docker/<name>/input.json is the app's, byte for byte; /docker/<name> redirects to the slash", async () => {
  const reply = await get(port, `/docker/${inScope}/input.json`);
  assert.is(reply.status, 200, reply.body);
  assert.is(reply.body, INPUT);
  const index = await get(port, `/docker/${inScope}/`);
  assert.is(index.status, 200);
  assert.match(index.body, /harpoon web app/);
  const bare = await get(port, `/docker/${inScope}`);
  assert.is(bare.status, 308);
  assert.is(bare.headers.location, `/docker/${inScope}/`);
});

it('host routing: Host <name>.docker.localhost:PORT (the connection still goes to 127.0.0.1)', async () => {
  const reply = await get(port, '/input.json', { host: `${inScope}${SUFFIX}:${port}` });
  assert.is(reply.status, 200, reply.body);
  assert.is(reply.body, INPUT);
  const unknown = await get(port, '/', { host: `no-such-${RUN_ID}${SUFFIX}:${port}` });
  assert.is(unknown.status, 404);
});

it('--json access log: one AccessEvent per line, path and host requests alike', async () => {
  const events = await proxy!.until('access lines for both routings', () => {
    const all = proxy!.access();
    return all.filter((e) => e.url === '/input.json' || e.url === `/docker/${inScope}/input.json`).length >= 2
      ? all
      : undefined;
  });
  const byPath = events.find((e) => e.url === `/docker/${inScope}/input.json`)!;
  const byHost = events.find((e) => e.url === '/input.json')!;
  for (const [event, via] of [
    [byPath, 'path'],
    [byHost, 'host'],
  ] as const) {
    assert.is(event.method, 'GET');
    assert.is(event.status, 200);
    assert.is(event.container, inScope);
    assert.is(event.via, via);
    assert.is(event.bytes, Buffer.byteLength(INPUT));
    assert.is(event.remote, '127.0.0.1');
    assert.type(event.durationMs, 'number');
    assert.ok(Math.abs(Date.parse(event.time as string) - Date.now()) < 120_000, String(event.time));
    assert.is(event.error, undefined);
  }
  const redirect = events.find((e) => e.url === `/docker/${inScope}`);
  assert.is(redirect?.status, 308);
  // Every line is JSON (JSON.parse above would have thrown) and nothing else went to stdout.
  assert.is(proxy!.lines.length, events.length + 1);
});

it('outside the --label scope: a launched container of another case, and a managed but not launched one, are 404', async (client) => {
  const plain = await client.createContainer({
    image: TEST_WEBAPP,
    name: notLaunched,
    labels: { ...testLabels, [CASE_KEY]: SCOPE[CASE_KEY]! },
    cmd: ['sleep', '600'],
  });
  try {
    await plain.start();
    for (const name of [outside, notLaunched]) {
      const byPath = await get(port, `/docker/${name}/input.json`);
      assert.is(byPath.status, 404, `${name}: ${byPath.body}`);
      assert.equal(JSON.parse(byPath.body), {
        status: 404,
        error: 'not_found',
        message: `No container named "${name}" is served here.`,
        container: name,
      });
      const byHost = await get(port, '/input.json', { host: `${name}${SUFFIX}:${port}` });
      assert.is(byHost.status, 404, `${name} by host: ${byHost.body}`);
    }
    // The app itself is up (directly, it answers): the 404 is the proxy's scope.
    const other = await launcher!.get(outside);
    assert.ok(other?.url, 'the outside app has a URL');
    const logged = await proxy!.until('the 404 lines', () => {
      const found = proxy!.access().filter((e) => e.status === 404 && e.container === outside);
      return found.length >= 2 ? found : undefined;
    });
    assert.equal(
      logged.map((e) => e.error),
      ['not_found', 'not_found'],
    );
  } finally {
    await removeQuietly(client, notLaunched);
  }
});

it('--workers 2: two processes share the port, each following the engine; one killed is replaced, and SIGTERM stops them all', async () => {
  const pool = new ProxyProcess(['--port', '0', '--json', '--workers', '2', '-l', `${CASE_KEY}=${SCOPE[CASE_KEY]}`]);
  try {
    const poolPort = await pool.jsonPort();
    const children = (): number[] => {
      const pids: number[] = [];
      for (const entry of readdirSync('/proc')) {
        if (!/^\d+$/.test(entry)) continue;
        try {
          const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
          if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pool.child.pid) pids.push(Number(entry));
        } catch {
          // gone meanwhile
        }
      }
      return pids;
    };
    assert.is(children().length, 2, 'two workers under the primary');
    for (let i = 0; i < 10; i++) assert.is((await get(poolPort, `/docker/${inScope}/input.json`)).status, 200);
    const [victim] = children();
    process.kill(victim!, 'SIGKILL');
    assert.ok(
      await eventually(async () => children().length === 2 && !children().includes(victim!), 15_000, 100),
      'the dead worker is replaced',
    );
    for (let i = 0; i < 10; i++)
      assert.is((await get(poolPort, `/docker/${inScope}/input.json`)).status, 200, 'served throughout');
    const workers = children();
    const exit = await pool.stop('SIGTERM');
    assert.is(exit.code, 0, pool.show());
    assert.ok(
      workers.every((pid) => !existsSync(`/proc/${pid}`)),
      'no worker outlives the primary',
    );
    assert.not.ok(await accepts(poolPort));
  } finally {
    if (pool.child.exitCode === null) await pool.stop('SIGKILL');
  }
});

it('--admin with HARPOON_PROXY_TOKEN: 401 without or with a wrong token, 200 and the scoped route table with it; human log; SIGINT exits 0', async () => {
  // One worker: the route table's request counts are per process.
  const admin = new ProxyProcess(['--port', '0', '--workers', '1', '--admin', '-l', `${CASE_KEY}=${SCOPE[CASE_KEY]}`], {
    ...process.env,
    HARPOON_PROXY_TOKEN: TOKEN,
  });
  const adminPort = await admin.stderrPort();
  assert.match(
    admin.stderr,
    new RegExp(
      `harpoon proxy: listening on http://127\\.0\\.0\\.1:${adminPort} — /docker/<name>/ \\(only containers labelled ${CASE_KEY}=${SCOPE[CASE_KEY]}; admin at /_harpoon/routes(; \\d+ workers)?\\)\\n`,
    ),
  );
  assert.not.match(admin.stderr, new RegExp(TOKEN), 'the token is never printed');

  const none = await get(adminPort, '/_harpoon/routes');
  assert.is(none.status, 401);
  assert.is(none.headers['www-authenticate'], 'Bearer');
  const wrong = await get(adminPort, '/_harpoon/routes', { headers: { authorization: `Bearer ${TOKEN}x` } });
  assert.is(wrong.status, 401);

  assert.is((await get(adminPort, `/docker/${inScope}/input.json`)).status, 200);
  const ok = await get(adminPort, '/_harpoon/routes', { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.is(ok.status, 200, ok.body);
  const { routes } = JSON.parse(ok.body) as {
    routes: Array<{ name: string; status: string; upstream: string | null; requests: number }>;
  };
  assert.equal(
    routes.map((r) => r.name),
    [inScope],
    'only the scoped container',
  );
  assert.is(routes[0]!.status, 'running');
  assert.match(routes[0]!.upstream ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.is(routes[0]!.requests, 1);

  // The human access log: METHOD PATH STATUS BYTES TIME CONTAINER, one line a request; admin
  // requests are logged too (failed token attempts included), without a container.
  const lines = await admin.until('the access lines', () => (admin.lines.length >= 4 ? admin.lines : undefined));
  assert.match(lines[0]!, /^GET \/_harpoon\/routes 401 \d+B \d+ms/);
  assert.match(lines[1]!, /^GET \/_harpoon\/routes 401 \d+B \d+ms/);
  assert.match(
    lines[2]!,
    new RegExp(`^GET /docker/${inScope}/input\\.json 200 ${Buffer.byteLength(INPUT)}B \\d+ms ${inScope}$`),
  );
  assert.match(lines[3]!, /^GET \/_harpoon\/routes 200 /);

  const exit = await admin.stop('SIGINT');
  assert.is(exit.code, 0, admin.show());
  assert.not.ok(await accepts(adminPort), 'the port is closed');
});

it('--admin without a token refuses to start (125, naming the variable and the file flag); bad flags → 125 naming the flag', async () => {
  const env = { ...process.env };
  delete env.HARPOON_PROXY_TOKEN;
  const p = new ProxyProcess(['--port', '0', '--admin', '-l', `${CASE_KEY}=${SCOPE[CASE_KEY]}`], env);
  const { code } = await p.exited;
  assert.is(code, 125, p.show());
  assert.is(p.stdout, '');
  assert.match(
    p.stderr,
    /^harpoon proxy: --admin needs a token: set HARPOON_PROXY_TOKEN or give --admin-token-file FILE/,
  );
  assert.not.match(p.stderr, /listening/);

  for (const [args, message] of [
    [['--port', 'eighty'], /^harpoon proxy: --port "eighty" is not a port number/],
    [['--timeout', '0'], /^harpoon proxy: --timeout "0"/],
    [['--no-path'], /^harpoon proxy: --no-path leaves nothing to route by/],
    [['--host-suffix', 'under_score'], /^harpoon proxy: --host-suffix: /],
  ] as const) {
    const bad = new ProxyProcess([...args, '-l', `${CASE_KEY}=${SCOPE[CASE_KEY]}`]);
    const exit = await bad.exited;
    assert.is(exit.code, 125, `${args.join(' ')}: ${bad.show()}`);
    assert.match(bad.stderr, message, bad.stderr);
  }
});

it('engine unreachable (-H to a missing socket): 125, the engine error on stderr; proxy --host stays the listen address', async () => {
  const missing = `unix:///tmp/harpoon-no-engine-${RUN_ID}.sock`;
  const p = new ProxyProcess(['--port', '0', '--json', '--host', '127.0.0.1'], process.env, ['-H', missing]);
  const { code } = await p.exited;
  assert.is(code, 125, p.show());
  assert.is(p.stdout, '');
  assert.match(p.stderr, /Cannot reach a Docker engine/);
  assert.ok(p.stderr.includes(missing), `the global -H picked the engine: ${p.stderr}`);
});

// A bare upstream for the shutdown test, run by busybox nc for each connection: a request for
// /socket gets 101 and then an echo (a WebSocket, as far as the proxy can tell); any other
// request gets its answer after a second.
const SLOW_OR_SOCKET = `#!/bin/sh
IFS= read -r first
while IFS= read -r line; do case "$line" in "$(printf '\r')"|'') break;; esac; done
case "$first" in
  *" /socket "*) printf 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'; exec cat;;
  *) sleep 1; printf 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nslow!';;
esac
`;

it('SIGTERM with a request in flight and a WebSocket open: the request completes, the WebSocket is cut, exit 0', async (client) => {
  try {
    await launcher!.launch({
      image: TEST_WEBAPP,
      name: wsApp,
      labels: SCOPE,
      cmd: ['nc', '-ll', '-p', '80', '-e', '/bin/sh', '/tmp/input-files/upstream.sh'],
      files: [{ path: 'upstream.sh', content: SLOW_OR_SOCKET, mode: 0o755 }],
      ready: waitFor.port(80),
    });
    // The WebSocket: handshake through the proxy, then an echo.
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => {});
    socket.write(
      `GET /docker/${wsApp}/socket HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
    assert.ok(
      await eventually(async () => /\r\n\r\n/.test(received), 15_000, 25),
      `no handshake answer: ${JSON.stringify(received)}`,
    );
    assert.match(received, /^HTTP\/1\.1 101 /);
    const afterHead = received.length;
    socket.write(`ping-${RUN_ID}`);
    assert.ok(
      await eventually(async () => received.slice(afterHead).includes(`ping-${RUN_ID}`), 10_000, 25),
      `no echo: ${JSON.stringify(received)}`,
    );

    // A slow request (the app answers after 1 s), and SIGTERM while it is in flight.
    const slow = get(port, `/docker/${wsApp}/slow`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exit = await proxy!.stop('SIGTERM', 20_000);
    const reply = await slow;
    assert.is(reply.status, 200, `the request in flight completes: ${reply.status} ${reply.body}`);
    assert.is(reply.body, 'slow!');
    assert.is(exit.code, 0, proxy!.show());
    assert.is(exit.signal, null);
    assert.ok(exit.ms < 12_000, `closed within the grace periods (${exit.ms} ms)`);
    await closed;
    assert.not.ok(await accepts(port), 'the port is closed');
    // Both access lines are written by the time it exits (the WebSocket's when it was cut).
    const events = proxy!.access();
    const ws = events.find((e) => e.websocket === true);
    assert.ok(ws, proxy!.show());
    assert.equal([ws.status, ws.container, ws.url], [101, wsApp, `/docker/${wsApp}/socket`]);
    const slowLine = events.find((e) => e.url === `/docker/${wsApp}/slow`);
    assert.equal([slowLine?.status, slowLine?.bytes, slowLine?.error], [200, 5, undefined]);
  } finally {
    await removeQuietly(client, wsApp);
  }
});

it('every container this file made is gone or goes with the launcher (and was only ever ours)', async (client) => {
  await removeQuietly(client, inScope, outside);
  for (const name of [inScope, outside, notLaunched, wsApp]) assert.not.ok(await containerExists(client, name), name);
});

test.run();
