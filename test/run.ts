// `npm test`: build dist/ if stale, type-check, lint, then every uvu test file (unit → integration →
// interactive), each in its own process; the unit tests also on Node 22 and 24 under CI.
// Ends with one line: "N passed, N failed" (", N skipped" when any).
// Usage: tsx test/run.ts [FILTER]   (FILTER: a substring of the test file paths to run)
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureBuilt } from '../scripts/build.ts';

const root = join(import.meta.dirname, '..');
const filter = process.argv[2];
const groups = ['unit', 'integration', 'interactive'];

let passed = 0;
let failed = 0;
let skipped = 0;
const failures: string[] = [];

function runProcess(command: string, args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let output = '';
    const relay = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      process.stdout.write(chunk);
    };
    child.stdout.on('data', relay);
    child.stderr.on('data', relay);
    child.on('close', (code) => resolve({ code: code ?? 1, output }));
  });
}

const count = (output: string, label: string): number | undefined => {
  const match = new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm').exec(output.replace(/\x1b\[[0-9;]*m/g, ''));
  return match ? Number(match[1]) : undefined;
};

// The CLI's tests and the package test run dist/ (what the package ships): build it first.
ensureBuilt();

if (!filter) {
  console.log('# typecheck (tsc --noEmit)');
  const tsc = await runProcess(process.execPath, [
    join(root, 'node_modules/typescript/bin/tsc'),
    '--noEmit',
    '-p',
    root,
  ]);
  if (tsc.code === 0) passed++;
  else {
    failed++;
    failures.push('typecheck');
  }
  // One style (biome.jsonc): formatting and lint rules, so a drift fails the suite, not a review.
  console.log('# lint (biome check)');
  const lint = await runProcess(process.execPath, [join(root, 'node_modules/@biomejs/biome/bin/biome'), 'check', root]);
  if (lint.code === 0) passed++;
  else {
    failed++;
    failures.push('lint');
  }
}

/** Run one uvu file with `node` and count what it reports; `label` names it in the output. */
async function runFile(node: string, label: string, path: string): Promise<void> {
  console.log(`\n# ${label}`);
  const { code, output } = await runProcess(node, ['--import', 'tsx', path]);
  const total = count(output, 'Total');
  const ok = count(output, 'Passed');
  const skip = count(output, 'Skipped') ?? 0;
  if (total === undefined || ok === undefined) {
    // The file crashed before uvu could report: one failure, named.
    failed++;
    failures.push(`${label} (exit ${code}, no summary)`);
    return;
  }
  passed += ok;
  skipped += skip;
  // uvu's Total already leaves skipped tests out.
  const bad = total - ok;
  failed += bad;
  if (bad > 0 || code !== 0) {
    if (bad === 0) failed++;
    failures.push(label);
  }
}

/**
 * The other Node versions harpoon supports (22, 24: official binaries from the npm registry),
 * for the unit tests; under CI=true, or with HARPOON_TEST_NODES=1. Under CI a failure to get
 * them is a failure, never a skip.
 */
function otherNodes(): Array<{ major: string; path: string }> {
  if (process.env.CI !== 'true' && process.env.HARPOON_TEST_NODES !== '1') return [];
  const run = spawnSync('bash', [join(root, 'scripts/node-versions.sh'), '22', '24'], {
    encoding: 'utf8',
    timeout: 300_000,
  });
  if (run.status !== 0) {
    failed++;
    failures.push(`scripts/node-versions.sh (${run.stderr.trim().split('\n').pop()})`);
    return [];
  }
  return run.stdout
    .trim()
    .split('\n')
    .map((line) => {
      const [major, path] = line.split(' ');
      return { major: major!, path: path! };
    });
}

for (const group of groups) {
  const dir = join(root, 'test', group);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.test.ts'))
    .sort();
  const chosen = files.filter((file) => !filter || `test/${group}/${file}`.includes(filter));
  for (const file of chosen) await runFile(process.execPath, `test/${group}/${file}`, join(dir, file));
  if (group === 'unit' && chosen.length) {
    for (const node of otherNodes())
      for (const file of chosen) await runFile(node.path, `node ${node.major}: test/unit/${file}`, join(dir, file));
  }
}

if (failures.length) console.log(`\nFailed: ${failures.join(', ')}`);
console.log(`\n${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 ? 1 : 0);
