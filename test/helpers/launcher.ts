// Shared by the launcher test files: a private state directory, the test web app, names and
// labels per test case, and HTTP to launched apps (loopback only).
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { Launcher, type Labels } from 'harpoon';
import { buildWebapp } from '../../lessons/webapp.ts';
import { engineTests } from './integration.ts';
import { RUN_ID, testLabels } from './engine.ts';

/** The web app image (lessons/webapp.ts) under this run's tag. */
export const TEST_WEBAPP = `harpoon-test-webapp:${RUN_ID}`;

/**
 * A fresh HARPOON_STATE_DIR for this process (activity records), set before any Launcher
 * exists; `remove()` deletes it at the end.
 */
export function privateStateDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  process.env.HARPOON_STATE_DIR = dir;
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Container names unique to this run: `<prefix>-<run>-<what>-<n>`. */
export function namer(prefix: string): (what: string) => string {
  let counter = 0;
  return (what) => `${prefix}-${RUN_ID}-${what}-${++counter}`;
}

/** Labels for one test case, so listings and purges can be scoped to it. */
export const caseLabels = (what: string): Labels => ({ ...testLabels, 'harpoon.test.case': `${what}-${RUN_ID}` });

/** GET `path` of a launched app (only ever on 127.0.0.1); the body as bytes. */
export function fetchBytes(base: string, path = ''): Promise<{ status: number; body: Buffer }> {
  const target = new URL(path, base);
  assert.is(target.hostname, '127.0.0.1', `apps are reached on loopback only (${base})`);
  return new Promise((resolve, reject) => {
    const req = http.get(target, { agent: false, timeout: 5_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${target} timed out`)));
    req.on('error', reject);
  });
}

export async function fetchText(base: string, path = ''): Promise<{ status: number; body: string }> {
  const { status, body } = await fetchBytes(base, path);
  return { status, body: body.toString('utf8') };
}

/**
 * engineTests for a launcher test file: a private state directory (set before any Launcher
 * exists), the web app built once, and one Launcher labelled with this run's test label,
 * handed to `onLauncher`; at the end the launcher is closed and the directory removed.
 */
export async function launcherTests(prefix: string, onLauncher: (launcher: Launcher) => void) {
  const state = privateStateDir(prefix);
  let launcher: Launcher | undefined;
  const it = await engineTests({
    ready: async (client) => {
      await buildWebapp(client, { tag: TEST_WEBAPP, labels: testLabels });
      launcher = new Launcher(client, { labels: testLabels });
      onLauncher(launcher);
    },
    after: async () => {
      await launcher?.close();
      state.remove();
    },
  });
  return { it, stateDir: state.dir };
}
