// Unit: image references, registry credentials (docker config, helpers, environment) and the
// X-Registry-Auth encoding; push/load stream lines as typed events. No engine needed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { CredentialsError, InvalidInputError, parseReference } from 'harpoon';
import {
  encodeRegistryAuth,
  RegistryCredentials,
  registryCredentials,
  runCredentialHelper,
  type HelperAnswer,
} from '../../src/core/image/auth.ts';
import { normalizeRegistry } from '../../src/core/image/reference.ts';
import { toLoadEvents } from '../../src/core/image/load.ts';
import { toPushEvents } from '../../src/core/image/push.ts';

const dirs: string[] = [];
test.after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function configDir(config: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'harpoon-auth-unit-'));
  dirs.push(dir);
  await writeFile(join(dir, 'config.json'), typeof config === 'string' ? config : JSON.stringify(config));
  return dir;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const decodeHeader = (header: string) =>
  JSON.parse(Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));

test('parseReference: registry, repository, tag, digest', () => {
  assert.equal(parseReference('busybox'), {
    registry: 'docker.io',
    repository: 'busybox',
    tag: undefined,
    digest: undefined,
  });
  assert.equal(parseReference('library/busybox:1.36'), {
    registry: 'docker.io',
    repository: 'library/busybox',
    tag: '1.36',
    digest: undefined,
  });
  assert.equal(parseReference('127.0.0.1:5000/app'), {
    registry: '127.0.0.1:5000',
    repository: '127.0.0.1:5000/app',
    tag: undefined,
    digest: undefined,
  });
  assert.equal(parseReference('localhost/a/b:t'), {
    registry: 'localhost',
    repository: 'localhost/a/b',
    tag: 't',
    digest: undefined,
  });
  const pinned = parseReference(`ghcr.io/o/app:1@sha256:${'a'.repeat(64)}`);
  assert.equal(pinned, {
    registry: 'ghcr.io',
    repository: 'ghcr.io/o/app',
    tag: '1',
    digest: `sha256:${'a'.repeat(64)}`,
  });
  for (const bad of ['', 'has space', 'a?b', 'x:', 'y@', ':tag'])
    assert.throws(
      () => parseReference(bad),
      (e: unknown) => e instanceof InvalidInputError,
      bad,
    );
});

test('normalizeRegistry: schemes, paths and Docker Hub aliases', () => {
  assert.is(normalizeRegistry('https://index.docker.io/v1/'), 'docker.io');
  assert.is(normalizeRegistry('registry-1.docker.io'), 'docker.io');
  assert.is(normalizeRegistry('http://127.0.0.1:5000'), '127.0.0.1:5000');
  assert.is(normalizeRegistry('Registry.Example.com/v2/'), 'registry.example.com');
});

test('auths: base64 user:password, under any spelling of the host; a password may hold ":"', async () => {
  const dir = await configDir({ auths: { 'http://127.0.0.1:5000/v2/': { auth: b64('alice:se:cret') } } });
  const creds = await registryCredentials('127.0.0.1:5000', { env: { DOCKER_CONFIG: dir } });
  assert.ok(creds instanceof RegistryCredentials);
  assert.is(creds!.username, 'alice');
  assert.is(creds!.source, join(dir, 'config.json'));
  assert.equal(decodeHeader(creds!.header()), {
    username: 'alice',
    password: 'se:cret',
    serveraddress: '127.0.0.1:5000',
  });
  assert.is(await registryCredentials('127.0.0.1:5001', { env: { DOCKER_CONFIG: dir } }), undefined);
});

test('Docker Hub: the index.docker.io key, and the header names it', async () => {
  const dir = await configDir({ auths: { 'https://index.docker.io/v1/': { auth: b64('bob:pw1') } } });
  const creds = await registryCredentials('docker.io', { env: { DOCKER_CONFIG: dir } });
  assert.equal(decodeHeader(creds!.header()), {
    username: 'bob',
    password: 'pw1',
    serveraddress: 'https://index.docker.io/v1/',
  });
});

test('identitytoken entries send the token, not a password', async () => {
  const dir = await configDir({ auths: { 'ghcr.io': { auth: b64('carol:'), identitytoken: 'tok-123' } } });
  const creds = await registryCredentials('ghcr.io', { env: { DOCKER_CONFIG: dir } });
  assert.equal(decodeHeader(creds!.header()), { identitytoken: 'tok-123', serveraddress: 'ghcr.io' });
});

test('credHelpers[host] wins over credsStore; "<token>" answers are identity tokens', async () => {
  const dir = await configDir({ credsStore: 'store', credHelpers: { 'ghcr.io': 'gh' }, auths: { 'ghcr.io': {} } });
  const calls: string[] = [];
  const runHelper = async (helper: string, url: string): Promise<HelperAnswer | undefined> => {
    calls.push(`${helper} ${url}`);
    return helper === 'gh' ? { Username: '<token>', Secret: 'gh-token' } : { Username: 'u', Secret: 'p' };
  };
  const gh = await registryCredentials('ghcr.io', { env: { DOCKER_CONFIG: dir }, runHelper });
  assert.equal(decodeHeader(gh!.header()), { identitytoken: 'gh-token', serveraddress: 'ghcr.io' });
  assert.match(gh!.source, /^docker-credential-gh /);
  const hub = await registryCredentials('index.docker.io', { env: { DOCKER_CONFIG: dir }, runHelper });
  assert.is(hub!.username, 'u');
  assert.equal(calls, ['gh ghcr.io', 'store https://index.docker.io/v1/']);
});

test('a helper with nothing stored falls back to auths, then to nothing', async () => {
  const dir = await configDir({ credsStore: 'store', auths: { 'a.example': { auth: b64('x:y') } } });
  const runHelper = async () => undefined;
  assert.is((await registryCredentials('a.example', { env: { DOCKER_CONFIG: dir }, runHelper }))!.username, 'x');
  assert.is(await registryCredentials('b.example', { env: { DOCKER_CONFIG: dir }, runHelper }), undefined);
});

test('environment: HARPOON_REGISTRY_USER/PASSWORD win, unless HARPOON_REGISTRY_HOST names another registry', async () => {
  const dir = await configDir({ auths: { 'a.example': { auth: b64('file-user:file-pw') } } });
  const env = { DOCKER_CONFIG: dir, HARPOON_REGISTRY_USER: 'env-user', HARPOON_REGISTRY_PASSWORD: 'env-pw' };
  const fromEnv = await registryCredentials('a.example', { env });
  assert.is(fromEnv!.username, 'env-user');
  assert.is(fromEnv!.source, 'HARPOON_REGISTRY_USER/HARPOON_REGISTRY_PASSWORD');
  assert.is(
    (await registryCredentials('a.example', { env: { ...env, HARPOON_REGISTRY_HOST: 'https://a.example/' } }))!
      .username,
    'env-user',
  );
  assert.is(
    (await registryCredentials('a.example', { env: { ...env, HARPOON_REGISTRY_HOST: 'b.example' } }))!.username,
    'file-user',
  );
  // No config at all: only the environment.
  const empty = join(tmpdir(), `harpoon-no-config-${process.pid}`);
  assert.is(await registryCredentials('a.example', { env: { DOCKER_CONFIG: empty } }), undefined);
  assert.is(
    (await registryCredentials('a.example', {
      env: { DOCKER_CONFIG: empty, HARPOON_REGISTRY_USER: 'u', HARPOON_REGISTRY_PASSWORD: 'p' },
    }))!.username,
    'u',
  );
});

test('a broken config is a CredentialsError that does not quote the file', async () => {
  const dir = await configDir('{"auths": {"a.example": {"auth": "c2VjcmV0LXB3"}, oops');
  try {
    await registryCredentials('a.example', { env: { DOCKER_CONFIG: dir } });
    assert.unreachable('should have thrown');
  } catch (err) {
    assert.instance(err, CredentialsError);
    assert.is((err as CredentialsError).code, 'CREDENTIALS_ERROR');
    assert.not.ok((err as Error).message.includes('c2VjcmV0LXB3'));
  }
});

test('runCredentialHelper: JSON on success, undefined for "not found", a typed error otherwise', async () => {
  const bin = await mkdtemp(join(tmpdir(), 'harpoon-helper-unit-'));
  dirs.push(bin);
  const script = (name: string, body: string) =>
    writeFile(join(bin, `docker-credential-${name}`), `#!/bin/sh\nread -r server\n${body}\n`).then(() =>
      chmod(join(bin, `docker-credential-${name}`), 0o755),
    );
  await script('ok', `printf '{"ServerURL":"%s","Username":"u","Secret":"s3cr3t"}' "$server"`);
  await script('none', 'echo "credentials not found in native keychain"; exit 1');
  await script('broken', 'echo "keychain locked" >&2; exit 3');
  const env = { PATH: `${bin}:/usr/bin:/bin` };
  assert.equal(await runCredentialHelper('ok', 'r.example', env), {
    ServerURL: 'r.example',
    Username: 'u',
    Secret: 's3cr3t',
  });
  assert.is(await runCredentialHelper('none', 'r.example', env), undefined);
  const broken = await runCredentialHelper('broken', 'r.example', env).catch((e: unknown) => e);
  assert.instance(broken, CredentialsError);
  assert.match((broken as Error).message, /docker-credential-broken get failed \(exit 3\): keychain locked/);
  const absent = await runCredentialHelper('absent', 'r.example', env).catch((e: unknown) => e);
  assert.instance(absent, CredentialsError);
  assert.match((absent as Error).message, /not on PATH/);
});

test('RegistryCredentials never shows its secret, and redacts it from text', () => {
  const creds = new RegistryCredentials({
    registry: 'a.example',
    username: 'dave',
    password: 'hunter2-pw',
    source: 'test',
  });
  for (const shown of [
    String(creds),
    JSON.stringify(creds),
    inspect(creds),
    inspect({ nested: creds }, { depth: 5 }),
  ]) {
    assert.not.ok(shown.includes('hunter2-pw'), shown);
    assert.ok(shown.includes('dave'), shown);
  }
  assert.is(Object.keys(creds).includes('password'), false);
  assert.is(creds.redact(`x hunter2-pw y ${b64('dave:hunter2-pw')} ${creds.header()}`), 'x **** y **** ****');
});

test('encodeRegistryAuth: URL-safe base64 with its padding (engines before 25 reject it unpadded)', () => {
  const header = encodeRegistryAuth({ username: '>>>?', password: '???', serveraddress: 'r' });
  assert.not.match(header, /[+/]/);
  assert.is(header.length % 4, 0);
  assert.equal(decodeHeader(header), { username: '>>>?', password: '???', serveraddress: 'r' });
  assert.is(encodeRegistryAuth({}), 'e30=');
});

test('push stream lines → typed events; secrets masked', () => {
  const redact = (t: string) => t.split('pw9').join('****');
  assert.equal(toPushEvents({ status: 'The push refers to repository [r/app]' }), [
    { type: 'status', text: 'The push refers to repository [r/app]' },
  ]);
  assert.equal(
    toPushEvents({ status: 'Pushing', id: 'abc', progressDetail: { current: 5, total: 10 }, progress: '[==>  ]' }),
    [{ type: 'progress', id: 'abc', status: 'Pushing', current: 5, total: 10 }],
  );
  assert.equal(toPushEvents({ aux: { Tag: 'x', Digest: 'sha256:d', Size: 9 } } as never), [
    { type: 'pushed', tag: 'x', digest: 'sha256:d', size: 9 },
  ]);
  assert.equal(toPushEvents({ errorDetail: { message: 'denied for pw9' }, error: 'denied for pw9' }, redact), [
    { type: 'error', message: 'denied for ****' },
  ]);
});

test('load stream lines → typed events', () => {
  assert.equal(toLoadEvents({ stream: 'Loaded image: app:1\n' }), [
    { type: 'loaded', ref: 'app:1', imageId: undefined },
  ]);
  const id = `sha256:${'b'.repeat(64)}`;
  assert.equal(toLoadEvents({ stream: `Loaded image ID: ${id}\n` }), [{ type: 'loaded', ref: undefined, imageId: id }]);
  assert.equal(toLoadEvents({ status: 'Loading layer', id: 'l1', progressDetail: { current: 1, total: 2 } }), [
    { type: 'progress', id: 'l1', status: 'Loading layer', current: 1, total: 2 },
  ]);
  assert.equal(toLoadEvents({ errorDetail: { message: 'unexpected EOF' } }), [
    { type: 'error', message: 'unexpected EOF' },
  ]);
});

test.run();
