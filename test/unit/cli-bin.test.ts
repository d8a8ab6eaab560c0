// The `harpoon` executable is dist/cli/bin.js, plain JavaScript compiled from src/ (no bundling,
// no compiling and no writing anywhere at run time); the sources run through tsx give the same
// answers, so what the tests exercise in dist/ is what the code says.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ensureBuilt } from '../../scripts/build.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'cli', 'bin.js');
ensureBuilt();
const built = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
const fromSource = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'src/cli/main.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
  });

test('the built executable and the sources print the same help, errors and exit codes', () => {
  for (const args of [
    ['--help'],
    ['help', 'unit'],
    ['unit', 'run', '--help'],
    ['nosuchcommand'],
    ['build', '--nosuchflag'],
  ]) {
    const a = built(args);
    const b = fromSource(args);
    assert.is(a.status, b.status, args.join(' '));
    assert.is(a.stdout, b.stdout, args.join(' '));
    assert.is(a.stderr, b.stderr, args.join(' '));
  }
});

test('the executable is plain JavaScript with a shebang, and loads no TypeScript', () => {
  const text = readFileSync(BIN, 'utf8');
  assert.ok(text.startsWith('#!/usr/bin/env node\n'));
  // Plain node, no loader, from another folder: a .ts import would fail with ERR_UNKNOWN_FILE_EXTENSION.
  const run = spawnSync(process.execPath, [BIN, 'unit', '--help'], {
    cwd: '/',
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  assert.is(run.status, 0, run.stderr);
  assert.not.ok(existsSync(join(ROOT, 'node_modules', '.cache', 'harpoon')), 'no bundle cache is written');
});

test('--version reads package.json only', () => {
  const run = built(['--version']);
  assert.is(run.status, 0);
  assert.is(run.stdout, `${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}\n`);
});

test.run();
