// FileActivityStore in a temporary directory, and where the state directory is.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileActivityStore } from 'harpoon';
import { defaultStateDir } from '../../src/launcher/activity.ts';

const ID = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
const SHORT_ID = '3f2a9c1b7d4e';
const T0 = new Date('2025-03-01T12:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'harpoon-activity-'));
  dirs.push(dir);
  return dir;
}

test.after(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function rejects(promise: Promise<unknown>, pattern: string): Promise<void> {
  try {
    await promise;
  } catch (err) {
    assert.instance(err, Error);
    assert.match((err as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected a rejection matching ${pattern}`);
}

test('the constructor creates the directory, nested', () => {
  const dir = join(tempDir(), 'a', 'b', 'activity');
  const store = new FileActivityStore(dir);
  assert.is(store.dir, dir);
  assert.is(store.minIntervalMs, 1_000);
  assert.ok(statSync(dir).isDirectory());
});

test('unknown containers have no activity', async () => {
  const store = new FileActivityStore(tempDir());
  assert.is(await store.lastActivity(ID), undefined);
});

test('touch then lastActivity: now', async () => {
  const store = new FileActivityStore(tempDir());
  const before = Date.now();
  await store.touch(ID);
  const after = Date.now();
  const last = await store.lastActivity(ID);
  assert.instance(last, Date);
  // File times may be stored with less than millisecond precision: allow for a few ms.
  assert.ok(
    last!.getTime() >= before - 5 && last!.getTime() <= after + 5,
    `${last!.toISOString()} not within [${before}, ${after}]`,
  );
});

test('touch at an explicit time, one empty file per container named by its id', async () => {
  const dir = tempDir();
  const store = new FileActivityStore(dir);
  await store.touch(ID, T0);
  await store.touch(SHORT_ID, at(-3600));
  assert.is((await store.lastActivity(ID))?.toISOString(), '2025-03-01T12:00:00.000Z');
  assert.is((await store.lastActivity(SHORT_ID))?.toISOString(), '2025-03-01T11:00:00.000Z');
  assert.equal(readdirSync(dir).sort(), [ID, SHORT_ID].sort());
  assert.is(statSync(join(dir, ID)).size, 0);
});

test('throttling: touches within minIntervalMs of the last write are skipped', async () => {
  const store = new FileActivityStore(tempDir(), { minIntervalMs: 60_000 });
  assert.is(store.minIntervalMs, 60_000);
  await store.touch(ID, T0);
  await store.touch(ID, at(30));
  assert.is((await store.lastActivity(ID))?.toISOString(), T0.toISOString(), '30 s later: skipped');
  await store.touch(ID, at(-59));
  assert.is((await store.lastActivity(ID))?.toISOString(), T0.toISOString(), '59 s earlier: skipped too');
  await store.touch(ID, at(60));
  assert.is((await store.lastActivity(ID))?.toISOString(), at(60).toISOString(), '60 s later: written');
  await store.touch(ID, at(119));
  assert.is(
    (await store.lastActivity(ID))?.toISOString(),
    at(60).toISOString(),
    'measured from the last write, not the first',
  );
});

test('throttling is per container', async () => {
  const store = new FileActivityStore(tempDir(), { minIntervalMs: 60_000 });
  await store.touch(ID, T0);
  await store.touch(SHORT_ID, at(1));
  assert.is((await store.lastActivity(SHORT_ID))?.toISOString(), at(1).toISOString());
});

test('minIntervalMs 0: every touch is written', async () => {
  const store = new FileActivityStore(tempDir(), { minIntervalMs: 0 });
  await store.touch(ID, T0);
  await store.touch(ID, at(1));
  assert.is((await store.lastActivity(ID))?.toISOString(), at(1).toISOString());
});

test('forget removes the record and the throttle', async () => {
  const dir = tempDir();
  const store = new FileActivityStore(dir, { minIntervalMs: 60_000 });
  await store.touch(ID, T0);
  await store.forget(ID);
  assert.is(await store.lastActivity(ID), undefined);
  assert.equal(readdirSync(dir), []);
  // A touch right after is written, not throttled by the forgotten one.
  await store.touch(ID, at(1));
  assert.is((await store.lastActivity(ID))?.toISOString(), at(1).toISOString());
  // Forgetting what was never recorded is fine.
  await store.forget(SHORT_ID);
});

test('a directory removed under the store is made again on touch', async () => {
  const dir = join(tempDir(), 'activity');
  const store = new FileActivityStore(dir);
  rmSync(dir, { recursive: true });
  await store.touch(ID, T0);
  assert.is((await store.lastActivity(ID))?.toISOString(), T0.toISOString());
});

test('invalid ids are refused, so no path outside the directory is touched', async () => {
  const store = new FileActivityStore(tempDir());
  for (const bad of [
    '',
    'abc',
    '0123456789a',
    '0123456789ABCDEF',
    '../../etc/passwd',
    `${SHORT_ID}/x`,
    'web',
    'g123456789ab',
    `${ID}0`,
  ]) {
    await rejects(store.touch(bad), `not a container id: ${bad}`);
    await rejects(store.lastActivity(bad), 'not a container id');
    await rejects(store.forget(bad), 'not a container id');
  }
  assert.equal(readdirSync(store.dir), []);
});

test("two stores on one directory see each other's touches", async () => {
  const dir = tempDir();
  const proxy = new FileActivityStore(dir);
  const purger = new FileActivityStore(dir);
  await proxy.touch(ID, T0);
  assert.is((await purger.lastActivity(ID))?.toISOString(), T0.toISOString());
  await purger.touch(ID, at(600));
  assert.is((await proxy.lastActivity(ID))?.toISOString(), at(600).toISOString());
  await proxy.forget(ID);
  assert.is(await purger.lastActivity(ID), undefined);
});

// --- defaultStateDir ----------------------------------------------------------------------------

test('defaultStateDir: HARPOON_STATE_DIR first', () => {
  assert.is(
    defaultStateDir({ HARPOON_STATE_DIR: '/srv/harpoon-state', XDG_STATE_HOME: '/home/ada/.xdg-state' }),
    '/srv/harpoon-state',
  );
});

test('defaultStateDir: then $XDG_STATE_HOME/harpoon', () => {
  assert.is(defaultStateDir({ XDG_STATE_HOME: '/home/ada/.xdg-state' }), '/home/ada/.xdg-state/harpoon');
  assert.is(defaultStateDir({ HARPOON_STATE_DIR: '', XDG_STATE_HOME: '/x' }), '/x/harpoon');
});

test('defaultStateDir: else ~/.local/state/harpoon', () => {
  assert.is(defaultStateDir({}), join(homedir(), '.local', 'state', 'harpoon'));
  assert.is(defaultStateDir({ XDG_STATE_HOME: '' }), join(homedir(), '.local', 'state', 'harpoon'));
});

test.run();
