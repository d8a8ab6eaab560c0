// normalizeSpec: the launch spec's defaults and every check made before anything is created.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InputTooLargeError, InvalidInputError, MANAGED_LABEL, waitFor, type LaunchSpec } from 'harpoon';
import { INPUT_JSON_ENV_LIMIT, ENV_STRING_LIMIT } from '../../src/launcher/errors.ts';
import { LAUNCHER_LABEL, SESSION_LABEL } from '../../src/launcher/labels.ts';
import {
  normalizeSpec,
  DEFAULT_FILES_DIR,
  DEFAULT_INPUT_PATH,
  DEFAULT_READY_TIMEOUT_MS,
} from '../../src/launcher/spec.ts';

const IMAGE = 'nginx:alpine';

function invalid(spec: LaunchSpec, field: string): InvalidInputError {
  try {
    normalizeSpec(spec);
  } catch (err) {
    assert.instance(err, InvalidInputError, `expected an InvalidInputError for ${field}, got ${String(err)}`);
    const e = err as InvalidInputError;
    assert.is(e.field, field);
    assert.is(e.code, 'INVALID_INPUT');
    assert.ok(e.message.startsWith(`${field}: `), e.message);
    return e;
  }
  assert.unreachable(`expected an InvalidInputError for ${field}`);
  throw new Error('unreachable');
}

// --- defaults -----------------------------------------------------------------------------

test('the defaults, all of them', () => {
  const n = normalizeSpec({ image: IMAGE });
  assert.match(n.name, /^harpoon-[0-9a-f]{8}$/);
  assert.equal(n, {
    image: IMAGE,
    name: n.name,
    containerPort: 80,
    hostPort: 0,
    hostIp: '127.0.0.1',
    inputBytes: undefined,
    inputMode: 'file',
    inputPath: '/tmp/input.json',
    inputUrl: undefined,
    files: [],
    env: {},
    labels: {},
    memoryReservationMb: undefined,
    memoryLimitMb: undefined,
    cpus: undefined,
    writableDirs: [],
    network: undefined,
    cmd: undefined,
    healthcheck: undefined,
    ready: [{ kind: 'http', path: '/', status: 'any' }],
    readyTimeoutMs: 60_000,
    keepOnFailure: false,
  });
  assert.is(DEFAULT_INPUT_PATH, '/tmp/input.json');
  assert.is(DEFAULT_FILES_DIR, '/tmp/input-files');
  assert.is(DEFAULT_READY_TIMEOUT_MS, 60_000);
});

test('generated names differ from launch to launch', () => {
  const names = new Set(Array.from({ length: 20 }, () => normalizeSpec({ image: IMAGE }).name));
  assert.is(names.size, 20);
});

test('given values are kept', () => {
  const n = normalizeSpec({
    image: IMAGE,
    name: 'web_1.test-x',
    containerPort: 8080,
    hostPort: 65535,
    hostIp: '0.0.0.0',
    memoryReservationMb: 256,
    memoryLimitMb: 512,
    cpus: 0.5,
    network: 'apps',
    cmd: ['python', '-m', 'http.server'],
    ready: waitFor.healthy(),
    readyTimeoutMs: 1,
    keepOnFailure: true,
    writableDirs: ['/data', '/var/cache/../run'],
  });
  assert.is(n.name, 'web_1.test-x');
  assert.is(n.containerPort, 8080);
  assert.is(n.hostPort, 65535);
  assert.is(n.hostIp, '0.0.0.0');
  assert.is(n.memoryReservationMb, 256);
  assert.is(n.memoryLimitMb, 512);
  assert.is(n.cpus, 0.5);
  assert.is(n.network, 'apps');
  assert.equal(n.cmd, ['python', '-m', 'http.server']);
  assert.equal(n.ready, [{ kind: 'healthy' }], 'one check becomes a list of one');
  assert.is(n.readyTimeoutMs, 1);
  assert.is(n.keepOnFailure, true);
  assert.equal(n.writableDirs, ['/data', '/var/run']);
});

test('ready: false means no checks; an array is kept as given', () => {
  assert.equal(normalizeSpec({ image: IMAGE, ready: false }).ready, []);
  const both = [waitFor.http('/health'), waitFor.log(/listening/, 2)];
  assert.equal(normalizeSpec({ image: IMAGE, ready: both }).ready, [
    { kind: 'http', path: '/health' },
    { kind: 'log', pattern: /listening/, times: 2 },
  ]);
});

// --- validation: one field each ---------------------------------------------------------------

test('image: missing or empty', () => {
  invalid({} as LaunchSpec, 'image');
  invalid({ image: '' }, 'image');
  invalid({ image: 42 } as unknown as LaunchSpec, 'image');
});

test('name: characters docker refuses', () => {
  for (const name of ['my app', '-leading-dash', '.dot', 'a/b', 'ümlaut', 'x:y', '']) {
    const err = invalid({ image: IMAGE, name }, 'name');
    assert.match(err.message, `"${name}"`);
  }
});

test('containerPort: 1-65535, integers only', () => {
  for (const containerPort of [0, -1, 65536, 80.5, Number.NaN])
    invalid({ image: IMAGE, containerPort }, 'containerPort');
  assert.is(normalizeSpec({ image: IMAGE, containerPort: 1 }).containerPort, 1);
  assert.is(normalizeSpec({ image: IMAGE, containerPort: 65535 }).containerPort, 65535);
});

test('hostPort: 0-65535, integers only', () => {
  for (const hostPort of [-1, 65536, 1.5, Number.POSITIVE_INFINITY]) invalid({ image: IMAGE, hostPort }, 'hostPort');
  assert.is(normalizeSpec({ image: IMAGE, hostPort: 0 }).hostPort, 0);
});

test('inputMode: only file, env, url', () => {
  const err = invalid({ image: IMAGE, inputMode: 'stdin' as never }, 'inputMode');
  assert.match(err.message, '"stdin"');
  for (const inputMode of ['file', 'env', 'url'] as const) {
    const extra = inputMode === 'url' ? { inputUrl: 'http://x.example/' } : {};
    assert.is(normalizeSpec({ image: IMAGE, inputMode, ...extra }).inputMode, inputMode);
  }
});

test('input and inputText together are refused', () => {
  invalid({ image: IMAGE, input: { a: 1 }, inputText: '{"a":1}' }, 'input');
});

test('inputText must be JSON', () => {
  invalid({ image: IMAGE, inputText: '{"a":' }, 'inputText');
  invalid({ image: IMAGE, inputText: '' }, 'inputText');
  invalid({ image: IMAGE, inputText: Buffer.from("{'single': 'quotes'}") }, 'inputText');
});

test('input that JSON cannot serialize is refused', () => {
  invalid({ image: IMAGE, input: () => 1 }, 'input');
  invalid({ image: IMAGE, input: Symbol('x') }, 'input');
});

test('url mode: needs inputUrl, refuses input, needs a URL', () => {
  invalid({ image: IMAGE, inputMode: 'url' }, 'inputUrl');
  invalid({ image: IMAGE, inputMode: 'url', inputUrl: '' }, 'inputUrl');
  invalid({ image: IMAGE, inputMode: 'url', inputUrl: 'http://x.example/in.json', input: [1] }, 'input');
  invalid({ image: IMAGE, inputMode: 'url', inputUrl: 'http://x.example/in.json', inputText: '[1]' }, 'input');
  const bad = invalid({ image: IMAGE, inputMode: 'url', inputUrl: 'not a url' }, 'inputUrl');
  assert.match(bad.message, '"not a url"');
});

test('inputUrl outside url mode is refused', () => {
  const err = invalid({ image: IMAGE, inputUrl: 'http://x.example/in.json' }, 'inputUrl');
  assert.match(err.message, '"file"');
  invalid({ image: IMAGE, inputMode: 'env', inputUrl: 'http://x.example/in.json' }, 'inputUrl');
});

test('env: names must be non-empty and without "=", values strings', () => {
  invalid({ image: IMAGE, env: { 'A=B': 'x' } }, 'env.A=B');
  invalid({ image: IMAGE, env: { '': 'x' } }, 'env.');
  invalid({ image: IMAGE, env: { COUNT: 5 as unknown as string } }, 'env.COUNT');
});

test("env: INPUT_JSON and INPUT_JSON_URL are the launcher's", () => {
  invalid({ image: IMAGE, env: { INPUT_JSON: '{}' } }, 'env.INPUT_JSON');
  invalid({ image: IMAGE, inputMode: 'env', input: {}, env: { INPUT_JSON: '{}' } }, 'env.INPUT_JSON');
  invalid({ image: IMAGE, env: { INPUT_JSON_URL: 'http://x.example/' } }, 'env.INPUT_JSON_URL');
});

test('labels: harpoon, harpoon.launcher and harpoon.launcher.* are reserved', () => {
  for (const key of [MANAGED_LABEL, LAUNCHER_LABEL, `${LAUNCHER_LABEL}.x`, SESSION_LABEL]) {
    const err = invalid({ image: IMAGE, labels: { app: 'ok', [key]: 'true' } }, `labels.${key}`);
    assert.match(err.message, `"${key}"`);
  }
  assert.equal(
    ['harpoon', 'harpoon.launcher', 'harpoon.launcher.session'],
    [MANAGED_LABEL, LAUNCHER_LABEL, SESSION_LABEL],
  );
  // Look-alikes are the caller's.
  const labels = { 'harpoon.launcherx': '1', harpoonish: '2', app: 'web' };
  assert.equal(normalizeSpec({ image: IMAGE, labels }).labels, labels);
});

test('files: exactly one of source or content', () => {
  invalid({ image: IMAGE, files: [{ path: '/a' }] }, 'files[0]');
  invalid({ image: IMAGE, files: [{ source: '/host/a', content: 'a' }] }, 'files[0]');
  invalid({ image: IMAGE, files: [{ content: 'fine', path: 'ok.txt' }, { path: '/b' }] }, 'files[1]');
});

test('files: content needs a path', () => {
  invalid({ image: IMAGE, files: [{ content: 'x' }] }, 'files[0].path');
  invalid({ image: IMAGE, files: [{ content: 'x', path: '' }] }, 'files[0].path');
  invalid({ image: IMAGE, files: [{ content: 'x', path: '/' }] }, 'files[0].path');
  invalid({ image: IMAGE, files: [{ content: 'x', path: 'a', mode: -1 }] }, 'files[0].mode');
});

test('files: relative paths land under filesDir, absolute ones stay', () => {
  const n = normalizeSpec({
    image: IMAGE,
    files: [
      { source: '/host/data/table.csv' },
      { source: 'C:\\Users\\ada\\notes.txt' },
      { content: 'hello', path: 'conf/app.ini' },
      { content: Buffer.from([0, 1, 2]), path: '/etc/app/blob.bin', mode: 0o600 },
      { source: 'relative/host.txt', path: '/opt/host.txt' },
    ],
  });
  assert.equal(n.files, [
    { path: '/tmp/input-files/table.csv', mode: 0o644, source: '/host/data/table.csv' },
    { path: '/tmp/input-files/notes.txt', mode: 0o644, source: 'C:\\Users\\ada\\notes.txt' },
    { path: '/tmp/input-files/conf/app.ini', mode: 0o644, content: Buffer.from('hello') },
    { path: '/etc/app/blob.bin', mode: 0o600, content: Buffer.from([0, 1, 2]) },
    { path: '/opt/host.txt', mode: 0o644, source: 'relative/host.txt' },
  ]);
});

test('files: another filesDir', () => {
  const n = normalizeSpec({ image: IMAGE, filesDir: '/srv/in/', files: [{ content: 'x', path: 'a.txt' }] });
  assert.is(n.files[0]!.path, '/srv/in/a.txt');
  invalid({ image: IMAGE, filesDir: 'in' }, 'filesDir');
  invalid({ image: IMAGE, filesDir: '/' }, 'filesDir');
});

test('inputPath must be absolute (and is normalized)', () => {
  invalid({ image: IMAGE, inputPath: 'input.json' }, 'inputPath');
  invalid({ image: IMAGE, inputPath: './tmp/input.json' }, 'inputPath');
  assert.is(normalizeSpec({ image: IMAGE, inputPath: '/srv//app/../in.json' }).inputPath, '/srv/in.json');
});

test('writableDirs must be absolute', () => {
  invalid({ image: IMAGE, writableDirs: ['/data', 'cache'] }, 'writableDirs[1]');
  invalid({ image: IMAGE, writableDirs: ['/'] }, 'writableDirs[0]');
});

test('memory, cpus: numbers >= 0', () => {
  invalid({ image: IMAGE, memoryReservationMb: -1 }, 'memoryReservationMb');
  invalid({ image: IMAGE, memoryLimitMb: Number.NaN }, 'memoryLimitMb');
  invalid({ image: IMAGE, memoryLimitMb: '512' as unknown as number }, 'memoryLimitMb');
  invalid({ image: IMAGE, cpus: -0.5 }, 'cpus');
  assert.is(normalizeSpec({ image: IMAGE, memoryReservationMb: 0 }).memoryReservationMb, 0);
});

test('readyTimeoutMs: an integer >= 1', () => {
  invalid({ image: IMAGE, readyTimeoutMs: 0 }, 'readyTimeoutMs');
  invalid({ image: IMAGE, readyTimeoutMs: 1.5 }, 'readyTimeoutMs');
  invalid({ image: IMAGE, readyTimeoutMs: -100 }, 'readyTimeoutMs');
});

test('ready checks are checked too', () => {
  invalid({ image: IMAGE, ready: { kind: 'http', path: 'health' } }, 'ready[0].path');
  invalid({ image: IMAGE, ready: [waitFor.healthy(), waitFor.port(70000)] }, 'ready[1].port');
});

// --- the input's bytes ----------------------------------------------------------------------

test('inputText is kept byte for byte (odd whitespace, key order, escapes)', () => {
  const text = ' \t{ "b" :1,\r\n  "a":[ 1.50 , "\\u00e9" ]}\n\n';
  const n = normalizeSpec({ image: IMAGE, inputText: text });
  assert.ok(Buffer.isBuffer(n.inputBytes));
  assert.is(n.inputBytes!.toString('hex'), Buffer.from(text, 'utf8').toString('hex'));
});

test('an inputText Buffer is kept byte for byte', () => {
  const bytes = Buffer.concat([Buffer.from('{"name":"'), Buffer.from('Zoë 😀', 'utf8'), Buffer.from('"   }\r\n')]);
  const n = normalizeSpec({ image: IMAGE, inputText: bytes });
  assert.ok(n.inputBytes!.equals(bytes));
  assert.is(n.inputBytes!.length, bytes.length);
});

test('an input value is serialized with JSON.stringify', () => {
  const input = { b: 1, a: [1.5, 'é'], nested: { ok: true, nothing: null }, skipped: undefined };
  const n = normalizeSpec({ image: IMAGE, input });
  assert.is(n.inputBytes!.toString('utf8'), '{"b":1,"a":[1.5,"é"],"nested":{"ok":true,"nothing":null}}');
  assert.is(normalizeSpec({ image: IMAGE, input: null }).inputBytes!.toString(), 'null');
  assert.is(normalizeSpec({ image: IMAGE, input: 'text' }).inputBytes!.toString(), '"text"');
});

test('file mode: the bytes go to the file, not to the environment', () => {
  const n = normalizeSpec({ image: IMAGE, input: { a: 1 }, env: { MODE: 'x' } });
  assert.equal(n.env, { MODE: 'x' });
  assert.is(n.inputBytes!.toString(), '{"a":1}');
});

test("env mode: INPUT_JSON is the input, byte for byte; the caller's env object is not changed", () => {
  const callerEnv = { LANG: 'C.UTF-8' };
  const text = '{ "greeting" : "grüß dich" }\n';
  const n = normalizeSpec({ image: IMAGE, inputMode: 'env', inputText: text, env: callerEnv });
  assert.equal(n.env, { LANG: 'C.UTF-8', INPUT_JSON: text });
  assert.equal(callerEnv, { LANG: 'C.UTF-8' });
  assert.equal(normalizeSpec({ image: IMAGE, inputMode: 'env', input: [1, 2] }).env, { INPUT_JSON: '[1,2]' });
});

test('env mode without input: no INPUT_JSON at all', () => {
  const n = normalizeSpec({ image: IMAGE, inputMode: 'env' });
  assert.equal(n.env, {});
  assert.is(n.inputBytes, undefined);
});

test('env mode: the limit is 131060 bytes (131072 per "NAME=value" string, minus "INPUT_JSON=" and the NUL)', () => {
  assert.is(INPUT_JSON_ENV_LIMIT, 131_060);
  assert.is(ENV_STRING_LIMIT, 131_072);
  // '"' + x * (limit - 2) + '"': exactly at the limit.
  const atLimit = `"${'x'.repeat(INPUT_JSON_ENV_LIMIT - 2)}"`;
  assert.is(Buffer.byteLength(atLimit), 131_060);
  const n = normalizeSpec({ image: IMAGE, inputMode: 'env', inputText: atLimit });
  assert.is(n.env.INPUT_JSON, atLimit);
  assert.is(n.inputBytes!.length, 131_060);
  // The same through `input`: JSON.stringify adds the quotes.
  assert.is(
    normalizeSpec({ image: IMAGE, inputMode: 'env', input: 'x'.repeat(131_058) }).env.INPUT_JSON!.length,
    131_060,
  );
});

test('env mode: one byte over the limit → InputTooLargeError', () => {
  const over = `"${'x'.repeat(INPUT_JSON_ENV_LIMIT - 1)}"`;
  try {
    normalizeSpec({ image: IMAGE, inputMode: 'env', inputText: over });
    assert.unreachable('expected InputTooLargeError');
  } catch (err) {
    assert.instance(err, InputTooLargeError);
    const e = err as InputTooLargeError;
    assert.is(e.bytes, 131_061);
    assert.is(e.limit, 131_060);
    assert.is(e.code, 'INPUT_TOO_LARGE');
    assert.match(e.message, '131061 bytes');
    assert.match(e.message, 'inputMode "file"');
  }
  // The same input is fine as a file.
  assert.is(normalizeSpec({ image: IMAGE, inputText: over }).inputBytes!.length, 131_061);
});

test('env mode: the limit counts UTF-8 bytes, not characters', () => {
  // "é" is 2 bytes: 65529 of them plus the quotes are 131060 bytes but only 65531 characters.
  const atLimit = { image: IMAGE, inputMode: 'env' as const, input: 'é'.repeat(65_529) };
  assert.is(normalizeSpec(atLimit).env.INPUT_JSON!.length, 65_531);
  assert.is(Buffer.byteLength(normalizeSpec(atLimit).env.INPUT_JSON!), 131_060);
  const overBy1 = { ...atLimit, input: `${'é'.repeat(65_529)}x` };
  try {
    normalizeSpec(overBy1);
    assert.unreachable('expected InputTooLargeError');
  } catch (err) {
    assert.instance(err, InputTooLargeError);
    assert.is((err as InputTooLargeError).bytes, 131_061);
  }
  // 4-byte emoji (2 UTF-16 units each): 32764 of them + quotes = 131058 bytes, fits; one more does not.
  assert.ok(normalizeSpec({ image: IMAGE, inputMode: 'env', inputText: `"${'😀'.repeat(32_764)}"` }));
  try {
    normalizeSpec({ image: IMAGE, inputMode: 'env', inputText: `"${'😀'.repeat(32_765)}"` });
    assert.unreachable('expected InputTooLargeError');
  } catch (err) {
    assert.instance(err, InputTooLargeError);
    assert.is((err as InputTooLargeError).bytes, 131_062);
  }
});

test('url mode: INPUT_JSON_URL is the inputUrl, no input bytes', () => {
  const inputUrl = 'https://data.example:8443/inputs/42.json?token=a%20b';
  const n = normalizeSpec({ image: IMAGE, inputMode: 'url', inputUrl, env: { A: '1' } });
  assert.equal(n.env, { A: '1', INPUT_JSON_URL: inputUrl });
  assert.is(n.inputUrl, inputUrl);
  assert.is(n.inputBytes, undefined);
});

test.run();
