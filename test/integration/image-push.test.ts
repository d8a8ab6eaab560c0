// Integration: tag and push to a real registry (Debian's docker-registry on 127.0.0.1, from
// scripts/registry.sh), pull back by digest; credentials from a test DOCKER_CONFIG, a
// credential helper and the environment, against a throwaway htpasswd registry of this file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { ImageNotFoundError, InvalidInputError, RegistryAuthError, type Harpoon, type PushEvent } from 'harpoon';
import { registryCredentials } from '../../src/core/image/auth.ts';
import { buildBusybox, RUN_ID, testLabels } from '../helpers/engine.ts';
import { engineTests, rejection } from '../helpers/integration.ts';
import {
  basicAuth,
  deleteManifest,
  dockerConfigWith,
  pullImage,
  REGISTRY,
  registryGates,
  registryOrSkip,
  startAuthRegistry,
} from '../helpers/image.ts';

let base = '';
const pushed: Array<{ addr: string; repository: string; digest: string; authorization?: string }> = [];
const tempDirs: string[] = [];

const hasRegistry = await registryOrSkip();
const authRegistry = hasRegistry ? await startAuthRegistry() : undefined;
const onEngine = await engineTests({
  ready: async (client) => {
    base = await buildBusybox(client);
  },
  after: async () => {
    for (const p of pushed) await deleteManifest(p.addr, p.repository, p.digest, p.authorization).catch(() => {});
    await authRegistry?.stop();
    for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
  },
});
const { it, withAuth } = registryGates(onEngine, hasRegistry, authRegistry);

const repo = (addr: string, suffix = '') => `${addr}/harpoon-test-${RUN_ID}${suffix}`;

/** An image of its own (so that a push has something new to send), tagged `ref`. */
async function buildTagged(client: Harpoon, ref: string): Promise<string> {
  const { imageId } = await client.build({
    dockerfile: [`FROM ${base}`, `RUN echo ${ref} > /ref && head -c 300000 /dev/urandom > /noise`],
    labels: testLabels,
  });
  await client.tagImage(imageId, ref);
  return imageId;
}

/** Every text an event or an error could show a user. */
function shown(events: PushEvent[], err?: unknown): string {
  const e = err as Error | undefined;
  return [
    JSON.stringify(events),
    inspect(events, { depth: 9 }),
    e?.message,
    e?.stack,
    e ? inspect(e, { depth: 9 }) : '',
    e ? JSON.stringify(e) : '',
  ].join('\n');
}

/** Neither the password, nor base64 "user:password" (an auths entry, a Basic header), nor base64 of the password. */
function assertNoSecret(text: string, secret: string, user = 'harpoon-test'): void {
  for (const form of [secret, basicAuth(user, secret), Buffer.from(secret).toString('base64')]) {
    assert.not.ok(text.includes(form), 'a form of the password was shown');
  }
}

it('tags, pushes with per-layer progress, then pulls back by digest: the same image id', async (client) => {
  const repository = repo(REGISTRY);
  const ref = `${repository}:x`;
  const imageId = await buildTagged(client, ref);

  const events: PushEvent[] = [];
  const task = client.pushImage(ref, { onProgress: (e) => events.push(e) });
  const result = await task;
  pushed.push({ addr: REGISTRY, repository: `harpoon-test-${RUN_ID}`, digest: result.digest });

  assert.is(result.repository, repository);
  assert.is(result.tag, 'x');
  assert.match(result.digest, /^sha256:[0-9a-f]{64}$/);
  assert.ok(result.size > 0);
  assert.is(result.pinned, `${repository}@${result.digest}`);

  assert.ok(
    events.some((e) => e.type === 'status' && e.text.includes(`[${repository}]`)),
    'the "push refers to" line',
  );
  const layers = events.flatMap((e) => (e.type === 'progress' ? [e] : []));
  assert.ok(
    layers.every((e) => /^[0-9a-f]{12}$/.test(e.id)),
    'per-layer events carry the layer id',
  );
  assert.ok(
    layers.some((e) => e.status === 'Pushing' && typeof e.current === 'number' && typeof e.total === 'number'),
    'bytes of a layer',
  );
  // Every layer ends Pushed, or already there, or mounted from another repository of the
  // registry (the busybox base layers may be there from an earlier push).
  const final = new Map(
    layers.filter((e) => /^(Pushed|Layer already exists|Mounted from )/.test(e.status)).map((e) => [e.id, e.status]),
  );
  const all = new Set(layers.map((e) => e.id));
  assert.ok(
    all.size >= 3 && final.size === all.size,
    `layers: ${JSON.stringify([...final])} of ${[...all].join(', ')}`,
  );
  assert.ok([...final.values()].includes('Pushed'), 'the new layer was pushed');
  const done = events.at(-1)!;
  assert.ok(done.type === 'pushed' && done.digest === result.digest && done.tag === 'x');

  // Remove the image locally (every name), then pull it back by digest.
  await client.removeImage(imageId, { force: true });
  assert.not.ok(await client.imageExists(imageId));
  const lines = await pullImage(client, result.pinned);
  assert.ok(
    lines.some((l) => l.includes(result.digest)),
    lines.join('\n'),
  );
  assert.is((await client.inspectImage(result.pinned)).Id, imageId, 'the pulled image has the id that was pushed');
});

it('pushing again: every layer already exists, same digest', async (client) => {
  const ref = `${repo(REGISTRY, '-again')}:y`;
  await buildTagged(client, ref);
  const first = await client.pushImage(ref);
  pushed.push({ addr: REGISTRY, repository: `harpoon-test-${RUN_ID}-again`, digest: first.digest });
  const events: PushEvent[] = [];
  const second = await client.pushImage(ref, { onProgress: (e) => events.push(e) });
  assert.is(second.digest, first.digest);
  assert.ok(events.some((e) => e.type === 'progress' && e.status === 'Layer already exists'));
  assert.not.ok(events.some((e) => e.type === 'progress' && e.status === 'Pushing'));
});

it('a push of a missing image is ImageNotFoundError', async (client) => {
  const err = await rejection(client.pushImage(`${repo(REGISTRY, '-missing')}:nope`));
  assert.instance(err, ImageNotFoundError);
  assert.is((err as ImageNotFoundError).code, 'IMAGE_NOT_FOUND');
  // A digest is not something to push.
  assert.instance(await rejection(client.pushImage(`${repo(REGISTRY)}@sha256:${'0'.repeat(64)}`)), InvalidInputError);
});

withAuth(
  'credentials from a test DOCKER_CONFIG: the push succeeds, and the password is in no event',
  async (client, registry) => {
    const ref = `${repo(registry.addr)}:auth`;
    await buildTagged(client, ref);
    const configDir = await dockerConfigWith({
      auths: { [`http://${registry.addr}`]: { auth: basicAuth(registry.user, registry.password) } },
    });
    tempDirs.push(configDir);

    const events: PushEvent[] = [];
    const result = await client.pushImage(ref, {
      credentialLookup: { env: { DOCKER_CONFIG: configDir } },
      onProgress: (e) => events.push(e),
    });
    assert.is(result.credentialsSource, join(configDir, 'config.json'));
    assert.match(result.digest, /^sha256:/);
    assertNoSecret(shown(events) + JSON.stringify(result) + inspect(result), registry.password);
    const auth = `Basic ${basicAuth(registry.user, registry.password)}`;
    pushed.push({
      addr: registry.addr,
      repository: `harpoon-test-${RUN_ID}`,
      digest: result.digest,
      authorization: auth,
    });

    // The credentials object itself never shows the password either.
    const creds = await registryCredentials(registry.addr, { env: { DOCKER_CONFIG: configDir } });
    assert.is(creds?.username, registry.user);
    assertNoSecret(`${creds} ${JSON.stringify(creds)} ${inspect(creds)}`, registry.password);
  },
);

withAuth('wrong password: RegistryAuthError naming user and source, never the password', async (client, registry) => {
  const ref = `${repo(registry.addr, '-denied')}:x`;
  await buildTagged(client, ref);
  const wrong = `wrong-${registry.password}`;
  const configDir = await dockerConfigWith({ auths: { [registry.addr]: { auth: basicAuth(registry.user, wrong) } } });
  tempDirs.push(configDir);

  const events: PushEvent[] = [];
  const err = await rejection(
    client.pushImage(ref, {
      credentialLookup: { env: { DOCKER_CONFIG: configDir } },
      onProgress: (e) => events.push(e),
    }),
  );
  assert.instance(err, RegistryAuthError);
  const denied = err as RegistryAuthError;
  assert.is(denied.code, 'REGISTRY_AUTH_FAILED');
  assert.is(denied.registry, registry.addr);
  assert.is(denied.username, registry.user);
  assert.is(denied.credentialsSource, join(configDir, 'config.json'));
  assert.ok(denied.message.includes(registry.user));
  assert.ok(events.some((e) => e.type === 'error'));
  assertNoSecret(shown(events, err), wrong);
  assertNoSecret(shown(events, err), registry.password);
});

withAuth('no credentials at all: RegistryAuthError that says none were found', async (client, registry) => {
  const ref = `${repo(registry.addr, '-anonymous')}:x`;
  await buildTagged(client, ref);
  const configDir = await dockerConfigWith({ auths: {} });
  tempDirs.push(configDir);
  const err = await rejection(client.pushImage(ref, { credentialLookup: { env: { DOCKER_CONFIG: configDir } } }));
  assert.instance(err, RegistryAuthError);
  assert.is((err as RegistryAuthError).credentialsSource, undefined);
  assert.match((err as Error).message, /no credentials were found/);
});

withAuth(
  'a credential helper (credsStore) is run, and HARPOON_REGISTRY_USER/PASSWORD work',
  async (client, registry) => {
    const ref = `${repo(registry.addr, '-helper')}:x`;
    await buildTagged(client, ref);
    const bin = await mkdtemp(join(tmpdir(), 'harpoon-helper-bin-'));
    tempDirs.push(bin);
    // A helper by the docker-credential-helpers protocol: server URL on stdin, JSON on stdout.
    const helper = join(bin, 'docker-credential-harpoontest');
    await writeFile(
      helper,
      [
        '#!/bin/sh',
        '[ "$1" = get ] || exit 1',
        'read -r server',
        `if [ "$server" = "${registry.addr}" ]; then`,
        `  printf '%s' '${JSON.stringify({ ServerURL: registry.addr, Username: registry.user, Secret: registry.password })}'`,
        'else echo "credentials not found in native keychain"; exit 1; fi',
        '',
      ].join('\n'),
    );
    await chmod(helper, 0o755);
    const configDir = await dockerConfigWith({ credsStore: 'harpoontest' });
    tempDirs.push(configDir);
    const env = { DOCKER_CONFIG: configDir, PATH: `${bin}:${process.env.PATH}` };

    const events: PushEvent[] = [];
    const viaHelper = await client.pushImage(ref, { credentialLookup: { env }, onProgress: (e) => events.push(e) });
    assert.match(viaHelper.credentialsSource ?? '', /^docker-credential-harpoontest/);
    assertNoSecret(shown(events), registry.password);
    pushed.push({
      addr: registry.addr,
      repository: `harpoon-test-${RUN_ID}-helper`,
      digest: viaHelper.digest,
      authorization: `Basic ${basicAuth(registry.user, registry.password)}`,
    });

    // The environment wins over the docker config.
    const viaEnv = await client.pushImage(ref, {
      credentialLookup: {
        env: { ...env, HARPOON_REGISTRY_USER: registry.user, HARPOON_REGISTRY_PASSWORD: registry.password },
      },
    });
    assert.is(viaEnv.credentialsSource, 'HARPOON_REGISTRY_USER/HARPOON_REGISTRY_PASSWORD');
    assert.is(viaEnv.digest, viaHelper.digest);
    // ... unless HARPOON_REGISTRY_HOST scopes it to another registry.
    const err = await rejection(
      client.pushImage(ref, {
        credentialLookup: {
          env: {
            DOCKER_CONFIG: configDir,
            PATH: '/nonexistent',
            HARPOON_REGISTRY_USER: registry.user,
            HARPOON_REGISTRY_PASSWORD: 'x',
            HARPOON_REGISTRY_HOST: '127.0.0.2:1',
          },
        },
      }),
    );
    assert.is((err as { code?: string }).code, 'CREDENTIALS_ERROR', 'the helper is not on PATH: a typed error');
    assert.match((err as Error).message, /docker-credential-harpoontest is not on PATH/);
  },
);

test.run();
