// Shared by the image transfer and push tests: the second engine (scripts/engine2.sh), the
// local registry (scripts/registry.sh), and a throwaway registry with htpasswd auth.
// Like engineOrSkip: a missing engine or registry is a skip, except under CI=true, a failure.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import { EngineError, Harpoon } from 'harpoon';
import { testLabels } from './engine.ts';
import { JsonLinesParser } from '../../src/core/build/progress.ts';

export const ENGINE2_HOST = process.env.HARPOON_ENGINE2_HOST ?? 'unix:///var/run/harpoon-dock2.sock';
export const REGISTRY = process.env.HARPOON_REGISTRY_ADDR ?? '127.0.0.1:5000';

// These tests only ever talk to loopback registries.
function assertLoopback(addr: string): void {
  if (!/^127\.\d+\.\d+\.\d+:\d+$/.test(addr))
    throw new Error(`registry ${addr}: only 127.x.x.x:PORT registries are allowed in tests`);
}

function missing(what: string, hint: string, err?: unknown): undefined {
  const why = err ? ` (${(err as Error).message.split('\n')[0]})` : '';
  if (process.env.CI === 'true') throw new Error(`${what} is required under CI${why}. ${hint}`);
  console.warn(`No ${what}${why}; skipping. ${hint}`);
  return undefined;
}

/** The second engine, or undefined (a skip) when it does not answer; under CI=true, a failure. */
export async function secondEngineOrSkip(): Promise<Harpoon | undefined> {
  try {
    return await Harpoon.connect({ host: ENGINE2_HOST });
  } catch (err) {
    return missing(`second engine at ${ENGINE2_HOST}`, 'Start it with `bash scripts/engine2.sh`.', err);
  }
}

/** Whether the local registry answers /v2/; under CI=true a missing one throws. */
export async function registryOrSkip(addr = REGISTRY): Promise<boolean> {
  assertLoopback(addr);
  try {
    const res = await fetch(`http://${addr}/v2/`, { signal: AbortSignal.timeout(3000) });
    if (res.status !== 200) throw new Error(`/v2/ answered HTTP ${res.status}`);
    return true;
  } catch (err) {
    return missing(`registry at ${addr}`, 'Start it with `bash scripts/registry.sh`.', err) ?? false;
  }
}

/** `docker pull` by the API (no pull helper in the library yet); throws on an errorDetail line. */
export async function pullImage(client: Harpoon, ref: string, xRegistryAuth = 'e30='): Promise<string[]> {
  const query = new URLSearchParams({ fromImage: ref });
  const res = await client.engine.request(
    { method: 'POST', path: `/images/create?${query}`, headers: { 'X-Registry-Auth': xRegistryAuth } },
    { image: ref },
  );
  const parser = new JsonLinesParser();
  const lines: string[] = [];
  const take = (m: { status?: string; error?: string; errorDetail?: { message?: string } }) => {
    if (m.error || m.errorDetail) throw new EngineError(`pull ${ref}: ${m.errorDetail?.message ?? m.error}`);
    if (m.status) lines.push(m.status);
  };
  for await (const chunk of res) parser.push(chunk as Buffer).forEach(take);
  parser.end().forEach(take);
  return lines;
}

/** Delete a manifest from a loopback registry (its blobs stay until a garbage collection). */
export async function deleteManifest(
  addr: string,
  repository: string,
  digest: string,
  authorization?: string,
): Promise<void> {
  assertLoopback(addr);
  const res = await fetch(`http://${addr}/v2/${repository}/manifests/${digest}`, {
    method: 'DELETE',
    headers: authorization ? { Authorization: authorization } : {},
  });
  if (res.status !== 202 && res.status !== 404)
    throw new Error(`DELETE manifest ${repository}@${digest}: HTTP ${res.status}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export interface AuthRegistry {
  addr: string;
  user: string;
  password: string;
  stop(): Promise<void>;
}

/**
 * A registry of this test's own, with htpasswd (bcrypt) auth, a fresh random password, on a
 * free 127.0.0.1 port, storing into a temporary directory. undefined (a skip) when
 * docker-registry or htpasswd is not installed; under CI=true, a failure.
 */
export async function startAuthRegistry(): Promise<AuthRegistry | undefined> {
  for (const tool of ['docker-registry', 'htpasswd']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) {
      return missing(
        `${tool} (for the registry credential tests)`,
        'Install it with `bash scripts/registry.sh` (docker-registry, apache2-utils).',
      );
    }
  }
  const dir = await mkdtemp(join(tmpdir(), 'harpoon-auth-registry-'));
  const user = 'harpoon-test';
  const password = `pw-${randomBytes(12).toString('hex')}`;
  const hashed = spawnSync('htpasswd', ['-niB', user], { input: password, encoding: 'utf8' });
  if (hashed.status !== 0) throw new Error(`htpasswd failed: ${hashed.stderr}`);
  await writeFile(join(dir, 'htpasswd'), hashed.stdout);
  const port = await freePort();
  const addr = `127.0.0.1:${port}`;
  await writeFile(
    join(dir, 'config.yml'),
    [
      'version: 0.1',
      'log:',
      '  level: warn',
      'storage:',
      '  filesystem:',
      `    rootdirectory: ${join(dir, 'storage')}`,
      'http:',
      `  addr: ${addr}`,
      'auth:',
      '  htpasswd:',
      '    realm: harpoon-test',
      `    path: ${join(dir, 'htpasswd')}`,
      '',
    ].join('\n'),
  );
  const child: ChildProcess = spawn('docker-registry', ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
    }
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 15_000;
  for (;;) {
    try {
      const res = await fetch(`http://${addr}/v2/`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 401) return { addr, user, password, stop };
    } catch {
      // not listening yet
    }
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`the auth registry did not start on ${addr}: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A docker config directory with `auths` for these registries; remove it with rm. */
export async function dockerConfigWith(entries: Record<string, unknown>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'harpoon-docker-config-'));
  await writeFile(join(dir, 'config.json'), JSON.stringify(entries, null, 2), { mode: 0o600 });
  return dir;
}

export function basicAuth(user: string, password: string): string {
  return Buffer.from(`${user}:${password}`).toString('base64');
}

/** An image FROM `base` with `mb` MB of random data in /data (and its tag in /tag): bytes for a transfer to move. */
export async function buildDataImage(client: Harpoon, base: string, tag: string, mb: number): Promise<string> {
  const { imageId } = await client.build({
    dockerfile: [`FROM ${base}`, `RUN head -c ${mb * 1024 * 1024} /dev/urandom > /data && echo ${tag} > /tag`],
    tags: tag,
    labels: testLabels,
  });
  return imageId;
}

/** The image's id on that engine, or undefined when it is not there. */
export async function imageIdOn(client: Harpoon, ref: string): Promise<string | undefined> {
  return (await client.imageExists(ref)) ? (await client.inspectImage(ref)).Id : undefined;
}

type EngineTest = (name: string, body: (client: Harpoon) => Promise<void>) => void;

/** Tests that need the registry (`it`), and the htpasswd registry too (`withAuth`); skipped when missing outside CI. */
export function registryGates(onEngine: EngineTest, hasRegistry: boolean, authRegistry: AuthRegistry | undefined) {
  const it = (name: string, body: (client: Harpoon) => Promise<void>): void => {
    if (hasRegistry) onEngine(name, body);
    else test.skip(name);
  };
  const withAuth = (name: string, body: (client: Harpoon, registry: AuthRegistry) => Promise<void>): void => {
    if (authRegistry) it(name, (client) => body(client, authRegistry));
    else test.skip(name);
  };
  return { it, withAuth };
}
