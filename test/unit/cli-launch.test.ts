// The launch/launched commands without an engine: flags into a spec, and the listing table.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidInputError, type LaunchedInfo } from 'harpoon';
import { normalizeSpec } from '../../src/launcher/spec.ts';
import { parseFileFlag, specFromFlags, type LaunchFlags } from '../../src/cli/commands/launch.ts';
import { ago, launchedTable } from '../../src/cli/commands/launched.ts';
import { UsageError } from '../../src/cli/exit.ts';

const dir = mkdtempSync(join(tmpdir(), 'harpoon-cli-launch-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const flags = (more: Partial<LaunchFlags> = {}): LaunchFlags => ({ file: [], wait: [], env: [], label: [], ...more });

async function rejectsWith<E extends Error>(promise: Promise<unknown>, type: new (...args: never[]) => E): Promise<E> {
  try {
    await promise;
  } catch (err) {
    assert.instance(err, type, `expected ${type.name}, got ${String(err)}`);
    return err as E;
  }
  assert.unreachable(`expected ${type.name}`);
  throw new Error('unreachable');
}

function usage(fn: () => unknown): UsageError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, UsageError, `expected a UsageError, got ${String(err)}`);
    return err as UsageError;
  }
  assert.unreachable('expected a UsageError');
  throw new Error('unreachable');
}

// --- parseFileFlag ------------------------------------------------------------------------------

test('--file SRC and SRC:DEST', () => {
  assert.equal(parseFileFlag('data.csv'), { source: 'data.csv' });
  assert.equal(parseFileFlag('/home/ada/data.csv'), { source: '/home/ada/data.csv' });
  assert.equal(parseFileFlag('data.csv:/srv/in/data.csv'), { source: 'data.csv', path: '/srv/in/data.csv' });
  assert.equal(parseFileFlag('data.csv:tables/d.csv'), { source: 'data.csv', path: 'tables/d.csv' });
  // Only the first ":" splits.
  assert.equal(parseFileFlag('a.txt:/srv/x:y'), { source: 'a.txt', path: '/srv/x:y' });
});

test('--file bad forms → UsageError (exit 125)', () => {
  for (const item of [':', ':/srv/x', 'data.csv:']) {
    const err = usage(() => parseFileFlag(item));
    assert.is(err.message, `--file "${item}": expected SRC or SRC:DEST`);
    assert.is(err.exitCode, 125);
  }
});

// --- specFromFlags ------------------------------------------------------------------------------

test('no flags: just the image, empty files/env/labels', async () => {
  assert.equal(await specFromFlags('nginx:alpine', flags()), { image: 'nginx:alpine', files: [], env: {}, labels: {} });
});

test('every flag mapped', async () => {
  process.env.HARPOON_TEST_FROM_HOST = 'from-host';
  try {
    const spec = await specFromFlags(
      'app:1',
      flags({
        name: 'web-1',
        port: '8080',
        inputMode: 'file',
        inputPath: '/srv/input.json',
        file: ['a.csv', 'b.bin:/opt/b.bin'],
        wait: ['http:/health', 'log:listening on :(\\d+)', 'port:9000', 'healthy'],
        timeout: '2.5',
        mem: '512',
        memLimit: '1024',
        cpus: '1.5',
        env: ['A=1', 'B=x=y', 'HARPOON_TEST_FROM_HOST', 'HARPOON_TEST_UNSET_VARIABLE'],
        label: ['team=data', 'tier='],
        keepOnFailure: true,
      }),
    );
    assert.equal(spec, {
      image: 'app:1',
      name: 'web-1',
      containerPort: 8080,
      inputMode: 'file',
      inputPath: '/srv/input.json',
      files: [{ source: 'a.csv' }, { source: 'b.bin', path: '/opt/b.bin' }],
      env: { A: '1', B: 'x=y', HARPOON_TEST_FROM_HOST: 'from-host' },
      labels: { team: 'data', tier: '' },
      ready: [
        { kind: 'http', path: '/health' },
        { kind: 'log', pattern: /listening on :(\d+)/, times: 1 },
        { kind: 'port', port: 9000 },
        { kind: 'healthy' },
      ],
      readyTimeoutMs: 2500,
      memoryReservationMb: 512,
      memoryLimitMb: 1024,
      cpus: 1.5,
      keepOnFailure: true,
    });
  } finally {
    delete process.env.HARPOON_TEST_FROM_HOST;
  }
});

test('--timeout seconds → readyTimeoutMs, rounded up; 0 is a usage error', async () => {
  assert.is((await specFromFlags('x', flags({ timeout: '30' }))).readyTimeoutMs, 30_000);
  assert.is((await specFromFlags('x', flags({ timeout: '0.25' }))).readyTimeoutMs, 250);
  assert.is((await specFromFlags('x', flags({ timeout: '0.0004' }))).readyTimeoutMs, 1);
  assert.is((await specFromFlags('x', flags({ timeout: '1.0006' }))).readyTimeoutMs, 1001);
  const err = await specFromFlags('x', flags({ timeout: '0' })).catch((e: unknown) => e);
  assert.instance(err, UsageError);
  assert.match((err as Error).message, /--timeout 0: give a number of seconds > 0/);
});

test('numbers must be numbers >= 0 → UsageError naming the flag', async () => {
  const cases: Array<[Partial<LaunchFlags>, string]> = [
    [{ timeout: 'soon' }, '--timeout "soon" is not a number >= 0'],
    [{ timeout: '-1' }, '--timeout "-1" is not a number >= 0'],
    [{ port: 'http' }, '--port "http" is not a number >= 0'],
    [{ mem: '512m' }, '--mem "512m" is not a number >= 0'],
    [{ memLimit: '1g' }, '--mem-limit "1g" is not a number >= 0'],
    [{ cpus: 'Infinity' }, '--cpus "Infinity" is not a number >= 0'],
  ];
  for (const [more, message] of cases) {
    const err = await rejectsWith(specFromFlags('x', flags(more)), UsageError);
    assert.is(err.message, message);
  }
});

test('--mem → memoryReservationMb, --mem-limit → memoryLimitMb', async () => {
  const spec = await specFromFlags('x', flags({ mem: '256' }));
  assert.is(spec.memoryReservationMb, 256);
  assert.is(spec.memoryLimitMb, undefined);
  assert.is(normalizeSpec(spec).memoryReservationMb, 256);
});

test('a bad --wait → InvalidInputError on --wait', async () => {
  const err = await rejectsWith(specFromFlags('x', flags({ wait: ['http:/', 'tcp:80'] })), InvalidInputError);
  assert.is(err.field, '--wait');
});

test('--input FILE is read byte for byte into inputText', async () => {
  const bytes = Buffer.from(' {\r\n\t"name" : "Zoë 😀",\n  "n": 1.50 }\n\n', 'utf8');
  const file = join(dir, 'input.json');
  writeFileSync(file, bytes);
  const spec = await specFromFlags('x', flags({ input: file, inputMode: 'env' }));
  assert.ok(Buffer.isBuffer(spec.inputText));
  assert.is((spec.inputText as Buffer).toString('hex'), bytes.toString('hex'));
  assert.is(spec.inputMode, 'env');
  // ...and reaches the container as is.
  const normal = normalizeSpec(spec);
  assert.is(normal.env.INPUT_JSON, bytes.toString('utf8'));
  assert.ok(normal.inputBytes!.equals(bytes));
});

test('--input FILE that cannot be read → InvalidInputError on --input', async () => {
  const missing = join(dir, 'nope.json');
  const err = await rejectsWith(specFromFlags('x', flags({ input: missing })), InvalidInputError);
  assert.is(err.field, '--input');
  assert.is(err.message, `--input: cannot read ${missing}: ENOENT`);
});

test('--input-mode url with --input-url', async () => {
  const spec = await specFromFlags('x', flags({ inputMode: 'url', inputUrl: 'https://data.example/42.json' }));
  assert.is(spec.inputMode, 'url');
  assert.is(spec.inputUrl, 'https://data.example/42.json');
  assert.is(normalizeSpec(spec).env.INPUT_JSON_URL, 'https://data.example/42.json');
});

test('--input-mode url with --input → UsageError', async () => {
  const file = join(dir, 'url-input.json');
  writeFileSync(file, '{}');
  const err = await rejectsWith(
    specFromFlags('x', flags({ inputMode: 'url', inputUrl: 'https://d.example/', input: file })),
    UsageError,
  );
  assert.is(err.message, '--input-mode url takes --input-url, not --input');
});

// Regression (was a bug): the url/--input conflict was only checked after reading the input, so
// `--input -` waited for stdin to end (forever, at a terminal) and a missing --input file gave
// an unrelated read error instead of the usage error.
test('--input-mode url with --input: the usage error comes before reading the input', async () => {
  const err = await rejectsWith(
    specFromFlags('x', flags({ inputMode: 'url', input: join(dir, 'does-not-exist.json') })),
    UsageError,
  );
  assert.is(err.message, '--input-mode url takes --input-url, not --input');
});

// --- ago ----------------------------------------------------------------------------------------

test('ago: seconds, minutes, hours, days; rounded seconds, then floored units', () => {
  const now = Date.parse('2025-03-01T12:00:00Z');
  const before = (s: number) => new Date(now - s * 1000);
  assert.is(ago(before(0), now), '0s ago');
  assert.is(ago(before(59), now), '59s ago');
  assert.is(ago(before(59.4), now), '59s ago');
  assert.is(ago(before(59.6), now), '1m ago');
  assert.is(ago(before(60), now), '1m ago');
  assert.is(ago(before(119), now), '1m ago');
  assert.is(ago(before(3599), now), '59m ago');
  assert.is(ago(before(3600), now), '1h ago');
  assert.is(ago(before(86_399), now), '23h ago');
  assert.is(ago(before(86_400), now), '1d ago');
  assert.is(ago(before(40 * 86_400), now), '40d ago');
  assert.is(ago(before(-30), now), '0s ago', 'the future (clock skew) is "now"');
});

// --- launchedTable ------------------------------------------------------------------------------

const NOW = Date.parse('2025-03-01T12:00:00Z');

function info(more: Partial<LaunchedInfo>): LaunchedInfo {
  return {
    id: 'f'.repeat(64),
    name: 'x',
    url: undefined,
    hostPort: undefined,
    containerPort: 80,
    labels: {},
    image: 'nginx:alpine',
    state: 'running',
    memoryReservationMb: undefined,
    lastActivity: new Date(NOW),
    ...more,
  };
}

test('launchedTable: aligned columns, three spaces apart, no trailing spaces, "-" for missing', () => {
  const rows = [
    info({
      name: 'harpoon-1a2b3c4d',
      url: 'http://127.0.0.1:32768',
      hostPort: 32768,
      memoryReservationMb: 256,
      lastActivity: new Date(NOW - 5_000),
    }),
    info({ name: 'web', state: 'exited', lastActivity: new Date(NOW - 2 * 3600_000) }),
  ];
  const out = launchedTable(rows, NOW);
  assert.is(
    out,
    [
      'NAME               STATE     URL                      LAST ACTIVITY   MEM RESERVATION',
      'harpoon-1a2b3c4d   running   http://127.0.0.1:32768   5s ago          256 MB',
      'web                exited    -                        2h ago          -',
      '',
    ].join('\n'),
  );
});

test('launchedTable: no rows → the header alone', () => {
  assert.is(launchedTable([], NOW), 'NAME   STATE   URL   LAST ACTIVITY   MEM RESERVATION\n');
});

test('launchedTable: rows in the order given; fractional MB kept', () => {
  const out = launchedTable(
    [info({ name: 'b', memoryReservationMb: 0.5 }), info({ name: 'a', memoryReservationMb: 0 })],
    NOW,
  );
  assert.equal(out.split('\n'), [
    'NAME   STATE     URL   LAST ACTIVITY   MEM RESERVATION',
    'b      running   -     0s ago          0.5 MB',
    'a      running   -     0s ago          0 MB',
    '',
  ]);
});

test.run();
