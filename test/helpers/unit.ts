// Shared by the orchestrator integration tests: a config directory in a temp dir (unit files,
// an image folder with the host's static busybox), unique unit names, a runner that records
// every event with its time, and a cleanup that removes exactly what one unit made.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { HOST_BUSYBOX, type Container, type Harpoon } from 'harpoon';
import { runUnit, UnitRunError, type RunEvent, type RunUnitOptions } from '../../src/orchestrator/index.ts';
import { RUN_ID } from './engine.ts';

/** The Dockerfile lines of images/base (FROM scratch + busybox), for `build.dockerfile`. */
export const BASE_LINES = [
  'FROM scratch',
  'COPY busybox /bin/busybox',
  'RUN ["/bin/busybox", "--install", "-s", "/bin"]',
];

let seq = 0;
/** A unit name unique to this run and call (lowercase: it becomes image names). */
export function unitName(what: string): string {
  return `ho-${what}-${RUN_ID}-${++seq}`.toLowerCase();
}

/**
 * A config directory in a new temp dir: images/base/{Dockerfile,busybox} plus `files`
 * (paths relative to it, e.g. `units/U/start.yaml`). Returns its path.
 */
export function makeConf(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'harpoon-unit-test-'));
  mkdirSync(join(dir, 'images/base'), { recursive: true });
  writeFileSync(join(dir, 'images/base/Dockerfile'), `${BASE_LINES.join('\n')}\n`);
  copyFileSync(HOST_BUSYBOX, join(dir, 'images/base/busybox'));
  for (const [path, text] of Object.entries(files)) writeFile(dir, path, text);
  return dir;
}

export function writeFile(dir: string, path: string, text: string): void {
  mkdirSync(join(dir, path, '..'), { recursive: true });
  writeFileSync(join(dir, path), text.endsWith('\n') ? text : `${text}\n`);
}

export type TimedEvent = RunEvent & { at: number };
/** What runUnit resolves with: steps, checks and the loaded unit (its plan). */
export type UnitRunResult = Awaited<ReturnType<typeof runUnit>>;

export interface Recorded {
  result?: UnitRunResult;
  error?: UnitRunError;
  events: TimedEvent[];
  ms: number;
}

/** runUnit, recording every event with performance.now(); a UnitRunError is returned, anything else thrown. */
export async function runRecorded(
  client: Harpoon,
  target: string,
  confDir: string,
  options: RunUnitOptions = {},
): Promise<Recorded> {
  const events: TimedEvent[] = [];
  const started = performance.now();
  try {
    const result = await runUnit(client, target, {
      confDir,
      interactive: false,
      ...options,
      onEvent: (e) => events.push({ ...e, at: performance.now() }),
    });
    return { result, events, ms: performance.now() - started };
  } catch (err) {
    if (err instanceof UnitRunError) return { error: err, events, ms: performance.now() - started };
    throw err;
  }
}

/** runRecorded that must succeed; the failure's message otherwise. */
export async function runOk(
  client: Harpoon,
  target: string,
  confDir: string,
  options: RunUnitOptions = {},
): Promise<Recorded & { result: UnitRunResult }> {
  const r = await runRecorded(client, target, confDir, options);
  if (r.error) assert.unreachable(`${target} failed: ${r.error.message}`);
  return r as Recorded & { result: UnitRunResult };
}

/** The outcome line of each done step, by step number. */
export function outcomes(r: Recorded): Map<number, string> {
  return new Map(r.events.flatMap((e) => (e.type === 'step-done' ? [[e.step.number, e.outcome] as const] : [])));
}

/** Remove everything labelled harpoon.unit=<unit>, then the config dir; throws if anything is left. */
export async function dropUnit(client: Harpoon, unit: string, confDir?: string): Promise<void> {
  await client.removeManaged({ 'harpoon.unit': unit });
  const left = await client.listManaged({ 'harpoon.unit': unit });
  if (confDir) rmSync(confDir, { recursive: true, force: true });
  const count = left.containers.length + left.images.length + left.volumes.length + left.networks.length;
  if (count) throw new Error(`unit ${unit} left resources behind: ${JSON.stringify(left)}`);
}

/** Run `sh -c script` in a running container; must exit 0; returns stdout. */
export async function sh(container: Container, script: string): Promise<string> {
  const r = await container.exec(['sh', '-c', script]);
  assert.is(r.exitCode, 0, `${script}: exit ${r.exitCode}: ${r.stderr}`);
  return r.stdout;
}

/** Every entry under `root` (sorted), and the sha256 of every file, as seen inside the container. */
export async function treeDigest(container: Container, root: string): Promise<string> {
  return sh(container, `cd ${root} && find . | sort && find . -type f -exec sha256sum {} + | sort -k2`);
}

/** Container ids by engine name (absent names map to undefined). */
export async function idsOf(client: Harpoon, names: string[]): Promise<Record<string, string | undefined>> {
  const out: Record<string, string | undefined> = {};
  for (const name of names) {
    try {
      out[name] = (await client.container(name).inspect()).Id;
    } catch {
      out[name] = undefined;
    }
  }
  return out;
}
