// Integration: `harpoon publish-image NAME` as a real process, run inside a project of this
// test's own (docker/app/Dockerfile and docker/dockerutils.cfg in a temporary folder), pushing
// to the local registry (scripts/registry.sh) and to a throwaway htpasswd registry; pulled back
// by digest. Credentials come from a test DOCKER_CONFIG or the environment and must never show.
// Everything pushed is deleted from the registries at the end; images carry this run's label.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Harpoon, PushEvent } from 'harpoon';
import type { PublishOutput } from '../../src/cli/commands/publish-image.ts';
import { cliEnv, HARPOON_BIN, harpoonCli, showResult, type CliResult } from '../helpers/cli.ts';
import { buildBusybox, RUN_ID, testLabels } from '../helpers/engine.ts';
import {
  basicAuth,
  deleteManifest,
  dockerConfigWith,
  pullImage,
  REGISTRY,
  registryGates,
  registryOrSkip,
  startAuthRegistry,
  type AuthRegistry,
} from '../helpers/image.ts';
import { engineTests } from '../helpers/integration.ts';
import { PtySession } from '../helpers/pty.ts';

const root = mkdtempSync(join(tmpdir(), 'harpoon-cli-publish-'));
const PROJECT = `hp-${RUN_ID}`;
const projectDir = join(root, PROJECT);
/** An empty docker config: the user's own (and its credentials) stay out of these tests. */
const emptyConfig = join(root, 'empty-docker-config');
const REPOSITORY = `harpoon-test-${PROJECT}-app`;
const pushed: Array<{ addr: string; digest: string; authorization?: string }> = [];
const sessions: PtySession[] = [];
let base = '';

const hasRegistry = await registryOrSkip();
const authRegistry = hasRegistry ? await startAuthRegistry() : undefined;
const onEngine = await engineTests({
  ready: async (client) => {
    base = await buildBusybox(client);
    for (const folder of ['app', 'nopub']) {
      mkdirSync(join(projectDir, 'docker', folder), { recursive: true });
      writeFileSync(join(projectDir, 'docker', folder, 'Dockerfile'), `FROM ${base}\nRUN true\n`);
    }
    writeFileSync(
      join(projectDir, 'docker', 'dockerutils.cfg'),
      '[app]\npublication_tag = ${HARPOON_TEST_REGISTRY}/harpoon-test-{image}:{tag}-pub\n',
    );
    mkdirSync(emptyConfig);
  },
  after: async () => {
    for (const session of sessions) session.kill();
    for (const p of pushed) await deleteManifest(p.addr, REPOSITORY, p.digest, p.authorization).catch(() => {});
    await authRegistry?.stop();
    rmSync(root, { recursive: true, force: true });
  },
});
const { it, withAuth } = registryGates(onEngine, hasRegistry, authRegistry);

/** The project image `<project>-app:<user>` (the login name is the tag), with content of its own. */
async function buildApp(client: Harpoon, user: string): Promise<string> {
  const { imageId } = await client.build({
    dockerfile: [`FROM ${base}`, `RUN echo ${RUN_ID}-${user} > /id`],
    tags: `${PROJECT}-app:${user}`,
    labels: testLabels,
  });
  return imageId;
}

interface PublishOptions {
  user: string;
  registry?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** `harpoon publish-image ARGS` in the project, as login `user`, publishing to `registry`. */
function publish(args: string[], options: PublishOptions): Promise<CliResult> {
  const env = cliEnv({
    LOGNAME: options.user,
    USER: options.user,
    HARPOON_TEST_REGISTRY: options.registry ?? REGISTRY,
    DOCKER_CONFIG: emptyConfig,
    ...options.env,
  });
  return harpoonCli(['publish-image', ...args], { env, cwd: options.cwd ?? projectDir });
}

const target = (user: string, registry = REGISTRY) => `${registry}/${REPOSITORY}:${user}-pub`;

/** Whether a registry has a manifest for this tag (the local registry needs no credentials). */
async function registryHas(tag: string): Promise<boolean> {
  const res = await fetch(`http://${REGISTRY}/v2/${REPOSITORY}/manifests/${tag}`, {
    method: 'HEAD',
    headers: { Accept: 'application/vnd.docker.distribution.manifest.v2+json' },
  });
  return res.status === 200;
}

function assertNoSecret(result: CliResult, registry: AuthRegistry, password = registry.password): void {
  const shown = result.stdout + result.stderr;
  for (const secret of [password, basicAuth(registry.user, password)])
    assert.not.ok(shown.includes(secret), `a secret was printed:\n${shown}`);
}

it('publishes to the local registry: REPOSITORY@DIGEST on stdout, per-layer lines on stderr; pulled back by digest, the same image', async (client) => {
  const user = 'u-plain';
  const imageId = await buildApp(client, user);
  const r = await publish(['app'], { user });
  assert.is(r.code, 0, showResult(r));
  const pinned = new RegExp(`^${REGISTRY}/${REPOSITORY}@(sha256:[0-9a-f]{64})\n$`).exec(r.stdout);
  assert.ok(pinned, r.stdout);
  const digest = pinned![1]!;
  pushed.push({ addr: REGISTRY, digest });

  assert.match(r.stderr, new RegExp(`^The push refers to repository \\[${REGISTRY}/${REPOSITORY}\\]$`, 'm'));
  assert.match(r.stderr, /^[0-9a-f]{12}: Pushed$/m, 'the new layer, on a line of its own');
  const layerLines = r.stderr.split('\n').filter((line) => /^[0-9a-f]{12}: /.test(line));
  assert.is(
    new Set(layerLines).size,
    layerLines.length,
    `plain output: each layer status once, not every byte count:\n${r.stderr}`,
  );
  assert.ok(
    r.stderr.endsWith(
      `Published app (${PROJECT}-app:${user}) as ${target(user)}, digest ${digest} (no credentials sent)\n`,
    ),
    r.stderr,
  );
  assert.not.match(r.stderr, /\x1b/);
  assert.is((await client.inspectImage(target(user))).Id, imageId, 'tagged as its publication_tag');

  // Remove it locally (every name), then pull it back by the digest the command printed.
  await client.removeImage(imageId, { force: true });
  assert.not.ok(await client.imageExists(imageId));
  await pullImage(client, r.stdout.trim());
  assert.is((await client.inspectImage(r.stdout.trim())).Id, imageId, 'the pulled image is the one published');
});

it('--json: the result on stdout, push events as JSON lines on stderr', async (client) => {
  const user = 'u-json';
  await buildApp(client, user);
  const r = await publish(['app', '--json'], { user });
  assert.is(r.code, 0, showResult(r));
  const out = JSON.parse(r.stdout) as PublishOutput;
  pushed.push({ addr: REGISTRY, digest: out.digest });
  assert.equal(
    { ...out, digest: '', size: 0 },
    {
      image: 'app',
      source: `${PROJECT}-app:${user}`,
      target: target(user),
      registry: REGISTRY,
      repository: `${REGISTRY}/${REPOSITORY}`,
      tag: `${user}-pub`,
      digest: '',
      size: 0,
      pinned: `${REGISTRY}/${REPOSITORY}@${out.digest}`,
      credentialsSource: null,
    },
  );
  assert.match(out.digest, /^sha256:[0-9a-f]{64}$/);
  const events = r.stderr
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as PushEvent);
  assert.ok(
    events.some((e) => e.type === 'progress' && /^[0-9a-f]{12}$/.test(e.id)),
    'per-layer events',
  );
  assert.ok(events.some((e) => e.type === 'pushed' && e.digest === out.digest));
});

it('--print-command: docker tag + docker push, and nothing done; with credentials in the environment, a login that reads the variable', async (client) => {
  const user = 'u-print';
  const r = await publish(['app', '--print-command'], { user });
  assert.is(r.code, 0, showResult(r));
  assert.is(r.stdout, `docker tag ${PROJECT}-app:${user} ${target(user)}\ndocker push ${target(user)}\n`);
  assert.is(r.stderr, '');
  assert.not.ok(await client.imageExists(target(user)), 'not tagged');
  assert.not.ok(await registryHas(`${user}-pub`), 'not pushed');

  const secret = `pw-${RUN_ID}`;
  const withEnv = await publish(['app', '--print-command'], {
    user,
    env: { HARPOON_REGISTRY_USER: 'someone', HARPOON_REGISTRY_PASSWORD: secret },
  });
  assert.is(withEnv.code, 0, showResult(withEnv));
  assert.is(
    withEnv.stdout.split('\n')[0],
    `printf '%s' "$HARPOON_REGISTRY_PASSWORD" | docker login --username someone --password-stdin ${REGISTRY}`,
  );
  assert.not.ok(withEnv.stdout.includes(secret) || withEnv.stderr.includes(secret));

  const viaHost = await harpoonCli(['-H', 'unix:///var/run/docker.sock', 'publish-image', 'app', '--print-command'], {
    env: cliEnv({ LOGNAME: user, USER: user, HARPOON_TEST_REGISTRY: REGISTRY, DOCKER_CONFIG: emptyConfig }),
    cwd: projectDir,
  });
  assert.is(viaHost.code, 0, showResult(viaHost));
  assert.is(
    viaHost.stdout,
    `docker -H unix:///var/run/docker.sock tag ${PROJECT}-app:${user} ${target(user)}\ndocker -H unix:///var/run/docker.sock push ${target(user)}\n`,
  );
});

withAuth(
  'credentials from the docker config: the push succeeds, the source is named, the password is never printed',
  async (client, registry) => {
    const user = 'u-auth';
    await buildApp(client, user);
    const configDir = await dockerConfigWith({
      auths: { [registry.addr]: { auth: basicAuth(registry.user, registry.password) } },
    });
    try {
      const options = { user, registry: registry.addr, env: { DOCKER_CONFIG: configDir } };
      const r = await publish(['app'], options);
      assert.is(r.code, 0, showResult(r));
      assertNoSecret(r, registry);
      const digest = /@(sha256:[0-9a-f]{64})$/.exec(r.stdout.trim())![1]!;
      pushed.push({
        addr: registry.addr,
        digest,
        authorization: `Basic ${basicAuth(registry.user, registry.password)}`,
      });
      assert.match(
        r.stderr,
        new RegExp(`\\(credentials from ${join(configDir, 'config.json').replace(/[.]/g, '\\.')}\\)\n$`),
      );

      const json = await publish(['app', '--json'], options);
      assert.is(json.code, 0, showResult(json));
      assertNoSecret(json, registry);
      assert.is((JSON.parse(json.stdout) as PublishOutput).credentialsSource, join(configDir, 'config.json'));

      // The docker CLI reads the same docker config: no login line, nothing secret.
      const printed = await publish(['app', '--print-command'], options);
      assert.is(
        printed.stdout,
        `docker tag ${PROJECT}-app:${user} ${target(user, registry.addr)}\ndocker push ${target(user, registry.addr)}\n`,
      );
      assertNoSecret(printed, registry);
    } finally {
      rmSync(configDir, { recursive: true, force: true });
    }
  },
);

withAuth(
  'credentials from HARPOON_REGISTRY_USER/PASSWORD: never printed; a wrong password is exit 125 naming user and source, not the password',
  async (client, registry) => {
    const user = 'u-envauth';
    await buildApp(client, user);
    const credentials = { HARPOON_REGISTRY_USER: registry.user, HARPOON_REGISTRY_PASSWORD: registry.password };
    const r = await publish(['app'], { user, registry: registry.addr, env: credentials });
    assert.is(r.code, 0, showResult(r));
    assertNoSecret(r, registry);
    assert.match(r.stderr, /\(credentials from HARPOON_REGISTRY_USER\/HARPOON_REGISTRY_PASSWORD\)\n$/);
    const digest = /@(sha256:[0-9a-f]{64})$/.exec(r.stdout.trim())![1]!;
    pushed.push({ addr: registry.addr, digest, authorization: `Basic ${basicAuth(registry.user, registry.password)}` });

    const wrong = `wrong-${registry.password}`;
    const denied = await publish(['app'], {
      user,
      registry: registry.addr,
      env: { ...credentials, HARPOON_REGISTRY_PASSWORD: wrong },
    });
    assert.is(denied.code, 125, showResult(denied));
    assert.is(denied.stdout, '');
    assert.match(
      denied.stderr,
      new RegExp(
        `harpoon: The registry ${registry.addr} denied access: .*the credentials of user "${registry.user}" from HARPOON_REGISTRY_USER/HARPOON_REGISTRY_PASSWORD were refused`,
      ),
    );
    assertNoSecret(denied, registry, wrong);
    assertNoSecret(denied, registry);

    // None at all: the registry says no, and the message says none were found.
    const anonymous = await publish(['app'], { user, registry: registry.addr });
    assert.is(anonymous.code, 125, showResult(anonymous));
    assert.match(anonymous.stderr, /no credentials were found/);
  },
);

it('project problems are exit 125 with the reason: unknown image, no publication_tag, not built, no project', async () => {
  const user = 'u-problems';
  const unknown = await publish(['nope'], { user });
  assert.is(unknown.code, 125, showResult(unknown));
  assert.is(unknown.stderr, 'harpoon: Image "nope": the project has no such image. Valid: app, nopub\n');

  const noTag = await publish(['nopub'], { user });
  assert.is(noTag.code, 125, showResult(noTag));
  assert.match(noTag.stderr, /^harpoon: Image "nopub": it has no publication_tag in .*dockerutils\.cfg/);

  const notBuilt = await publish(['app'], { user });
  assert.is(notBuilt.code, 125, showResult(notBuilt));
  assert.match(notBuilt.stderr, new RegExp(`^harpoon: Image not found: ${PROJECT}-app:${user}`));

  const unset = await publish(['app'], { user, env: { HARPOON_TEST_REGISTRY: undefined } });
  assert.is(unset.code, 125, showResult(unset));
  assert.match(
    unset.stderr,
    /dockerutils\.cfg line 2, \[app\] publication_tag: environment variable \$HARPOON_TEST_REGISTRY is not set/,
  );

  const outside = await publish(['app'], { user, cwd: root });
  assert.is(outside.code, 125, showResult(outside));
  assert.match(outside.stderr, /^harpoon: No project found/);
});

it('on a terminal: one line per layer, redrawn in place, then the digest', async (client) => {
  const user = 'u-tty';
  await buildApp(client, user);
  const env = cliEnv({ LOGNAME: user, USER: user, HARPOON_TEST_REGISTRY: REGISTRY, DOCKER_CONFIG: emptyConfig });
  const [node, bin] = HARPOON_BIN;
  // PtySession runs in the repository; the command must run in the project.
  const session = new PtySession(
    '/bin/sh',
    ['-c', `cd '${projectDir}' && exec '${node}' '${bin}' publish-image app`],
    { cols: 120, rows: 30 },
    env as Record<string, string>,
  );
  sessions.push(session);
  const { exitCode } = await session.exit(120_000);
  assert.is(exitCode, 0, session.output);
  const digest = /@(sha256:[0-9a-f]{64})/.exec(session.output)?.[1];
  assert.ok(digest, session.output);
  pushed.push({ addr: REGISTRY, digest: digest! });
  assert.match(session.output, /\r\x1b\[2K[0-9a-f]{12}: (Pushed|Layer already exists)/, 'layer lines');
  assert.match(session.output, /\x1b\[\d+A/, 'redrawn in place (cursor up)');
  assert.match(session.output, new RegExp(`${user}-pub: digest: ${digest}`));
});

test.run();
