// The `harpoon` executable runs a bundle of the CLI (esbuild, split per command), rebuilt when
// the sources change, and falls back to tsx: both must behave the same.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'src', 'cli', 'bin.js');
const harpoon = (args: string[], env: NodeJS.ProcessEnv = {}) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });

function newestSource(): number {
  let newest = statSync(join(ROOT, 'package.json')).mtimeMs;
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|js)$/.test(entry.name)) newest = Math.max(newest, statSync(path).mtimeMs);
    }
  };
  walk(join(ROOT, 'src'));
  return newest;
}

test('the bundle and tsx print the same help, errors and exit codes', () => {
  for (const args of [['--help'], ['help', 'unit'], ['unit', 'run', '--help'], ['nosuchcommand'], ['build', '--nosuchflag']]) {
    const bundled = harpoon(args);
    const fromSource = harpoon(args, { HARPOON_NO_BUNDLE: '1' });
    assert.is(bundled.status, fromSource.status, args.join(' '));
    assert.is(bundled.stdout, fromSource.stdout, args.join(' '));
    assert.is(bundled.stderr, fromSource.stderr, args.join(' '));
  }
});

test('the bundle is kept under node_modules/.cache/harpoon/<newest source mtime>, per command chunks', () => {
  assert.is(harpoon(['--help']).status, 0);
  const dir = join(ROOT, 'node_modules', '.cache', 'harpoon', Math.floor(newestSource()).toString(36));
  assert.ok(existsSync(join(dir, 'main.js')), `${dir}/main.js`);
  const files = readdirSync(dir);
  assert.ok(files.some((f) => f.startsWith('unit-')), `a chunk for the unit command in ${files.join(' ')}`);
  assert.ok(files.length > 5, 'split into chunks');
});

test('--version needs neither the bundle nor tsx', () => {
  const run = harpoon(['--version']);
  assert.is(run.status, 0);
  assert.match(run.stdout, /^\d+\.\d+\.\d+\n$/);
});

test.run();
