// The proxy command without an engine: flags into startProxyServer options, the admin
// token's sources, the access-log and start-up lines.
import { availableParallelism } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  accessLine,
  listeningLine,
  proxyConfigFromFlags,
  PROXY_HELP,
  type ProxyFlags,
} from '../../src/cli/commands/proxy.ts';
import { UsageError } from '../../src/cli/exit.ts';

const dir = mkdtempSync(join(tmpdir(), 'harpoon-cli-proxy-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const TOKEN = 'a'.repeat(8) + 'b'.repeat(16);
const flags = (more: Partial<ProxyFlags> = {}): ProxyFlags => ({ label: [], ...more });
/** With an empty environment and no file reading, unless a test gives them. */
const config = (more: Partial<ProxyFlags> = {}, env: NodeJS.ProcessEnv = {}, readFile?: (path: string) => string) =>
  proxyConfigFromFlags(flags(more), {
    env,
    readFile: readFile ?? (() => assert.unreachable('no file should be read') as never),
  });

function usage(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, UsageError, `expected a UsageError, got ${String(err)}`);
    assert.is((err as UsageError).exitCode, 125);
    return err as UsageError;
  }
  assert.unreachable('expected a UsageError');
  throw new Error('unreachable');
}

// --- defaults and each flag ---------------------------------------------------------------------

test('no flags: 127.0.0.1:8000, path routing under /docker (stripped), human log, no admin', () => {
  assert.equal(config(), {
    server: { port: 8000, host: '127.0.0.1', pathPrefix: '/docker', stripPrefix: true },
    workers: availableParallelism(),
    log: 'human',
    json: false,
  });
});

test('--port: 0 (a free one) to 65535; anything else names --port', () => {
  assert.is(config({ port: '0' }).server.port, 0);
  assert.is(config({ port: '8080' }).server.port, 8080);
  assert.is(config({ port: '65535' }).server.port, 65535);
  for (const bad of ['abc', '-1', '65536', '80.5', '', ' ', '1e3', '0x50']) {
    assert.match(
      usage(() => config({ port: bad })).message,
      new RegExp(`^--port "${bad.replace(/\./g, '\\.')}" is not a port number`),
      bad,
    );
  }
});

test('--host: addresses and host names; brackets around IPv6 are dropped; junk names --host', () => {
  assert.is(config({ listen: '0.0.0.0' }).server.host, '0.0.0.0');
  assert.is(config({ listen: '::1' }).server.host, '::1');
  assert.is(config({ listen: '[::1]' }).server.host, '::1');
  assert.is(config({ listen: 'localhost' }).server.host, 'localhost');
  for (const bad of ['', 'a b', 'http://127.0.0.1', '127.0.0.1:80', '-x']) {
    assert.match(usage(() => config({ listen: bad })).message, /^--host ".*" is not an address to listen on/, bad);
  }
});

test('--prefix: normalized (leading slash, no trailing one); "/" or a "?" names --prefix', () => {
  assert.is(config({ prefix: 'apps' }).server.pathPrefix, '/apps');
  assert.is(config({ prefix: '/apps/' }).server.pathPrefix, '/apps');
  assert.is(config({ prefix: '/a/b' }).server.pathPrefix, '/a/b');
  assert.match(usage(() => config({ prefix: '/' })).message, /^--prefix: the path prefix must not be empty/);
  assert.match(usage(() => config({ prefix: '/x?y' })).message, /^--prefix: .*may not contain/);
});

test('--host-suffix enables host routing (normalized); path routing stays on unless --no-path', () => {
  const both = config({ hostSuffix: 'Docker.Localhost' }).server;
  assert.is(both.hostSuffix, '.docker.localhost');
  assert.is(both.pathPrefix, '/docker');
  const hostOnly = config({ hostSuffix: '.docker.localhost', path: false }).server;
  assert.equal(hostOnly, { port: 8000, host: '127.0.0.1', pathPrefix: false, hostSuffix: '.docker.localhost' });
  assert.match(
    usage(() => config({ hostSuffix: 'bad_suffix' })).message,
    /^--host-suffix: "bad_suffix" is not a host suffix/,
  );
  assert.match(usage(() => config({ hostSuffix: '.' })).message, /^--host-suffix:/);
});

test('--no-path: needs --host-suffix, and does not combine with --prefix or --no-strip-prefix', () => {
  assert.match(
    usage(() => config({ path: false })).message,
    /^--no-path leaves nothing to route by: add --host-suffix/,
  );
  assert.match(
    usage(() => config({ path: false, hostSuffix: '.x.localhost', prefix: '/apps' })).message,
    /^--prefix .*--no-path/,
  );
  assert.match(
    usage(() => config({ path: false, hostSuffix: '.x.localhost', stripPrefix: false })).message,
    /^--no-strip-prefix .*--no-path/,
  );
});

test('--no-strip-prefix', () => {
  assert.is(config({ stripPrefix: false }).server.stripPrefix, false);
  assert.is(config({ stripPrefix: true }).server.stripPrefix, true);
});

test('--label K=V (repeatable, first "=" splits); a bare K takes $K, and an unset one is refused, not dropped', () => {
  assert.equal(config({ label: ['team=data', 'expr=a=b', 'empty='] }).server.labels, {
    team: 'data',
    expr: 'a=b',
    empty: '',
  });
  assert.equal(config({ label: ['TEAM'] }, { TEAM: 'data' }).server.labels, { TEAM: 'data' });
  // Dropping it would widen the scope to every launched container.
  assert.match(usage(() => config({ label: ['TEAM'] })).message, /^--label "TEAM": no value, and \$TEAM is not set/);
  assert.match(usage(() => config({ label: ['=x'] })).message, /^--label "=x": the name before "=" is empty/);
  assert.is(config({ label: [] }).server.labels, undefined);
});

test('--trust-proxy, --timeout SECONDS (into ms; > 0)', () => {
  assert.is(config({ trustProxy: true }).server.trustProxy, true);
  assert.is(config().server.trustProxy, undefined);
  assert.is(config({ timeout: '5' }).server.timeoutMs, 5_000);
  assert.is(config({ timeout: '0.25' }).server.timeoutMs, 250);
  assert.is(config({ timeout: '0.0001' }).server.timeoutMs, 1);
  assert.is(config().server.timeoutMs, undefined, "the proxy's own default (60 s)");
  for (const bad of ['0', '-1', 'soon', '', 'Infinity']) {
    assert.match(usage(() => config({ timeout: bad })).message, /^--timeout ".*" is not a number of seconds > 0$/, bad);
  }
});

test('--json and --quiet: the access log format; --json alone also moves the listening line to stdout', () => {
  assert.equal([config({ json: true }).log, config({ json: true }).json], ['json', true]);
  assert.equal([config({ quiet: true }).log, config({ quiet: true }).json], ['none', false]);
  // Both: no access log, but still the JSON listening line (a script wants the port).
  assert.equal([config({ json: true, quiet: true }).log, config({ json: true, quiet: true }).json], ['none', true]);
});

// --- the admin token ----------------------------------------------------------------------------

test('--admin: token from $HARPOON_PROXY_TOKEN (trimmed)', () => {
  assert.equal(config({ admin: true }, { HARPOON_PROXY_TOKEN: `${TOKEN}\n` }).server.admin, { token: TOKEN });
  // Without --admin the variable is ignored: the endpoint is opt-in.
  assert.is(config({}, { HARPOON_PROXY_TOKEN: TOKEN }).server.admin, undefined);
});

test('--admin without a token refuses, saying where a token comes from (and that argv is not one)', () => {
  for (const env of [{}, { HARPOON_PROXY_TOKEN: '' }, { HARPOON_PROXY_TOKEN: '   ' }]) {
    const err = usage(() => config({ admin: true }, env));
    assert.match(err.message, /^--admin needs a token: set HARPOON_PROXY_TOKEN or give --admin-token-file FILE/);
    assert.match(err.message, /never taken on the command line/);
  }
});

test('--admin with a short token refuses without echoing it', () => {
  const err = usage(() => config({ admin: true }, { HARPOON_PROXY_TOKEN: 'hunter2' }));
  assert.match(err.message, /^--admin: the token from HARPOON_PROXY_TOKEN has 7 characters; give at least 16/);
  assert.not.match(err.message, /hunter2/);
});

test('--admin-token-file: read and trimmed; wins over the variable; unreadable, empty, several words, short → refused', () => {
  const file = join(dir, 'token');
  writeFileSync(file, `  ${TOKEN}\n`);
  assert.equal(proxyConfigFromFlags(flags({ admin: true, adminTokenFile: file }), { env: {} }).server.admin, {
    token: TOKEN,
  });
  assert.equal(
    proxyConfigFromFlags(flags({ admin: true, adminTokenFile: file }), { env: { HARPOON_PROXY_TOKEN: 'z'.repeat(20) } })
      .server.admin,
    { token: TOKEN },
  );

  assert.match(
    usage(() => proxyConfigFromFlags(flags({ admin: true, adminTokenFile: join(dir, 'missing') }), { env: {} }))
      .message,
    /^--admin-token-file: cannot read .*missing: ENOENT/,
  );
  writeFileSync(join(dir, 'empty'), '\n');
  assert.match(
    usage(() => proxyConfigFromFlags(flags({ admin: true, adminTokenFile: join(dir, 'empty') }), { env: {} })).message,
    /^--admin-token-file: .*empty is empty/,
  );
  writeFileSync(join(dir, 'two'), `${TOKEN}\n${TOKEN}\n`);
  assert.match(
    usage(() => proxyConfigFromFlags(flags({ admin: true, adminTokenFile: join(dir, 'two') }), { env: {} })).message,
    /^--admin-token-file: .*one token/,
  );
  const short = usage(() => config({ admin: true, adminTokenFile: 'short' }, {}, () => 'secret-123'));
  assert.match(short.message, /^--admin: the token from --admin-token-file short has 10 characters/);
  assert.not.match(short.message, /secret-123/);
});

test('--admin-token-file without --admin is refused (the endpoint is opt-in)', () => {
  assert.match(
    usage(() => config({ adminTokenFile: 'x' })).message,
    /^--admin-token-file is the token for --admin: add --admin/,
  );
});

// --- output -------------------------------------------------------------------------------------

test('accessLine: METHOD PATH STATUS BYTES TIME CONTAINER, plus websocket and (error)', () => {
  const base = {
    time: new Date(0),
    remote: '127.0.0.1',
    method: 'GET',
    url: '/docker/web-1/',
    status: 200,
    bytes: 1234,
    durationMs: 3.4,
  };
  assert.is(accessLine({ ...base, container: 'web-1', via: 'path' }), 'GET /docker/web-1/ 200 1234B 3ms web-1');
  assert.is(accessLine({ ...base, url: '/', status: 404, bytes: 0, durationMs: 0 }), 'GET / 404 0B 0ms -');
  assert.is(
    accessLine({ ...base, status: 503, container: 'web-1', error: 'starting' }),
    'GET /docker/web-1/ 503 1234B 3ms web-1 (starting)',
  );
  assert.is(
    accessLine({ ...base, status: 101, container: 'ws', websocket: true }),
    'GET /docker/web-1/ 101 1234B 3ms ws websocket',
  );
});

test('listeningLine: adapts to the routing, the label scope and the admin endpoint', () => {
  const url = 'http://127.0.0.1:8000';
  assert.is(
    listeningLine(config({ workers: '1' }), url, 8000),
    'harpoon proxy: listening on http://127.0.0.1:8000 — /docker/<name>/',
  );
  assert.is(
    listeningLine(config({ hostSuffix: '.docker.localhost', workers: '1' }), url, 8000),
    'harpoon proxy: listening on http://127.0.0.1:8000 — /docker/<name>/ and http://<name>.docker.localhost:8000/',
  );
  assert.is(
    listeningLine(config({ hostSuffix: '.docker.localhost', path: false, workers: '1' }), 'http://127.0.0.1:80', 80),
    'harpoon proxy: listening on http://127.0.0.1:80 — http://<name>.docker.localhost/',
  );
  assert.is(
    listeningLine(
      config({ label: ['team=data'], admin: true, workers: '1' }, { HARPOON_PROXY_TOKEN: TOKEN }),
      url,
      8000,
    ),
    'harpoon proxy: listening on http://127.0.0.1:8000 — /docker/<name>/ (only containers labelled team=data; admin at /_harpoon/routes)',
  );
  assert.not.match(listeningLine(config({ admin: true }, { HARPOON_PROXY_TOKEN: TOKEN }), url, 8000), TOKEN);
});

test('--help text explains both routings, the label scope and the admin token', () => {
  assert.match(PROXY_HELP, /\/docker\/<name>\//);
  assert.match(PROXY_HELP, /<name>\.docker\.localhost/);
  assert.match(PROXY_HELP, /--label K=V narrows/);
  assert.match(PROXY_HELP, /HARPOON_PROXY_TOKEN/);
  assert.match(PROXY_HELP, /--admin-token-file/);
  assert.match(PROXY_HELP, /never from the command line/);
});

test('--auth-url, --auth-header, --logs-path, pages, --route-label, --unmanaged and timeouts become options', () => {
  const files: Record<string, string> = { '/w.html': '<p>wait {{name}}</p>', '/nf.html': '<p>none</p>' };
  const read = (path: string) => {
    if (!(path in files)) throw Object.assign(new Error('no'), { code: 'ENOENT' });
    return files[path]!;
  };
  const server = config(
    {
      authUrl: 'http://127.0.0.1:4181/auth',
      authHeader: ['X-Front=s'],
      logsPath: 'docker-logs',
      waitPage: '/w.html',
      page: ['404=/nf.html'],
      routeLabel: ['harpoon.route=true'],
      headersTimeout: '5',
      tunnelIdleTimeout: '0',
    },
    {},
    read,
  ).server;
  assert.is((server.authorize as unknown[]).length, 2);
  assert.is(server.logsPath, 'docker-logs');
  assert.equal(server.pages, { 404: '<p>none</p>', 503: '<p>wait {{name}}</p>' });
  assert.equal(server.routeLabels, { 'harpoon.route': 'true' });
  assert.is(server.headersTimeoutMs, 5000);
  assert.is(server.tunnelIdleTimeoutMs, 0);
  assert.is(config({ unmanaged: true }).server.unmanaged, true);
  assert.is(config({}).server.authorize, undefined);
  assert.match(usage(() => config({ authUrl: 'not a url' })).message, /^--auth-url: .*not a URL/);
  assert.match(usage(() => config({ authUrl: 'ftp://x/' })).message, /^--auth-url: .*ftp: is not http/);
  assert.match(usage(() => config({ authHeader: ['novalue'] })).message, /^--auth-header "novalue": give NAME=VALUE/);
  assert.match(usage(() => config({ page: ['200=/nf.html'] }, {}, read)).message, /4xx or 5xx/);
  assert.match(
    usage(() => config({ waitPage: '/missing.html' }, {}, read)).message,
    /^--wait-page: cannot read \/missing.html: ENOENT/,
  );
  assert.match(usage(() => config({ unmanaged: true, routeLabel: ['a=b'] })).message, /give one or the other/);
  assert.match(usage(() => config({ tunnelIdleTimeout: '-1' })).message, /--tunnel-idle-timeout "-1"/);
  assert.match(
    listeningLine(
      config({ routeLabel: ['harpoon.route=true'], logsPath: 'logs', authHeader: ['A=b'], workers: '1' }),
      'http://127.0.0.1:8000',
      8000,
    ),
    /containers labelled harpoon.route=true; authorization on; logs at <name>\/logs/,
  );
});

test('--workers: 1-64 processes, default one per core; the listening line says how many', () => {
  assert.is(config({ workers: '1' }).workers, 1);
  assert.is(config({ workers: '4' }).workers, 4);
  for (const bad of ['0', '65', 'x', '1.5', ''])
    assert.match(usage(() => config({ workers: bad })).message, /^--workers ".*" is not a number of processes/, bad);
  assert.match(listeningLine(config({ workers: '3' }), 'http://127.0.0.1:8000', 8000), /\(3 workers\)$/);
  assert.not.match(listeningLine(config({ workers: '1' }), 'http://127.0.0.1:8000', 8000), /workers/);
});

test.run();
