// Docks as docker contexts on disk (a temporary DOCKER_CONFIG): names, URLs, TLS files,
// config.json currentContext, and that harpoon's own endpoint resolution reads what we write.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveEndpoint, type Endpoint } from 'harpoon';
import { systemResolveEnvFor } from '../../src/core/endpoint.ts';
import {
  addDock,
  currentContext,
  DOCK_DESCRIPTION,
  DockError,
  dockerConfigDir,
  getDock,
  listDocks,
  maskUrl,
  readTlsDir,
  removeDock,
  useDock,
  validateName,
  validateUrl,
} from '../../src/cli/docks/store.ts';

const roots: string[] = [];
function tempDir(prefix = 'harpoon-docks-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  roots.push(dir);
  return dir;
}
test.after(() => {
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

const sha = (name: string) => createHash('sha256').update(name).digest('hex');
const mode = (path: string) => statSync(path).mode & 0o777;

function dockError(fn: () => unknown, pattern?: RegExp): DockError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, DockError, String(err));
    if (pattern) assert.match((err as Error).message, pattern);
    return err as DockError;
  }
  assert.unreachable('expected a DockError');
  throw new Error('unreachable');
}

/** A CA, and a client certificate + key signed by it, made by openssl (once for the file). */
let certs: string | undefined;
function tlsDir(): string {
  if (certs) return certs;
  certs = tempDir('harpoon-docks-tls-');
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: certs, stdio: 'pipe' });
  ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca-key.pem',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=harpoon test CA',
  );
  ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'client.csr', '-subj', '/CN=client');
  ssl(
    'x509',
    '-req',
    '-in',
    'client.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca-key.pem',
    '-CAcreateserial',
    '-out',
    'cert.pem',
    '-days',
    '2',
  );
  return certs;
}

function endpointOf(configDir: string, name: string): Endpoint {
  return resolveEndpoint({ context: name }, systemResolveEnvFor({ DOCKER_CONFIG: configDir }));
}

// --- names and URLs -----------------------------------------------------------------------

test('names: the docker CLI\'s rule, and "default" is reserved', () => {
  for (const ok of ['ab', 'a1', 'gpu-1', 'my.dock', 'x_y', 'A+B', '9lives']) validateName(ok);
  dockError(() => validateName('default'), /reserved/);
  for (const bad of ['', 'a', '-ab', '.ab', '_ab', 'a b', 'a/b', 'a:b', 'dock\n', 'café', "it's"]) {
    const err = dockError(() => validateName(bad), /invalid/);
    assert.ok(err.usage, bad);
  }
});

test('URLs: unix:// needs an absolute path and no TLS', () => {
  assert.is(validateUrl('unix:///var/run/docker.sock'), 'unix:///var/run/docker.sock');
  dockError(() => validateUrl('unix://docker.sock'), /absolute/);
  dockError(() => validateUrl('unix://'), /absolute/);
  dockError(() => validateUrl('unix:///x.sock', { tls: true }), /--tls-dir only applies to tcp/);
});

test('URLs: ssh:// keeps user and port, refuses a password (masked), a path, or --tls-dir', () => {
  assert.is(validateUrl('ssh://me@gpu1.example.com'), 'ssh://me@gpu1.example.com');
  assert.is(validateUrl('ssh://gpu1.example.com:2222/'), 'ssh://gpu1.example.com:2222');
  const pw = dockError(() => validateUrl('ssh://me:hunter2@host'), /password/);
  assert.not.match(pw.message, 'hunter2');
  assert.match(pw.message, 'ssh://me:****@host');
  dockError(() => validateUrl('ssh://host/var/run/docker.sock'), /path/);
  dockError(() => validateUrl('ssh://host?x=1'), /query/);
  dockError(() => validateUrl('ssh://me@host', { tls: true }), /ssh brings its own encryption/);
});

test('URLs: tcp:// with TLS (port 2376 by default), plain only to loopback unless --insecure', () => {
  assert.is(validateUrl('tcp://lab.example.com', { tls: true }), 'tcp://lab.example.com:2376');
  assert.is(validateUrl('tcp://lab.example.com:12376', { tls: true }), 'tcp://lab.example.com:12376');
  assert.is(validateUrl('tcp://127.0.0.1:1'), 'tcp://127.0.0.1:1');
  assert.is(validateUrl('tcp://localhost'), 'tcp://localhost:2375');
  assert.is(validateUrl('tcp://[::1]:2375'), 'tcp://[::1]:2375');
  assert.is(validateUrl('tcp://127.8.9.10:2375'), 'tcp://127.8.9.10:2375');
  const remote = dockError(() => validateUrl('tcp://10.0.0.5:2375'), /plain tcp:\/\/ to a remote host/);
  assert.match(remote.message, '--tls-dir');
  assert.match(remote.message, '--insecure');
  assert.is(validateUrl('tcp://10.0.0.5:2375', { insecure: true }), 'tcp://10.0.0.5:2375');
  dockError(() => validateUrl('tcp://localhost.evil.example:2375'), /remote host/);
  dockError(() => validateUrl('tcp://user@localhost'), /user name/);
  dockError(() => validateUrl('tcp://h:2376/path', { tls: true }), /path/);
});

test('URLs: other schemes and bare hosts are refused with what to write instead', () => {
  for (const raw of ['http://h:2375', 'https://h', 'npipe:////./pipe/docker_engine', 'fd://'])
    dockError(() => validateUrl(raw, { tls: true }), /scheme/);
  dockError(() => validateUrl('h:2375'), /no scheme/);
  dockError(() => validateUrl('tcp://[bad'), /not a valid URL/);
});

test('maskUrl hides only a password', () => {
  assert.is(maskUrl('ssh://me:secret@host:22'), 'ssh://me:****@host:22');
  assert.is(maskUrl('ssh://me@host'), 'ssh://me@host');
  assert.is(maskUrl('tcp://host:2376'), 'tcp://host:2376');
});

test('dockerConfigDir: DOCKER_CONFIG, else ~/.docker', () => {
  assert.is(dockerConfigDir({ DOCKER_CONFIG: '/cfg' }, '/home/ada'), '/cfg');
  assert.is(dockerConfigDir({ DOCKER_CONFIG: '' }, '/home/ada'), '/home/ada/.docker');
  assert.is(dockerConfigDir({}, '/home/ada'), '/home/ada/.docker');
});

// --- add ------------------------------------------------------------------------------------

test('add writes meta.json exactly as `docker context create` does, under sha256(name)', () => {
  const cfg = tempDir();
  const dock = addDock(cfg, 'local', 'unix:///var/run/docker.sock');
  const metaPath = join(cfg, 'contexts', 'meta', sha('local'), 'meta.json');
  assert.is(dock.paths.meta, metaPath);
  assert.equal(JSON.parse(readFileSync(metaPath, 'utf8')), {
    Name: 'local',
    Metadata: { Description: DOCK_DESCRIPTION },
    Endpoints: { docker: { Host: 'unix:///var/run/docker.sock', SkipTLSVerify: false } },
  });
  // Key order as the docker CLI writes it (some tools diff these files).
  assert.is(
    readFileSync(metaPath, 'utf8'),
    '{"Name":"local","Metadata":{"Description":"harpoon dock"},"Endpoints":{"docker":{"Host":"unix:///var/run/docker.sock","SkipTLSVerify":false}}}',
  );
  assert.is(mode(metaPath), 0o644);
  assert.not.ok(existsSync(join(cfg, 'contexts', 'tls', sha('local'))), 'no TLS dir without --tls-dir');
  assert.equal(
    { name: dock.name, url: dock.url, byHarpoon: dock.byHarpoon, tls: dock.tls },
    { name: 'local', url: 'unix:///var/run/docker.sock', byHarpoon: true, tls: null },
  );
  // harpoon's own resolution finds it.
  const e = endpointOf(cfg, 'local');
  assert.is(e.url, 'unix:///var/run/docker.sock');
  assert.match(e.source, 'docker context "local"');
});

test('add --tls-dir copies ca/cert/key into contexts/tls/<sha>/docker (0700 dirs, 0600 files); resolution uses them, verified', () => {
  const cfg = tempDir();
  const src = tlsDir();
  const dock = addDock(cfg, 'lab', 'tcp://lab.example.com', { tlsDir: src });
  assert.is(dock.url, 'tcp://lab.example.com:2376');
  const dir = join(cfg, 'contexts', 'tls', sha('lab'), 'docker');
  assert.is(dock.paths.tlsDir, dir);
  assert.equal(dock.tls, { ca: true, cert: true, key: true });
  for (const file of ['ca.pem', 'cert.pem', 'key.pem']) {
    assert.equal(readFileSync(join(dir, file)), readFileSync(join(src, file)), file);
    assert.is(mode(join(dir, file)), 0o600, file);
  }
  assert.not.ok(existsSync(join(dir, 'ca-key.pem')), 'only the three files are copied');
  assert.is(mode(dir), 0o700);
  assert.is(mode(join(cfg, 'contexts', 'tls')), 0o700);
  const e = endpointOf(cfg, 'lab');
  assert.is(e.kind, 'tcp');
  const tls = (e as Extract<Endpoint, { kind: 'tcp' }>).tls!;
  assert.is(tls.verify, true);
  assert.equal(tls.key, readFileSync(join(src, 'key.pem')));
  assert.is(e.url, 'tcp://lab.example.com:2376');
});

test('add --tls-dir with only ca.pem (no client certificate) is allowed', () => {
  const cfg = tempDir();
  const src = tempDir();
  writeFileSync(join(src, 'ca.pem'), readFileSync(join(tlsDir(), 'ca.pem')));
  const dock = addDock(cfg, 'caonly', 'tcp://h:2376', { tlsDir: src });
  assert.equal(dock.tls, { ca: true, cert: false, key: false });
});

test('readTlsDir refuses a missing dir, a file, no ca.pem, half a client pair, non-PEM, a key of another cert', () => {
  dockError(() => readTlsDir('/nonexistent/harpoon-tls'), /does not exist/);
  const file = join(tempDir(), 'f');
  writeFileSync(file, 'x');
  dockError(() => readTlsDir(file), /not a directory/);
  const src = tlsDir();
  const copy = (files: Record<string, string | Buffer>) => {
    const dir = tempDir();
    for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), data);
    return dir;
  };
  const pem = (name: string) => readFileSync(join(src, name));
  dockError(() => readTlsDir(copy({ 'cert.pem': pem('cert.pem'), 'key.pem': pem('key.pem') })), /no ca\.pem/);
  dockError(
    () => readTlsDir(copy({ 'ca.pem': pem('ca.pem'), 'cert.pem': pem('cert.pem') })),
    /cert\.pem but no key\.pem/,
  );
  dockError(
    () => readTlsDir(copy({ 'ca.pem': pem('ca.pem'), 'key.pem': pem('key.pem') })),
    /key\.pem but no cert\.pem/,
  );
  dockError(() => readTlsDir(copy({ 'ca.pem': 'not pem at all' })), /ca\.pem is not a PEM file/);
  dockError(
    () => readTlsDir(copy({ 'ca.pem': '-----BEGIN CERTIFICATE-----\nbm9wZQ==\n-----END CERTIFICATE-----\n' })),
    /ca\.pem is not a valid certificate/,
  );
  // The CA's own key does not belong to the client certificate.
  dockError(
    () => readTlsDir(copy({ 'ca.pem': pem('ca.pem'), 'cert.pem': pem('cert.pem'), 'key.pem': pem('ca-key.pem') })),
    /is not the private key of/,
  );
});

test('a bad --tls-dir or URL leaves nothing behind', () => {
  const cfg = tempDir();
  dockError(() => addDock(cfg, 'lab', 'tcp://h', { tlsDir: '/nonexistent/harpoon-tls' }));
  dockError(() => addDock(cfg, 'lab', 'tcp://10.1.2.3'));
  dockError(() => addDock(cfg, 'x', 'unix:///s'), /invalid/);
  assert.equal(listDocks(cfg), []);
  assert.not.ok(existsSync(join(cfg, 'contexts')));
});

test('add refuses an existing context without force; force replaces it and drops its old TLS files', () => {
  const cfg = tempDir();
  addDock(cfg, 'lab', 'tcp://lab.example.com', { tlsDir: tlsDir() });
  const err = dockError(() => addDock(cfg, 'lab', 'unix:///x.sock'), /already exists/);
  assert.match(err.message, '--force');
  assert.not.ok(err.usage);
  assert.is(getDock(cfg, 'lab')!.url, 'tcp://lab.example.com:2376', 'unchanged');
  const replaced = addDock(cfg, 'lab', 'unix:///x.sock', { force: true });
  assert.is(replaced.url, 'unix:///x.sock');
  assert.is(replaced.tls, null);
  assert.not.ok(existsSync(join(cfg, 'contexts', 'tls', sha('lab'))));
});

// --- list -----------------------------------------------------------------------------------

test("list: every context, sorted, the docker CLI's too (not made by harpoon), broken ones with an error", () => {
  const cfg = tempDir();
  addDock(cfg, 'zeta', 'unix:///z.sock');
  addDock(cfg, 'alpha', 'ssh://me@alpha');
  // As `docker context create cli-made --docker host=tcp://h:2375` writes it.
  mkdirSync(join(cfg, 'contexts', 'meta', sha('cli-made')), { recursive: true });
  writeFileSync(
    join(cfg, 'contexts', 'meta', sha('cli-made'), 'meta.json'),
    '{"Name":"cli-made","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://h:2375","SkipTLSVerify":false}}}',
  );
  mkdirSync(join(cfg, 'contexts', 'meta', sha('broken')), { recursive: true });
  writeFileSync(join(cfg, 'contexts', 'meta', sha('broken'), 'meta.json'), '{not json');
  const docks = listDocks(cfg);
  const good = docks.filter((d) => !d.error);
  assert.equal(
    good.map((d) => [d.name, d.url, d.byHarpoon]),
    [
      ['alpha', 'ssh://me@alpha', true],
      ['cli-made', 'tcp://h:2375', false],
      ['zeta', 'unix:///z.sock', true],
    ],
  );
  const broken = docks.find((d) => d.error);
  assert.ok(broken, 'the unreadable context is listed');
  assert.match(broken!.error!, 'meta.json');
  assert.equal(listDocks(tempDir()), [], 'no contexts dir');
  assert.is(getDock(cfg, 'nope'), undefined);
  assert.is(getDock(cfg, 'default'), undefined);
});

// --- use / current ----------------------------------------------------------------------------

const richConfig = {
  auths: { 'registry.example.com': { auth: 'dXNlcjpwYXNz' } },
  credsStore: 'desktop',
  proxies: { default: { httpProxy: 'http://proxy:3128', noProxy: '*.local' } },
  plugins: { buildx: { x: 'y' } },
  aliases: { builder: 'buildx' },
  detachKeys: 'ctrl-e,e',
};

test('use sets currentContext and keeps every other key of config.json; use default removes it', () => {
  const cfg = tempDir();
  addDock(cfg, 'work', 'unix:///w.sock');
  const path = join(cfg, 'config.json');
  writeFileSync(path, JSON.stringify(richConfig, null, 2));
  chmodSync(path, 0o640);
  assert.is(currentContext(cfg), 'default');
  useDock(cfg, 'work');
  const after = readFileSync(path, 'utf8');
  assert.equal(JSON.parse(after), { ...richConfig, currentContext: 'work' });
  assert.ok(after.includes('\n\t"auths"'), 'tab-indented, as the docker CLI writes it');
  assert.is(mode(path), 0o640, 'the file keeps its mode');
  assert.is(currentContext(cfg), 'work');
  // harpoon's resolution follows it.
  assert.is(resolveEndpoint({}, systemResolveEnvFor({ DOCKER_CONFIG: cfg })).url, 'unix:///w.sock');
  useDock(cfg, 'default');
  assert.equal(JSON.parse(readFileSync(path, 'utf8')), richConfig);
  assert.is(currentContext(cfg), 'default');
});

test('use creates config.json (0600) when there is none; use default then does not create one', () => {
  const cfg = tempDir();
  useDock(cfg, 'default');
  assert.not.ok(existsSync(join(cfg, 'config.json')));
  addDock(cfg, 'work', 'unix:///w.sock');
  useDock(cfg, 'work');
  assert.equal(JSON.parse(readFileSync(join(cfg, 'config.json'), 'utf8')), { currentContext: 'work' });
  assert.is(mode(join(cfg, 'config.json')), 0o600);
});

test('use writes through a symlinked config.json (dotfile managers) instead of replacing the link', () => {
  const cfg = tempDir();
  const real = join(tempDir(), 'docker-config.json');
  writeFileSync(real, '{"auths":{}}');
  symlinkSync(real, join(cfg, 'config.json'));
  addDock(cfg, 'work', 'unix:///w.sock');
  useDock(cfg, 'work');
  assert.ok(lstatSync(join(cfg, 'config.json')).isSymbolicLink());
  assert.equal(JSON.parse(readFileSync(real, 'utf8')), { auths: {}, currentContext: 'work' });
});

test('use refuses a missing context, and never overwrites a config.json it cannot parse', () => {
  const cfg = tempDir();
  dockError(() => useDock(cfg, 'ghost'), /context "ghost" does not exist/);
  addDock(cfg, 'work', 'unix:///w.sock');
  writeFileSync(join(cfg, 'config.json'), '{ "auths": oops');
  dockError(() => useDock(cfg, 'work'), /not valid JSON/);
  assert.is(readFileSync(join(cfg, 'config.json'), 'utf8'), '{ "auths": oops');
  writeFileSync(join(cfg, 'config.json'), '[1]');
  dockError(() => useDock(cfg, 'work'), /not a JSON object/);
});

// --- rm -------------------------------------------------------------------------------------

test('rm removes the meta and TLS dirs', () => {
  const cfg = tempDir();
  addDock(cfg, 'lab', 'tcp://lab.example.com', { tlsDir: tlsDir() });
  addDock(cfg, 'other', 'unix:///o.sock');
  assert.equal(removeDock(cfg, 'lab'), { wasCurrent: false });
  assert.not.ok(existsSync(join(cfg, 'contexts', 'meta', sha('lab'))));
  assert.not.ok(existsSync(join(cfg, 'contexts', 'tls', sha('lab'))));
  assert.equal(
    listDocks(cfg).map((d) => d.name),
    ['other'],
  );
});

test('rm refuses the current context unless forced; forced, it also clears currentContext', () => {
  const cfg = tempDir();
  addDock(cfg, 'work', 'unix:///w.sock');
  writeFileSync(join(cfg, 'config.json'), JSON.stringify(richConfig));
  useDock(cfg, 'work');
  dockError(() => removeDock(cfg, 'work'), /in use/);
  assert.ok(getDock(cfg, 'work'));
  assert.equal(removeDock(cfg, 'work', { force: true }), { wasCurrent: true });
  assert.is(getDock(cfg, 'work'), undefined);
  assert.equal(JSON.parse(readFileSync(join(cfg, 'config.json'), 'utf8')), richConfig);
});

test('rm refuses a context harpoon did not make unless forced, "default", and a missing one', () => {
  const cfg = tempDir();
  mkdirSync(join(cfg, 'contexts', 'meta', sha('cli-made')), { recursive: true });
  writeFileSync(
    join(cfg, 'contexts', 'meta', sha('cli-made'), 'meta.json'),
    '{"Name":"cli-made","Metadata":{},"Endpoints":{"docker":{"Host":"tcp://h:2375","SkipTLSVerify":false}}}',
  );
  dockError(() => removeDock(cfg, 'cli-made'), /not made by harpoon/);
  removeDock(cfg, 'cli-made', { force: true });
  assert.equal(listDocks(cfg), []);
  dockError(() => removeDock(cfg, 'default'), /built-in/);
  dockError(() => removeDock(cfg, 'ghost'), /does not exist/);
});

test.run();
