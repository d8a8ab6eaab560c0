// Readiness without an engine: the --wait flag, the checks' validation and descriptions,
// and reading /proc/net/tcp(6) for a listening port.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InvalidInputError, waitFor, type ReadyCheck } from 'harpoon';
import { describeCheck, listensOn, parseWaitFlag } from '../../src/launcher/readiness.ts';
import { checkReadyChecks, defaultReadyCheck } from '../../src/launcher/readiness.ts';

function invalid(fn: () => unknown, field: string): InvalidInputError {
  try {
    fn();
  } catch (err) {
    assert.instance(err, InvalidInputError, `expected an InvalidInputError for ${field}, got ${String(err)}`);
    assert.is((err as InvalidInputError).field, field);
    return err as InvalidInputError;
  }
  assert.unreachable(`expected an InvalidInputError for ${field}`);
  throw new Error('unreachable');
}

// --- parseWaitFlag ----------------------------------------------------------------------------

test('--wait http:/PATH → an HTTP check wanting 200', () => {
  assert.equal(parseWaitFlag('http:/'), { kind: 'http', path: '/' });
  assert.equal(parseWaitFlag('http:/healthz'), { kind: 'http', path: '/healthz' });
  assert.equal(parseWaitFlag('http:/api/v1/status?full=1'), { kind: 'http', path: '/api/v1/status?full=1' });
  // A colon in the path stays in the path.
  assert.equal(parseWaitFlag('http:/time/12:30'), { kind: 'http', path: '/time/12:30' });
});

test('--wait log:REGEX → a log check, once; colons belong to the regex', () => {
  const plain = parseWaitFlag('log:ready') as Extract<ReadyCheck, { kind: 'log' }>;
  assert.is(plain.kind, 'log');
  assert.instance(plain.pattern, RegExp);
  assert.is(plain.pattern.source, 'ready');
  assert.is(plain.pattern.flags, '');
  assert.is(plain.times, 1);

  const colons = parseWaitFlag('log:Listening on http://0.0.0.0:(\\d+)') as Extract<ReadyCheck, { kind: 'log' }>;
  assert.is(colons.pattern.source, 'Listening on http:\\/\\/0.0.0.0:(\\d+)');
  assert.ok(colons.pattern.test('INFO Listening on http://0.0.0.0:8080'));
  assert.not.ok(colons.pattern.test('Listening on http://0.0.0.0:'));

  const anchored = parseWaitFlag('log:^a:b:c$') as Extract<ReadyCheck, { kind: 'log' }>;
  assert.ok(anchored.pattern.test('a:b:c'));
  assert.not.ok(anchored.pattern.test('a'));
});

test('--wait port and port:N', () => {
  assert.equal(parseWaitFlag('port'), { kind: 'port' });
  assert.equal(parseWaitFlag('port:8080'), { kind: 'port', port: 8080 });
  assert.equal(parseWaitFlag('port:1'), { kind: 'port', port: 1 });
  assert.equal(parseWaitFlag('port:65535'), { kind: 'port', port: 65535 });
});

test('--wait healthy', () => {
  assert.equal(parseWaitFlag('healthy'), { kind: 'healthy' });
});

test('bad --wait values → InvalidInputError on --wait, quoting the value', () => {
  for (const text of [
    '',
    'http',
    'http:',
    'http:health',
    'HTTP:/',
    'log',
    'log:',
    'port:',
    'port:http',
    'port:80:81',
    'port:-1',
    'port:8o',
    'healthy:yes',
    'tcp:80',
    'ready',
  ]) {
    const err = invalid(() => parseWaitFlag(text), '--wait');
    assert.match(err.message, `"${text}"`);
  }
});

test('--wait log: with a broken regular expression → InvalidInputError on --wait', () => {
  const err = invalid(() => parseWaitFlag('log:([unclosed'), '--wait');
  assert.match(err.message, 'bad regular expression');
  assert.match(err.message, '"log:([unclosed"');
});

// Regression (was a bug): parseWaitFlag passed "port:0" / "port:70000" through checkReadyChecks,
// whose InvalidInputError names "ready[0].port": the CLI then printed "ready[0].port: ..." for a
// --wait flag (even for the third --wait), not "--wait".
test('--wait port:N out of range → InvalidInputError on --wait too', () => {
  for (const text of ['port:0', 'port:65536', 'port:99999']) {
    const err = invalid(() => parseWaitFlag(text), '--wait');
    assert.match(err.message, `"${text}"`);
    assert.match(err.message, 'is not a port (1-65535)');
  }
});

// --- checkReadyChecks ---------------------------------------------------------------------------

test('valid checks pass', () => {
  checkReadyChecks([]);
  checkReadyChecks([
    waitFor.http(),
    waitFor.http('/x', { status: 204, body: /ok/ }),
    waitFor.http('/x', { status: 'any', body: (b) => b.length > 0 }),
    waitFor.port(),
    waitFor.port(5432),
    waitFor.log('ready', 3),
    waitFor.healthy(),
    { kind: 'http', path: '/', status: 100 },
    { kind: 'http', path: '/', status: 599 },
  ]);
});

test('http: path must start with "/", status 100-599 or "any"', () => {
  invalid(() => checkReadyChecks([{ kind: 'http', path: 'health' }]), 'ready[0].path');
  invalid(() => checkReadyChecks([{ kind: 'http', path: '' }]), 'ready[0].path');
  invalid(() => checkReadyChecks([{ kind: 'http' } as ReadyCheck]), 'ready[0].path');
  for (const status of [99, 600, 200.5, 0, 'ok']) {
    invalid(() => checkReadyChecks([{ kind: 'http', path: '/', status: status as number }]), 'ready[0].status');
  }
});

test('port: 1-65535, integers only', () => {
  for (const port of [0, -1, 65536, 80.5]) invalid(() => checkReadyChecks([{ kind: 'port', port }]), 'ready[0].port');
});

test('log: pattern must be a RegExp, times an integer >= 1', () => {
  invalid(() => checkReadyChecks([{ kind: 'log', pattern: 'ready' as unknown as RegExp }]), 'ready[0].pattern');
  invalid(() => checkReadyChecks([{ kind: 'log', pattern: /x/, times: 0 }]), 'ready[0].times');
  invalid(() => checkReadyChecks([{ kind: 'log', pattern: /x/, times: 1.5 }]), 'ready[0].times');
});

test('unknown kinds, and the index of the failing check', () => {
  const err = invalid(() => checkReadyChecks([{ kind: 'tcp' } as unknown as ReadyCheck]), 'ready[0]');
  assert.match(err.message, 'unknown readiness check {"kind":"tcp"}');
  invalid(() => checkReadyChecks([null as unknown as ReadyCheck]), 'ready[0]');
  invalid(() => checkReadyChecks([waitFor.healthy(), waitFor.http(), { kind: 'http', path: 'x' }]), 'ready[2].path');
});

// --- describeCheck ----------------------------------------------------------------------------

test('describeCheck texts', () => {
  assert.is(describeCheck(waitFor.http(), 80), 'HTTP GET / answering 200');
  assert.is(describeCheck(defaultReadyCheck(), 80), 'HTTP GET / answering anything');
  assert.is(
    describeCheck(waitFor.http('/health', { status: 204, body: /ok/ }), 80),
    'HTTP GET /health answering 204 with a matching body',
  );
  assert.is(
    describeCheck(waitFor.http('/h', { status: 'any', body: () => true }), 80),
    'HTTP GET /h answering anything with a matching body',
  );
  assert.is(describeCheck(waitFor.port(), 8080), 'port 8080 listening inside the container');
  assert.is(describeCheck(waitFor.port(5432), 8080), 'port 5432 listening inside the container');
  assert.is(describeCheck(waitFor.log(/ready/), 80), 'log line /ready/');
  assert.is(describeCheck(waitFor.log('started on :\\d+', 3), 80), 'log line /started on :\\d+/ 3 times');
  assert.is(describeCheck(waitFor.healthy(), 80), 'healthcheck reporting healthy');
});

test('waitFor builders', () => {
  assert.equal(defaultReadyCheck(), { kind: 'http', path: '/', status: 'any' });
  assert.equal(waitFor.http(), { kind: 'http', path: '/' });
  assert.equal(waitFor.port(), { kind: 'port' });
  assert.equal(waitFor.log('a+b'), { kind: 'log', pattern: /a+b/, times: 1 });
});

// --- listensOn ----------------------------------------------------------------------------------

// As `cat /proc/net/tcp` prints it (trailing spaces included): nginx listening on 0.0.0.0:8080,
// an established connection 127.0.0.1:80 ↔ 127.0.0.1:41668, one to a remote :80 in TIME_WAIT.
const TCP = [
  '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     ',
  '   0: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 2371846 1 0000000000000000 100 0 0 10 0                     ',
  '   1: 0100007F:0050 0100007F:A2C4 01 00000000:00000000 00:00000000 00000000     0        0 2372004 1 0000000000000000 20 4 30 10 -1                   ',
  '   2: 0100007F:A2C4 0100007F:0050 01 00000000:00000000 00:00000000 00000000     0        0 2372003 1 0000000000000000 20 4 30 10 -1                   ',
  '   3: 0200000A:D3A0 5DB8D822:0050 06 00000000:00000000 03:00001773 00000000     0        0 0 3 0000000000000000                                      ',
  '',
].join('\n');

// `cat /proc/net/tcp6`: listening on [::]:80 and [::1]:5432, an established v4-mapped connection on :8443.
const TCP6 = [
  '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
  '   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2371847 1 0000000000000000 100 0 0 10 0',
  '   1: 00000000000000000000000001000000:1538 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000    70        0 2371900 1 0000000000000000 100 0 0 10 0',
  '   2: 0000000000000000FFFF00000100007F:20FB 0000000000000000FFFF00000100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 2372100 1 0000000000000000 20 4 0 10 -1',
  '',
].join('\n');

test('tcp: LISTEN (0A) on 8080 = 1F90; 80 = 0050 is only ESTABLISHED (01) or remote', () => {
  assert.ok(listensOn(TCP, 8080));
  assert.not.ok(listensOn(TCP, 80));
  assert.not.ok(listensOn(TCP, 41668), 'A2C4 is an established local port');
  assert.not.ok(listensOn(TCP, 54176), 'D3A0 is in TIME_WAIT');
});

test('tcp6: LISTEN on 80 (0050) and 5432 (1538); 8443 (20FB) only ESTABLISHED', () => {
  assert.ok(listensOn(TCP6, 80));
  assert.ok(listensOn(TCP6, 5432));
  assert.not.ok(listensOn(TCP6, 8443));
  assert.not.ok(listensOn(TCP6, 8080));
});

test('both files as `cat /proc/net/tcp /proc/net/tcp6` prints them', () => {
  const both = TCP + TCP6;
  for (const port of [80, 8080, 5432]) assert.ok(listensOn(both, port), `port ${port}`);
  for (const port of [443, 8443, 41668, 1]) assert.not.ok(listensOn(both, port), `port ${port}`);
});

test('port hex is padded to four digits and matched whole', () => {
  const row = (port: string, st = '0A') =>
    `   0: 00000000:${port} 00000000:0000 ${st} 00000000:00000000 00:00000000 00000000     0        0 1 1 0000000000000000 100 0 0 10 0`;
  assert.ok(listensOn(row('0005'), 5));
  assert.ok(listensOn(row('01BB'), 443));
  assert.ok(listensOn(row('FFFF'), 65535));
  assert.not.ok(listensOn(row('1050'), 80), '1050 is 4176, not 80');
  assert.not.ok(listensOn(row('0500'), 5));
  assert.not.ok(listensOn(row('01BB', '0B'), 443), 'CLOSING is not LISTEN');
  assert.not.ok(listensOn('', 80));
  assert.not.ok(listensOn('garbage\nmore garbage', 80));
});

test.run();
