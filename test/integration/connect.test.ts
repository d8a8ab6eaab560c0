// Connecting as the docker CLI does, checked against the docker CLI itself: contexts that
// `docker context create` writes are found by harpoon, and the choice is explained.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EngineUnreachableError, Harpoon } from 'harpoon';
import { systemResolveEnvFor } from '../../src/core/endpoint.ts';
import { engineTests } from '../helpers/integration.ts';
import { HARPOON } from '../helpers/pty.ts';

let client: Harpoon | undefined;
const configDir = mkdtempSync(join(tmpdir(), 'harpoon-docker-config-'));
const SOCKET = 'unix:///var/run/docker.sock';
const docker = (...args: string[]) =>
  execFileSync('docker', args, {
    env: { ...process.env, DOCKER_CONFIG: configDir, DOCKER_HOST: '' },
    encoding: 'utf8',
  });

const live = await engineTests({
  ready: (c) => {
    client = c;
  },
  after: () => {
    rmSync(configDir, { recursive: true, force: true });
  },
});

live('a context made by `docker context create` is used via DOCKER_CONTEXT, and named as the reason', async () => {
  docker('context', 'create', 'harpoon-ctx-a', '--docker', `host=${SOCKET}`);
  const viaContext = await Harpoon.connect({
    resolveEnv: systemResolveEnvFor({ DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'harpoon-ctx-a' }),
  });
  assert.is(viaContext.endpoint.url, SOCKET);
  assert.match(viaContext.describe(), /docker context "harpoon-ctx-a" \(from DOCKER_CONTEXT\)/);
  assert.type((await viaContext.info()).ServerVersion, 'string');
});

live('`docker context use` sets currentContext in config.json, which harpoon follows', async () => {
  docker('context', 'create', 'harpoon-ctx-b', '--docker', `host=${SOCKET}`);
  docker('context', 'use', 'harpoon-ctx-b');
  const viaConfig = await Harpoon.connect({ resolveEnv: systemResolveEnvFor({ DOCKER_CONFIG: configDir }) });
  assert.match(viaConfig.describe(), /docker context "harpoon-ctx-b" \(from currentContext in .*config\.json\)/);
  // DOCKER_HOST still wins over the current context, as in the docker CLI.
  const viaHost = await Harpoon.connect({
    resolveEnv: systemResolveEnvFor({ DOCKER_CONFIG: configDir, DOCKER_HOST: SOCKET }),
  });
  assert.match(viaHost.describe(), /chosen from DOCKER_HOST/);
  docker('context', 'use', 'default');
});

live('`harpoon info --json` reports the endpoint and why, under a real docker config', () => {
  const [file, ...args] = HARPOON;
  const run = spawnSync(file!, [...args, 'info', '--json'], {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_CONFIG: configDir, DOCKER_CONTEXT: 'harpoon-ctx-a', DOCKER_HOST: '' },
  });
  assert.is(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as {
    endpoint: string;
    source: string;
    apiVersion: string;
    info: { ServerVersion: string };
  };
  assert.is(out.endpoint, SOCKET);
  assert.match(out.source, /harpoon-ctx-a/);
  assert.match(out.apiVersion, /^1\.\d+$/);
});

live("the API version is the lower of ours and the engine's", async () => {
  const engineMax = (await client!.version()).ApiVersion;
  assert.is(client!.apiVersion, engineMax, 'our default cap (1.47) is above this engine');
  const capped = await Harpoon.connect({ apiVersion: '1.40' });
  assert.is(capped.apiVersion, '1.40');
  assert.type((await capped.info()).ServerVersion, 'string');
});

test('an engine that does not answer gives EngineUnreachableError naming the endpoint, the reason, and the fix', async () => {
  const err = await Harpoon.connect({ host: 'unix:///nonexistent/harpoon.sock' }).catch((e: unknown) => e);
  assert.instance(err, EngineUnreachableError);
  const message = (err as Error).message;
  assert.match(message, /unix:\/\/\/nonexistent\/harpoon\.sock/);
  assert.match(message, /chosen from the host option/);
  assert.match(message, /Start a Docker engine \(dockerd\), or point DOCKER_HOST/);
  assert.not.match(message, /npm run/);
  // The CLI says the same and exits 125.
  const [file, ...args] = HARPOON;
  const run = spawnSync(file!, [...args, 'info'], {
    encoding: 'utf8',
    env: { ...process.env, DOCKER_HOST: 'unix:///nonexistent/harpoon.sock' },
  });
  assert.is(run.status, 125);
  assert.match(
    run.stderr,
    /Cannot reach a Docker engine at unix:\/\/\/nonexistent\/harpoon\.sock \(chosen from DOCKER_HOST\)/,
  );
});

test.run();
